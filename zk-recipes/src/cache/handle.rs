//! The running cache: the handle users hold ([`Cache`]) and the state it shares with the
//! cache's task and its event streams.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::events::CacheEvents;
use super::store::{Events, Full, Store};
use super::{CacheEvent, CacheState, CachedNode, Config};
use crate::error::Error;

/// A stream's end of the cache: its queue and whether it overflowed.
#[derive(Debug)]
struct Subscriber {
    tx: mpsc::Sender<CacheEvent>,
    lagged: Arc<AtomicBool>,
}

/// What the task changes and the handle and streams read, under one lock so that a new
/// stream's first events (the contents) and its later ones fit together.
#[derive(Debug)]
struct Inner {
    store: Store,
    subscribers: Vec<Subscriber>,
    failure: Option<Error>,
}

/// A new stream's start: the contents as events, its queue and its overflow flag.
pub(crate) type Subscription = (
    VecDeque<CacheEvent>,
    Option<mpsc::Receiver<CacheEvent>>,
    Arc<AtomicBool>,
);

/// Shared by the handle, the task and the streams.
#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    state: watch::Sender<CacheState>,
    capacity: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves the store consistent (every
        // change is one map operation): go on with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the store and tells every stream what changed.
    pub(crate) fn publish(
        &self,
        change: impl FnOnce(&mut Store, &mut Events) -> Result<(), Full>,
    ) -> Result<(), Full> {
        let mut inner = self.lock();
        let mut events = Events::new(!inner.subscribers.is_empty());
        let result = change(&mut inner.store, &mut events);
        for event in events.list {
            send(&mut inner.subscribers, event);
        }
        result
    }

    /// Sets the state (and tells the streams) if it changed; never out of `Closed`.
    pub(crate) fn set_state(&self, state: CacheState) {
        let mut inner = self.lock();
        let now = *self.state.borrow();
        if now == state || now == CacheState::Closed {
            return;
        }
        self.state.send_replace(state);
        send(&mut inner.subscribers, CacheEvent::State(state));
    }

    /// The state now.
    pub(crate) fn state(&self) -> CacheState {
        *self.state.borrow()
    }

    /// Closes the cache: drops the contents, ends every stream with `State(Closed)`, and keeps
    /// the failure that stopped it, if any.
    pub(crate) fn finish(&self, failure: Option<Error>) {
        let mut inner = self.lock();
        if *self.state.borrow() == CacheState::Closed {
            return;
        }
        if let Some(e) = &failure {
            tracing::warn!(error = %e, "tree cache stopped");
        }
        inner.failure = failure;
        inner.store.clear();
        self.state.send_replace(CacheState::Closed);
        send(
            &mut inner.subscribers,
            CacheEvent::State(CacheState::Closed),
        );
        inner.subscribers.clear();
    }

    /// A new stream's start: every node as `Created`, then the state; then its queue.
    pub(crate) fn subscribe(&self) -> Subscription {
        let mut inner = self.lock();
        let state = *self.state.borrow();
        let mut replay: VecDeque<CacheEvent> =
            inner.store.nodes().map(CacheEvent::Created).collect();
        replay.push_back(CacheEvent::State(state));
        let lagged = Arc::new(AtomicBool::new(false));
        if state == CacheState::Closed {
            return (replay, None, lagged);
        }
        let (tx, rx) = mpsc::channel(self.capacity);
        inner.subscribers.push(Subscriber {
            tx,
            lagged: lagged.clone(),
        });
        (replay, Some(rx), lagged)
    }
}

/// Queues `event` for every stream; a full stream is marked as lagging (it resets itself),
/// a dropped one is forgotten.
fn send(subscribers: &mut Vec<Subscriber>, event: CacheEvent) {
    subscribers.retain(|s| {
        if s.lagged.load(Ordering::Acquire) {
            return !s.tx.is_closed();
        }
        match s.tx.try_send(event.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                s.lagged.store(true, Ordering::Release);
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    });
}

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
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                store: Store::new(config.max_nodes),
                subscribers: Vec::new(),
                failure: None,
            }),
            state: watch::channel(CacheState::Initializing).0,
            capacity: config.event_capacity,
        });
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

    /// How many nodes are held.
    pub fn len(&self) -> usize {
        self.shared.lock().store.len()
    }

    /// Whether no node is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A stream of the cache's events: first every node held now as
    /// [`CacheEvent::Created`] and the state as [`CacheEvent::State`], then every change as
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
