//! A service's instances kept up to date (Curator's `ServiceCache`): a persistent recursive
//! watch on `<base>/<name>`, a snapshot by node name, and a stream of what changed. After
//! every reconnect (persistent watches are restored without the changes missed meanwhile)
//! and every new session, the children are read again and the differences become events.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use zk_client::{AddWatchMode, Client, EventType, PersistentWatcher, SessionEvent};

use super::instance::ServiceInstance;
use super::{children, read_instance};
use crate::error::Error;

/// How many events a slow reader of [`CacheEvents`] may fall behind before it misses some.
const EVENT_BUFFER: usize = 1024;
/// The pause before trying a failed read of the service's nodes again.
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// The instances by node name.
pub type Snapshot = Arc<BTreeMap<String, ServiceInstance>>;

/// A change seen by a [`ServiceCache`].
#[derive(Debug, Clone, PartialEq)]
pub enum CacheEvent {
    /// An instance appeared.
    Added {
        /// Its node's name.
        node: String,
        /// The instance.
        instance: ServiceInstance,
    },
    /// An instance's data changed.
    Updated {
        /// Its node's name.
        node: String,
        /// The instance as it is now.
        instance: ServiceInstance,
    },
    /// An instance went away.
    Removed {
        /// Its node's name.
        node: String,
        /// The instance as it was.
        instance: ServiceInstance,
    },
    /// The reader fell more than 1024 events behind and missed this many: read
    /// [`ServiceCache::instances`] for the current state.
    Missed(u64),
}

/// The change stream of a [`ServiceCache`] (from [`ServiceCache::events`]).
#[derive(Debug)]
pub struct CacheEvents {
    rx: broadcast::Receiver<CacheEvent>,
}

