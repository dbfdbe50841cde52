//! Session events: a lossless, detailed account of what happened to the session (connections,
//! disconnections, expiry and why, servers refusing the session, session re-creation).
//!
//! [`crate::StateWatcher`] reports the current [`crate::SessionState`] and coalesces changes;
//! [`SessionEvents`] reports every transition with its cause, in order.

use std::time::Duration;

use tokio::sync::broadcast;

/// How many events a slow [`SessionEvents`] reader may fall behind before it skips some.
pub(crate) const EVENT_CAPACITY: usize = 256;

/// Why the client treats its session as expired.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiryCause {
    /// A server answered the reconnect handshake with "expired" (the session is gone on the
    /// server).
    Server,
    /// No server was heard from for 4/3 of the negotiated session timeout (the rule of
    /// ZooKeeper's Java client): the server has certainly expired the session by now, or
    /// will as soon as it can.
    LocalTimeout {
        /// How long no server was heard from.
        silent_for: Duration,
    },
    /// Like [`ExpiryCause::LocalTimeout`], while every server that accepted a connection
    /// refused the session: the servers are behind the client (see
    /// [`SessionEvent::ServerBehind`]).
    ServerBehind,
}

/// Something that happened to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A handshake succeeded: the session is (again) being served.
    Connected {
        /// The session id.
        session_id: i64,
        /// The server, as written in the connect string.
        server: String,
        /// Whether the server is read-only.
        read_only: bool,
    },
    /// The connection was lost; the client reconnects. Requests that were written and not
    /// answered failed with [`crate::Error::ConnectionLoss`].
    Disconnected {
        /// What ended the connection.
        reason: String,
    },
    /// Several servers in a row accepted a TCP connection and closed it without answering
    /// the handshake, while the client has seen a non-zero zxid. That is what a ZooKeeper
    /// server does when it has not seen the client's last zxid ("Refusing session request
    /// ... as it has seen zxid ..."): its data were wiped, or it lags behind. Reported once
    /// per outage. What follows depends on the session: see [`ExpiryCause::ServerBehind`] and
    /// [`crate::ClientBuilder::recreate_session_on_expiry`].
    ServerBehind {
        /// The highest zxid the client has seen.
        last_zxid_seen: i64,
        /// Consecutive refused handshakes so far.
        refusals: u32,
    },
    /// The session expired. Without session re-creation this is final; with it, a new
    /// session follows ([`SessionEvent::Recreated`]).
    Expired {
        /// The session that expired.
        session_id: i64,
        /// Who decided.
        cause: ExpiryCause,
    },
    /// A new session replaced an expired one (re-creation mode). The watches of the old
    /// session were ended with an `Expired` event; its ephemeral nodes are gone.
    Recreated {
        /// The expired session.
        old: i64,
        /// The new session.
        new: i64,
    },
    /// Authentication failed. Final.
    AuthFailed,
    /// The client was closed. Final.
    Closed,
}

/// A stream of [`SessionEvent`]s, from the moment it was created.
///
/// Every event is delivered in order unless the reader falls more than 256 events behind,
/// in which case the oldest are skipped (and a warning is logged).
#[derive(Debug)]
pub struct SessionEvents {
    rx: broadcast::Receiver<SessionEvent>,
}

impl SessionEvents {
    pub(crate) fn new(rx: broadcast::Receiver<SessionEvent>) -> SessionEvents {
        SessionEvents { rx }
    }

    /// The next event; `None` once the session has ended and every event was read.
    pub async fn next(&mut self) -> Option<SessionEvent> {
        loop {
            match self.rx.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "session event reader fell behind");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// An event if one is already waiting.
    pub fn try_next(&mut self) -> Option<SessionEvent> {
        loop {
            match self.rx.try_recv() {
                Ok(event) => return Some(event),
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "session event reader fell behind");
                }
                Err(_) => return None,
            }
        }
    }
}
