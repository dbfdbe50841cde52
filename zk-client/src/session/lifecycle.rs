//! The session's lifecycle: connect, reconnect with backoff, the bookkeeping of a new
//! connection, refused handshakes, expiry (final or followed by a new session), and the end.

use std::ops::ControlFlow;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;
use zk_records::proto::{ConnectRequest, ConnectResponse};
use zk_records::KeeperState;

use super::core::{End, Session};
use super::events::{ExpiryCause, SessionEvent};
use super::four_letter;
use super::handshake::{handshake, Connected, SaslLogin};
use super::hosts;
use super::offline::Offline;
use super::state::{SessionId, SessionState};
use super::transport;
use crate::connect_string::HostPort;
use crate::error::{ConnectFailure, Error, RefusalReason};
use crate::tls::TlsFailure;

/// Consecutive refused handshakes (at least one per host) that make `ServerBehind`.
const REFUSALS_FOR_BEHIND: u32 = 3;
/// A connection that ends sooner than this after its handshake died young.
const YOUNG: Duration = Duration::from_secs(1);
/// The pause after the first connection in a row that died young (before jitter); it
/// doubles with each further one.
const YOUNG_BACKOFF_BASE: Duration = Duration::from_millis(500);
/// The longest pause after connections that died young.
const YOUNG_BACKOFF_MAX: Duration = Duration::from_secs(10);
/// Consecutive young connections that make a `ConnectionsDropping` event.
const YOUNG_DROPS_REPORTED: u32 = 3;
/// Pause after a refused handshake (plus up to as much jitter): the server is up, so the
/// exponential backoff for unreachable servers does not apply, but it must not be hammered.
const REFUSAL_PAUSE: Duration = Duration::from_millis(300);

impl Session {
    /// Runs until the session ends.
    pub(crate) async fn run(mut self) {
        let end = loop {
            if let ControlFlow::Break(state) = self.check_deadlines() {
                break state;
            }
            let found = self.ro.take_found();
            let moving = found.is_some();
            let next = found.map(|h| (h, Duration::ZERO));
            let Some((host, mut delay)) = next.or_else(|| self.hosts.next()) else {
                break SessionState::Closed;
            };
            // After a connection that died young, wait (unless moving to a read-write server
            // on purpose).
            let young = std::mem::take(&mut self.reconnect_delay);
            if !moving {
                delay = delay.max(young);
            }
            if !delay.is_zero() {
                match self.back_off(delay).await {
                    ControlFlow::Break(Some(state)) => break state,
                    ControlFlow::Break(None) => continue,
                    ControlFlow::Continue(()) => {}
                }
            }
            let Connected {
                stream,
                response,
                rbuf,
            } = match self.attempt(&host).await {
                ControlFlow::Continue(connected) => connected,
                ControlFlow::Break(Some(state)) => break state,
                ControlFlow::Break(None) => continue,
            };
            if response.time_out <= 0 {
                if self.closing {
                    break SessionState::Closed;
                }
                match self.expire(ExpiryCause::Server) {
                    Some(state) => break state,
                    None => continue,
                }
            }
            self.established(&host, &response);
            match self.serve(stream, rbuf).await {
                End::Terminal(state) => break state,
                End::Disconnected(reason) => {
                    self.connected_to = None;
                    tracing::info!(server = %host, %reason, "disconnected");
                    self.state.send_replace(SessionState::Disconnected);
                    self.emit(SessionEvent::Disconnected { reason });
                    if !self.config.auto_watch_reset {
                        // Not restored on the next connection: each ends now, with the
                        // state that ended it (Java's `disableAutoWatchReset`).
                        self.registry.close_all(KeeperState::Disconnected);
                    }
                    self.reconnect_delay = self.connection_ended();
                }
            }
        };
        self.finish(end);
    }

