//! The session's state: what one client session knows across connections (identity, last
//! zxid, credentials, watches, the backlog of requests waiting for a connection, closing and
//! outage bookkeeping), and the helpers every part of the session uses.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

use super::events::SessionEvent;
use super::hosts::{self, Hosts};
use super::registry::Registry;
use super::removals::DeferredRemovals;
use super::ro_probe::ReadOnlyState;
use super::state::{AuthReason, SessionId, SessionState};
use super::transport::Connector;
use crate::connect_string::HostPort;
use crate::error::RefusalReason;
use crate::message::{CloseWaiter, Command};
use crate::path::Chroot;
use crate::sasl::Mechanism;

/// Settings the session needs.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) hosts: Vec<HostPort>,
    pub(crate) chroot: Chroot,
    pub(crate) session_timeout: Duration,
    pub(crate) read_only: bool,
    pub(crate) session: Option<(i64, Bytes)>,
    pub(crate) max_frame_len: usize,
    pub(crate) auth: Vec<(String, Bytes)>,
    /// Start a new session when the session expires, instead of ending.
    pub(crate) recreate_on_expiry: bool,
    /// How long a close may wait for the server.
    pub(crate) close_timeout: Duration,
    /// Opens every connection: plaintext, or TLS.
    pub(crate) connector: Connector,
    /// The SASL mechanism, authenticated with on every connection before any request.
    pub(crate) sasl: Option<Mechanism>,
    /// Re-register the watches on every new connection (Java's client, unless
    /// `disableAutoWatchReset`); otherwise a lost connection ends them all.
    pub(crate) auto_watch_reset: bool,
    /// Gather replies before waking while many are due (see `coalesce`).
    pub(crate) coalesce_replies: bool,
}

/// Why a connected period ended.
pub(super) enum End {
    /// Connection lost; reconnect.
    Disconnected(String),
    /// The session ended.
    Terminal(SessionState),
}

/// One client session: the sole owner of the socket and of the session's state.
pub(crate) struct Session {
    pub(super) config: Config,
    pub(super) hosts: Hosts,
    pub(super) commands: mpsc::UnboundedReceiver<Command>,
    /// Closes, apart from the commands so that they overtake them.
    pub(super) closes: mpsc::UnboundedReceiver<CloseWaiter>,
    pub(super) state: watch::Sender<SessionState>,
    pub(super) events: broadcast::Sender<SessionEvent>,
    pub(super) session: Arc<Mutex<Option<SessionId>>>,
    /// Why authentication failed, shared with the handles.
    pub(super) auth_reason: AuthReason,
    pub(super) session_id: i64,
    pub(super) password: Bytes,
    pub(super) negotiated: Duration,
    pub(super) last_zxid: i64,
    pub(super) next_xid: i32,
    pub(super) registry: Registry,
    /// Server-side watches no watcher needs, waiting to be removed.
    pub(super) removals: DeferredRemovals,
    /// `removeWatches` sent on this connection and not answered yet.
    pub(super) removals_in_flight: usize,
    /// Credentials, replayed on every connection.
    pub(super) auths: Vec<(String, Bytes)>,
    /// Commands received while not connected, sent once connected.
    pub(super) backlog: VecDeque<Command>,
    pub(super) backlog_pushes: usize,
    /// `close()` calls waiting for the session to end; told whether a server confirmed it.
    pub(super) close_waiters: Vec<oneshot::Sender<bool>>,
    pub(super) closing: bool,
    /// A server answered our closeSession: the session is gone on the server too.
    pub(super) close_confirmed: bool,
    /// Read-only mode: whether to look for a read-write server, and the one found.
    pub(super) ro: ReadOnlyState,
    /// When a close gives up waiting for the server and closes locally.
    pub(super) close_deadline: Option<Instant>,
    /// When a server last sent a frame for the current session (`None` while there is no
    /// established session).
    pub(super) last_heard: Option<Instant>,
    /// Consecutive refused handshakes since the last successful one.
    pub(super) refusals: u32,
    /// Why the last refused handshake of the current outage was refused.
    pub(super) last_refusal: Option<RefusalReason>,
    /// `ServerBehind` was reported for the current outage.
    pub(super) behind: bool,
    /// When the current connection's handshake succeeded.
    pub(super) connected_at: Option<Instant>,
    /// Consecutive connections that ended young (see `lifecycle::YOUNG`).
    pub(super) young_drops: u32,
    /// How long to wait before the next attempt, after a connection that ended young.
    pub(super) reconnect_delay: Duration,
    /// The expired session a new one is being created for (re-creation mode).
    pub(super) replacing: Option<i64>,
    pub(super) rng: hosts::Rng,
    /// Whether a read-write server has served this session: until then (a session a
    /// read-only server created), reconnects ask for a new session, as Java's client does.
    /// A re-created session starts without it.
    pub(super) seen_rw: bool,
    /// The server of the current connection.
    pub(super) connected_to: Option<HostPort>,
    /// A server-list update asked this client to move: the connection ends (then the
    /// session connects where the host list says).
    pub(super) rebalance: bool,
    /// The current server list, for the read-only probe (which reads it every round).
    pub(super) servers: watch::Sender<Vec<HostPort>>,
}

