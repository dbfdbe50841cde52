//! The connection task: the one owner of the socket. It connects and reconnects, performs the
//! handshake, writes queued requests in batches, matches replies to requests, routes watch
//! notifications, sends pings, and reports session states.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use zk_records::proto::{ConnectRequest, ConnectResponse, RemoveWatchesRequest, SetWatches2};
use zk_records::{ErrorCode, EventType, KeeperState, OpCode};

use crate::connect_string::HostPort;
use crate::error::Error;
use crate::hosts::{self, Hosts};
use crate::path::Chroot;
use crate::pipeline::{self, Incoming, Pending, PendingQueue, Reply};
use crate::ro_probe::ReadOnlyState;
use crate::session::{SessionId, SessionState};
use crate::watch::{Registration, Registry, WatchKind, WatchedEvent};

/// Stop taking new commands while this many bytes wait to be written.
const WRITE_HIGH_WATER: usize = 1 << 20;
/// `SetWatches2` requests are split so that each stays well below the frame limit.
const SET_WATCHES_CHUNK: usize = 128 * 1024;

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
    /// Close the session; `None` when the last client handle was dropped.
    Close(Option<oneshot::Sender<()>>),
}

/// An operation for the server.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) op: OpCode,
    /// The encoded request record (after the header).
    pub(crate) body: Vec<u8>,
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
}

/// Why a connected period ended.
enum End {
    /// Connection lost; reconnect.
    Disconnected(String),
    /// The session ended.
    Terminal(SessionState),
}

/// The connection task's state.
pub(crate) struct Task {
    config: Config,
    hosts: Hosts,
    commands: mpsc::UnboundedReceiver<Command>,
    state: watch::Sender<SessionState>,
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
    close_waiters: Vec<oneshot::Sender<()>>,
    closing: bool,
    /// Read-only mode: whether to look for a read-write server, and the one found.
    ro: ReadOnlyState,
}

impl Task {
    pub(crate) fn new(
        config: Config,
        commands: mpsc::UnboundedReceiver<Command>,
        state: watch::Sender<SessionState>,
        session: Arc<Mutex<Option<SessionId>>>,
    ) -> Task {
        let (session_id, password) = config
            .session
            .clone()
            .unwrap_or((0, Bytes::from_static(&[0; 16])));
        Task {
            hosts: Hosts::new(config.hosts.clone(), hosts::Rng::new()),
            ro: ReadOnlyState::default(),
            auths: config.auth.clone(),
            negotiated: config.session_timeout,
            config,
            commands,
            state,
            session,
            session_id,
            password,
            last_zxid: 0,
            next_xid: 1,
            registry: Registry::default(),
            backlog: VecDeque::new(),
            close_waiters: Vec::new(),
            closing: false,
        }
    }