impl CacheEvents {
    /// The next change; `None` once the cache is closed (or its client is).
    pub async fn next(&mut self) -> Option<CacheEvent> {
        match self.rx.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(n)) => Some(CacheEvent::Missed(n)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

/// The instances of one service, kept up to date in a background task until closed or
/// dropped.
#[derive(Debug)]
pub struct ServiceCache {
    snapshot: watch::Receiver<Snapshot>,
    events: broadcast::Sender<CacheEvent>,
    task: JoinHandle<()>,
}

impl ServiceCache {
    /// Watches `path` (a service's node) and loads its instances.
    pub(crate) async fn start(client: Client, path: &str) -> Result<ServiceCache, Error> {
        let watcher = client
            .add_watch(path, AddWatchMode::PersistentRecursive)
            .await?;
        let loaded = load(&client, path).await?;
        let (snapshot_tx, snapshot) = watch::channel(Arc::new(loaded));
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let follower = Follower {
            client,
            path: path.to_owned(),
            snapshot: snapshot_tx,
            events: events.clone(),
        };
        let task = tokio::spawn(follower.run(watcher));
        Ok(ServiceCache {
            snapshot,
            events,
            task,
        })
    }

    /// The instances now, in node-name order.
    pub fn instances(&self) -> Vec<ServiceInstance> {
        self.snapshot.borrow().values().cloned().collect()
    }

    /// The instances now by node name.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot.borrow().clone()
    }

    /// A receiver of the snapshot, changed after each change.
    pub fn watch(&self) -> watch::Receiver<Snapshot> {
        self.snapshot.clone()
    }

    /// The changes from now on.
    pub fn events(&self) -> CacheEvents {
        CacheEvents {
            rx: self.events.subscribe(),
        }
    }

    /// Stops following the service and removes its watch (as dropping it does).
    pub fn close(self) {
        drop(self);
    }
}

impl Drop for ServiceCache {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads every instance under `path`.
async fn load(client: &Client, path: &str) -> Result<BTreeMap<String, ServiceInstance>, Error> {
    let mut out = BTreeMap::new();
    for node in children(client, path).await? {
        match read_instance(client, &format!("{path}/{node}")).await {
            Ok(Some(instance)) => {
                out.insert(node, instance);
            }
            Ok(None) => {}
            Err(e @ Error::BadInstance { .. }) => tracing::warn!(error = %e, "skipped"),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The background task's state.
struct Follower {
    client: Client,
    path: String,
    snapshot: watch::Sender<Snapshot>,
    events: broadcast::Sender<CacheEvent>,
}

impl Follower {
    /// Follows the watch and the session until the client is gone.
    async fn run(self, mut watcher: PersistentWatcher) {
        let mut session = self.client.session_events();
        let mut stale = false;
        loop {
            if stale {
                match load(&self.client, &self.path).await {
                    Ok(fresh) => {
                        self.replace(fresh);
                        stale = false;
                    }
                    Err(Error::Client(e)) if e.is_terminal() => {}
                    Err(e) => {
                        tracing::debug!(path = %self.path, error = %e, "service cache: reading again");
                    }
                }
            }
            tokio::select! {
                event = watcher.next() => match event {
                    Some(event) => self.apply(event.event_type, &event.path).await,
                    // The session ended (expired, or replaced by a new one): watch again.
                    None => match self.rewatch().await {
                        Some(w) => {
                            watcher = w;
                            stale = true;
                        }
                        None => return,
                    },
                },
                event = session.next() => match event {
                    Some(SessionEvent::Connected { .. }) => stale = true,
                    Some(SessionEvent::Closed | SessionEvent::AuthFailed) | None => return,
                    Some(_) => {}
                },
                () = tokio::time::sleep(RETRY_PAUSE), if stale => {}
            }
        }
    }

    /// A new watch once the client has a session again; `None` when it never will.
    async fn rewatch(&self) -> Option<PersistentWatcher> {
        loop {
            if !crate::node_create::recreated(&self.client).await {
                return None;
            }
            match self
                .client
                .add_watch(&self.path, AddWatchMode::PersistentRecursive)
                .await
            {
                Ok(w) => return Some(w),
                Err(e) if e.is_terminal() => {}
                Err(_) => tokio::time::sleep(RETRY_PAUSE).await,
            }
        }
    }

    /// One watch event: re-reads (or drops) the child it concerns.
    async fn apply(&self, kind: EventType, path: &str) {
        let Some(node) = path
            .strip_prefix(self.path.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|n| !n.is_empty() && !n.contains('/'))
        else {
            return;
        };
        let instance = match kind {
            EventType::NodeCreated | EventType::NodeDataChanged => {
                match read_instance(&self.client, path).await {
                    Ok(found) => found,
                    Err(e) => {
                        // Gone bad or unreadable: the next resync (or event) settles it.
                        tracing::warn!(error = %e, "service cache: cannot read {path}");
                        None
                    }
                }
            }
            EventType::NodeDeleted => None,
            _ => return,
        };
        let mut next = (**self.snapshot.borrow()).clone();
        match instance {
            Some(i) => next.insert(node.to_owned(), i),
            None => next.remove(node),
        };
        self.replace(next);
    }

    /// Publishes `fresh`, with an event per difference from the snapshot before it.
    fn replace(&self, fresh: BTreeMap<String, ServiceInstance>) {
        let old = self.snapshot.borrow().clone();
        let mut changes = Vec::new();
        for (node, instance) in &*old {
            if !fresh.contains_key(node) {
                changes.push(CacheEvent::Removed {
                    node: node.clone(),
                    instance: instance.clone(),
                });
            }
        }
        for (node, instance) in &fresh {
            match old.get(node) {
                None => changes.push(CacheEvent::Added {
                    node: node.clone(),
                    instance: instance.clone(),
                }),
                Some(before) if before != instance => changes.push(CacheEvent::Updated {
                    node: node.clone(),
                    instance: instance.clone(),
                }),
                Some(_) => {}
            }
        }
        if changes.is_empty() {
            return;
        }
        self.snapshot.send_replace(Arc::new(fresh));
        for change in changes {
            // No subscriber: nobody to tell.
            let _ = self.events.send(change);
        }
    }
}
