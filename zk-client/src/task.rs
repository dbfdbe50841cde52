//! The connection task: the one owner of the socket. It connects and reconnects, performs the
//! handshake, writes queued requests in batches, matches replies to requests, routes watch
//! notifications, sends pings, and reports session states and events.
//!
//! Session rules (the crate docs state them for users):
//! - requests that arrive while disconnected wait in the backlog and are sent after the
//!   reconnect; requests written to a connection that breaks fail with `ConnectionLoss` and are
//!   never sent again;
//! - no frame from any server for 4/3 of the negotiated session timeout means the session is
//!   expired (Java's client rule), whatever the servers say later;
//! - `max(3, hosts)` consecutive handshakes closed without an answer, with a non-zero last
//!   zxid, are reported as `ServerBehind`;
//! - with re-creation on, an expired session is replaced by a new one (from zxid 0 when the
//!   servers were behind).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;
use zk_records::proto::{ConnectRequest, ConnectResponse, RemoveWatchesRequest};
use zk_records::{ErrorCode, EventType, KeeperState, OpCode};

use crate::connect_string::HostPort;
use crate::error::Error;
use crate::events::{ExpiryCause, SessionEvent};
use crate::hosts::{self, Hosts};
use crate::outgoing::Outgoing;
use crate::path::Chroot;
use crate::pipeline::{self, Incoming, Pending, PendingQueue, Reply};
use crate::rewatch;
use crate::ro_probe::ReadOnlyState;
use crate::session::{SessionId, SessionState};
use crate::watch::{Registration, Registry, WatchKind, WatchedEvent};

/// Stop taking new commands while this many bytes wait to be written.
const WRITE_HIGH_WATER: usize = 1 << 20;
/// Consecutive refused handshakes (at least one per host) that make `ServerBehind`.
const REFUSALS_FOR_BEHIND: u32 = 3;
/// Pause after a refused handshake (plus up to as much jitter): the server is up, so the
/// exponential backoff for unreachable servers does not apply, but it must not be hammered.
const REFUSAL_PAUSE: Duration = Duration::from_millis(300);
/// The backlog drops requests whose callers gave up (timed out) every this many pushes.
const BACKLOG_PRUNE_EVERY: usize = 1024;

/// A message from a client handle (or a watcher) to the connection task.
#[derive(Debug)]
pub(crate) enum Command {
    /// An operation.
    Request(Request),
    /// `addAuth`.
    Auth {
        scheme: String,
        auth: Bytes,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// A watcher was dropped.
    DropWatcher(u64),
    /// Close the session; `None` when the last client handle was dropped. The sender learns
    /// whether the server confirmed the close (or the session had already ended).
    Close(Option<oneshot::Sender<bool>>),
}

/// An encoded request record.
#[derive(Debug)]
pub(crate) enum Body {
    /// Up to [`SMALL_BODY`] bytes carried in the command itself (most requests: a path and a
    /// flag or two), copied into the connection's write buffer; no allocation.
    Small(SmallBody),
    /// Copied into the connection's write buffer (one allocation, one copy).
    Inline(Vec<u8>),
    /// Chunks from `Jute::encode_chunks`: those of at least `jute::SHARE_MIN_LEN` bytes (large
    /// node data) are written to the socket from the caller's `Bytes`, never copied.
    Chunks(Vec<Bytes>),
}

/// The largest request body carried inline in its command ([`Body::Small`]): a path of up to
/// ~90 bytes with a flag or a version. It makes every command this much larger, so it stays
/// small.
pub(crate) const SMALL_BODY: usize = 96;
const _: () = assert!(
    SMALL_BODY <= u8::MAX as usize,
    "SmallBody keeps its length in a u8"
);

/// A request body of at most [`SMALL_BODY`] bytes, stored in place.
pub(crate) struct SmallBody {
    len: u8,
    bytes: [u8; SMALL_BODY],
}

impl SmallBody {
    /// `record` encoded in place, if its `encoded_len` (`len`) fits. Relies on `encoded_len`
    /// being exact, as the `Jute` trait requires of every implementation (all records here are
    /// derived).
    pub(crate) fn encode<R: jute::Jute>(record: &R, len: usize) -> Option<Self> {
        debug_assert_eq!(len, record.encoded_len());
        if len > SMALL_BODY {
            return None;
        }
        let mut bytes = [0u8; SMALL_BODY];
        let mut unwritten = &mut bytes[..];
        record.encode(&mut unwritten);
        let len = (SMALL_BODY - unwritten.len()) as u8;
        Some(Self { len, bytes })
    }

    /// The encoded bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for SmallBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SmallBody").field(&self.as_slice()).finish()
    }
}

