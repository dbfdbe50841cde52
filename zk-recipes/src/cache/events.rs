//! The stream of a cache's events: the contents when it starts, then every change; a stream
//! that falls too far behind starts over instead of holding an unbounded queue.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;

use super::shared::Shared;
use super::CacheEvent;

/// A stream of [`CacheEvent`]s ([`super::Cache::events`]).
///
/// It starts with every node the cache holds (as `Created`) and the cache's state (as
/// `State`), then reports each change in order. A reader that falls more than the cache's
/// [`super::TreeCache::event_capacity`] behind gets [`CacheEvent::Reset`] followed by the
/// contents again, so it never works from a silently incomplete view. Read it with
/// [`CacheEvents::next`], or as a [`futures_core::Stream`].
pub struct CacheEvents {
    shared: Arc<Shared>,
    replay: VecDeque<CacheEvent>,
    rx: Option<mpsc::Receiver<CacheEvent>>,
    lagged: Arc<AtomicBool>,
}

impl fmt::Debug for CacheEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheEvents")
            .field("replay", &self.replay.len())
            .field("live", &self.rx.is_some())
            .finish()
    }
}

impl CacheEvents {
    pub(crate) fn new(shared: Arc<Shared>) -> CacheEvents {
        let (replay, rx, lagged) = shared.subscribe();
        CacheEvents {
            shared,
            replay,
            rx,
            lagged,
        }
    }

    /// The next event; `None` once the cache has closed and every event was read.
    pub async fn next(&mut self) -> Option<CacheEvent> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Starts over after falling behind: `Reset`, then the contents as a new stream gets them.
    fn reset(&mut self) {
        let (replay, rx, lagged) = self.shared.subscribe();
        tracing::warn!(capacity = ?self.rx.as_ref().map(|rx| rx.max_capacity()), "tree cache event reader fell behind: reset");
        self.replay = replay;
        self.replay.push_front(CacheEvent::Reset);
        self.rx = rx;
        self.lagged = lagged;
    }
}

impl Stream for CacheEvents {
    type Item = CacheEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<CacheEvent>> {
        if let Some(event) = self.replay.pop_front() {
            return Poll::Ready(Some(event));
        }
        if self.lagged.load(Ordering::Acquire) {
            self.reset();
            return Poll::Ready(self.replay.pop_front());
        }
        match self.rx.as_mut() {
            Some(rx) => rx.poll_recv(cx),
            None => Poll::Ready(None),
        }
    }
}