impl Session {
    pub(crate) fn new(
        config: Config,
        commands: mpsc::UnboundedReceiver<Command>,
        closes: mpsc::UnboundedReceiver<CloseWaiter>,
        state: watch::Sender<SessionState>,
        events: broadcast::Sender<SessionEvent>,
        session: Arc<Mutex<Option<SessionId>>>,
        auth_reason: AuthReason,
    ) -> Session {
        let (session_id, password) = config
            .session
            .clone()
            .unwrap_or((0, Bytes::from_static(&[0; 16])));
        // A resumed session is a read-write one.
        let seen_rw = config.session.is_some();
        let config_hosts = config.hosts.clone();
        Session {
            hosts: Hosts::new(config.hosts.clone(), hosts::Rng::new()),
            ro: ReadOnlyState::default(),
            auths: config.auth.clone(),
            negotiated: config.session_timeout,
            config,
            commands,
            closes,
            state,
            events,
            session,
            auth_reason,
            session_id,
            password,
            last_zxid: 0,
            next_xid: 1,
            registry: Registry::default(),
            removals: DeferredRemovals::default(),
            removals_in_flight: 0,
            backlog: VecDeque::new(),
            backlog_pushes: 0,
            close_waiters: Vec::new(),
            closing: false,
            close_confirmed: false,
            close_deadline: None,
            last_heard: None,
            refusals: 0,
            last_refusal: None,
            behind: false,
            connected_at: None,
            young_drops: 0,
            reconnect_delay: Duration::ZERO,
            replacing: None,
            rng: hosts::Rng::new(),
            seen_rw,
            connected_to: None,
            rebalance: false,
            servers: watch::channel(config_hosts).0,
        }
    }

    pub(super) fn emit(&self, event: SessionEvent) {
        // No receiver is fine.
        let _ = self.events.send(event);
    }

    /// Records why authentication failed (the first reason wins) and returns the state that
    /// ends the session.
    pub(super) fn auth_failed(&self, reason: String) -> SessionState {
        let _ = self.auth_reason.set(reason);
        SessionState::AuthFailed
    }

    /// The error a request gets when the session has ended in `state`.
    pub(super) fn terminal_error(&self, state: SessionState) -> crate::Error {
        state.to_error(&self.auth_reason)
    }

    pub(super) fn next_xid(&mut self) -> i32 {
        let xid = self.next_xid;
        self.next_xid = if xid == i32::MAX { 1 } else { xid + 1 };
        xid
    }

    /// When the session counts as expired if no server is heard from before: 4/3 of the
    /// negotiated timeout after the last frame (the side Curator takes; see the crate docs).
    pub(super) fn expiry_deadline(&self) -> Option<Instant> {
        if self.session_id == 0 {
            return None;
        }
        self.last_heard.map(|t| t + self.negotiated * 4 / 3)
    }

