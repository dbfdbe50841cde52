//! The client handle, its builder, and the request round trip every operation goes through.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use jute::Jute;
use tokio::sync::{mpsc, oneshot, watch};
use zk_records::OpCode;

use crate::connect_string::ConnectString;
use crate::error::Error;
use crate::path::Chroot;
use crate::pipeline::{Reply, REQUEST_HEADER_LEN};
use crate::session::{SessionId, SessionState, StateWatcher};
use crate::task::{Command, Config, Effect, Request, Task};

/// Largest request frame the server accepts by default (`jute.maxbuffer`, 0xfffff bytes).
pub const DEFAULT_MAX_REQUEST_LEN: usize = 0xfffff;
/// Largest reply frame accepted by default: the server's limit plus room for headers (a node
/// holding the most data the server accepts comes back with a header and a stat).
pub const DEFAULT_MAX_REPLY_LEN: usize = 0xfffff + 4096;

/// Configures and connects a [`Client`].
///
/// ```no_run
/// # async fn demo() -> Result<(), zk_client::Error> {
/// use std::time::Duration;
///
/// let client = zk_client::Client::builder()
///     .session_timeout(Duration::from_secs(10))
///     .connect("127.0.0.1:2181/app")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    session_timeout: Duration,
    connect_timeout: Option<Duration>,
    read_only: bool,
    session: Option<(i64, Bytes)>,
    auth: Vec<(String, Bytes)>,
    max_request_len: usize,
    max_reply_len: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            session_timeout: Duration::from_secs(10),
            connect_timeout: None,
            read_only: false,
            session: None,
            auth: Vec::new(),
            max_request_len: DEFAULT_MAX_REQUEST_LEN,
            max_reply_len: DEFAULT_MAX_REPLY_LEN,
        }
    }
}

impl ClientBuilder {
    /// The session timeout to ask for (the server clamps it to its own bounds). Default 10 s.
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// How long [`ClientBuilder::connect`] waits for the first connection. Default: the
    /// session timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Accept read-only servers (cut off from their quorum). Default false.
    pub fn read_only(mut self, allowed: bool) -> Self {
        self.read_only = allowed;
        self
    }

    /// Resume an existing session instead of creating one.
    pub fn session(mut self, id: i64, password: Bytes) -> Self {
        self.session = Some((id, password));
        self
    }

    /// Credentials sent on every connection, before any request (e.g. `"digest"`,
    /// `b"user:password"`).
    pub fn auth(mut self, scheme: &str, auth: impl Into<Bytes>) -> Self {
        self.auth.push((scheme.to_owned(), auth.into()));
        self
    }

    /// Largest request frame to send (the server's `jute.maxbuffer`); larger requests fail
    /// with [`Error::InvalidArgument`] without being sent.
    pub fn max_request_len(mut self, len: usize) -> Self {
        self.max_request_len = len;
        self
    }

    /// Largest reply frame to accept; a larger one is a protocol error.
    pub fn max_reply_len(mut self, len: usize) -> Self {
        self.max_reply_len = len;
        self
    }

    /// Parses `connect_string`, starts the connection task and waits until the session is
    /// established (or fails: expired, authentication failed, timed out).
    pub async fn connect(self, connect_string: &str) -> Result<Client, Error> {
        let cs = ConnectString::parse(connect_string)?;
        self.connect_to(&cs).await
    }

    /// Like [`ClientBuilder::connect`], for a parsed connect string.
    pub async fn connect_to(self, cs: &ConnectString) -> Result<Client, Error> {
        let (commands, rx) = mpsc::unbounded_channel();
        let (state_tx, mut state_rx) = watch::channel(SessionState::Disconnected);
        let session = Arc::new(Mutex::new(None));
        let config = Config {
            hosts: cs.hosts().to_vec(),
            chroot: cs.chroot().clone(),
            session_timeout: self.session_timeout,
            read_only: self.read_only,
            session: self.session,
            max_frame_len: self.max_reply_len,
            auth: self.auth,
        };
        tokio::spawn(Task::new(config, rx, state_tx, session.clone()).run());
        let client = Client {
            inner: Arc::new(Inner {
                commands,
                chroot: cs.chroot().clone(),
                state: state_rx.clone(),
                session,
                next_watch_id: AtomicU64::new(1),
                max_request_len: self.max_request_len,
            }),
        };
        let timeout = self.connect_timeout.unwrap_or(self.session_timeout);
        let first = tokio::time::timeout(
            timeout,
            state_rx.wait_for(|s| s.is_connected() || s.is_terminal()),
        )
        .await;
        match first {
            Err(_) => Err(Error::ConnectTimeout),
            Ok(Err(_)) => Err(Error::Closed),
            Ok(Ok(state)) if state.is_terminal() => Err(state.to_error()),
            Ok(Ok(_)) => Ok(client),
        }
    }
}

