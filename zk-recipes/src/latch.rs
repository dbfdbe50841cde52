//! Leader election by latch: Curator's `LeaderLatch` protocol and node layout, so Rust and
//! Java participants on one path elect one leader among them.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use zk_client::{Client, CreateMode, CreateOptions, EventType, RetryPolicy, SessionEvent};

use crate::error::Error;
use crate::guard::LossPolicy;
use crate::layout::sort_key;
use crate::retried::{children, delete_node, Cleanup};

/// The lock name of Curator's `LeaderLatch`: nodes are `<path>/_c_<uuid>-latch-<sequence>`.
pub const CURATOR_LATCH_NAME: &str = "latch-";

/// This participant's leadership: whether it leads, and which term it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Leadership {
    /// Whether it leads now.
    pub is_leader: bool,
    /// How many times it has gained leadership (0 before the first time). A leader that
    /// sees a later term than the one it started in has lost leadership meanwhile, however
    /// briefly, even if it leads again.
    pub term: u64,
}

/// A participant of an election, as its node tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// Its id (the node's data, UTF-8 as Curator writes it).
    pub id: String,
    /// Whether it is the leader (the first in the queue).
    pub is_leader: bool,
    /// Its node, relative to the client's chroot.
    pub node: String,
}

/// A participant in a leader election on `path` with Curator's `LeaderLatch` layout: each
/// participant has a protected ephemeral-sequential node `<path>/_c_<uuid>-latch-<sequence>`
/// holding its id, the first in sequence order leads, the others each watch the node before
/// theirs. [`LeaderLatch::start`] joins and returns a running [`Latch`].
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// let latch = zk_recipes::LeaderLatch::new(client, "/app/leader", "worker-7")?
///     .start()
///     .await?;
/// latch.wait_leadership().await?;
/// let mut leadership = latch.leadership();
/// let term = leadership.borrow().term;
/// // ... lead, until leadership is lost (or a later term shows it was, briefly) ...
/// let _ = leadership.wait_for(|l| !l.is_leader || l.term != term).await;
/// latch.close().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct LeaderLatch {
    client: Client,
    path: String,
    id: String,
    policy: LossPolicy,
}

impl LeaderLatch {
    /// A participant with `id` in the election on `path`.
    pub fn new(client: Client, path: &str, id: &str) -> Result<LeaderLatch, Error> {
        zk_client::validate_path(path, false)?;
        Ok(LeaderLatch {
            client,
            path: path.to_owned(),
            id: id.to_owned(),
            policy: LossPolicy::default(),
        })
    }

    /// When leadership counts as lost (default: as soon as the connection is suspended).
    pub fn with_loss_policy(mut self, policy: LossPolicy) -> LeaderLatch {
        self.policy = policy;
        self
    }

    /// Joins the election: creates this participant's node (and the path's missing parents,
    /// as containers) and follows the election in a background task until closed.
    pub async fn start(self) -> Result<Latch, Error> {
        let node = self.join().await?;
        let (leader_tx, leader) = watch::channel(Leadership::default());
        let (node_tx, node_rx) = watch::channel(node.clone());
        let task = tokio::spawn(run(self.clone(), node, leader_tx, node_tx));
        Ok(Latch {
            latch: self,
            leader,
            node: node_rx,
            task: Some(task),
        })
    }

    /// The participants of the election on the path, leader first, whether or not this one
    /// has joined (Curator's `getParticipants`).
    pub async fn participants(&self) -> Result<Vec<Participant>, Error> {
        let names = self.queue().await?;
        read_participants(&self.client, &self.path, names).await
    }

    /// Creates our node; its path.
    async fn join(&self) -> Result<String, Error> {
        let path = format!("{}/{CURATOR_LATCH_NAME}", self.path.trim_end_matches('/'));
        let options = CreateOptions::new(CreateMode::EphemeralSequential);
        let (node, _) = self
            .client
            .create_protected(
                &path,
                self.id.clone().into_bytes(),
                &options,
                Some(&zk_client::Parents::containers()),
            )
            .await?;
        Ok(node)
    }

