//! The watch vocabulary shared by the handles and the session: the event a watcher receives,
//! the kinds of client-side watch, where a watch's events go, and a watch waiting for the
//! reply that sets it.

use tokio::sync::mpsc;

use crate::watch_path::WatchPath;
use crate::watch_slots::SlotSender;
pub use crate::watched_event::WatchedEvent;

/// Which client-side set a watch lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum WatchKind {
    /// `getData` watch, or `exists` on an existing node (a data watch on the server).
    Data,
    /// `exists` watch on a missing node.
    Exist,
    /// `getChildren` watch.
    Child,
    /// `addWatch(PERSISTENT)`.
    Persistent,
    /// `addWatch(PERSISTENT_RECURSIVE)`.
    PersistentRecursive,
}

impl WatchKind {
    /// Whether the watch ends when it fires.
    pub(crate) fn is_oneshot(self) -> bool {
        !matches!(self, WatchKind::Persistent | WatchKind::PersistentRecursive)
    }

    /// The server-side watch type (for `removeWatches`) this kind holds.
    pub(crate) fn server_type(self) -> zk_records::WatcherType {
        use zk_records::WatcherType as T;
        match self {
            WatchKind::Data | WatchKind::Exist => T::Data,
            WatchKind::Child => T::Children,
            WatchKind::Persistent => T::Persistent,
            WatchKind::PersistentRecursive => T::PersistentRecursive,
        }
    }
}

/// Where a watch's events go.
#[derive(Debug)]
pub(crate) enum Sink {
    /// Taken when the event is sent.
    Oneshot(Option<SlotSender>),
    Stream(mpsc::UnboundedSender<WatchedEvent>),
}

impl Sink {
    /// Delivers `event`; false when the watcher is gone.
    pub(crate) fn send(&mut self, event: WatchedEvent) -> bool {
        match self {
            Sink::Oneshot(tx) => tx.take().is_some_and(|tx| tx.send(event)),
            Sink::Stream(tx) => tx.send(event).is_ok(),
        }
    }

    /// Whether the watcher is gone.
    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Sink::Oneshot(tx) => tx.as_ref().is_none_or(|tx| tx.is_closed()),
            Sink::Stream(tx) => tx.is_closed(),
        }
    }
}

/// A watch to register once the request that sets it succeeds.
#[derive(Debug)]
pub(crate) struct Registration {
    pub(crate) id: u64,
    /// Server-side path (the watcher's handle holds it too, and names it when dropped).
    pub(crate) path: WatchPath,
    pub(crate) kind: WatchKind,
    pub(crate) sink: Sink,
}