impl Body {
    /// The encoded length.
    pub(crate) fn len(&self) -> usize {
        match self {
            Body::Small(body) => body.as_slice().len(),
            Body::Inline(bytes) => bytes.len(),
            Body::Chunks(chunks) => chunks.iter().map(Bytes::len).sum(),
        }
    }
}

/// An operation for the server.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) op: OpCode,
    /// The encoded request record (after the header).
    pub(crate) body: Body,
    pub(crate) reply: oneshot::Sender<Result<Reply, Error>>,
    /// What to do to the watch registry when the reply arrives.
    pub(crate) effect: Effect,
}

/// A change to the watch registry that depends on the reply.
#[derive(Debug)]
pub(crate) enum Effect {
    /// Nothing.
    None,
    /// Register the watch when the reply is OK (and for `exists`, also on `NONODE`, as an
    /// exist watch).
    Register {
        registration: Registration,
        exists: bool,
    },
    /// `removeWatches` succeeded: drop the local watchers of that type.
    RemoveAll {
        path: String,
        kind: zk_records::WatcherType,
        client_path: String,
    },
}

impl Effect {
    /// Registers `watch`, if any, when the reply allows it (`exists`: also on `NONODE`).
    pub(crate) fn watch(watch: Option<Registration>, exists: bool) -> Self {
        match watch {
            Some(registration) => Effect::Register {
                registration,
                exists,
            },
            None => Effect::None,
        }
    }
}

/// Settings the task needs.
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
}

/// What [`Task::offline`] ended with.
enum Offline<T> {
    /// The future completed.
    Done(T),
    /// Stop now: every handle is gone, or a close arrived and `stop_on_close` was set.
    Stop,
    /// The session's local expiry deadline or the close deadline passed.
    Deadline,
}

/// Why a handshake failed.
struct HandshakeError {
    reason: String,
    /// The server accepted the TCP connection, read the request and closed the connection
    /// without answering: how a server refuses a client that is ahead of it.
    refused: bool,
}

/// Why a connected period ended.
enum End {
    /// Connection lost; reconnect.
    Disconnected(String),
    /// The session ended.
    Terminal(SessionState),
}

/// One connection while it is served: the socket halves, the buffers, what is waiting for a
/// reply, and the clocks of the ping and read timeouts.
struct Conn {
    rd: OwnedReadHalf,
    wr: OwnedWriteHalf,
    rbuf: BytesMut,
    /// Encoded and not yet written.
    out: Outgoing,
    pending: PendingQueue,
    /// No complete frame for this long ends the connection (2/3 of the session timeout).
    read_timeout: Duration,
    /// Nothing sent for this long sends a ping.
    ping_every: Duration,
    last_recv: Instant,
    last_send: Instant,
    /// Set once a close is sent: when to give up waiting for the server's answer.
    close_deadline: Option<Instant>,
}

impl Conn {
    /// When the timer must look at the clock next.
    fn wake_at(&self) -> Instant {
        let read = self.last_recv + self.read_timeout;
        match self.close_deadline {
            Some(d) => d.min(read),
            None => (self.last_send + self.ping_every).min(read),
        }
    }
}

/// The connection task's state.
pub(crate) struct Task {
    config: Config,
    hosts: Hosts,
    commands: mpsc::UnboundedReceiver<Command>,
    state: watch::Sender<SessionState>,
    events: broadcast::Sender<SessionEvent>,
    session: Arc<Mutex<Option<SessionId>>>,
    session_id: i64,
    password: Bytes,
    negotiated: Duration,
    last_zxid: i64,
    next_xid: i32,
    registry: Registry,
    /// Credentials, replayed on every connection.
    auths: Vec<(String, Bytes)>,
    /// Commands received while not connected, sent once connected.
    backlog: VecDeque<Command>,
    backlog_pushes: usize,
    /// `close()` calls waiting for the session to end; told whether a server confirmed it.
    close_waiters: Vec<oneshot::Sender<bool>>,
    closing: bool,
    /// A server answered our closeSession: the session is gone on the server too.
    close_confirmed: bool,
    /// Read-only mode: whether to look for a read-write server, and the one found.
    ro: ReadOnlyState,
    /// When a close gives up waiting for the server and closes locally.
    close_deadline: Option<Instant>,
    /// When a server last sent a frame for the current session (`None` while there is no
    /// established session).
    last_heard: Option<Instant>,
    /// Consecutive refused handshakes since the last successful one.
    refusals: u32,
    /// `ServerBehind` was reported for the current outage.
    behind: bool,
    /// The expired session a new one is being created for (re-creation mode).
    replacing: Option<i64>,
    rng: hosts::Rng,
    /// Whether a read-write server has served this session: until then (a session a
    /// read-only server created), reconnects ask for a new session, as Java's client does.
    seen_rw: bool,
}

