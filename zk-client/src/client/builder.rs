//! [`ClientBuilder`]: the settings of a client, the start of its session, and the wait for
//! the first connection; and the task that runs the application's new-session hook.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{broadcast, mpsc, watch};

use super::handle::{
    Client, Inner, DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_REPLY_LEN, DEFAULT_MAX_REQUEST_LEN,
};
use crate::connect_string::ConnectString;
use crate::error::{ConnectFailure, Error};
#[cfg(feature = "gssapi")]
use crate::sasl::gssapi::GssapiConfig;
use crate::sasl::{DigestCredentials, Mechanism};
use crate::session::events::{SessionEvent, EVENT_CAPACITY};
use crate::session::state::{AuthReason, SessionState};
use crate::session::{Config, Connector, Session};
use crate::tls::TlsConfig;

mod debug;

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
#[derive(Clone)]
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
    tls: Option<TlsConfig>,
    sasl: Option<Mechanism>,
    auto_watch_reset: bool,
    follow_ensemble: bool,
    coalesce_replies: bool,
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
            tls: None,
            sasl: None,
            auto_watch_reset: true,
            follow_ensemble: false,
            coalesce_replies: true,
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

    /// Speaks TLS to every server of the connect string (the servers' `secureClientPort`),
    /// on every connection: handshakes, reconnects, and the four-letter words the client asks
    /// (read-only probing, refusal reasons). A client with TLS never falls back to plaintext;
    /// a client without it never speaks TLS. See [`TlsConfig`].
    pub fn tls(mut self, config: TlsConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// Authenticates with SASL DIGEST-MD5 as `user` with `password` (an entry
    /// `user_<user>="<password>"` of the `DigestLoginModule` in the server's JAAS `Server`
    /// section), on every connection before any request is sent: requests made meanwhile wait.
    /// The session then has the identity `sasl:<user>` (see [`crate::Client::who_am_i`]).
    ///
    /// Refused credentials end the session: [`connect`](Self::connect) fails with
    /// [`Error::AuthFailed`] and its reason (also logged, and in the
    /// [`SessionEvent::AttemptFailed`] before it, as [`ConnectFailure::AuthFailed`]), and so
    /// does every request after a refusal on a reconnect. The password is never logged.
    pub fn sasl_digest_md5(mut self, user: &str, password: &str) -> Self {
        self.sasl = Some(Mechanism::DigestMd5(DigestCredentials {
            user: user.to_string(),
            password: password.into(),
        }));
        self
    }

    /// Authenticates with SASL GSSAPI (Kerberos V5, RFC 4752) with the ticket cache's
    /// credentials (`kinit`), on every connection before any request is sent, as
    /// [`sasl_digest_md5`](Self::sasl_digest_md5) does; the server principal is
    /// `zookeeper/<host>` unless `config` says otherwise (see [`GssapiConfig`]). The server
    /// needs a JAAS `Server` section with `com.sun.security.auth.module.Krb5LoginModule`
    /// (its keytab and principal) and the SASL authentication provider; the session then has
    /// the identity `sasl:<principal>` (e.g. `sasl:alice@EXAMPLE.COM`).
    ///
    /// No ticket, an expired ticket, a server principal the KDC does not know, or a server
    /// that refuses the ticket end the session with [`Error::AuthFailed`] and the Kerberos
    /// library's or the server's reason. Needs the `gssapi` cargo feature (and the system's
    /// GSS-API library: Debian's `libkrb5-dev` to build, `libgssapi-krb5-2` to run).
    #[cfg(feature = "gssapi")]
    pub fn sasl_gssapi(mut self, config: GssapiConfig) -> Self {
        self.sasl = Some(Mechanism::Gssapi(config));
        self
    }

    /// Whether watches survive a lost connection (default true): the session re-registers
    /// them on the next connection, and the server fires those whose nodes changed meanwhile.
    /// With `false` (Java's `disableAutoWatchReset`), a lost connection ends every watch,
    /// one-shot and persistent, with an event of type `None` and state `Disconnected`; the
    /// application sets again the ones it still wants.
    pub fn auto_watch_reset(mut self, reset: bool) -> Self {
        self.auto_watch_reset = reset;
        self
    }

    /// Follows the ensemble's configuration (default false), as Curator's `EnsembleTracker`
    /// does: the client watches [`crate::CONFIG_NODE`] and makes each newer configuration's
    /// client addresses its server list ([`Client::update_server_list`], so clients
    /// rebalance over servers that join and leave servers that go, a fair share at a time).
    /// With [`ClientBuilder::tls`] it uses the members' secure client addresses. The
    /// configuration is read again after a watch ends without a change (a new session, or
    /// watches not restored after a reconnect), so changes made meanwhile are not missed.
    ///
    /// The connect string given to [`ClientBuilder::connect`] is where the client starts; once
    /// connected, the configuration's addresses replace it (the chroot stays).
    pub fn follow_ensemble(mut self, follow: bool) -> Self {
        self.follow_ensemble = follow;
        self
    }

    /// Whether the connection gathers replies before waking (default true). With at least 8
    /// requests in flight on a plaintext connection (Linux), the client asks the kernel to
    /// wake it once a quarter of the replies due (at most 8) have arrived, counted at the
    /// mean size of the last 64 replies, instead of at every reply: fewer wake-ups for the
    /// client, and on one host for the server that sends the replies. Fewer than 8 in
    /// flight, TLS, or `false` here: the client wakes at every reply. A reply smaller than
    /// expected waits at most a few milliseconds (the connection checks every 2 ms that
    /// replies keep completing, and stops gathering for a while when none did).
    pub fn coalesce_replies(mut self, coalesce: bool) -> Self {
        self.coalesce_replies = coalesce;
        self
    }

    /// Parses `connect_string`, starts the session and waits until the session is
    /// established (or fails: expired, authentication failed, timed out).
    pub async fn connect(self, connect_string: &str) -> Result<Client, Error> {
        let cs = ConnectString::parse(connect_string)?;
        self.connect_to(&cs).await
    }

    /// Like [`ClientBuilder::connect`], for a parsed connect string.
    pub async fn connect_to(self, cs: &ConnectString) -> Result<Client, Error> {
        let tls = self.tls.as_ref().map(TlsConfig::load).transpose()?;
        let (commands, rx) = mpsc::unbounded_channel();
        let (closes, closes_rx) = mpsc::unbounded_channel();
        let (state_tx, state_rx) = watch::channel(SessionState::Disconnected);
        let (events_tx, events_rx) = broadcast::channel(EVENT_CAPACITY);
        let session = Arc::new(Mutex::new(None));
        let auth_reason = AuthReason::default();
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
            connector: Connector::new(tls),
            sasl: self.sasl,
            auto_watch_reset: self.auto_watch_reset,
            coalesce_replies: self.coalesce_replies,
        };
        let hook_events = self.on_new_session.as_ref().map(|_| events_tx.subscribe());
        // Events, not states: a connection that drops right after its handshake still
        // counts, where the coalescing state channel may show only `Disconnected`.
        let first_events = events_tx.subscribe();
        tokio::spawn(
            Session::new(
                config,
                rx,
                closes_rx,
                state_tx,
                events_tx,
                session.clone(),
                auth_reason.clone(),
            )
            .run(),
        );
        let client = Client {
            inner: Arc::new(Inner {
                commands,
                closes,
                closed: AtomicBool::new(false),
                chroot: cs.chroot().clone(),
                state: state_rx.clone(),
                events: events_rx,
                session,
                auth_reason,
                next_watch_id: AtomicU64::new(1),
                watch_slots: Default::default(),
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
        if self.follow_ensemble {
            let tls = self.tls.is_some();
            tokio::spawn(super::tracker::follow(Arc::downgrade(&client.inner), tls));
        }
        let timeout = self.connect_timeout.unwrap_or(self.session_timeout);
        let mut failures = Vec::new();
        // Failures are kept per server: one listed twice counts once.
        let hosts = cs.hosts().iter().collect::<HashSet<_>>().len();
        let first = first_session(first_events, self.recreate_on_expiry, hosts, &mut failures);
        match tokio::time::timeout(timeout, first).await {
            Err(_) => Err(Error::ConnectTimeout { failures }),
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) => Ok(client),
        }
    }
}

/// Waits for the first connection (`Ok`) or the end of the session. With re-creation, a
/// resumed session found expired is followed by a new one, so expiry does not end the wait.
/// Records the last failure of each server in `failures`; when each of the `hosts` distinct
/// servers has answered with something that is not ZooKeeper, or failed TLS, there is
/// nothing left to wait for.
async fn first_session(
    mut events: broadcast::Receiver<SessionEvent>,
    recreate: bool,
    hosts: usize,
    failures: &mut Vec<(String, ConnectFailure)>,
) -> Result<(), Error> {
    loop {
        match events.recv().await {
            Ok(SessionEvent::Connected { .. }) => return Ok(()),
            Ok(SessionEvent::AttemptFailed { server, failure }) => {
                match failures.iter_mut().find(|(s, _)| *s == server) {
                    Some(entry) => entry.1 = failure.clone(),
                    None => failures.push((server.clone(), failure.clone())),
                }
                let all_foreign = failures.len() >= hosts
                    && failures
                        .iter()
                        .all(|(_, f)| matches!(f, ConnectFailure::NotZooKeeper(_)));
                if let (true, ConnectFailure::NotZooKeeper(seen)) = (all_foreign, &failure) {
                    return Err(Error::NotZooKeeper {
                        server,
                        seen: seen.clone(),
                    });
                }
                let all_tls = failures.len() >= hosts
                    && failures
                        .iter()
                        .all(|(_, f)| matches!(f, ConnectFailure::Tls(_)));
                if let (true, ConnectFailure::Tls(failure)) = (all_tls, failure) {
                    return Err(Error::Tls { server, failure });
                }
            }
            Ok(SessionEvent::Expired { .. }) if !recreate => return Err(Error::SessionExpired),
            Ok(SessionEvent::AuthFailed { reason }) => return Err(Error::AuthFailed { reason }),
            Ok(SessionEvent::Closed) | Err(broadcast::error::RecvError::Closed) => {
                return Err(Error::Closed)
            }
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
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

impl Client {
    /// A builder with default settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Connects with default settings (see [`ClientBuilder::connect`]).
    pub async fn connect(connect_string: &str) -> Result<Client, Error> {
        ClientBuilder::default().connect(connect_string).await
    }
}
