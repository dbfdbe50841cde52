//! The event a watcher receives: a leaf of the watch vocabulary, below `watch` and the
//! one-shot event slots alike.

use zk_records::{EventType, KeeperState};

/// A watch notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedEvent {
    /// What happened (`None` for session state changes).
    pub event_type: EventType,
    /// The session state when the event was produced.
    pub state: KeeperState,
    /// The node concerned, relative to the client's chroot (empty for session events).
    pub path: String,
    /// The zxid of the change, when the server reports it (3.9 and later; -1 otherwise).
    pub zxid: i64,
}