    /// Runs until the session ends.
    pub(crate) async fn run(mut self) {
        let end = loop {
            let next = self.ro.take_found().map(|h| (h, Duration::ZERO));
            let Some((host, delay)) = next.or_else(|| self.hosts.next()) else {
                break SessionState::Closed;
            };
            if !delay.is_zero() {
                if self.closing {
                    break SessionState::Closed;
                }
                tracing::debug!(?delay, "every server failed; backing off");
                let slept = self.offline(tokio::time::sleep(delay), true).await;
                if slept.is_none() || self.closing {
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
                session_id: self.session_id,
                passwd: self.password.clone(),
                read_only: Some(self.config.read_only),
            };
            let attempt_timeout = self.attempt_timeout();
            let max_frame = self.config.max_frame_len;
            let connecting = handshake(host.clone(), request, attempt_timeout, max_frame);
            let Some(result) = self.offline(connecting, false).await else {
                break SessionState::Closed;
            };
            let (stream, response, rbuf) = match result {
                Ok(ok) => ok,
                Err(reason) => {
                    tracing::info!(server = %host, %reason, "connection attempt failed");
                    if self.closing {
                        // Closing, and no server to tell: close locally.
                        break SessionState::Closed;
                    }
                    self.fail_backlog(Error::ConnectionLoss);
                    continue;
                }
            };
            if response.time_out <= 0 {
                tracing::warn!(
                    session = format_args!("{:#x}", self.session_id),
                    "session expired"
                );
                break SessionState::Expired;
            }
            self.hosts.connected();
            self.session_id = response.session_id;
            self.password = response.passwd.clone();
            self.negotiated = Duration::from_millis(response.time_out as u64);
            if let Ok(mut s) = self.session.lock() {
                *s = Some(SessionId {
                    id: self.session_id,
                    password: self.password.clone(),
                    timeout: self.negotiated,
                });
            }
            let read_only = response.read_only == Some(true);
            self.ro.connected(read_only);
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
            match self.serve(stream, rbuf).await {
                End::Terminal(state) => break state,
                End::Disconnected(reason) => {
                    tracing::info!(server = %host, %reason, "disconnected");
                    self.state.send_replace(SessionState::Disconnected);
                }
            }
        };
        self.finish(end);
    }

    /// Java's `connectTimeout`: the session timeout shared by the servers, at least a second.
    fn attempt_timeout(&self) -> Duration {
        let n = self.config.hosts.len().max(1) as u32;
        (self.config.session_timeout / n).max(Duration::from_secs(1))
    }

    /// Runs `fut` while not connected, queueing requests and handling watcher drops. Returns
    /// `None` when every client handle is gone, or on a close if `stop_on_close`.
    async fn offline<F: std::future::Future>(
        &mut self,
        fut: F,
        stop_on_close: bool,
    ) -> Option<F::Output> {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                out = &mut fut => return Some(out),
                cmd = self.commands.recv() => match cmd {
                    None => return None,
                    Some(Command::Close(waiter)) => {
                        // Finish this attempt: if it connects, the close is sent first
                        // thing (so the server ends the session now, not at its timeout);
                        // if it fails, the client closes locally.
                        self.close_waiters.extend(waiter);
                        self.closing = true;
                        if stop_on_close {
                            return None;
                        }
                    }
                    Some(Command::DropWatcher(id)) => {
                        // Not re-registered on reconnect, so nothing to tell the server.
                        let _ = self.registry.remove(id);
                    }
                    Some(cmd) => self.backlog.push_back(cmd),
                },
            }
        }
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
    async fn serve(&mut self, stream: TcpStream, mut rbuf: BytesMut) -> End {
        let (mut rd, mut wr) = stream.into_split();
        let mut out = BytesMut::with_capacity(64 * 1024);
        let mut pending = PendingQueue::default();
        let negotiated = self.negotiated;
        let read_timeout = negotiated * 2 / 3;
        let ping_every = read_timeout / 2;
        let mut last_recv = Instant::now();
        let mut last_send = Instant::now();
        let mut close_deadline: Option<Instant> = None;

        // Prime the connection: credentials, then watches, then what queued up meanwhile.
        for (scheme, auth) in &self.auths {
            pipeline::encode_auth(&mut out, scheme, auth);
            pending.auths.push_back(None);
        }
        self.encode_set_watches(&mut out);
        if self.closing {
            // A close whose connection broke before the server answered: send it again.
            self.closing = false;
            close_deadline = self.command(Command::Close(None), &mut out, &mut pending);
        }
        while let Some(cmd) = self.backlog.pop_front() {
            if let Some(deadline) = self.command(cmd, &mut out, &mut pending) {
                close_deadline.get_or_insert(deadline);
            }
        }

        let rw_server = self.ro.probe(&self.config.hosts);
        tokio::pin!(rw_server);
        let end = loop {
            let wake = match close_deadline {
                Some(d) => d.min(last_recv + read_timeout),
                None => (last_send + ping_every).min(last_recv + read_timeout),
            };
            if rbuf.capacity() - rbuf.len() < 8 * 1024 {
                rbuf.reserve(64 * 1024);
            }
            tokio::select! {
                read = rd.read_buf(&mut rbuf) => match read {
                    Ok(0) => break End::Disconnected("the server closed the connection".into()),
                    Ok(_) => {
                        last_recv = Instant::now();
                        if let Some(end) = self.frames(&mut rbuf, &mut pending, &mut out) {
                            break end;
                        }
                    }
                    Err(e) => break End::Disconnected(format!("read failed: {e}")),
                },
                written = wr.write(&out), if !out.is_empty() => match written {
                    Ok(n) => {
                        let _ = out.split_to(n);
                        last_send = Instant::now();
                    }
                    Err(e) => break End::Disconnected(format!("write failed: {e}")),
                },
                cmd = self.commands.recv(), if out.len() < WRITE_HIGH_WATER && !self.closing => {
                    let Some(cmd) = cmd else {
                        // Every handle is gone without a close: close the session.
                        close_deadline = self.command(Command::Close(None), &mut out, &mut pending);
                        continue;
                    };
                    if let Some(d) = self.command(cmd, &mut out, &mut pending) {
                        close_deadline.get_or_insert(d);
                    }
                    // Batch whatever else is queued into the same write.
                    while out.len() < WRITE_HIGH_WATER && !self.closing {
                        match self.commands.try_recv() {
                            Ok(cmd) => {
                                if let Some(d) = self.command(cmd, &mut out, &mut pending) {
                                    close_deadline.get_or_insert(d);
                                }
                            }
                            Err(_) => break,
                        }
                    }
                },
                found = &mut rw_server => {
                    self.ro.set_found(found.clone());
                    break End::Disconnected(format!("read-write server {found} found"));
                },
                _ = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    if close_deadline.is_some_and(|d| now >= d) {
                        break End::Terminal(SessionState::Closed);
                    }
                    if now >= last_recv + read_timeout {
                        break End::Disconnected(format!(
                            "nothing received for {read_timeout:?} (2/3 of the session timeout)"
                        ));
                    }
                    if out.is_empty() && now >= last_send + ping_every {
                        tracing::trace!("ping");
                        pipeline::encode_header_only(&mut out, pipeline::PING_XID, OpCode::Ping);
                    }
                },
            }
        };
        // Best effort: let a close request reach the server.
        if matches!(end, End::Terminal(SessionState::Closed)) && !out.is_empty() {
            let _ = tokio::time::timeout(Duration::from_millis(100), wr.write_all(&out)).await;
        }
        let err = match &end {
            End::Disconnected(_) => Error::ConnectionLoss,
            End::Terminal(state) => state.to_error(),
        };
        pending.fail_all(&err);
        end
    }

    /// Handles a command while connected; returns a close deadline when it was a close.
    fn command(
        &mut self,
        cmd: Command,
        out: &mut BytesMut,
        pending: &mut PendingQueue,
    ) -> Option<Instant> {
        match cmd {
            Command::Request(r) => {
                if self.closing {
                    let _ = r.reply.send(Err(Error::Closed));
                    return None;
                }
                let xid = self.next_xid();
                pipeline::encode_request(out, xid, r.op, &r.body);
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
                pipeline::encode_auth(out, &scheme, &auth);
                pending.auths.push_back(Some(reply));
                self.auths.push((scheme, auth));
                None
            }
            Command::DropWatcher(id) => {
                if let Some(unneeded) = self.registry.remove(id) {
                    self.send_internal(
                        out,
                        pending,
                        OpCode::RemoveWatches,
                        &RemoveWatchesRequest {
                            path: unneeded.path,
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
                self.closing = true;
                let xid = self.next_xid();
                pipeline::encode_header_only(out, xid, OpCode::CloseSession);
                pending.requests.push_back(Pending {
                    xid,
                    op: OpCode::CloseSession,
                    reply: None,
                    effect: Effect::None,
                });
                Some(Instant::now() + self.negotiated * 2 / 3)
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

    /// Re-registers every watch (in chunks), relative to the last zxid seen.
    fn encode_set_watches(&mut self, out: &mut BytesMut) {
        if self.registry.is_empty() {
            return;
        }
        let lists = self.registry.watched_paths();
        let mut chunk = SetWatches2 {
            relative_zxid: self.last_zxid,
            ..SetWatches2::default()
        };
        let mut size = 0;
        for (slot, paths) in lists.into_iter().enumerate() {
            for path in paths {
                if size > 0 && size + path.len() > SET_WATCHES_CHUNK {
                    let full = std::mem::replace(
                        &mut chunk,
                        SetWatches2 {
                            relative_zxid: self.last_zxid,
                            ..SetWatches2::default()
                        },
                    );
                    pipeline::encode_set_watches(out, &full);
                    size = 0;
                }
                size += path.len() + 4;
                match slot {
                    0 => chunk.data_watches.push(path),
                    1 => chunk.exist_watches.push(path),
                    2 => chunk.child_watches.push(path),
                    3 => chunk.persistent_watches.push(path),
                    _ => chunk.persistent_recursive_watches.push(path),
                }
            }
        }
        if size > 0 {
            pipeline::encode_set_watches(out, &chunk);
        }
    }

    /// Handles every complete frame in `rbuf`.
    fn frames(
        &mut self,
        rbuf: &mut BytesMut,
        pending: &mut PendingQueue,
        out: &mut BytesMut,
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
        out: &mut BytesMut,
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
        out: &mut BytesMut,
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
        for w in self.close_waiters.drain(..) {
            let _ = w.send(());
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
) -> Result<(TcpStream, ConnectResponse, BytesMut), String> {
    let addrs = hosts::resolve(&host)
        .await
        .map_err(|e| format!("resolving {host}: {e}"))?;
    let mut last = String::from("no address");
    for addr in addrs {
        let attempt = async {
            let mut stream = TcpStream::connect(addr)
                .await
                .map_err(|e| format!("connecting to {addr}: {e}"))?;
            let _ = stream.set_nodelay(true);
            let mut out = BytesMut::with_capacity(64);
            jute::frame::encode_frame(&request, &mut out);
            stream
                .write_all(&out)
                .await
                .map_err(|e| format!("sending the connect request to {addr}: {e}"))?;
            let mut rbuf = BytesMut::with_capacity(4096);
            loop {
                match jute::frame::split_frame(&mut rbuf, max_frame) {
                    Ok(Some(frame)) => {
                        let response = jute::from_bytes::<ConnectResponse>(frame.freeze())
                            .map_err(|e| format!("bad connect response from {addr}: {e}"))?;
                        return Ok((stream, response, rbuf));
                    }
                    Ok(None) => {}
                    Err(e) => return Err(format!("bad connect response from {addr}: {e}")),
                }
                if rbuf.capacity() == rbuf.len() {
                    rbuf.reserve(4096);
                }
                let n = stream
                    .read_buf(&mut rbuf)
                    .await
                    .map_err(|e| format!("reading the connect response from {addr}: {e}"))?;
                if n == 0 {
                    return Err(format!("{addr} closed the connection during the handshake"));
                }
            }
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(ok)) => return Ok(ok),
            Ok(Err(e)) => last = e,
            Err(_) => last = format!("handshake with {addr} timed out after {timeout:?}"),
        }
    }
    Err(last)
}
