//! The client handle: session state and events, close, credentials, and the request round
//! trip every operation goes through.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use zk_records::{OpCode, Request};

use crate::connect_string::ConnectString;
use crate::error::Error;
use crate::message::{Body, Call, CloseWaiter, Command, Effect, Reply, SmallBody};
use crate::path::Chroot;
use crate::session::events::{SessionEvent, SessionEvents};
use crate::session::pipeline::REQUEST_HEADER_LEN;
use crate::session::state::{AuthReason, SessionId, SessionState, StateWatcher};

/// Largest request frame the server accepts by default (`jute.maxbuffer`, 0xfffff bytes).
pub const DEFAULT_MAX_REQUEST_LEN: usize = 0xfffff;
/// Largest reply frame accepted by default: the server's limit plus room for headers (a node
/// holding the most data the server accepts comes back with a header and a stat).
pub const DEFAULT_MAX_REPLY_LEN: usize = 0xfffff + 4096;
/// How long [`Client::close`] waits for the server by default.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// An asynchronous ZooKeeper client: a cheap, cloneable handle to one session.
///
/// The session is closed when [`Client::close`] is called or the last handle is dropped.
///
/// Every request method follows the crate's delivery contract (see the crate docs): a
/// request issued while disconnected waits and is sent after the reconnect; a request that
/// was written and not answered when the connection broke fails with
/// [`Error::ConnectionLoss`] and is never sent again; requests fail with
/// [`Error::SessionExpired`] when the session expires, and with [`Error::Timeout`] when a
/// request timeout is set and passes.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
    /// Request timeout of this handle.
    pub(crate) request_timeout: Option<Duration>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    /// Closes go to the session apart from the commands, so that they overtake them.
    pub(crate) closes: mpsc::UnboundedSender<CloseWaiter>,
    /// `close()` was called: requests fail at once, and the state reads `Closed`.
    pub(crate) closed: AtomicBool,
    pub(crate) chroot: Chroot,
    pub(crate) state: watch::Receiver<SessionState>,
    /// Kept unread; new readers subscribe through it.
    pub(crate) events: broadcast::Receiver<SessionEvent>,
    pub(crate) session: Arc<Mutex<Option<SessionId>>>,
    /// Why authentication failed, once it has.
    pub(crate) auth_reason: AuthReason,
    pub(crate) next_watch_id: AtomicU64,
    /// Where one-shot watch events wait for their watchers.
    pub(crate) watch_slots: Arc<crate::watch_slots::Slots>,
    pub(crate) max_request_len: usize,
    pub(crate) close_timeout: Duration,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.closes.send(None);
        let _ = self.commands.send(Command::CloseQueued);
    }
}

impl Client {
    /// The current session state.
    pub fn state(&self) -> SessionState {
        if self.is_closed() {
            return SessionState::Closed;
        }
        *self.inner.state.borrow()
    }

    /// Whether [`Client::close`] was called on this session.
    fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// A stream of session state changes.
    pub fn state_watcher(&self) -> StateWatcher {
        let mut rx = self.inner.state.clone();
        rx.mark_unchanged();
        StateWatcher::new(rx)
    }

    /// A stream of every [`SessionEvent`] from now on: connections, disconnections, expiry
    /// with its cause, servers that refuse the session, session re-creation.
    pub fn session_events(&self) -> SessionEvents {
        SessionEvents::new(self.inner.events.resubscribe())
    }

