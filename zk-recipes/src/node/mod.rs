//! A node that stays: Apache Curator's `PersistentNode` (and `GroupMember`, which is one):
//! created, watched, and created again, with the latest data, after someone deletes it or the
//! session is replaced, until it is closed.

mod create;

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use zk_client::{Acl, Client, CreateMode, CreateOptions, EventType, Parents, SessionEvent};

use crate::error::Error;
use crate::retried::{delete_node, Cleanup};

/// The pause before looking again after a failed check of the node.
const CHECK_PAUSE: Duration = Duration::from_millis(100);

/// What a [`KeptNode`] reports: where the node is, how often it was made, what stops it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeStatus {
    /// The node's path (relative to the client's chroot) while it is in place as far as this
    /// client knows; `None` before the first creation and while it is being created again.
    pub path: Option<String>,
    /// How many times the node was put in place: created, or found at its fixed path and
    /// given our data. 1 after the first time; each re-creation adds one.
    pub creations: u64,
    /// The last error that kept the node from being created (no permission, an invalid ACL,
    /// a missing parent without parent creation...), cleared once it is created. The node
    /// keeps being tried meanwhile, unless the client is gone for good (closed, or its
    /// session expired without re-creation): then the error says so and nothing follows.
    pub error: Option<Error>,
}

/// The settings of a node that stays in place; [`PersistentNode::start`] puts it there and
/// returns the [`KeptNode`] that keeps it there.
///
/// - A fixed path (`Persistent`, `Ephemeral`, container or TTL modes): created at that path;
///   a node already there (left by an earlier session, or another process) is taken over
///   and given our data, as Curator does, and created again once it is deleted.
/// - Sequential modes: each creation makes a new node (`<path><sequence>`). Persistent
///   sequential nodes are always protected; ephemeral sequential nodes that are not are
///   found again after a `ConnectionLoss` among the session's own ephemeral nodes.
/// - Protected (Curator's `withProtection`): the name gets a `_c_<uuid>-` prefix, new at each
///   creation, and a `ConnectionLoss` during a create never leaves a ghost node behind.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// use std::time::Duration;
/// use zk_client::CreateMode;
/// use zk_recipes::PersistentNode;
///
/// let member = PersistentNode::new(client, "/app/members/worker-7", CreateMode::Ephemeral, "up")?
///     .start();
/// let path = member.wait_created(Duration::from_secs(10)).await?;
/// member.set_data("busy").await?;
/// // ... the node is re-created after an expiry (with session re-creation) or a delete ...
/// member.close().await?;
/// # let _ = path; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PersistentNode {
    pub(crate) client: Client,
    pub(crate) path: String,
    pub(crate) options: CreateOptions,
    data: Bytes,
    pub(crate) protected: bool,
    pub(crate) parents: Option<Parents>,
    /// Whether a node found at the fixed path that is not this session's (persistent, or
    /// another session's ephemeral node) is deleted and created again instead of adopted.
    pub(crate) replace_foreign: bool,
}

impl PersistentNode {
    /// A node at `path` (for sequential modes, the prefix of its name) in `mode`, holding
    /// `data`; missing parents are created as containers (see [`PersistentNode::parents`]).
    pub fn new(
        client: Client,
        path: &str,
        mode: CreateMode,
        data: impl Into<Bytes>,
    ) -> Result<PersistentNode, Error> {
        zk_client::validate_path(path, mode.is_sequential())?;
        Ok(PersistentNode {
            client,
            path: path.to_owned(),
            options: CreateOptions::new(mode),
            data: data.into(),
            protected: mode.is_sequential() && !mode.is_ephemeral(),
            parents: Some(Parents::containers()),
            replace_foreign: false,
        })
    }

    /// Gives the node's name Curator's protected prefix `_c_<uuid>-` (a new one at each
    /// creation), so that a create that may have run is found again after a
    /// `ConnectionLoss`. Always on for persistent sequential nodes.
    pub fn protected(mut self, protected: bool) -> PersistentNode {
        let mode = self.options.mode;
        self.protected = protected || (mode.is_sequential() && !mode.is_ephemeral());
        self
    }