    /// Ends the session when its close deadline has passed, and expires it when no server was
    /// heard from in time (`Continue` when a new session is to be created).
    fn check_deadlines(&mut self) -> ControlFlow<SessionState> {
        let now = Instant::now();
        if self.closing && self.close_deadline.is_some_and(|d| now >= d) {
            tracing::info!("no server confirmed the close in time; closing locally");
            return ControlFlow::Break(SessionState::Closed);
        }
        if self
            .expiry_deadline()
            .is_some_and(|deadline| now >= deadline)
        {
            let silent_for = self.last_heard.map(|t| now - t).unwrap_or_default();
            let cause = if self.behind {
                ExpiryCause::ServerBehind
            } else if matches!(
                self.last_refusal,
                Some(RefusalReason::NotServing | RefusalReason::ReadOnly)
            ) {
                ExpiryCause::NotServing { silent_for }
            } else {
                ExpiryCause::LocalTimeout { silent_for }
            };
            if let Some(state) = self.expire(cause) {
                return ControlFlow::Break(state);
            }
        }
        ControlFlow::Continue(())
    }

    /// Waits `delay` before the next attempt, serving commands meanwhile. `Break(Some)` ends
    /// the session; `Break(None)` sends the loop back to its deadlines.
    async fn back_off(&mut self, delay: Duration) -> ControlFlow<Option<SessionState>> {
        if self.closing {
            return ControlFlow::Break(Some(SessionState::Closed));
        }
        tracing::debug!(?delay, "every server failed; backing off");
        match self.offline(tokio::time::sleep(delay), true).await {
            Offline::Done(()) if self.closing => ControlFlow::Break(Some(SessionState::Closed)),
            Offline::Done(()) => ControlFlow::Continue(()),
            Offline::Deadline => ControlFlow::Break(None),
            Offline::Stop => ControlFlow::Break(Some(SessionState::Closed)),
        }
    }