    /// The participants' node names, leader first.
    async fn queue(&self) -> Result<Vec<String>, zk_client::Error> {
        let mut children = children(&self.client, &self.path).await?;
        children
            .sort_by(|a, b| sort_key(a, CURATOR_LATCH_NAME).cmp(sort_key(b, CURATOR_LATCH_NAME)));
        Ok(children)
    }

    /// `parent/name`.
    fn child(&self, name: &str) -> String {
        format!("{}/{name}", self.path.trim_end_matches('/'))
    }
}

/// A running participant of a [`LeaderLatch`] election. Dropping it leaves the election
/// (its node deleted in the background); [`Latch::close`] does it and waits.
#[derive(Debug)]
pub struct Latch {
    latch: LeaderLatch,
    leader: watch::Receiver<Leadership>,
    node: watch::Receiver<String>,
    /// The task following the election; taken when leaving it.
    task: Option<JoinHandle<()>>,
}

impl Latch {
    /// Whether this participant leads now (under the latch's [`LossPolicy`]: not while the
    /// connection is suspended, by default).
    pub fn is_leader(&self) -> bool {
        self.leader.borrow().is_leader
    }

    /// Leadership as it changes (gained: `is_leader` true in a new term; lost: false).
    pub fn leadership(&self) -> watch::Receiver<Leadership> {
        self.leader.clone()
    }

    /// Waits until this participant leads; an error if the election ended for it (the
    /// client closed, or its session expired for good).
    pub async fn wait_leadership(&self) -> Result<(), Error> {
        let mut rx = self.leader.clone();
        let led = rx.wait_for(|l| l.is_leader).await.is_ok();
        if led {
            Ok(())
        } else {
            Err(Error::Client(zk_client::Error::Closed))
        }
    }

    /// This participant's node now (a new one after the session was re-created).
    pub fn node(&self) -> String {
        self.node.borrow().clone()
    }

    /// The participants, leader first (Curator's `getParticipants`).
    pub async fn participants(&self) -> Result<Vec<Participant>, Error> {
        self.latch.participants().await
    }

    /// The current leader, if any (Curator's `getLeader`).
    pub async fn leader(&self) -> Result<Option<Participant>, Error> {
        Ok(self.participants().await?.into_iter().next())
    }

    /// Leaves the election: stops following it and deletes the node. The delete runs in a
    /// task of its own: cancelling this future (a timeout, a `select!`) stops the wait, not
    /// the delete.
    pub async fn close(mut self) -> Result<(), Error> {
        match self.leave() {
            Some(cleanup) => cleanup.wait().await,
            None => Ok(()),
        }
    }

    /// Stops following the election and starts deleting the node, once; the delete's task
    /// (`None` after the first call, or outside a tokio runtime).
    ///
    /// The delete first waits for the aborted task to end: on a multi-thread runtime it may
    /// be running a join when aborted and publish a new node before it stops, and that node
    /// is the one to delete.
    fn leave(&mut self) -> Option<Cleanup> {
        let task = self.task.take()?;
        let client = self.latch.client.clone();
        let node = self.node.clone();
        Cleanup::after_abort("leader latch node", task, move || async move {
            let node = node.borrow().clone();
            delete_node(&client, &node).await
        })
    }
}

impl Drop for Latch {
    fn drop(&mut self) {
        // The delete goes on in the background.
        let _ = self.leave();
    }
}

/// How a round of the election ended.
enum Next {
    /// Look at the queue again.
    Recheck,
    /// Our node is gone or not ours: create a new one.
    Rejoin,
    /// The client is gone: stop.
    Stop,
}