    /// Java's `connectTimeout`: the session timeout shared by the servers, at least a second;
    /// the negotiated timeout once a server has granted one (`ClientCnxn.onConnected`), so a
    /// server that caps the timeout also shortens the wait on a dead host. The addresses a
    /// server's name resolves to share it in turn (see `handshake`): Java tries one random
    /// address of the name per attempt (`StaticHostProvider.resolve`); trying them all within
    /// the one timeout reaches a live address in the same round, and a round stays within the
    /// session timeout.
    pub(super) fn attempt_timeout(&self) -> Duration {
        let n = self.config.hosts.len().max(1) as u32;
        (self.negotiated / n).max(Duration::from_secs(1))
    }

    /// Marks the session as closing and starts the close timeout.
    pub(super) fn start_closing(&mut self) -> Instant {
        self.closing = true;
        *self
            .close_deadline
            .get_or_insert_with(|| Instant::now() + self.config.close_timeout)
    }
}

impl Session {
    /// Takes a new server list (rebalancing as Java's `StaticHostProvider` does); returns
    /// whether this client moves, and if connected, marks the connection to end.
    pub(super) fn update_hosts(&mut self, hosts: Vec<HostPort>) -> bool {
        let moving = self.hosts.update(hosts.clone(), self.connected_to.as_ref());
        tracing::info!(servers = hosts.len(), moving, "server list updated");
        self.servers.send_replace(hosts.clone());
        self.config.hosts = hosts;
        self.rebalance = moving && self.connected_to.is_some();
        moving
    }
}

/// A session over `hosts` servers asking for `timeout`, for unit tests: never run.
#[cfg(test)]
pub(super) fn test_session(hosts: u16, timeout: Duration) -> Session {
    let config = Config {
        hosts: (0..hosts)
            .map(|i| HostPort {
                host: "127.0.0.1".into(),
                port: 2181 + i,
            })
            .collect(),
        chroot: crate::path::Chroot::none(),
        session_timeout: timeout,
        read_only: false,
        session: None,
        max_frame_len: 1 << 20,
        auth: Vec::new(),
        recreate_on_expiry: false,
        close_timeout: Duration::from_secs(1),
        connector: Connector::new(None),
        sasl: None,
        auto_watch_reset: true,
        coalesce_replies: true,
    };
    let (_, commands) = mpsc::unbounded_channel();
    let (_, closes) = mpsc::unbounded_channel();
    let (state, _) = watch::channel(SessionState::Disconnected);
    let (events, _) = broadcast::channel(1);
    Session::new(
        config,
        commands,
        closes,
        state,
        events,
        Arc::default(),
        AuthReason::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::events::ExpiryCause;
    use zk_records::proto::ConnectResponse;

    fn accepted(session_id: i64, read_only: bool) -> ConnectResponse {
        ConnectResponse {
            protocol_version: 0,
            time_out: 30_000,
            session_id,
            passwd: Bytes::from_static(&[7; 16]),
            read_only: Some(read_only),
        }
    }

    #[test]
    fn a_new_session_first_seen_read_only_is_not_offered_to_a_read_write_server() {
        let mut s = test_session(3, Duration::from_secs(30));
        s.config.read_only = true;
        s.config.recreate_on_expiry = true;
        let host = s.config.hosts[0].clone();
        s.established(&host, &accepted(0x11, false));
        assert_eq!(
            s.connect_request().session_id,
            0x11,
            "a read-write session resumes"
        );
        assert_eq!(s.expire(ExpiryCause::Server), None, "re-created");
        // The new session is made by a read-only server: only that server knows it.
        s.established(&host, &accepted(0x22, true));
        assert_eq!(
            s.connect_request().session_id,
            0,
            "a read-write server is asked for a new session, as Java's seenRwServerBefore says"
        );
        s.established(&host, &accepted(0x33, false));
        assert_eq!(s.connect_request().session_id, 0x33);
    }

    #[test]
    fn each_attempt_gets_a_share_of_the_negotiated_timeout() {
        let mut s = test_session(3, Duration::from_secs(120));
        assert_eq!(s.attempt_timeout(), Duration::from_secs(40));
        // The server caps the timeout at 40 s: a dead host costs a third of that.
        s.negotiated = Duration::from_secs(40);
        assert_eq!(s.attempt_timeout(), Duration::from_secs(40) / 3);
        s.negotiated = Duration::from_millis(600);
        assert_eq!(s.attempt_timeout(), Duration::from_secs(1));
    }
}
