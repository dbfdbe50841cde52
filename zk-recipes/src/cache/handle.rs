//! The running cache: the handle users hold ([`Cache`]), which starts the cache's task and
//! stops it.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::events::CacheEvents;
use super::shared::Shared;
use super::{CacheState, CachedNode, Config};
use crate::error::Error;
/// A running tree cache ([`super::TreeCache::start`]): its contents, its state and its
/// events. Dropping it stops the cache; [`Cache::close`] stops it and waits.
#[derive(Debug)]
pub struct Cache {
    shared: Arc<Shared>,
    path: String,
    task: Option<JoinHandle<()>>,
}

impl Cache {
    pub(crate) fn start(config: Config) -> Cache {
        let shared = Arc::new(Shared::new(config.max_nodes, config.event_capacity));
        let path = config.path.clone();
        let task = tokio::spawn(super::task::run(config, shared.clone()));
        Cache {
            shared,
            path,
            task: Some(task),
        }
    }

    /// The cache's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What the cache is doing.
    pub fn state(&self) -> CacheState {
        self.shared.state()
    }

    /// The state as it changes.
    pub fn state_watcher(&self) -> watch::Receiver<CacheState> {
        self.shared.state.subscribe()
    }

    /// Waits until the cache is [`CacheState::Live`] (at once if it is); the error that
    /// stopped it if it closes first.
    pub async fn wait_live(&self) -> Result<(), Error> {
        let mut rx = self.shared.state.subscribe();
        let state = rx
            .wait_for(|s| matches!(s, CacheState::Live | CacheState::Closed))
            .await
            .map(|s| *s)
            .unwrap_or(CacheState::Closed);
        match state {
            CacheState::Live => Ok(()),
            _ => Err(self
                .failure()
                .unwrap_or(Error::Client(zk_client::Error::Closed))),
        }
    }

    /// Every node held, in path order (parents before their children). Costs a copy of the
    /// paths and stats; the data is shared.
    pub fn snapshot(&self) -> Vec<CachedNode> {
        self.shared.lock().store.nodes().collect()
    }

    /// The node at `path`, if held.
    pub fn get(&self, path: &str) -> Option<CachedNode> {
        self.shared.lock().store.get(path)
    }

    /// The names of the held children of `path`, sorted.
    pub fn children(&self, path: &str) -> Vec<String> {
        self.shared.lock().store.children(path)
    }

    /// The paths whose last read the server refused (`NoAuth`: the node's ACL does not let the
    /// client read it), sorted. Such a node is not held, and a walk of the scope does not reach
    /// its descendants (its children cannot be listed); the rest of the tree is followed as
    /// usual. With [`TreeCache::data`](super::TreeCache::data) off, its stat is held all the
    /// same (`exists` needs no permission). A path leaves the list when a read of it succeeds
    /// or finds no node, and each resync reads every path again. Each newly refused path is
    /// also logged (`tracing`, warn).
    pub fn unreadable(&self) -> Vec<String> {
        self.shared.lock().store.unreadable()
    }

    /// How many nodes are held.
    pub fn len(&self) -> usize {
        self.shared.lock().store.len()
    }

    /// Whether no node is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A stream of the cache's events: first every node held now as
    /// [`CacheEvent::Created`](super::CacheEvent::Created) and the state as [`CacheEvent::State`](super::CacheEvent::State), then every change as
    /// it happens, until the cache closes (the last event is `State(Closed)`).
    pub fn events(&self) -> CacheEvents {
        CacheEvents::new(self.shared.clone())
    }

    /// Why the cache stopped, when something other than [`Cache::close`] stopped it (the
    /// session expired for good, the client closed, [`Error::CacheFull`]).
    pub fn failure(&self) -> Option<Error> {
        self.shared.lock().failure.clone()
    }

    /// Stops the cache: removes its watch, drops its contents, ends its streams.
    pub async fn close(mut self) {
        if let Some(task) = self.task.take() {
            // Nothing to undo half-way: the task's watcher, dropped with it, removes the watch.
            task.abort();
            let _ = task.await;
        }
        self.shared.finish(None);
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.shared.finish(None);
    }
}