/// Follows the election: leads while first, watches the predecessor otherwise, rejoins when
/// the node or the session is lost.
async fn run(
    latch: LeaderLatch,
    mut node: String,
    leader: watch::Sender<Leadership>,
    node_tx: watch::Sender<String>,
) {
    let set = |v: bool| {
        leader.send_if_modified(|old| {
            if old.is_leader == v {
                return false;
            }
            old.is_leader = v;
            if v {
                old.term += 1;
            }
            true
        });
    };
    loop {
        let next = match round(&latch, &node, &set).await {
            Ok(next) => next,
            // The session ended: with a re-created one, join again; otherwise stop.
            Err(e) if e.is_terminal() => {
                set(false);
                if recreated(&latch.client).await {
                    Next::Rejoin
                } else {
                    Next::Stop
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "leader latch: checking the election failed; rejoining");
                tokio::time::sleep(Duration::from_millis(500)).await;
                Next::Rejoin
            }
        };
        match next {
            Next::Recheck => {}
            Next::Stop => {
                set(false);
                return;
            }
            Next::Rejoin => {
                set(false);
                let _ = delete_node(&latch.client, &node).await;
                loop {
                    match latch.join().await {
                        Ok(n) => {
                            node = n;
                            node_tx.send_replace(node.clone());
                            break;
                        }
                        Err(Error::Client(e)) if e.is_terminal() => {
                            if !recreated(&latch.client).await {
                                return;
                            }
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
                    }
                }
            }
        }
    }
}

/// After a terminal error: whether the client goes on with a new session.
async fn recreated(client: &Client) -> bool {
    client
        .state_watcher()
        .wait_for(|s| s.is_connected())
        .await
        .is_some()
}

/// One look at the queue, and the wait that follows it.
async fn round(
    latch: &LeaderLatch,
    node: &str,
    set: &impl Fn(bool),
) -> Result<Next, zk_client::Error> {
    let client = &latch.client;
    let mut events = client.session_events();
    let queue = latch.queue().await?;
    let name = node.rsplit('/').next().unwrap_or(node);
    let Some(ours) = queue.iter().position(|c| c == name) else {
        return Ok(Next::Rejoin);
    };
    if ours > 0 {
        set(false);
        let predecessor = latch.child(&queue[ours - 1]);
        match RetryPolicy::default()
            .retry_idempotent(|| client.get_data_and_watch(&predecessor))
            .await
        {
            Ok((_, _, watcher)) => {
                let _ = watcher.changed().await;
            }
            Err(zk_client::Error::NoNode { .. }) => {}
            Err(e) => return Err(e),
        }
        return Ok(Next::Recheck);
    }
    // First: lead, if the node is ours in this session.
    let session = client.session().map(|s| s.id);
    let (stat, watcher) = client.exists_and_watch(node).await?;
    match stat {
        Some(stat) if Some(stat.ephemeral_owner) == session => set(true),
        _ => return Ok(Next::Rejoin),
    }
    let deleted = watcher.changed();
    tokio::pin!(deleted);
    loop {
        tokio::select! {
            event = &mut deleted => {
                return Ok(match event {
                    Ok(e) if e.event_type == EventType::NodeDeleted => Next::Rejoin,
                    _ => Next::Recheck,
                });
            }
            event = events.next() => match event {
                Some(SessionEvent::Disconnected { .. }) => {
                    if latch.policy == LossPolicy::OnSuspension {
                        set(false);
                    }
                }
                Some(SessionEvent::Connected { session_id, read_only, .. }) => {
                    if Some(session_id) != session {
                        return Ok(Next::Rejoin);
                    }
                    if !read_only {
                        return Ok(Next::Recheck);
                    }
                    set(false);
                }
                Some(SessionEvent::Expired { .. } | SessionEvent::Recreated { .. }) => {
                    set(false);
                }
                Some(SessionEvent::Closed | SessionEvent::AuthFailed { .. }) | None => {
                    return Ok(Next::Stop);
                }
                Some(_) => {}
            },
        }
    }
}

/// The participants named `names` (queue order, leader first) under `parent`, with the ids
/// their nodes hold; nodes gone meanwhile are skipped.
pub(crate) async fn read_participants(
    client: &Client,
    parent: &str,
    names: Vec<String>,
) -> Result<Vec<Participant>, Error> {
    let mut out = Vec::new();
    for name in names {
        let node = format!("{}/{name}", parent.trim_end_matches('/'));
        match client.get_data(&node).await {
            Ok((data, _)) => out.push(Participant {
                id: String::from_utf8_lossy(&data).into_owned(),
                is_leader: out.is_empty(),
                node,
            }),
            Err(zk_client::Error::NoNode { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}
