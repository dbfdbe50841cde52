//! The watcher handles returned to users: a one-shot watcher (a future) and a persistent
//! watcher (a stream). Dropping either unregisters its watch.

use tokio::sync::{mpsc, oneshot};

use crate::error::Error;
use crate::message::Command;
use crate::watch::WatchedEvent;

/// Tells the session a watcher was dropped.
#[derive(Debug)]
struct DropGuard {
    id: u64,
    commands: mpsc::UnboundedSender<Command>,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::DropWatcher(self.id));
    }
}

/// A one-shot watch: resolves with the first event on its node.
///
/// Dropping it unregisters it (and removes the server-side watch when no other watcher
/// needs it).
#[derive(Debug)]
#[must_use = "a watcher does nothing unless awaited"]
pub struct OneshotWatcher {
    rx: oneshot::Receiver<WatchedEvent>,
    _guard: DropGuard,
}

impl OneshotWatcher {
    pub(crate) fn new(
        id: u64,
        rx: oneshot::Receiver<WatchedEvent>,
        commands: mpsc::UnboundedSender<Command>,
    ) -> OneshotWatcher {
        OneshotWatcher {
            rx,
            _guard: DropGuard { id, commands },
        }
    }

    /// Waits for the event. A session that ends (expired, closed) first is reported as an
    /// event of type `None` with that state; `Err(Closed)` if the session is gone.
    pub async fn changed(mut self) -> Result<WatchedEvent, Error> {
        (&mut self.rx).await.map_err(|_| Error::Closed)
    }
}

/// A persistent (optionally recursive) watch: a stream of events until dropped or removed.
#[derive(Debug)]
pub struct PersistentWatcher {
    rx: mpsc::UnboundedReceiver<WatchedEvent>,
    _guard: DropGuard,
}

impl PersistentWatcher {
    pub(crate) fn new(
        id: u64,
        rx: mpsc::UnboundedReceiver<WatchedEvent>,
        commands: mpsc::UnboundedSender<Command>,
    ) -> PersistentWatcher {
        PersistentWatcher {
            rx,
            _guard: DropGuard { id, commands },
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
