//! Session states as seen by the client, and the stream that reports their changes.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;

/// The state of the client's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Not connected: connecting for the first time, or reconnecting. The session may still be
    /// alive on the server.
    Disconnected,
    /// Connected to a server that serves reads and writes.
    Connected,
    /// Connected to a read-only server (one cut off from its quorum): writes fail.
    ConnectedReadOnly,
    /// The session expired: a server said so, or no server was heard from for 4/3 of the
    /// session timeout (see [`crate::ExpiryCause`]). Terminal, unless
    /// [`crate::ClientBuilder::recreate_session_on_expiry`] is on: then `Connected` with a new
    /// session id follows.
    Expired,
    /// Authentication failed. Terminal.
    AuthFailed,
    /// The client closed the session. Terminal.
    Closed,
}

impl SessionState {
    /// Whether the client can no longer be used (for `Expired`: unless the client re-creates
    /// sessions, see [`crate::ClientBuilder::recreate_session_on_expiry`]).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            SessionState::Expired | SessionState::AuthFailed | SessionState::Closed
        )
    }

    /// Whether requests are being served.
    pub fn is_connected(self) -> bool {
        matches!(
            self,
            SessionState::Connected | SessionState::ConnectedReadOnly
        )
    }

    /// The error a request gets when it cannot be served in this state (`auth` says why
    /// authentication failed).
    pub(crate) fn to_error(self, auth: &AuthReason) -> crate::Error {
        match self {
            SessionState::Expired => crate::Error::SessionExpired,
            SessionState::AuthFailed => crate::Error::AuthFailed {
                reason: auth
                    .get()
                    .cloned()
                    .unwrap_or_else(|| "no reason was recorded".into()),
            },
            SessionState::Closed => crate::Error::Closed,
            _ => crate::Error::ConnectionLoss,
        }
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why authentication failed: set once by the session before it reports
/// [`SessionState::AuthFailed`], read by the handles for the errors they return.
pub(crate) type AuthReason = Arc<OnceLock<String>>;

/// The session's identity, negotiated with the server on the first connection.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId {
    /// The session id the server assigned.
    pub id: i64,
    /// The session password (needed to resume the session from another connection).
    pub password: Bytes,
    /// The session timeout the server granted.
    pub timeout: Duration,
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionId")
            .field("id", &format_args!("{:#x}", self.id))
            .field("password", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A stream of session state changes.
///
/// Changes are coalesced: a slow reader sees the latest state, not every intermediate one
/// ([`crate::Client::session_events`] reports every transition). After a terminal state the
/// stream ends (with session re-creation, `Expired` is followed by `Connected`).
#[derive(Debug, Clone)]
pub struct StateWatcher {
    rx: watch::Receiver<SessionState>,
}

impl StateWatcher {
    pub(crate) fn new(rx: watch::Receiver<SessionState>) -> StateWatcher {
        StateWatcher { rx }
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        *self.rx.borrow()
    }

    /// Waits for the state to change and returns the new state; `None` once the session
    /// has ended (after a terminal state was reported).
    pub async fn changed(&mut self) -> Option<SessionState> {
        self.rx.changed().await.ok()?;
        Some(*self.rx.borrow_and_update())
    }

    /// Waits until `pred` holds for the current state, and returns that state.
    pub async fn wait_for(
        &mut self,
        pred: impl FnMut(&SessionState) -> bool,
    ) -> Option<SessionState> {
        self.rx.wait_for(pred).await.ok().map(|s| *s)
    }
}
