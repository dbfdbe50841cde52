//! The distributed mutex: Curator's `InterProcessMutex` protocol and node layout (or kazoo's
//! `Lock` layout, as an option), so Rust and Java (or Python) contenders on one path exclude
//! each other.

use std::time::Duration;

use bytes::Bytes;
use zk_client::{Client, CreateMode, CreateOptions, RetryPolicy, Stat};

use crate::error::Error;
use crate::guard::{FencingToken, LossPolicy, MutexGuard};
use crate::layout::{Kind, Layout};
use crate::retried::{children, delete_node};

/// How many times an acquisition starts over when its node vanishes while it waits (the
/// session expired and was re-created, someone deleted the node).
const VANISHED_ATTEMPTS: usize = 3;

/// A mutex on a ZooKeeper path, with Curator's `InterProcessMutex` layout: each contender
/// creates a protected ephemeral-sequential node `<path>/_c_<uuid>-lock-<sequence>` (the
/// parents created as containers if missing), the lowest sequence holds the lock, and every
/// other contender watches only the node just before its own (no herd when it goes).
/// [`Mutex::with_layout`] switches to kazoo's layout for locks shared with Python services.
///
/// Acquiring returns a [`MutexGuard`] with a [`FencingToken`] and a [`MutexGuard::lost`]
/// future that resolves as soon as the lock may have been lost (see [`LossPolicy`]).
/// The acquisition is cancellable: dropping its future (for example in `tokio::select!` or
/// `tokio::time::timeout`) withdraws from the queue, its node deleted in the background.
///
/// Not re-entrant: in async Rust a task is not a thread and a lock owner is not a
/// thread-local fact, so a second `acquire` from the same holder queues behind the first
/// (and waits forever if the first is never released). Pass the guard down instead. (The
/// write lock's holder of a [`crate::ReadWriteLock`] takes its read lock with
/// [`crate::ReadWriteLock::read_as_writer`].)
///
/// ```no_run
/// # async fn demo() -> Result<(), zk_recipes::Error> {
/// use std::time::Duration;
/// use zk_recipes::Mutex;
///
/// let client = zk_client::Client::connect("127.0.0.1:2181").await?;
/// let mutex = Mutex::new(client, "/app/locks/billing")?;
/// if let Some(guard) = mutex.acquire_timeout(Duration::from_secs(10)).await? {
///     let token = guard.fencing_token(); // send it with every write to the resource
///     tokio::select! {
///         state = guard.lost() => eprintln!("lock {state:?}: stopping"),
///         () = async { /* the critical section */ } => {}
///     }
///     guard.release().await?;
/// #   let _ = token;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Mutex {
    client: Client,
    path: String,
    data: Bytes,
    policy: LossPolicy,
    layout: Layout,
    kind: Kind,
}

impl Mutex {
    /// A mutex on `path` (validated now; created when first acquired).
    pub fn new(client: Client, path: &str) -> Result<Mutex, Error> {
        zk_client::validate_path(path, false)?;
        if path == "/" {
            return Err(zk_client::Error::InvalidPath {
                path: path.to_owned(),
                reason: "a lock needs a path of its own".into(),
            }
            .into());
        }
        Ok(Mutex {
            client,
            path: path.to_owned(),
            data: Bytes::new(),
            policy: LossPolicy::default(),
            layout: Layout::default(),
            kind: Kind::Exclusive,
        })
    }

    /// Sets when a holder counts the lock as lost (default: on suspension).
    pub fn with_loss_policy(mut self, policy: LossPolicy) -> Mutex {
        self.policy = policy;
        self
    }

    /// Sets the node layout (default: Curator's). Every contender on the path must use the
    /// same: [`Layout::Kazoo`] for a lock shared with Python services using kazoo's `Lock`.
    /// The read and write locks of a [`crate::ReadWriteLock`] have Curator's layout only.
    pub fn with_layout(mut self, layout: Layout) -> Mutex {
        self.layout = layout;
        self
    }

    /// This lock as one side of a read-write lock.
    pub(crate) fn with_kind(mut self, kind: Kind) -> Mutex {
        self.kind = kind;
        self
    }

    /// Sets the data of the lock nodes (for example who holds it; empty by default).
    pub fn with_data(mut self, data: impl Into<Bytes>) -> Mutex {
        self.data = data.into();
        self
    }

    /// The lock's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The client it works through.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The data of its lock nodes.
    pub(crate) fn data(&self) -> &Bytes {
        &self.data
    }

    /// When its holders count the lock as lost.
    pub(crate) fn loss_policy(&self) -> LossPolicy {
        self.policy
    }