    /// The node's ACL (default: open to anyone, `world:anyone:cdrwa`).
    pub fn with_acl(mut self, acl: Vec<Acl>) -> PersistentNode {
        self.options = self.options.with_acl(acl);
        self
    }

    /// The node's time to live, for the TTL modes.
    pub fn with_ttl(mut self, ttl: Duration) -> PersistentNode {
        self.options = self.options.with_ttl(ttl);
        self
    }

    /// How missing parents are created (`None`: not at all; the create then fails with
    /// `NoNode`, reported in [`NodeStatus::error`], and is tried again). Default:
    /// containers, as Curator's `creatingParentContainersIfNeeded`.
    pub fn parents(mut self, parents: Option<Parents>) -> PersistentNode {
        self.parents = parents;
        self
    }

    /// Deletes and creates again a node found at the fixed path that is not this session's
    /// (persistent, or another session's ephemeral node), instead of adopting it: a service
    /// registration must be an ephemeral node of its own session, as Curator's
    /// `ServiceDiscoveryImpl` makes sure.
    pub(crate) fn replacing_foreign(mut self) -> PersistentNode {
        self.replace_foreign = true;
        self
    }

    /// Starts keeping the node in place, in a background task on the current tokio runtime
    /// (like `tokio::spawn`, it must be called from within one); the first creation follows
    /// at once ([`KeptNode::wait_created`] waits for it).
    pub fn start(self) -> KeptNode {
        let (data_tx, data_rx) = watch::channel(self.data.clone());
        let (status_tx, status) = watch::channel(NodeStatus::default());
        let spec = self.clone();
        let task = tokio::spawn(keep(self, data_rx, status_tx));
        KeptNode {
            spec,
            status,
            data: data_tx,
            task: Some(task),
        }
    }

    /// Whether the node's name is unique to one creation (sequential or protected): such a
    /// node is never taken over from another session, and is deleted if found so.
    pub(crate) fn unique_name(&self) -> bool {
        self.protected || self.options.mode.is_sequential()
    }
}

/// A node kept in place by a background task (see [`PersistentNode`]). Dropping it stops
/// the task and deletes the node in the background; [`KeptNode::close`] does it and waits.
#[derive(Debug)]
pub struct KeptNode {
    spec: PersistentNode,
    status: watch::Receiver<NodeStatus>,
    data: watch::Sender<Bytes>,
    /// The task keeping the node in place; taken when it is stopped.
    task: Option<JoinHandle<()>>,
}

impl KeptNode {
    /// The status now.
    pub fn status(&self) -> NodeStatus {
        self.status.borrow().clone()
    }

    /// A receiver of the status as it changes: it changes each time the node is (re)created
    /// ([`NodeStatus::creations`] grows), found gone, or fails to be created.
    pub fn status_watcher(&self) -> watch::Receiver<NodeStatus> {
        self.status.clone()
    }

    /// The node's path now, if it is in place.
    pub fn path(&self) -> Option<String> {
        self.status.borrow().path.clone()
    }

    /// Waits until the node is in place (Curator's `waitForInitialCreate`) and returns its
    /// path; [`Error::NotCreated`] with the last error if it is not within `timeout`.
    pub async fn wait_created(&self, timeout: Duration) -> Result<String, Error> {
        let mut rx = self.status.clone();
        let waited = tokio::time::timeout(timeout, rx.wait_for(|s| s.path.is_some())).await;
        if let Ok(Ok(status)) = &waited {
            if let Some(path) = &status.path {
                return Ok(path.clone());
            }
        }
        let last = self.status.borrow().error.clone();
        Err(Error::NotCreated {
            waited: timeout,
            last_error: last.map(|e| e.to_string()),
        })
    }