impl Task {
    pub(crate) fn new(
        config: Config,
        commands: mpsc::UnboundedReceiver<Command>,
        state: watch::Sender<SessionState>,
        events: broadcast::Sender<SessionEvent>,
        session: Arc<Mutex<Option<SessionId>>>,
    ) -> Task {
        let (session_id, password) = config
            .session
            .clone()
            .unwrap_or((0, Bytes::from_static(&[0; 16])));
        // A resumed session is a read-write one.
        let seen_rw = config.session.is_some();
        Task {
            hosts: Hosts::new(config.hosts.clone(), hosts::Rng::new()),
            ro: ReadOnlyState::default(),
            auths: config.auth.clone(),
            negotiated: config.session_timeout,
            config,
            commands,
            state,
            events,
            session,
            session_id,
            password,
            last_zxid: 0,
            next_xid: 1,
            registry: Registry::default(),
            backlog: VecDeque::new(),
            backlog_pushes: 0,
            close_waiters: Vec::new(),
            closing: false,
            close_confirmed: false,
            close_deadline: None,
            last_heard: None,
            refusals: 0,
            behind: false,
            replacing: None,
            rng: hosts::Rng::new(),
            seen_rw,
        }
    }

    fn emit(&self, event: SessionEvent) {
        // No receiver is fine.
        let _ = self.events.send(event);
    }

