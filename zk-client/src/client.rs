//! The client handle, its builder, and the request round trip every operation goes through.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use jute::Jute;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use zk_records::OpCode;

use crate::connect_string::ConnectString;
use crate::error::Error;
use crate::events::{SessionEvent, SessionEvents, EVENT_CAPACITY};
use crate::path::Chroot;
use crate::pipeline::{Reply, REQUEST_HEADER_LEN};
use crate::session::{SessionId, SessionState, StateWatcher};
use crate::task::{Body, Command, Config, Effect, Request, SmallBody, Task};

/// Largest request frame the server accepts by default (`jute.maxbuffer`, 0xfffff bytes).
pub const DEFAULT_MAX_REQUEST_LEN: usize = 0xfffff;
/// Largest reply frame accepted by default: the server's limit plus room for headers (a node
/// holding the most data the server accepts comes back with a header and a stat).
pub const DEFAULT_MAX_REPLY_LEN: usize = 0xfffff + 4096;
/// How long [`Client::close`] waits for the server by default.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

type HookFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The application's callback for new sessions.
#[derive(Clone)]
struct NewSessionHook(Arc<dyn Fn(Client) -> HookFuture + Send + Sync>);

impl fmt::Debug for NewSessionHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewSessionHook")
    }
}

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
    request_timeout: Option<Duration>,
    close_timeout: Duration,
    recreate_on_expiry: bool,
    on_new_session: Option<NewSessionHook>,
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
            request_timeout: None,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            recreate_on_expiry: false,
            on_new_session: None,
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

    /// How long a request may wait for its reply, counted from the call, waiting for a
    /// connection included. A request that runs out of time fails with
    /// [`Error::Timeout`]. Default: none (a request waits for its reply, for a reconnect, or
    /// until the session expires). Override per call with [`Client::with_request_timeout`].
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// How long [`Client::close`] waits for the server to confirm, whatever the connection is
    /// doing (connected, reconnecting, server hung or gone). After it, the client closes
    /// locally and the server expires the session at its timeout. Default
    /// [`DEFAULT_CLOSE_TIMEOUT`] (2 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// When the session expires, start a new one instead of ending (default false).
    ///
    /// Off, an expired session is final: [`SessionState::Expired`], requests fail with
    /// [`Error::SessionExpired`]. On, the client reports the expiry the same way
    /// ([`SessionState::Expired`], [`SessionEvent::Expired`], watches ended with an
    /// `Expired` event, waiting requests failed with [`Error::SessionExpired`]), then
    /// connects with a new session ([`SessionState::Connected`], [`SessionEvent::Recreated`])
    /// and serves requests issued from then on. Ephemeral nodes and watches of the old
    /// session are gone: restore them in [`ClientBuilder::on_new_session`]. Credentials
    /// added with [`Client::add_auth`] are kept. While no server can be reached there is no
    /// session to expire, so requests wait for one: bound them with
    /// [`ClientBuilder::request_timeout`].
    pub fn recreate_session_on_expiry(mut self, recreate: bool) -> Self {
        self.recreate_on_expiry = recreate;
        self
    }

    /// Runs `hook` with a client handle each time a new session replaces an expired one
    /// (not for the first session: set things up after [`ClientBuilder::connect`]). Implies
    /// [`ClientBuilder::recreate_session_on_expiry`]. This is where a service re-creates its
    /// ephemeral nodes and watches.
    ///
    /// Hooks run one at a time, in a task of their own, concurrently with the application's
    /// requests; a hook that panics is logged and does not stop later ones.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), zk_client::Error> {
    /// use zk_client::{Client, CreateOptions};
    ///
    /// async fn register(zk: Client) -> Result<(), zk_client::Error> {
    ///     zk.create("/services/me", Vec::new(), &CreateOptions::ephemeral()).await?;
    ///     Ok(())
    /// }
    /// let zk = Client::builder()
    ///     .on_new_session(|zk| async move {
    ///         if let Err(e) = register(zk).await {
    ///             tracing::warn!(%e, "re-registering failed");
    ///         }
    ///     })
    ///     .connect("127.0.0.1:2181")
    ///     .await?;
    /// register(zk.clone()).await?;
    /// # Ok(()) }
    /// ```
    pub fn on_new_session<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Client) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.recreate_on_expiry = true;
        self.on_new_session = Some(NewSessionHook(Arc::new(move |client| {
            Box::pin(hook(client)) as HookFuture
        })));
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
        let (events_tx, events_rx) = broadcast::channel(EVENT_CAPACITY);
        let session = Arc::new(Mutex::new(None));
        let config = Config {
            hosts: cs.hosts().to_vec(),
            chroot: cs.chroot().clone(),
            session_timeout: self.session_timeout,
            read_only: self.read_only,
            session: self.session,
            max_frame_len: self.max_reply_len,
            auth: self.auth,
            recreate_on_expiry: self.recreate_on_expiry,
            close_timeout: self.close_timeout,
        };
        let hook_events = self.on_new_session.as_ref().map(|_| events_tx.subscribe());
        tokio::spawn(Task::new(config, rx, state_tx, events_tx, session.clone()).run());
        let client = Client {
            inner: Arc::new(Inner {
                commands,
                chroot: cs.chroot().clone(),
                state: state_rx.clone(),
                events: events_rx,
                session,
                next_watch_id: AtomicU64::new(1),
                max_request_len: self.max_request_len,
                close_timeout: self.close_timeout,
            }),
            request_timeout: self.request_timeout,
        };
        if let (Some(hook), Some(events)) = (self.on_new_session, hook_events) {
            tokio::spawn(run_hooks(
                Arc::downgrade(&client.inner),
                self.request_timeout,
                events,
                hook,
            ));
        }
        let timeout = self.connect_timeout.unwrap_or(self.session_timeout);
        let recreate = self.recreate_on_expiry;
        // With re-creation, a resumed session found expired is followed by a new one.
        let settled = move |s: &SessionState| {
            s.is_connected() || s.is_terminal() && !(recreate && *s == SessionState::Expired)
        };
        let first = tokio::time::timeout(timeout, state_rx.wait_for(settled)).await;
        match first {
            Err(_) => Err(Error::ConnectTimeout),
            Ok(Err(_)) => Err(Error::Closed),
            Ok(Ok(state)) if state.is_terminal() => Err(state.to_error()),
            Ok(Ok(_)) => Ok(client),
        }
    }
}