    /// Waits for the lock as long as it takes (cancel by dropping the future).
    pub async fn acquire(&self) -> Result<MutexGuard, Error> {
        let mut vanished = 0;
        loop {
            match self.attempt().await {
                Ok(Some(guard)) => return Ok(guard),
                // Our node went with the session; a client that re-creates sessions queues
                // again in the new one.
                Ok(None) => {}
                Err(Error::Client(zk_client::Error::SessionExpired))
                    if vanished + 1 < VANISHED_ATTEMPTS
                        && session_recreated(&self.client).await => {}
                Err(e) => return Err(e),
            }
            vanished += 1;
            if vanished >= VANISHED_ATTEMPTS {
                return Err(Error::NodeVanished {
                    path: self.path.clone(),
                    times: vanished,
                });
            }
        }
    }

    /// Waits for the lock at most `timeout`: `None` when it was not acquired in time (the
    /// contender's node is then withdrawn), like Curator's `acquire(time, unit)` returning
    /// false.
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<Option<MutexGuard>, Error> {
        match tokio::time::timeout(timeout, self.acquire()).await {
            Ok(result) => result.map(Some),
            Err(_) => Ok(None),
        }
    }

    /// The lock nodes queued on the path, holder first (names relative to the path).
    pub async fn participants(&self) -> Result<Vec<String>, Error> {
        let children = children(&self.client, &self.path).await?;
        let mut queue = self.layout.contenders_of(children, self.kind);
        queue.retain(|n| self.kind.owns(n));
        Ok(queue)
    }

    /// One acquisition: create our node, then wait our turn. `None` when the node vanished
    /// while we waited.
    async fn attempt(&self) -> Result<Option<MutexGuard>, Error> {
        let (unique, name) = self.layout.new_name(self.kind);
        let base = format!("{}/{name}", self.path.trim_end_matches('/'));
        let options = CreateOptions::new(CreateMode::EphemeralSequential);
        let (node, stat) = self
            .client
            .create_with_unique_prefix(
                &base,
                &unique,
                self.data.clone(),
                &options,
                Some(&self.layout.parents()),
            )
            .await?;
        // Withdraws our node if this future is dropped or fails before the guard takes it.
        let mut pending = PendingNode {
            client: self.client.clone(),
            node: Some(node.clone()),
        };
        let result = self.wait_turn(&node, &stat).await;
        if let Ok(Some(_)) = &result {
            pending.node = None;
        }
        result
    }

    /// Waits until `node` sorts first among the lock's children, watching its predecessor.
    async fn wait_turn(&self, node: &str, stat: &Stat) -> Result<Option<MutexGuard>, Error> {
        let name = node.rsplit('/').next().unwrap_or(node);
        let retry = RetryPolicy::default();
        loop {
            // Subscribed before the check that grants us the lock: a suspension right after
            // it reaches the guard.
            let events = self.client.session_events();
            let children: Vec<String> = retry
                .retry_idempotent(|| async {
                    Ok(self
                        .client
                        .get_children(&self.path)
                        .await?
                        .iter()
                        .map(|c| c.to_string())
                        .collect())
                })
                .await?;
            let children = self.layout.contenders_of(children, self.kind);
            let Some(ours) = children.iter().position(|c| c == name) else {
                tracing::info!(%node, "our lock node vanished while waiting; starting over");
                return Ok(None);
            };
            let Some(wait_for) = self.kind.turn(&children, ours) else {
                let session = self.client.session().map(|s| s.id).unwrap_or_default();
                if stat.ephemeral_owner != session {
                    // The session changed between the create and now: the node is not ours.
                    return Ok(None);
                }
                return Ok(Some(MutexGuard::new(
                    self.client.clone(),
                    node.to_owned(),
                    FencingToken(stat.czxid),
                    session,
                    self.policy,
                    events,
                )));
            };
            let predecessor = format!("{}/{}", self.path.trim_end_matches('/'), children[wait_for]);
            // getData, not exists: no watch is left behind on a node that is already gone.
            match retry
                .retry_idempotent(|| self.client.get_data_and_watch(&predecessor))
                .await
            {
                Ok((_, _, watcher)) => {
                    tracing::debug!(%node, %predecessor, "waiting for the predecessor");
                    // Any event (deleted, changed, session event) means: look again.
                    let _ = watcher.changed().await;
                }
                Err(zk_client::Error::NoNode { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// After [`zk_client::Error::SessionExpired`]: waits for the client's new session when it
/// re-creates sessions (`true`), or for the end of the client when it does not (`false`).
async fn session_recreated(client: &Client) -> bool {
    client
        .state_watcher()
        .wait_for(|s| s.is_connected())
        .await
        .is_some()
}

/// A lock node not yet handed to a guard: deleted in the background if dropped armed.
pub(crate) struct PendingNode {
    pub(crate) client: Client,
    pub(crate) node: Option<String>,
}

impl Drop for PendingNode {
    fn drop(&mut self) {
        let Some(node) = self.node.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let client = self.client.clone();
            runtime.spawn(async move {
                if let Err(e) = delete_node(&client, &node).await {
                    tracing::warn!(%node, error = %e, "could not withdraw a lock node");
                }
            });
        }
    }
}
