//! The state a running cache shares between its handle, its task and its event streams, under
//! one lock, and how events reach every stream.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, watch};

use super::store::{Events, Full, Store};
use super::{CacheEvent, CacheState};
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
pub(super) struct Inner {
    pub(super) store: Store,
    subscribers: Vec<Subscriber>,
    pub(super) failure: Option<Error>,
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
    pub(super) state: watch::Sender<CacheState>,
    capacity: usize,
}

impl Shared {
    /// An empty store holding at most `max_nodes`, streams queuing at most
    /// `capacity` events each, state `Initializing`.
    pub(crate) fn new(max_nodes: usize, capacity: usize) -> Shared {
        Shared {
            inner: Mutex::new(Inner {
                store: Store::new(max_nodes),
                subscribers: Vec::new(),
                failure: None,
            }),
            state: watch::channel(CacheState::Initializing).0,
            capacity,
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
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