/// Runs the application's new-session hook for each [`SessionEvent::Recreated`], one at a
/// time, until the client is gone.
async fn run_hooks(
    inner: Weak<Inner>,
    request_timeout: Option<Duration>,
    mut events: broadcast::Receiver<SessionEvent>,
    hook: NewSessionHook,
) {
    loop {
        match events.recv().await {
            Ok(SessionEvent::Recreated { old, new }) => {
                let Some(inner) = inner.upgrade() else {
                    return;
                };
                let client = Client {
                    inner,
                    request_timeout,
                };
                tracing::debug!(
                    old = format_args!("{old:#x}"),
                    new = format_args!("{new:#x}"),
                    "running the new-session hook"
                );
                if let Err(e) = tokio::spawn((hook.0)(client)).await {
                    tracing::error!(%e, "the new-session hook failed");
                }
            }
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

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
    request_timeout: Option<Duration>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    pub(crate) chroot: Chroot,
    state: watch::Receiver<SessionState>,
    /// Kept unread; new readers subscribe through it.
    events: broadcast::Receiver<SessionEvent>,
    session: Arc<Mutex<Option<SessionId>>>,
    next_watch_id: AtomicU64,
    max_request_len: usize,
    close_timeout: Duration,
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

    /// A stream of every [`SessionEvent`] from now on: connections, disconnections, expiry
    /// with its cause, servers that refuse the session, session re-creation.
    pub fn session_events(&self) -> SessionEvents {
        SessionEvents::new(self.inner.events.resubscribe())
    }

    /// A handle to the same session whose requests time out after `timeout` (`None`: never),
    /// overriding [`ClientBuilder::request_timeout`].
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
    /// most the close timeout ([`ClientBuilder::close_timeout`], 2 s by default) whatever the
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
        let (tx, rx) = oneshot::channel();
        if self.inner.commands.send(Command::Close(Some(tx))).is_err() {
            // The connection task has already ended the session.
            return Ok(());
        }
        // The task honours the close timeout; the margin covers a busy machine.
        let bound = self.inner.close_timeout + Duration::from_secs(1);
        let unconfirmed = Error::CloseUnconfirmed {
            after: self.inner.close_timeout,
        };
        match tokio::time::timeout(bound, rx).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(unconfirmed),
            // The task ended the session without answering this call: it was already over.
            Ok(Err(_)) => Ok(()),
            Err(_) => {
                tracing::warn!(?bound, "close not confirmed by the connection task in time");
                Err(unconfirmed)
            }
        }
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
        self.check_request_len(op, len)?;
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
        self.call_body(op, body, effect).await
    }

    /// Sends a request whose body is already encoded.
    pub(crate) async fn call_raw(
        &self,
        op: OpCode,
        body: Vec<u8>,
        effect: Effect,
    ) -> Result<Reply, Error> {
        self.check_request_len(op, body.len())?;
        self.call_body(op, Body::Inline(body), effect).await
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
        match self.request_timeout {
            None => rx.await.map_err(|_| self.gone())?,
            // On timeout the receiver is dropped: the task skips the request if it was not
            // sent yet, and otherwise matches the late reply by xid and discards it.
            Some(after) => match tokio::time::timeout(after, rx).await {
                Ok(reply) => reply.map_err(|_| self.gone())?,
                Err(_) => Err(Error::Timeout { after }),
            },
        }
    }
}