    /// A handle to the same session whose requests time out after `timeout` (`None`: never),
    /// overriding [`crate::ClientBuilder::request_timeout`].
    ///
    /// ```no_run
    /// # async fn demo(zk: zk_client::Client) -> Result<(), zk_client::Error> {
    /// use std::time::Duration;
    ///
    /// let quick = zk.with_request_timeout(Some(Duration::from_millis(500)));
    /// match quick.get_data("/config").await {
    ///     Err(zk_client::Error::Timeout { .. }) => { /* fall back to a cached value */ }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn with_request_timeout(&self, timeout: Option<Duration>) -> Client {
        Client {
            inner: self.inner.clone(),
            request_timeout: timeout,
        }
    }

    /// The request timeout of this handle.
    pub fn request_timeout(&self) -> Option<Duration> {
        self.request_timeout
    }

    /// The session id, password and negotiated timeout (known once connected; `None` while a
    /// replacement for an expired session is being created).
    pub fn session(&self) -> Option<SessionId> {
        self.inner.session.lock().ok().and_then(|s| s.clone())
    }

    /// The chroot this client works under.
    pub fn chroot(&self) -> &Chroot {
        &self.inner.chroot
    }

    /// Closes the session (ephemeral nodes go away) and waits for the server to confirm, at
    /// most the close timeout ([`crate::ClientBuilder::close_timeout`], 2 s by default) whatever the
    /// connection is doing: connected, reconnecting (an attempt under way may finish and
    /// carry the close), server hung or gone. When no server confirms in time the client
    /// closes locally, and the server expires the session at its timeout. Afterwards every
    /// request fails with [`Error::Closed`].
    ///
    /// Returns `Ok` when a server confirmed the close or the session had already ended
    /// (closed, expired); [`Error::CloseUnconfirmed`] when the client closed locally without
    /// a confirmation, so the session and its ephemeral nodes may live on until the server
    /// expires them. The client is closed either way.
    pub async fn close(&self) -> Result<(), Error> {
        self.inner.closed.store(true, Ordering::Release);
        let (tx, rx) = oneshot::channel();
        let queued = self.inner.closes.send(Some(tx));
        let _ = self.inner.commands.send(Command::CloseQueued);
        if queued.is_err() {
            // The session has already ended.
            return Ok(());
        }
        // The session honours the close timeout; the margin covers a busy machine.
        let bound = self.inner.close_timeout + Duration::from_secs(1);
        let unconfirmed = Error::CloseUnconfirmed {
            after: self.inner.close_timeout,
        };
        match tokio::time::timeout(bound, rx).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(unconfirmed),
            // The session ended without answering this call: it was already over.
            Ok(Err(_)) => Ok(()),
            Err(_) => {
                tracing::warn!(?bound, "close not confirmed by the session in time");
                Err(unconfirmed)
            }
        }
    }

    /// Adds credentials to the session (e.g. `"digest"`, `b"user:password"`); they are sent
    /// again after every reconnect. A refused credential ends the session
    /// ([`Error::AuthFailed`]), as in ZooKeeper's own client.
    pub async fn add_auth(&self, scheme: &str, auth: impl Into<Bytes>) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Auth {
            scheme: scheme.to_owned(),
            auth: auth.into(),
            reply,
        };
        if self.inner.commands.send(cmd).is_err() {
            return Err(self.gone());
        }
        rx.await.map_err(|_| self.gone())?
    }

    /// Gives the session a new server list (a connect string; its chroot, if any, must be
    /// this client's own) and rebalances as Java's `ZooKeeper.updateServerList` does: the
    /// client moves to another server only with the probability that spreads all clients
    /// evenly over the new list, so adding servers does not make every client reconnect at
    /// once. Returns whether this client moves; if it does, its connection is dropped
    /// (requests in flight on it fail with [`Error::ConnectionLoss`]) and the session
    /// reconnects, keeping its watches. While disconnected, the next attempts use the new
    /// list.
    ///
    /// ```no_run
    /// # async fn demo(zk: zk_client::Client) -> Result<(), zk_client::Error> {
    /// // Two servers joined the ensemble: about 2 in 5 clients move to them.
    /// let moved = zk.update_server_list("zk1:2181,zk2:2181,zk3:2181,zk4:2181,zk5:2181").await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_server_list(&self, connect_string: &str) -> Result<bool, Error> {
        let cs = ConnectString::parse(connect_string)?;
        if cs.chroot().as_str().is_some() && cs.chroot() != &self.inner.chroot {
            return Err(Error::InvalidArgument(format!(
                "the connect string's chroot {:?} differs from the client's {:?}",
                cs.chroot().as_str().unwrap_or("/"),
                self.inner.chroot.as_str().unwrap_or("/"),
            )));
        }
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let (reply, rx) = oneshot::channel();
        let cmd = Command::UpdateHosts {
            hosts: cs.hosts().to_vec(),
            reply,
        };
        if self.inner.commands.send(cmd).is_err() {
            return Err(self.gone());
        }
        rx.await.map_err(|_| self.gone())
    }

    pub(crate) fn next_watch_id(&self) -> u64 {
        self.inner.next_watch_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn commands(&self) -> mpsc::UnboundedSender<Command> {
        self.inner.commands.clone()
    }

    /// The error for a request when the session is gone.
    fn gone(&self) -> Error {
        let state = *self.inner.state.borrow();
        if state.is_terminal() {
            state.to_error(&self.inner.auth_reason)
        } else {
            Error::Closed
        }
    }

    /// Sends `record` and returns its typed response, or the server's error for `path`.
    pub(crate) async fn request<R: Request>(
        &self,
        record: &R,
        path: &str,
    ) -> Result<R::Response, Error> {
        self.request_with(record, Effect::None, path).await
    }

    /// Like [`Client::request`], with a change to the watch registry that depends on the
    /// reply.
    pub(crate) async fn request_with<R: Request>(
        &self,
        record: &R,
        effect: Effect,
        path: &str,
    ) -> Result<R::Response, Error> {
        let reply = self.call(record, effect).await?;
        if reply.err != 0 {
            return Err(Error::from_server(reply.err, path));
        }
        Ok(jute::from_bytes(reply.body)?)
    }

    /// Sends `record` and waits for the reply, whatever its error code: the one path every
    /// request takes. Bodies of [`jute::SHARE_MIN_LEN`] bytes or more travel as chunks that
    /// share the caller's large buffers; small ones inside the command.
    pub(crate) async fn call<R: Request>(
        &self,
        record: &R,
        effect: Effect,
    ) -> Result<Reply, Error> {
        let len = record.encoded_len();
        self.check_request_len(R::OP, len)?;
        let body = if len >= jute::SHARE_MIN_LEN {
            // Large node data goes to the socket from the caller's `Bytes`, uncopied.
            Body::Chunks(jute::to_chunks(record).into_chunks())
        } else if let Some(small) = SmallBody::encode(record, len) {
            Body::Small(small)
        } else {
            let mut body = Vec::with_capacity(len);
            record.encode(&mut body);
            Body::Inline(body)
        };
        self.call_body(R::OP, body, effect).await
    }

    /// Refuses, before anything is sent, a request whose body of `body_len` bytes would make a
    /// frame over the server's limit.
    fn check_request_len(&self, op: OpCode, body_len: usize) -> Result<(), Error> {
        let len = body_len + REQUEST_HEADER_LEN;
        if len > self.inner.max_request_len {
            return Err(Error::InvalidArgument(format!(
                "a {op} request of {len} bytes exceeds the server's limit of {} bytes \
                 (jute.maxbuffer)",
                self.inner.max_request_len
            )));
        }
        Ok(())
    }

    /// Sends a request with an encoded body (its length already checked).
    async fn call_body(&self, op: OpCode, body: Body, effect: Effect) -> Result<Reply, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Call(Call {
            op,
            body,
            reply,
            effect,
        });
        if self.inner.commands.send(cmd).is_err() {
            return Err(self.gone());
        }
        match self.request_timeout {
            None => rx.await.map_err(|_| self.gone())?,
            // On timeout the receiver is dropped: the session skips the request if it was not
            // sent yet, and otherwise matches the late reply by xid and discards it.
            Some(after) => match tokio::time::timeout(after, rx).await {
                Ok(reply) => reply.map_err(|_| self.gone())?,
                Err(_) => Err(Error::Timeout { after }),
            },
        }
    }
}
