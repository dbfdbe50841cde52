//! The watcher handles returned to users: a one-shot watcher (a future) and a persistent
//! watcher (a stream). Dropping either unregisters its watch.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;

use crate::error::Error;
use crate::message::Command;
use crate::watch::WatchedEvent;
use crate::watch_path::WatchPath;
use crate::watch_slots::SlotReceiver;

/// Tells the session a watcher was dropped. It names the watch's server-side path, so the
/// registry needs no second index from id to path.
#[derive(Debug)]
struct DropGuard {
    id: u64,
    path: WatchPath,
    commands: mpsc::UnboundedSender<Command>,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        let path = std::mem::replace(&mut self.path, WatchPath::new(""));
        let _ = self.commands.send(Command::DropWatcher(self.id, path));
    }
}

/// A one-shot watch: resolves with the first event on its node.
///
/// Dropping it unregisters it (and removes the server-side watch when no other watcher
/// needs it).
#[derive(Debug)]
#[must_use = "a watcher does nothing unless awaited"]
pub struct OneshotWatcher {
    rx: SlotReceiver,
    _guard: DropGuard,
}

impl OneshotWatcher {
    pub(crate) fn new(
        id: u64,
        path: WatchPath,
        rx: SlotReceiver,
        commands: mpsc::UnboundedSender<Command>,
    ) -> OneshotWatcher {
        OneshotWatcher {
            rx,
            _guard: DropGuard { id, path, commands },
        }
    }

    /// Waits for the event. A session that ends (expired, closed) first is reported as an
    /// event of type `None` with that state; `Err(Closed)` if the session is gone.
    pub async fn changed(mut self) -> Result<WatchedEvent, Error> {
        std::future::poll_fn(|cx| self.rx.poll_event(cx))
            .await
            .map_err(|()| Error::Closed)
    }
}

/// A persistent (optionally recursive) watch: a stream of events until dropped or removed.
///
/// Read it with [`PersistentWatcher::next`], or as a [`futures_core::Stream`] (with
/// `StreamExt` from `futures` or `tokio-stream`).
#[derive(Debug)]
pub struct PersistentWatcher {
    rx: mpsc::UnboundedReceiver<WatchedEvent>,
    _guard: DropGuard,
}

impl PersistentWatcher {
    pub(crate) fn new(
        id: u64,
        path: WatchPath,
        rx: mpsc::UnboundedReceiver<WatchedEvent>,
        commands: mpsc::UnboundedSender<Command>,
    ) -> PersistentWatcher {
        PersistentWatcher {
            rx,
            _guard: DropGuard { id, path, commands },
        }
    }

    /// The next event; `None` once the watch was removed or the session ended (the last
    /// event then says why).
    pub async fn next(&mut self) -> Option<WatchedEvent> {
        self.rx.recv().await
    }

    /// An event if one is already waiting.
    pub fn try_next(&mut self) -> Option<WatchedEvent> {
        self.rx.try_recv().ok()
    }
}

impl Stream for PersistentWatcher {
    type Item = WatchedEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WatchedEvent>> {
        self.rx.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk_records::{EventType, KeeperState};

    fn event(path: &str) -> WatchedEvent {
        WatchedEvent {
            event_type: EventType::NodeCreated,
            state: KeeperState::SyncConnected,
            path: path.into(),
            zxid: 1,
        }
    }

    #[tokio::test]
    async fn a_persistent_watcher_is_a_stream_that_unregisters_when_dropped() {
        let (commands, mut session) = mpsc::unbounded_channel();
        let (tx, rx) = mpsc::unbounded_channel();
        let mut watcher = PersistentWatcher::new(7, WatchPath::new("/w"), rx, commands);
        tx.send(event("/a")).unwrap();
        tx.send(event("/b")).unwrap();
        let first = std::future::poll_fn(|cx| Pin::new(&mut watcher).poll_next(cx)).await;
        assert_eq!(first, Some(event("/a")));
        assert_eq!(watcher.next().await, Some(event("/b")));
        drop(tx);
        assert_eq!(watcher.next().await, None);
        drop(watcher);
        assert!(matches!(
            session.recv().await,
            Some(Command::DropWatcher(7, path)) if &*path == "/w"
        ));
    }
}