    /// Replaces the node's data: written now if the node is in place, and used by every
    /// later re-creation. A node found missing is created again with it by the background
    /// task.
    pub async fn set_data(&self, data: impl Into<Bytes>) -> Result<(), Error> {
        let data = data.into();
        self.data.send_replace(data.clone());
        let Some(path) = self.path() else {
            return Ok(());
        };
        let written = zk_client::RetryPolicy::default()
            .retry_idempotent(|| self.spec.client.set_data(&path, data.clone(), None))
            .await;
        match written {
            Ok(_) | Err(zk_client::Error::NoNode { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Stops keeping the node and deletes it (retried across connection losses; a node
    /// already gone is fine). The delete runs in a task of its own: cancelling this future
    /// (a timeout, a `select!`) stops the wait, not the delete.
    pub async fn close(mut self) -> Result<(), Error> {
        match self.leave() {
            Some(cleanup) => cleanup.wait().await,
            None => Ok(()),
        }
    }

    /// Stops the background task and starts deleting the node, once; the delete's task
    /// (`None` after the first call, or outside a tokio runtime). The delete waits for the
    /// aborted task to end first, so that nothing creates the node again after it, and a
    /// node the task put in place as it was aborted is the one deleted.
    fn leave(&mut self) -> Option<Cleanup> {
        let task = self.task.take()?;
        let spec = self.spec.clone();
        let status = self.status.clone();
        Cleanup::after_abort("kept node", task, move || async move {
            let path = status.borrow().path.clone();
            create::remove(&spec, path).await
        })
    }
}

impl Drop for KeptNode {
    fn drop(&mut self) {
        // The delete goes on in the background.
        let _ = self.leave();
    }
}

/// What became of a node that was in place.
enum Next {
    /// Look again (a watch fired, the connection or session changed, the data changed).
    Recheck,
    /// It is gone: create it again.
    Recreate,
    /// The client is gone for good.
    Stop,
}

/// The background task: create, watch, create again.
async fn keep(
    spec: PersistentNode,
    mut data: watch::Receiver<Bytes>,
    status: watch::Sender<NodeStatus>,
) {
    let mut current: Option<String> = None;
    loop {
        let path = match current.take() {
            Some(path) => path,
            None => match create::create(&spec, &data, &status).await {
                Some(path) => path,
                None => return,
            },
        };
        match watch_round(&spec, &path, &mut data).await {
            Next::Recheck => current = Some(path),
            Next::Recreate => {
                tracing::info!(%path, "kept node gone: creating it again");
                status.send_modify(|s| s.path = None);
            }
            Next::Stop => {
                status.send_modify(|s| {
                    s.path = None;
                    s.error
                        .get_or_insert(Error::Client(zk_client::Error::Closed));
                });
                return;
            }
        }
    }
}

/// Checks that the node at `path` is in place and ours, then waits for something to change.
async fn watch_round(spec: &PersistentNode, path: &str, data: &mut watch::Receiver<Bytes>) -> Next {
    let client = &spec.client;
    let mut events = client.session_events();
    let (stat, watcher) = match client.exists_and_watch(path).await {
        Ok(found) => found,
        Err(e) if e.is_terminal() => {
            return if create::recreated(client).await {
                Next::Recheck
            } else {
                Next::Stop
            };
        }
        Err(e) => {
            tracing::debug!(%path, error = %e, "checking a kept node failed; checking again");
            tokio::time::sleep(CHECK_PAUSE).await;
            return Next::Recheck;
        }
    };
    let Some(stat) = stat else {
        return Next::Recreate;
    };
    let session = client.session().map(|s| s.id);
    if spec.options.mode.is_ephemeral() && Some(stat.ephemeral_owner) != session {
        if spec.unique_name() || spec.replace_foreign {
            // Ours from an earlier session, about to go with it, or one not to be adopted:
            // make a new one now.
            let _ = delete_node(client, path).await;
            return Next::Recreate;
        }
        tracing::debug!(%path, owner = stat.ephemeral_owner, "kept node owned by another session: taken over until it goes");
    }
    let changed = watcher.changed();
    tokio::pin!(changed);
    loop {
        tokio::select! {
            event = &mut changed => {
                return match event {
                    Ok(e) if e.event_type == EventType::NodeDeleted => Next::Recreate,
                    _ => Next::Recheck,
                };
            }
            changed = data.changed() => {
                if changed.is_err() {
                    return Next::Stop;
                }
                // KeptNode::set_data writes it; a node re-created later gets it too.
            }
            event = events.next() => match event {
                Some(SessionEvent::Recreated { .. }) => return Next::Recheck,
                Some(SessionEvent::Closed | SessionEvent::AuthFailed { .. }) | None => return Next::Stop,
                Some(_) => {}
            },
        }
    }
}
