//! A service's instances kept up to date (Curator's `ServiceCache`): a [`TreeCache`] of the
//! service node's children (which reads everything again after a reconnect or a new session,
//! so missed changes are never lost), each child read as a [`ServiceInstance`], and a stream
//! of instances added, updated and removed.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{broadcast, watch};
use zk_client::Client;

use super::instance::ServiceInstance;
use crate::cache::{Cache, CacheEvent, CacheEvents, CacheState, CachedNode, Scope, TreeCache};
use crate::error::Error;

/// How many events a slow reader of [`ServiceEvents`] may fall behind before it misses some.
const EVENT_BUFFER: usize = 1024;

/// The instances by node name.
pub type Snapshot = Arc<BTreeMap<String, ServiceInstance>>;

/// A change seen by a [`ServiceCache`].
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceEvent {
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
pub struct ServiceEvents {
    rx: broadcast::Receiver<ServiceEvent>,
}

impl ServiceEvents {
    /// The next change; `None` once the cache has stopped (closed, dropped, or its client
    /// gone for good).
    pub async fn next(&mut self) -> Option<ServiceEvent> {
        match self.rx.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(n)) => Some(ServiceEvent::Missed(n)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

/// The instances of one service, kept up to date until closed or dropped.
#[derive(Debug)]
pub struct ServiceCache {
    cache: Cache,
    snapshot: watch::Receiver<Snapshot>,
    events: broadcast::WeakSender<ServiceEvent>,
}

impl ServiceCache {
    /// Follows the children of `path` (a service's node); returns once they are loaded.
    pub(crate) async fn start(client: Client, path: &str) -> Result<ServiceCache, Error> {
        let cache = TreeCache::new(client, path)?.scope(Scope::Children).start();
        cache.wait_live().await?;
        // A new stream starts with the contents, then the state.
        let mut stream = cache.events();
        let mut initial = BTreeMap::new();
        loop {
            match stream.next().await {
                Some(CacheEvent::Created(node)) => put(&mut initial, &node),
                Some(CacheEvent::State(_)) => break,
                Some(_) => {}
                None => {
                    let closed = Error::Client(zk_client::Error::Closed);
                    return Err(cache.failure().unwrap_or(closed));
                }
            }
        }
        let (snapshot_tx, snapshot) = watch::channel(Arc::new(initial));
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let weak = events.downgrade();
        // Ends when the tree cache does (its stream ends), which the handle's drop causes.
        tokio::spawn(follow(stream, snapshot_tx, events));
        Ok(ServiceCache {
            cache,
            snapshot,
            events: weak,
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
    pub fn events(&self) -> ServiceEvents {
        let rx = match self.events.upgrade() {
            Some(tx) => tx.subscribe(),
            // Stopped: a stream that ends at once.
            None => broadcast::channel(1).1,
        };
        ServiceEvents { rx }
    }

    /// What the tree cache under it is doing: `Live`, or `Resyncing` while the connection is
    /// down or a new session reads everything again.
    pub fn state(&self) -> CacheState {
        self.cache.state()
    }

    /// Why it stopped, when something other than a close stopped it (the session expired for
    /// good, the client closed).
    pub fn failure(&self) -> Option<Error> {
        self.cache.failure()
    }

    /// Stops following the service and removes its watch.
    pub async fn close(self) {
        self.cache.close().await;
    }
}

/// Reads a cached node as an instance into `map` (a node that is not one is left out).
fn put(map: &mut BTreeMap<String, ServiceInstance>, node: &CachedNode) {
    let name = node.path.rsplit('/').next().unwrap_or_default().to_owned();
    let data = node.data.as_deref().unwrap_or_default();
    match ServiceInstance::from_json(&node.path, data) {
        Ok(instance) => {
            map.insert(name, instance);
        }
        Err(e) => {
            tracing::warn!(error = %e, "service cache: skipped");
            map.remove(&name);
        }
    }
}

/// Turns the tree cache's node events into instance events until its stream ends.
async fn follow(
    mut stream: CacheEvents,
    snapshot: watch::Sender<Snapshot>,
    events: broadcast::Sender<ServiceEvent>,
) {
    // After a reset of the stream: the contents being collected again, up to the state.
    let mut collecting: Option<BTreeMap<String, ServiceInstance>> = None;
    while let Some(event) = stream.next().await {
        let current = || (**snapshot.borrow()).clone();
        let next = match event {
            CacheEvent::Reset => {
                collecting = Some(BTreeMap::new());
                continue;
            }
            CacheEvent::State(_) => match collecting.take() {
                Some(map) => map,
                None => continue,
            },
            CacheEvent::Created(node) | CacheEvent::Changed { new: node, .. } => {
                if let Some(map) = collecting.as_mut() {
                    put(map, &node);
                    continue;
                }
                let mut map = current();
                put(&mut map, &node);
                map
            }
            CacheEvent::Deleted(node) => {
                let name = node.path.rsplit('/').next().unwrap_or_default();
                if let Some(map) = collecting.as_mut() {
                    map.remove(name);
                    continue;
                }
                let mut map = current();
                map.remove(name);
                map
            }
        };
        publish(&snapshot, &events, next);
    }
}

/// Publishes `fresh`, with an event per difference from the snapshot before it.
fn publish(
    snapshot: &watch::Sender<Snapshot>,
    events: &broadcast::Sender<ServiceEvent>,
    fresh: BTreeMap<String, ServiceInstance>,
) {
    let old = snapshot.borrow().clone();
    let mut changes = Vec::new();
    for (node, instance) in &*old {
        if !fresh.contains_key(node) {
            changes.push(ServiceEvent::Removed {
                node: node.clone(),
                instance: instance.clone(),
            });
        }
    }
    for (node, instance) in &fresh {
        let change = match old.get(node) {
            None => ServiceEvent::Added {
                node: node.clone(),
                instance: instance.clone(),
            },
            Some(before) if before != instance => ServiceEvent::Updated {
                node: node.clone(),
                instance: instance.clone(),
            },
            Some(_) => continue,
        };
        changes.push(change);
    }
    if changes.is_empty() {
        return;
    }
    snapshot.send_replace(Arc::new(fresh));
    for change in changes {
        // No subscriber: nobody to tell.
        let _ = events.send(change);
    }
}