    /// Runs until the session ends.
    pub(crate) async fn run(mut self) {
        let end = loop {
            let now = Instant::now();
            if self.closing && self.close_deadline.is_some_and(|d| now >= d) {
                tracing::info!("no server confirmed the close in time; closing locally");
                break SessionState::Closed;
            }
            if let Some(deadline) = self.expiry_deadline() {
                if now >= deadline {
                    let silent_for = self.last_heard.map(|t| now - t).unwrap_or_default();
                    let cause = if self.behind {
                        ExpiryCause::ServerBehind
                    } else {
                        ExpiryCause::LocalTimeout { silent_for }
                    };
                    match self.expire(cause) {
                        Some(state) => break state,
                        None => continue,
                    }
                }
            }
            let next = self.ro.take_found().map(|h| (h, Duration::ZERO));
            let Some((host, delay)) = next.or_else(|| self.hosts.next()) else {
                break SessionState::Closed;
            };
            if !delay.is_zero() {
                if self.closing {
                    break SessionState::Closed;
                }
                tracing::debug!(?delay, "every server failed; backing off");
                match self.offline(tokio::time::sleep(delay), true).await {
                    Offline::Done(()) => {}
                    Offline::Deadline => continue,
                    Offline::Stop => break SessionState::Closed,
                }
                if self.closing {
                    break SessionState::Closed;
                }
            }
            let request = ConnectRequest {
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
            };
            let attempt_timeout = self.attempt_timeout();
            let max_frame = self.config.max_frame_len;
            let connecting = handshake(host.clone(), request, attempt_timeout, max_frame);
            let result = match self.offline(connecting, false).await {
                Offline::Done(result) => result,
                Offline::Stop => break SessionState::Closed,
                // Expiry or close deadline: the top of the loop decides.
                Offline::Deadline => continue,
            };
            let (stream, response, rbuf) = match result {
                Ok(ok) => ok,
                Err(e) => {
                    tracing::info!(server = %host, reason = %e.reason, "connection attempt failed");
                    if self.closing {
                        // Closing, and no server to tell: close locally.
                        break SessionState::Closed;
                    }
                    if e.refused {
                        self.refused();
                        // The server is up: retry soon, not after a growing backoff.
                        self.hosts.connected();
                        let jitter = self.rng.below(REFUSAL_PAUSE.as_millis() as u64 + 1);
                        let pause = REFUSAL_PAUSE + Duration::from_millis(jitter);
                        if let Offline::Stop = self.offline(tokio::time::sleep(pause), true).await {
                            break SessionState::Closed;
                        }
                    }
                    continue;
                }
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
            self.hosts.connected();
            self.refusals = 0;
            self.behind = false;
            self.session_id = response.session_id;
            self.password = response.passwd.clone();
            self.negotiated = Duration::from_millis(response.time_out as u64);
            self.last_heard = Some(Instant::now());
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
            match self.serve(stream, rbuf).await {
                End::Terminal(state) => break state,
                End::Disconnected(reason) => {
                    tracing::info!(server = %host, %reason, "disconnected");
                    self.state.send_replace(SessionState::Disconnected);
                    self.emit(SessionEvent::Disconnected { reason });
                }
            }
        };
        self.finish(end);
    }

    /// When the session counts as expired if no server is heard from before: 4/3 of the
    /// negotiated timeout after the last frame (as ZooKeeper's Java client decides).
    fn expiry_deadline(&self) -> Option<Instant> {
        if self.session_id == 0 {
            return None;
        }
        self.last_heard.map(|t| t + self.negotiated * 4 / 3)
    }

    /// Counts a handshake the server closed without answering.
    fn refused(&mut self) {
        if self.last_zxid <= 0 {
            // A client that has seen nothing cannot be ahead of a server.
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
            "the servers refuse the session: they have not seen our last zxid (data lost?)"
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
    fn expire(&mut self, cause: ExpiryCause) -> Option<SessionState> {
        let old = self.session_id;
        tracing::warn!(
            session = format_args!("{old:#x}"),
            ?cause,
            "session expired"
        );
        self.emit(SessionEvent::Expired {
            session_id: old,
            cause: cause.clone(),
        });
        if !self.config.recreate_on_expiry || self.closing {
            return Some(SessionState::Expired);
        }
        self.state.send_replace(SessionState::Expired);
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
        self.last_heard = None;
        if let Ok(mut s) = self.session.lock() {
            *s = None;
        }
        None
    }

    /// Java's `connectTimeout`: the session timeout shared by the servers, at least a second.
    fn attempt_timeout(&self) -> Duration {
        let n = self.config.hosts.len().max(1) as u32;
        (self.config.session_timeout / n).max(Duration::from_secs(1))
    }

    /// Runs `fut` while not connected, queueing requests and handling watcher drops, until
    /// it completes, the session's expiry or close deadline passes, or (on a close when
    /// `stop_on_close`, or when every client handle is gone) the task should stop.
    async fn offline<F: Future>(&mut self, fut: F, stop_on_close: bool) -> Offline<F::Output> {
        tokio::pin!(fut);
        loop {
            let deadline = match (self.expiry_deadline(), self.close_deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                out = &mut fut => return Offline::Done(out),
                _ = sleep_until_opt(deadline) => return Offline::Deadline,
                cmd = self.commands.recv() => match cmd {
                    None => return Offline::Stop,
                    Some(Command::Close(waiter)) => {
                        // Finish this attempt (within the close timeout): if it connects,
                        // the close is sent first thing (so the server ends the session
                        // now, not at its timeout); if it fails, the client closes locally.
                        self.close_waiters.extend(waiter);
                        self.start_closing();
                        if stop_on_close {
                            return Offline::Stop;
                        }
                    }
                    Some(Command::DropWatcher(id)) => {
                        // Not re-registered on reconnect, so nothing to tell the server.
                        let _ = self.registry.remove(id);
                    }
                    Some(cmd) => {
                        self.backlog.push_back(cmd);
                        self.backlog_pushes += 1;
                        if self.backlog_pushes % BACKLOG_PRUNE_EVERY == 0 {
                            self.backlog.retain(|c| match c {
                                Command::Request(r) => !r.reply.is_closed(),
                                _ => true,
                            });
                        }
                    }
                },
            }
        }
    }

    /// Marks the task as closing and starts the close timeout.
    fn start_closing(&mut self) -> Instant {
        self.closing = true;
        *self
            .close_deadline
            .get_or_insert_with(|| Instant::now() + self.config.close_timeout)
    }

    /// Fails the requests that were waiting for a connection.
    fn fail_backlog(&mut self, err: Error) {
        for cmd in self.backlog.drain(..) {
            match cmd {
                Command::Request(r) => {
                    let _ = r.reply.send(Err(err.clone()));
                }
                Command::Auth {
                    reply,
                    scheme,
                    auth,
                } => {
                    // Kept for the next connection, like Java's authInfo.
                    self.auths.push((scheme, auth));
                    let _ = reply.send(Err(err.clone()));
                }
                Command::DropWatcher(_) | Command::Close(_) => {}
            }
        }
    }

    fn next_xid(&mut self) -> i32 {
        let xid = self.next_xid;
        self.next_xid = if xid == i32::MAX { 1 } else { xid + 1 };
        xid
    }

    /// Serves one connection until it breaks or the session ends.
    async fn serve(&mut self, stream: TcpStream, rbuf: BytesMut) -> End {
        let (rd, wr) = stream.into_split();
        let read_timeout = self.negotiated * 2 / 3;
        let now = Instant::now();
        let mut conn = Conn {
            rd,
            wr,
            rbuf,
            out: Outgoing::with_capacity(64 * 1024),
            pending: PendingQueue::default(),
            read_timeout,
            ping_every: read_timeout / 2,
            last_recv: now,
            last_send: now,
            close_deadline: None,
        };

        // Prime the connection: credentials, then watches, then what queued up meanwhile.
        for (scheme, auth) in &self.auths {
            pipeline::encode_auth(conn.out.buf(), scheme, auth);
            conn.pending.auths.push_back(None);
        }
        self.encode_set_watches(conn.out.buf());
        if self.closing {
            // A close whose connection broke before the server answered: send it again.
            self.closing = false;
            conn.close_deadline =
                self.command(Command::Close(None), &mut conn.out, &mut conn.pending);
        }
        while let Some(cmd) = self.backlog.pop_front() {
            if let Some(deadline) = self.command(cmd, &mut conn.out, &mut conn.pending) {
                conn.close_deadline.get_or_insert(deadline);
            }
        }

        let rw_server = self.ro.probe(&self.config.hosts);
        tokio::pin!(rw_server);
        // One timer for the whole connection (a ping, the read timeout or the close
        // deadline), moved only when it fires (sends and receives only push those deadlines
        // later) or when a close brings one closer: a fresh `sleep_until` per turn of the loop
        // cost a timer-wheel insertion and removal per request.
        let timer = tokio::time::sleep_until(conn.wake_at());
        tokio::pin!(timer);
        let end = std::future::poll_fn(|cx| {
            self.poll_connection(cx, &mut conn, timer.as_mut(), rw_server.as_mut())
        })
        .await;
        // Best effort: let a close request reach the server.
        if matches!(end, End::Terminal(SessionState::Closed)) && !conn.out.is_empty() {
            let _ =
                tokio::time::timeout(Duration::from_millis(100), conn.out.write_all(&mut conn.wr))
                    .await;
        }
        self.last_heard = Some(conn.last_recv);
        // Written but unanswered: the server may or may not have applied them. They are
        // never sent again (a sequential create must not run twice).
        let err = match &end {
            End::Disconnected(_) => Error::ConnectionLoss,
            End::Terminal(state) => state.to_error(),
        };
        conn.pending.fail_all(&err);
        end
    }

    /// Drives a connection: takes the queued commands (up to the high-water mark of unwritten
    /// bytes), writes, reads and handles replies, watches for a read-write server and handles
    /// the timer, each once per pass, and passes again only while one of them may have more to
    /// do (everything that returned `Pending` has registered the waker). Ready when the
    /// connection ends.
    ///
    /// Hand-written rather than a `select!` in a loop: that polled all five sources again
    /// after every one that was ready (about three times per request at a fixed rate),
    /// re-registering the waker with the channel and the timer each time.
    fn poll_connection<P: Future<Output = HostPort>>(
        &mut self,
        cx: &mut Context<'_>,
        conn: &mut Conn,
        mut timer: Pin<&mut tokio::time::Sleep>,
        mut rw_server: Pin<&mut P>,
    ) -> Poll<End> {
        loop {
            let mut again = false;
            let close_before = conn.close_deadline;
            // Whether commands may be waiting without the waker registered with the channel
            // (taking them stopped at the high-water mark).
            let mut held_back = false;
            loop {
                if self.closing {
                    break;
                }
                if conn.out.len() >= WRITE_HIGH_WATER {
                    held_back = true;
                    break;
                }
                let Poll::Ready(cmd) = self.commands.poll_recv(cx) else {
                    break;
                };
                match cmd {
                    Some(cmd) => {
                        if let Some(d) = self.command(cmd, &mut conn.out, &mut conn.pending) {
                            conn.close_deadline.get_or_insert(d);
                        }
                    }
                    // Every handle is gone without a close: close the session.
                    None => {
                        conn.close_deadline =
                            self.command(Command::Close(None), &mut conn.out, &mut conn.pending);
                    }
                }
            }
            if conn.close_deadline != close_before {
                let at = conn.wake_at();
                if at < timer.deadline() {
                    timer.as_mut().reset(at);
                }
            }
            if !conn.out.is_empty() {
                match conn.out.poll_write(cx, &mut conn.wr) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(End::Disconnected(
                            "write failed: the socket took no bytes".into(),
                        ));
                    }
                    Poll::Ready(Ok(_)) => {
                        conn.last_send = Instant::now();
                        // A partial write: write the rest (or register the waker); room
                        // below the high-water mark: take the commands held back.
                        again |= !conn.out.is_empty() || held_back;
                    }
                    Poll::Ready(Err(e)) => {
                        return Poll::Ready(End::Disconnected(format!("write failed: {e}")));
                    }
                    Poll::Pending => {}
                }
            }
            if conn.rbuf.capacity() - conn.rbuf.len() < 8 * 1024 {
                conn.rbuf.reserve(64 * 1024);
            }
            match std::pin::pin!(conn.rd.read_buf(&mut conn.rbuf)).poll(cx) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(End::Disconnected(
                        "the server closed the connection".into(),
                    ));
                }
                Poll::Ready(Ok(_)) => {
                    // Read again: for more, or (after a short read, which cleared the
                    // readiness) to register the waker for the next reply.
                    again = true;
                    let buffered = conn.rbuf.len();
                    if let Some(end) = self.frames(&mut conn.rbuf, &mut conn.pending, &mut conn.out)
                    {
                        return Poll::Ready(end);
                    }
                    // Only a complete frame proves the peer is alive (as in Java's client):
                    // bytes of a frame that never completes, such as a corrupted length prefix
                    // fed by the server's ping replies, must not keep a stalled connection
                    // looking healthy.
                    if conn.rbuf.len() < buffered {
                        conn.last_recv = Instant::now();
                    }
                }
                Poll::Ready(Err(e)) => {
                    return Poll::Ready(End::Disconnected(format!("read failed: {e}")));
                }
                Poll::Pending => {}
            }
            if let Poll::Ready(found) = rw_server.as_mut().poll(cx) {
                self.ro.set_found(found.clone());
                return Poll::Ready(End::Disconnected(format!(
                    "read-write server {found} found"
                )));
            }
            if timer.as_mut().poll(cx).is_ready() {
                let now = Instant::now();
                if conn.close_deadline.is_some_and(|d| now >= d) {
                    return Poll::Ready(End::Terminal(SessionState::Closed));
                }
                if now >= conn.last_recv + conn.read_timeout {
                    return Poll::Ready(End::Disconnected(format!(
                        "nothing received for {:?} (2/3 of the session timeout)",
                        conn.read_timeout
                    )));
                }
                if conn.out.is_empty() && now >= conn.last_send + conn.ping_every {
                    tracing::trace!("ping");
                    pipeline::encode_header_only(conn.out.buf(), pipeline::PING_XID, OpCode::Ping);
                }
                let mut at = conn.wake_at();
                if at <= now {
                    // Only a ping can be overdue here, behind bytes the socket has not taken
                    // yet: look again a ping interval from now, not at once.
                    at = (now + conn.ping_every).min(conn.last_recv + conn.read_timeout);
                }
                timer.as_mut().reset(at);
                // Register with the moved timer, and write the ping.
                again = true;
            }
            if !again {
                return Poll::Pending;
            }
        }
    }

    /// Handles a command while connected; returns a close deadline when it was a close.
    fn command(
        &mut self,
        cmd: Command,
        out: &mut Outgoing,
        pending: &mut PendingQueue,
    ) -> Option<Instant> {
        match cmd {
            Command::Request(r) => {
                if self.closing {
                    let _ = r.reply.send(Err(Error::Closed));
                    return None;
                }
                if r.reply.is_closed() {
                    // Its caller gave up (timed out) before it could be sent: never send it.
                    return None;
                }
                let xid = self.next_xid();
                pipeline::encode_request_body(out, xid, r.op, &r.body);
                pending.requests.push_back(Pending {
                    xid,
                    op: r.op,
                    reply: Some(r.reply),
                    effect: r.effect,
                });
                None
            }
            Command::Auth {
                scheme,
                auth,
                reply,
            } => {
                pipeline::encode_auth(out.buf(), &scheme, &auth);
                pending.auths.push_back(Some(reply));
                self.auths.push((scheme, auth));
                None
            }
            Command::DropWatcher(id) => {
                if let Some(unneeded) = self.registry.remove(id) {
                    self.send_internal(
                        out.buf(),
                        pending,
                        OpCode::RemoveWatches,
                        &RemoveWatchesRequest {
                            path: unneeded.path.into(),
                            r#type: unneeded.kind.into(),
                        },
                    );
                }
                None
            }
            Command::Close(waiter) => {
                self.close_waiters.extend(waiter);
                if self.closing {
                    return None;
                }
                let deadline = self.start_closing();
                let xid = self.next_xid();
                pipeline::encode_header_only(out.buf(), xid, OpCode::CloseSession);
                pending.requests.push_back(Pending {
                    xid,
                    op: OpCode::CloseSession,
                    reply: None,
                    effect: Effect::None,
                });
                Some(deadline)
            }
        }
    }

    /// Queues a request whose reply nobody waits for.
    fn send_internal<R: jute::Jute>(
        &mut self,
        out: &mut BytesMut,
        pending: &mut PendingQueue,
        op: OpCode,
        record: &R,
    ) {
        let xid = self.next_xid();
        let body = jute::to_vec(record);
        pipeline::encode_request(out, xid, op, &body);
        pending.requests.push_back(Pending {
            xid,
            op,
            reply: None,
            effect: Effect::None,
        });
    }

    /// Re-registers every watch, relative to the last zxid seen, in batches that stay far
    /// below the server's frame limit (`SetWatches`, or `SetWatches2` for batches with
    /// persistent watches). The server fires at once the watches whose nodes changed after
    /// that zxid.
    fn encode_set_watches(&mut self, out: &mut BytesMut) {
        if self.registry.is_empty() {
            return;
        }
        let batches = rewatch::batches(
            self.registry.watched_paths(),
            self.last_zxid,
            rewatch::SET_WATCHES_MAX_LENGTH,
        );
        tracing::debug!(batches = batches.len(), "re-registering watches");
        for batch in batches {
            match batch {
                rewatch::Batch::V1(record) => pipeline::encode_request(
                    out,
                    pipeline::SET_WATCHES_XID,
                    OpCode::SetWatches,
                    &jute::to_vec(&record),
                ),
                rewatch::Batch::V2(record) => pipeline::encode_set_watches(out, &record),
            }
        }
    }

    /// Handles every complete frame in `rbuf`.
    fn frames(
        &mut self,
        rbuf: &mut BytesMut,
        pending: &mut PendingQueue,
        out: &mut Outgoing,
    ) -> Option<End> {
        loop {
            let frame = match jute::frame::split_frame(rbuf, self.config.max_frame_len) {
                Ok(Some(frame)) => frame.freeze(),
                Ok(None) => return None,
                Err(e) => return Some(self.protocol_error(pending, format!("bad frame: {e}"))),
            };
            let incoming = match pipeline::parse_reply(frame) {
                Ok(i) => i,
                Err(e) => return Some(self.protocol_error(pending, e)),
            };
            if let Some(end) = self.incoming(incoming, pending, out) {
                return Some(end);
            }
        }
    }

    /// Fails what is pending with a protocol error and resets the connection.
    fn protocol_error(&mut self, pending: &mut PendingQueue, reason: String) -> End {
        tracing::error!(%reason, "protocol error; resetting the connection");
        pending.fail_all(&Error::Protocol(reason.clone()));
        End::Disconnected(format!("protocol error: {reason}"))
    }

    fn incoming(
        &mut self,
        incoming: Incoming,
        pending: &mut PendingQueue,
        out: &mut Outgoing,
    ) -> Option<End> {
        match incoming {
            Incoming::Notification(event) => {
                let Ok(event_type) = EventType::try_from(event.r#type) else {
                    tracing::warn!(r#type = event.r#type, "unknown watch event type; ignored");
                    return None;
                };
                let state =
                    KeeperState::try_from(event.state).unwrap_or(KeeperState::SyncConnected);
                let client_path = self.config.chroot.strip(&event.path).into_owned();
                tracing::debug!(?event_type, path = %client_path, "watch event");
                self.registry.dispatch(
                    &event.path,
                    &WatchedEvent {
                        event_type,
                        state,
                        path: client_path,
                        zxid: event.zxid,
                    },
                );
                None
            }
            Incoming::Ping => None,
            Incoming::Auth { err } => {
                let waiter = pending.auths.pop_front().flatten();
                if err == ErrorCode::AuthFailed.code() {
                    if let Some(w) = waiter {
                        let _ = w.send(Err(Error::AuthFailed));
                    }
                    tracing::warn!("authentication failed");
                    return Some(End::Terminal(SessionState::AuthFailed));
                }
                if let Some(w) = waiter {
                    let _ = w.send(if err == 0 {
                        Ok(())
                    } else {
                        Err(Error::from_server(err, ""))
                    });
                }
                None
            }
            Incoming::SetWatches { err } => {
                if err != 0 {
                    tracing::warn!(err, "setWatches failed");
                }
                None
            }
            Incoming::Reply(reply) => {
                let Some(p) = pending.requests.pop_front() else {
                    return Some(self.protocol_error(
                        pending,
                        format!("reply with xid {} but no request is pending", reply.xid),
                    ));
                };
                if p.xid != reply.xid {
                    let expected = p.xid;
                    pending.requests.push_front(p);
                    return Some(self.protocol_error(
                        pending,
                        format!(
                            "reply with xid {} but the oldest pending request has xid {expected}",
                            reply.xid
                        ),
                    ));
                }
                if reply.zxid > 0 {
                    self.last_zxid = reply.zxid;
                }
                self.apply_effect(p.effect, reply.err, out, pending);
                if p.op == OpCode::CloseSession {
                    self.close_confirmed = true;
                    return Some(End::Terminal(SessionState::Closed));
                }
                if let Some(tx) = p.reply {
                    let _ = tx.send(Ok(reply));
                }
                None
            }
        }
    }

    fn apply_effect(
        &mut self,
        effect: Effect,
        err: i32,
        out: &mut Outgoing,
        pending: &mut PendingQueue,
    ) {
        match effect {
            Effect::None => {}
            Effect::Register {
                mut registration,
                exists,
            } => {
                if err == 0 {
                    // An `exists` that found the node holds a data watch.
                } else if exists && err == ErrorCode::NoNode.code() {
                    registration.kind = WatchKind::Exist;
                } else {
                    return;
                }
                let closed = registration.sink.is_closed();
                let id = registration.id;
                self.registry.register(registration);
                if closed {
                    // The watcher was dropped while its request was in flight.
                    self.command(Command::DropWatcher(id), out, pending);
                }
            }
            Effect::RemoveAll {
                path,
                kind,
                client_path,
            } => {
                if err == 0 {
                    self.registry.remove_all(&path, kind, &client_path);
                }
            }
        }
    }

    /// Reports a terminal state and fails everything still waiting.
    fn finish(mut self, state: SessionState) {
        tracing::info!(%state, session = format_args!("{:#x}", self.session_id), "session ended");
        self.state.send_replace(state);
        match state {
            SessionState::AuthFailed => self.emit(SessionEvent::AuthFailed),
            SessionState::Closed => self.emit(SessionEvent::Closed),
            // Expired was reported with its cause.
            _ => {}
        }
        let err = state.to_error();
        self.fail_backlog(err.clone());
        self.commands.close();
        while let Ok(cmd) = self.commands.try_recv() {
            self.backlog.push_back(cmd);
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

/// Connects to one server (trying each address it resolves to) and performs the handshake.
/// Returns the stream, the server's answer and any bytes read past it.
async fn handshake(
    host: HostPort,
    request: ConnectRequest,
    timeout: Duration,
    max_frame: usize,
) -> Result<(TcpStream, ConnectResponse, BytesMut), HandshakeError> {
    let other = |reason: String| HandshakeError {
        reason,
        refused: false,
    };
    let addrs = hosts::resolve(&host)
        .await
        .map_err(|e| other(format!("resolving {host}: {e}")))?;
    let mut last = other(String::from("no address"));
    for addr in addrs {
        let attempt = async {
            let mut stream = TcpStream::connect(addr)
                .await
                .map_err(|e| other(format!("connecting to {addr}: {e}")))?;
            let _ = stream.set_nodelay(true);
            let mut out = BytesMut::with_capacity(64);
            jute::frame::encode_frame(&request, &mut out);
            stream
                .write_all(&out)
                .await
                .map_err(|e| other(format!("sending the connect request to {addr}: {e}")))?;
            let mut rbuf = BytesMut::with_capacity(4096);
            loop {
                match jute::frame::split_frame(&mut rbuf, max_frame) {
                    Ok(Some(frame)) => {
                        let response = jute::from_bytes::<ConnectResponse>(frame.freeze())
                            .map_err(|e| other(format!("bad connect response from {addr}: {e}")))?;
                        return Ok((stream, response, rbuf));
                    }
                    Ok(None) => {}
                    Err(e) => return Err(other(format!("bad connect response from {addr}: {e}"))),
                }
                if rbuf.capacity() == rbuf.len() {
                    rbuf.reserve(4096);
                }
                let n = match stream.read_buf(&mut rbuf).await {
                    Ok(n) => n,
                    Err(e) => {
                        // A reset right after the request is a refusal too.
                        let refused =
                            rbuf.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset;
                        return Err(HandshakeError {
                            reason: format!("reading the connect response from {addr}: {e}"),
                            refused,
                        });
                    }
                };
                if n == 0 {
                    return Err(HandshakeError {
                        reason: format!(
                            "{addr} closed the connection during the handshake \
                             (the session was refused)"
                        ),
                        refused: rbuf.is_empty(),
                    });
                }
            }
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(ok)) => return Ok(ok),
            Ok(Err(e)) => last = e,
            Err(_) => last = other(format!("handshake with {addr} timed out after {timeout:?}")),
        }
    }
    Err(last)
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::{Body, SmallBody, SMALL_BODY};
    use zk_records::proto::GetDataRequest;

    fn request(path_len: usize) -> GetDataRequest {
        GetDataRequest {
            path: "/".repeat(path_len).into(),
            watch: true,
        }
    }

    #[test]
    fn small_bodies_are_the_record_bytes_up_to_the_limit() {
        use jute::Jute;
        // A GetDataRequest is a 4-byte length, the path and a 1-byte flag.
        for path_len in [0, 1, 19, SMALL_BODY - 5] {
            let r = request(path_len);
            let body = SmallBody::encode(&r, r.encoded_len()).expect("fits");
            assert_eq!(body.as_slice(), &jute::to_vec(&r)[..]);
            assert_eq!(Body::Small(body).len(), r.encoded_len());
        }
        let too_big = request(SMALL_BODY - 4);
        assert_eq!(too_big.encoded_len(), SMALL_BODY + 1);
        assert!(SmallBody::encode(&too_big, too_big.encoded_len()).is_none());
    }
}