    /// The handshake's request: the session to resume (if any) and the last zxid seen.
    pub(super) fn connect_request(&self) -> ConnectRequest {
        ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: self.last_zxid,
            time_out: self
                .config
                .session_timeout
                .as_millis()
                .min(i32::MAX as u128) as i32,
            // A session only a read-only server knows cannot move to a read-write one.
            session_id: if self.seen_rw { self.session_id } else { 0 },
            passwd: self.password.clone(),
            read_only: Some(self.config.read_only),
        }
    }

    /// One connection attempt to `host`, serving commands meanwhile. `Break(Some)` ends the
    /// session; `Break(None)` retries from the top of the loop.
    async fn attempt(&mut self, host: &HostPort) -> ControlFlow<Option<SessionState>, Connected> {
        let request = self.connect_request();
        let attempt_timeout = self.attempt_timeout();
        tracing::debug!(server = %host, timeout = ?attempt_timeout, "connecting");
        let max_frame = self.config.max_frame_len;
        let connector = self.config.connector.clone();
        let sasl = self.config.sasl.clone().map(|mechanism| SaslLogin {
            mechanism,
            xids: std::array::from_fn(|_| self.next_xid()),
        });
        let connecting = handshake(
            connector.clone(),
            host.clone(),
            request,
            sasl,
            attempt_timeout,
            max_frame,
        );
        let result = match self.offline(connecting, false).await {
            Offline::Done(result) => result,
            Offline::Stop => return ControlFlow::Break(Some(SessionState::Closed)),
            // Expiry or close deadline: the top of the loop decides.
            Offline::Deadline => return ControlFlow::Break(None),
        };
        let mut e = match result {
            Ok(connected) => return ControlFlow::Continue(connected),
            Err(e) => e,
        };
        if e.auth_failed() {
            tracing::warn!(server = %host, reason = %e.detail, "SASL authentication failed");
            self.emit(SessionEvent::AttemptFailed {
                server: host.to_string(),
                failure: e.failure.clone(),
            });
            let reason = match &e.failure {
                ConnectFailure::AuthFailed(reason) => reason.clone(),
                other => other.to_string(),
            };
            return ControlFlow::Break(Some(self.auth_failed(reason)));
        }
        if e.refused() && !connector.is_tls() && !self.closing {
            // Closed without a word: a TLS port does that to plaintext. Ask it in TLS.
            let probe = transport::speaks_tls(host);
            match self.offline(probe, false).await {
                Offline::Done(true) => e.failure = ConnectFailure::Tls(TlsFailure::TlsPort),
                Offline::Stop => return ControlFlow::Break(Some(SessionState::Closed)),
                Offline::Done(false) | Offline::Deadline => {}
            }
        }
        let mut reason = None;
        if e.refused() && self.last_zxid > 0 && !self.closing {
            // Ask the server why: behind our last zxid, or not serving at all.
            let last_zxid = self.last_zxid;
            let probe = async move { connector.ask(host, b"srvr", 4096).await };
            let found = match self.offline(probe, false).await {
                Offline::Done(answer) => four_letter::refusal_reason(answer.as_deref(), last_zxid),
                Offline::Stop => return ControlFlow::Break(Some(SessionState::Closed)),
                Offline::Deadline => RefusalReason::Unknown,
            };
            e.failure = ConnectFailure::SessionRefused(found);
            reason = Some(found);
        }
        tracing::info!(server = %host, reason = %e.detail, failure = %e.failure, "connection attempt failed");
        self.emit(SessionEvent::AttemptFailed {
            server: host.to_string(),
            failure: e.failure.clone(),
        });
        if self.closing {
            // Closing, and no server to tell: close locally.
            return ControlFlow::Break(Some(SessionState::Closed));
        }
        if e.refused() {
            self.refused(reason.unwrap_or(RefusalReason::Unknown));
            // The server is up: retry soon, not after a growing backoff.
            self.hosts.refused();
            let jitter = self.rng.below(REFUSAL_PAUSE.as_millis() as u64 + 1);
            let pause = REFUSAL_PAUSE + Duration::from_millis(jitter);
            if let Offline::Stop = self.offline(tokio::time::sleep(pause), true).await {
                return ControlFlow::Break(Some(SessionState::Closed));
            }
        }
        ControlFlow::Break(None)
    }

    /// Decides how long to wait before reconnecting after a connection ended: not at all after
    /// one that lived (the fast first reconnect), a jittered backoff growing with each
    /// consecutive connection that died young, so a peer that accepts sessions and drops them
    /// cannot make the client reconnect in a tight loop.
    fn connection_ended(&mut self) -> Duration {
        let lived = self
            .connected_at
            .take()
            .map(|t| t.elapsed())
            .unwrap_or_default();
        if lived >= YOUNG {
            self.young_drops = 0;
            return Duration::ZERO;
        }
        self.young_drops = self.young_drops.saturating_add(1);
        if self.young_drops == YOUNG_DROPS_REPORTED {
            tracing::warn!(
                consecutive = self.young_drops,
                ?lived,
                "connections keep dropping right after the handshake; reconnecting more slowly"
            );
            self.emit(SessionEvent::ConnectionsDropping {
                consecutive: self.young_drops,
                lived,
            });
        }
        hosts::jittered_backoff(
            YOUNG_BACKOFF_BASE,
            YOUNG_BACKOFF_MAX,
            self.young_drops,
            &mut self.rng,
        )
    }

    /// Records a successful handshake with `host`: the session's identity and timeout, the
    /// new state, and the events that announce it.
    pub(super) fn established(&mut self, host: &HostPort, response: &ConnectResponse) {
        self.hosts.connected();
        self.connected_to = Some(host.clone());
        self.refusals = 0;
        self.behind = false;
        self.last_refusal = None;
        self.session_id = response.session_id;
        self.password = response.passwd.clone();
        self.negotiated = Duration::from_millis(response.time_out as u64);
        self.last_heard = Some(Instant::now());
        self.connected_at = self.last_heard;
        if let Ok(mut s) = self.session.lock() {
            *s = Some(SessionId {
                id: self.session_id,
                password: self.password.clone(),
                timeout: self.negotiated,
            });
        }
        let read_only = response.read_only == Some(true);
        self.ro.connected(read_only);
        self.seen_rw |= !read_only;
        tracing::info!(
            server = %host,
            session = format_args!("{:#x}", self.session_id),
            timeout = ?self.negotiated,
            read_only,
            "connected"
        );
        self.state.send_replace(if read_only {
            SessionState::ConnectedReadOnly
        } else {
            SessionState::Connected
        });
        self.emit(SessionEvent::Connected {
            session_id: self.session_id,
            server: host.to_string(),
            read_only,
        });
        if let Some(old) = self.replacing.take() {
            tracing::info!(
                old = format_args!("{old:#x}"),
                new = format_args!("{:#x}", self.session_id),
                "new session replaces the expired one"
            );
            self.emit(SessionEvent::Recreated {
                old,
                new: self.session_id,
            });
        }
    }

    /// Counts a handshake the server closed without answering.
    /// Only refusals by servers confirmed to be behind (their `srvr` zxid is older than the
    /// last zxid seen) count towards `ServerBehind` and a reset of the last zxid: a server that
    /// lost its quorum refuses the same way, and restarting from zxid 0 would be wrong there.
    pub(super) fn refused(&mut self, reason: RefusalReason) {
        self.last_refusal = Some(reason);
        if self.last_zxid <= 0 || !matches!(reason, RefusalReason::Behind { .. }) {
            return;
        }
        self.refusals = self.refusals.saturating_add(1);
        let needed = REFUSALS_FOR_BEHIND.max(self.config.hosts.len() as u32);
        if self.refusals < needed || self.behind {
            return;
        }
        self.behind = true;
        tracing::warn!(
            last_zxid_seen = format_args!("{:#x}", self.last_zxid),
            refusals = self.refusals,
            "the servers refuse the session: they have not seen our last zxid (data lost)"
        );
        self.emit(SessionEvent::ServerBehind {
            last_zxid_seen: self.last_zxid,
            refusals: self.refusals,
        });
        if self.session_id == 0 && self.config.recreate_on_expiry {
            // No session to keep: start the new one from scratch.
            tracing::warn!("starting the new session from zxid 0");
            self.last_zxid = 0;
            self.refusals = 0;
            self.behind = false;
        }
    }

    /// The session expired. Returns the terminal state, or `None` when a new session is to be
    /// created.
    pub(super) fn expire(&mut self, cause: ExpiryCause) -> Option<SessionState> {
        let old = self.session_id;
        tracing::warn!(
            session = format_args!("{old:#x}"),
            ?cause,
            "session expired"
        );
        // The state first: a reader of the event then sees it (as for every other event).
        self.state.send_replace(SessionState::Expired);
        self.emit(SessionEvent::Expired {
            session_id: old,
            cause: cause.clone(),
        });
        if !self.config.recreate_on_expiry || self.closing {
            return Some(SessionState::Expired);
        }
        self.registry.close_all(KeeperState::Expired);
        self.fail_backlog(Error::SessionExpired);
        if old != 0 {
            self.replacing.get_or_insert(old);
        }
        if cause == ExpiryCause::ServerBehind {
            tracing::warn!("the servers are behind: the new session starts from zxid 0");
            self.last_zxid = 0;
        }
        self.refusals = 0;
        self.behind = false;
        self.session_id = 0;
        self.password = Bytes::from_static(&[0; 16]);
        // The new session has been served by no server yet: one a read-only server creates
        // is not resumed on a read-write one.
        self.seen_rw = false;
        self.last_heard = None;
        if let Ok(mut s) = self.session.lock() {
            *s = None;
        }
        None
    }

    /// Reports a terminal state and fails everything still waiting.
    fn finish(mut self, state: SessionState) {
        tracing::info!(%state, session = format_args!("{:#x}", self.session_id), "session ended");
        // Expiry has already reported its state: no second notification.
        self.state.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
        match state {
            SessionState::AuthFailed => {
                let reason = self.auth_reason.get().cloned().unwrap_or_default();
                self.emit(SessionEvent::AuthFailed { reason })
            }
            SessionState::Closed => self.emit(SessionEvent::Closed),
            // Expired was reported with its cause.
            _ => {}
        }
        let err = self.terminal_error(state);
        self.fail_backlog(err.clone());
        self.commands.close();
        while let Ok(cmd) = self.commands.try_recv() {
            self.backlog.push_back(cmd);
        }
        self.closes.close();
        while let Ok(waiter) = self.closes.try_recv() {
            self.close_waiters.extend(waiter);
        }
        self.fail_backlog(err);
        let keeper = match state {
            SessionState::Expired => KeeperState::Expired,
            SessionState::AuthFailed => KeeperState::AuthFailed,
            _ => KeeperState::Closed,
        };
        self.registry.close_all(keeper);
        // An expired or refused session is gone on the server as well; a closed one only if
        // a server answered the closeSession.
        let confirmed = state != SessionState::Closed || self.close_confirmed;
        for w in self.close_waiters.drain(..) {
            let _ = w.send(confirmed);
        }
    }
}