/// An asynchronous ZooKeeper client: a cheap, cloneable handle to one session.
///
/// The session is closed when [`Client::close`] is called or the last handle is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    pub(crate) chroot: Chroot,
    state: watch::Receiver<SessionState>,
    session: Arc<Mutex<Option<SessionId>>>,
    next_watch_id: AtomicU64,
    max_request_len: usize,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Close(None));
    }
}

impl Client {
    /// A builder with default settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Connects with default settings (see [`ClientBuilder::connect`]).
    pub async fn connect(connect_string: &str) -> Result<Client, Error> {
        ClientBuilder::default().connect(connect_string).await
    }

    /// The current session state.
    pub fn state(&self) -> SessionState {
        *self.inner.state.borrow()
    }

    /// A stream of session state changes.
    pub fn state_watcher(&self) -> StateWatcher {
        let mut rx = self.inner.state.clone();
        rx.mark_unchanged();
        StateWatcher::new(rx)
    }

    /// The session id, password and negotiated timeout (known once connected).
    pub fn session(&self) -> Option<SessionId> {
        self.inner.session.lock().ok().and_then(|s| s.clone())
    }

    /// The chroot this client works under.
    pub fn chroot(&self) -> &Chroot {
        &self.inner.chroot
    }

    /// Closes the session (ephemeral nodes go away) and waits for the server to confirm.
    pub async fn close(&self) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        if self.inner.commands.send(Command::Close(Some(tx))).is_err() {
            return Ok(());
        }
        let _ = rx.await;
        Ok(())
    }

    /// Adds credentials to the session (e.g. `"digest"`, `b"user:password"`); they are sent
    /// again after every reconnect. A refused credential ends the session
    /// ([`Error::AuthFailed`]), as in ZooKeeper's own client.
    pub async fn add_auth(&self, scheme: &str, auth: impl Into<Bytes>) -> Result<(), Error> {
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

    pub(crate) fn next_watch_id(&self) -> u64 {
        self.inner.next_watch_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn commands(&self) -> mpsc::UnboundedSender<Command> {
        self.inner.commands.clone()
    }

    /// The error for a request when the connection task is gone.
    fn gone(&self) -> Error {
        let state = *self.inner.state.borrow();
        if state.is_terminal() {
            state.to_error()
        } else {
            Error::Closed
        }
    }

    /// Sends a request and waits for its reply.
    pub(crate) async fn call<R: Jute>(
        &self,
        op: OpCode,
        record: &R,
        effect: Effect,
    ) -> Result<Reply, Error> {
        let len = record.encoded_len();
        if len + REQUEST_HEADER_LEN > self.inner.max_request_len {
            return Err(Error::InvalidArgument(format!(
                "a {op} request of {} bytes exceeds the server's limit of {} bytes \
                 (jute.maxbuffer)",
                len + REQUEST_HEADER_LEN,
                self.inner.max_request_len
            )));
        }
        let mut body = Vec::with_capacity(len);
        record.encode(&mut body);
        self.call_raw(op, body, effect).await
    }

    /// Sends a request whose body is already encoded.
    pub(crate) async fn call_raw(
        &self,
        op: OpCode,
        body: Vec<u8>,
        effect: Effect,
    ) -> Result<Reply, Error> {
        if body.len() + REQUEST_HEADER_LEN > self.inner.max_request_len {
            return Err(Error::InvalidArgument(format!(
                "a {op} request of {} bytes exceeds the server's limit of {} bytes",
                body.len() + REQUEST_HEADER_LEN,
                self.inner.max_request_len
            )));
        }
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Request(Request {
            op,
            body,
            reply,
            effect,
        });
        if self.inner.commands.send(cmd).is_err() {
            return Err(self.gone());
        }
        rx.await.map_err(|_| self.gone())?
    }
}
