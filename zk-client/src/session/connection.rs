//! The connection driver: one connection while it is served. It takes the session's commands,
//! writes them in batches, reads and dispatches frames, sends pings, enforces the read timeout
//! and the close deadline, and watches for a read-write server while on a read-only one.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::time::Instant;
use zk_records::OpCode;

use super::coalesce::{Coalesce, LowWater};
use super::core::{End, Session};
use super::outgoing::Outgoing;
use super::pipeline::{self, PendingQueue};
use super::state::SessionState;
use crate::connect_string::HostPort;
use crate::error::Error;
use crate::message::Command;

/// Stop taking new commands while this many bytes wait to be written.
const WRITE_HIGH_WATER: usize = 1 << 20;

/// One connection while it is served: the stream, the buffers, what is waiting for a reply,
/// and the clocks of the ping and read timeouts.
struct Conn<S> {
    stream: S,
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
    /// How many reply bytes the kernel gathers before waking the task.
    coalesce: Coalesce,
}

impl<S> Conn<S> {
    /// When the timer must look at the clock next.
    fn wake_at(&self) -> Instant {
        let read = self.last_recv + self.read_timeout;
        let at = match self.close_deadline {
            Some(d) => d.min(read),
            None => (self.last_send + self.ping_every).min(read),
        };
        match self.coalesce.valve() {
            Some(valve) => valve.min(at),
            None => at,
        }
    }
}

impl Session {
    /// Serves one connection until it breaks or the session ends.
    pub(super) async fn serve<S: AsyncRead + AsyncWrite + LowWater + Unpin>(
        &mut self,
        stream: S,
        rbuf: BytesMut,
    ) -> End {
        let read_timeout = self.negotiated * 2 / 3;
        let now = Instant::now();
        let mut conn = Conn {
            stream,
            rbuf,
            out: Outgoing::with_capacity(64 * 1024),
            pending: PendingQueue::default(),
            read_timeout,
            ping_every: read_timeout / 2,
            last_recv: now,
            last_send: now,
            close_deadline: None,
            coalesce: Coalesce::new(self.config.coalesce_replies),
        };
        self.prime(&mut conn);
        let rw_server = self
            .ro
            .probe(&self.config.connector, self.servers.subscribe());
        tokio::pin!(rw_server);
        // One timer for the whole connection (a ping, the read timeout or the close
        // deadline), moved only when it fires (sends and receives only push those deadlines
        // later) or when a close brings one closer: no timer-wheel insertion per request.
        let timer = tokio::time::sleep_until(conn.wake_at());
        tokio::pin!(timer);
        let end = std::future::poll_fn(|cx| {
            self.poll_connection(cx, &mut conn, timer.as_mut(), rw_server.as_mut())
        })
        .await;
        // Best effort: let a close request reach the server.
        if matches!(end, End::Terminal(SessionState::Closed)) && !conn.out.is_empty() {
            let flush = conn.out.write_all(&mut conn.stream);
            let _ = tokio::time::timeout(Duration::from_millis(100), flush).await;
        }
        self.last_heard = Some(conn.last_recv);
        // Written but unanswered: the server may or may not have applied them (a close
        // included: the server answers what it read before the close). They are never sent
        // again (a sequential create must not run twice).
        let err = match &end {
            End::Disconnected(_) | End::Terminal(SessionState::Closed) => Error::ConnectionLoss,
            End::Terminal(state) => self.terminal_error(*state),
        };
        conn.pending.fail_all(&err);
        end
    }

    /// Primes a new connection: credentials, then watches, then a close that came while
    /// disconnected (or that a broken connection left unanswered), then what queued up
    /// meanwhile (failed with `Closed` after a close).
    fn prime<S>(&mut self, conn: &mut Conn<S>) {
        // The new connection's watches are the registry's: earlier removals are moot.
        self.removals.clear();
        self.removals_in_flight = 0;
        for (scheme, auth) in &self.auths {
            let end = pipeline::encode_auth(&mut conn.out, scheme, auth);
            conn.pending.auths.push_back((end, None));
        }
        self.encode_set_watches(&mut conn.out);
        if self.closing {
            conn.close_deadline = Some(self.send_close(&mut conn.out, &mut conn.pending));
        }
        while let Some(cmd) = self.backlog.pop_front() {
            self.command(cmd, &mut conn.out, &mut conn.pending);
        }
    }

    /// Closes the session on this connection, whatever is queued: the commands not taken yet
    /// fail with `Closed`, deferred watch removals are dropped (the close removes the
    /// session's watches), frames not started are dropped and their requests fail with
    /// `Closed` (the one being written is finished, so the stream stays whole), and
    /// `closeSession` goes out next.
    fn begin_close<S>(&mut self, conn: &mut Conn<S>) {
        if self.closing {
            return;
        }
        self.closing = true;
        while let Ok(cmd) = self.commands.try_recv() {
            self.backlog.push_back(cmd);
        }
        self.fail_backlog(Error::Closed);
        self.removals.clear();
        let written_end = conn.out.drop_unstarted();
        conn.pending.fail_unsent(written_end, &Error::Closed);
        conn.close_deadline = Some(self.send_close(&mut conn.out, &mut conn.pending));
    }

    /// Drives a connection: takes the queued commands (up to the high-water mark of unwritten
    /// bytes), writes, reads and handles replies, watches for a read-write server and handles
    /// the timer, each once per pass, and passes again only while one of them may have more to
    /// do (everything that returned `Pending` has registered the waker). Ready when the
    /// connection ends.
    ///
    /// Hand-written rather than a `select!` in a loop, which would poll all five sources again
    /// after every one that was ready, re-registering the waker each time.
    fn poll_connection<S, P>(
        &mut self,
        cx: &mut Context<'_>,
        conn: &mut Conn<S>,
        mut timer: Pin<&mut tokio::time::Sleep>,
        mut rw_server: Pin<&mut P>,
    ) -> Poll<End>
    where
        S: AsyncRead + AsyncWrite + LowWater + Unpin,
        P: Future<Output = HostPort>,
    {
        loop {
            let close_before = conn.close_deadline;
            let held_back = self.take_commands(cx, conn);
            // Commands held back are not read, so a close must be seen on its own channel.
            if held_back && !self.closing {
                if let Poll::Ready(waiter) = self.closes.poll_recv(cx) {
                    // `None` twice over: every handle is gone.
                    self.close_waiters.extend(waiter.flatten());
                    self.begin_close(conn);
                }
            }
            if std::mem::take(&mut self.rebalance) && !self.closing {
                return Poll::Ready(End::Disconnected(
                    "moving to another server (server list updated)".into(),
                ));
            }
            self.flush_removals(&mut conn.out, &mut conn.pending);
            if conn.close_deadline != close_before {
                let at = conn.wake_at();
                if at < timer.deadline() {
                    timer.as_mut().reset(at);
                }
            }
            let mut again = match poll_write(cx, conn) {
                // Room below the high-water mark: take the commands held back.
                Poll::Ready(Ok(more)) => more || held_back,
                Poll::Ready(Err(end)) => return Poll::Ready(end),
                Poll::Pending => false,
            };
            match self.poll_read(cx, conn) {
                Poll::Ready(Ok(())) => again = true,
                Poll::Ready(Err(end)) => return Poll::Ready(end),
                Poll::Pending => {}
            }
            if let Poll::Ready(found) = rw_server.as_mut().poll(cx) {
                self.ro.set_found(found.clone());
                return Poll::Ready(End::Disconnected(format!(
                    "read-write server {found} found"
                )));
            }
            if timer.as_mut().poll(cx).is_ready() {
                if let Some(end) = on_timer(conn, timer.as_mut()) {
                    return Poll::Ready(end);
                }
                // Register with the moved timer, and write the ping.
                again = true;
            }
            if !again {
                // Going to sleep: set how many reply bytes should wake the task.
                let due =
                    (conn.pending.requests).partition_point(|p| p.end <= conn.out.written_end());
                let buffered = conn.rbuf.len();
                if let Some(valve) = conn.coalesce.apply(&conn.stream, due, buffered) {
                    if valve < timer.deadline() {
                        timer.as_mut().reset(valve);
                        // Register the waker with the moved timer.
                        if timer.as_mut().poll(cx).is_ready() {
                            continue;
                        }
                    }
                }
                return Poll::Pending;
            }
        }
    }

    /// Takes queued commands until the channel is empty or the unwritten bytes reach the
    /// high-water mark; returns whether it stopped at the mark (commands may then be waiting
    /// without the waker registered with the channel).
    fn take_commands<S>(&mut self, cx: &mut Context<'_>, conn: &mut Conn<S>) -> bool {
        loop {
            if self.closing {
                return false;
            }
            if conn.out.len() >= WRITE_HIGH_WATER {
                return true;
            }
            let Poll::Ready(cmd) = self.commands.poll_recv(cx) else {
                return false;
            };
            match cmd {
                Some(Command::CloseQueued) => {
                    while let Ok(waiter) = self.closes.try_recv() {
                        self.close_waiters.extend(waiter);
                    }
                    self.begin_close(conn);
                }
                Some(cmd) => self.command(cmd, &mut conn.out, &mut conn.pending),
                // Every handle and watcher is gone without a close: close the session.
                None => self.begin_close(conn),
            }
        }
    }

    /// Reads what the stream has and handles every complete frame. `Ready(Ok)` when bytes were
    /// read (read again: for more, or to register the waker after a short read).
    fn poll_read<S: AsyncRead + Unpin>(
        &mut self,
        cx: &mut Context<'_>,
        conn: &mut Conn<S>,
    ) -> Poll<Result<(), End>> {
        if conn.rbuf.capacity() - conn.rbuf.len() < 8 * 1024 {
            conn.rbuf.reserve(64 * 1024);
        }
        match std::task::ready!(std::pin::pin!(conn.stream.read_buf(&mut conn.rbuf)).poll(cx)) {
            Ok(0) => Poll::Ready(Err(End::Disconnected(
                "the server closed the connection".into(),
            ))),
            Ok(_) => {
                let buffered = conn.rbuf.len();
                let frames = self.frames(
                    &mut conn.rbuf,
                    &mut conn.pending,
                    &mut conn.out,
                    &mut conn.coalesce,
                );
                if let Some(end) = frames {
                    return Poll::Ready(Err(end));
                }
                // Only a complete frame proves the peer is alive (as in Java's client): bytes
                // of a frame that never completes, such as a corrupted length prefix fed by the
                // server's ping replies, must not keep a stalled connection looking healthy.
                if conn.rbuf.len() < buffered {
                    conn.last_recv = Instant::now();
                }
                Poll::Ready(Ok(()))
            }
            Err(e) => Poll::Ready(Err(End::Disconnected(format!("read failed: {e}")))),
        }
    }
}

/// Writes what the stream takes. `Ready(Ok(more))` after a write (or with nothing to write),
/// `more` when bytes are left: write the rest, or register the waker.
///
/// With nothing left to write the stream is flushed: a TLS stream may hold records that it
/// accepted but the socket did not take at once (a no-op for TCP).
fn poll_write<S: AsyncWrite + Unpin>(
    cx: &mut Context<'_>,
    conn: &mut Conn<S>,
) -> Poll<Result<bool, End>> {
    if conn.out.is_empty() {
        return match Pin::new(&mut conn.stream).poll_flush(cx) {
            Poll::Ready(Err(e)) => {
                Poll::Ready(Err(End::Disconnected(format!("write failed: {e}"))))
            }
            // Flushed, or the waker is registered for when the socket takes more.
            Poll::Ready(Ok(())) | Poll::Pending => Poll::Ready(Ok(false)),
        };
    }
    match std::task::ready!(conn.out.poll_write(cx, &mut conn.stream)) {
        Ok(0) => Poll::Ready(Err(End::Disconnected(
            "write failed: the socket took no bytes".into(),
        ))),
        Ok(_) => {
            conn.last_send = Instant::now();
            Poll::Ready(Ok(!conn.out.is_empty()))
        }
        Err(e) => Poll::Ready(Err(End::Disconnected(format!("write failed: {e}")))),
    }
}

/// The timer fired: ends the connection at the close deadline or the read timeout, queues a
/// ping when nothing was sent for a while, lets the coalescing valve look, and moves the timer
/// to its next deadline.
fn on_timer<S: LowWater>(conn: &mut Conn<S>, timer: Pin<&mut tokio::time::Sleep>) -> Option<End> {
    let now = Instant::now();
    if conn.coalesce.valve().is_some_and(|v| now >= v) {
        conn.coalesce.on_valve(&conn.stream, now);
    }
    if conn.close_deadline.is_some_and(|d| now >= d) {
        return Some(End::Terminal(SessionState::Closed));
    }
    if now >= conn.last_recv + conn.read_timeout {
        return Some(End::Disconnected(format!(
            "nothing received for {:?} (2/3 of the session timeout)",
            conn.read_timeout
        )));
    }
    if conn.out.is_empty() && now >= conn.last_send + conn.ping_every {
        tracing::trace!("ping");
        pipeline::encode_header_only(&mut conn.out, pipeline::PING_XID, OpCode::Ping);
    }
    let mut at = conn.wake_at();
    if at <= now {
        // Only a ping can be overdue here, behind bytes the socket has not taken yet: look
        // again a ping interval from now, not at once.
        at = (now + conn.ping_every).min(conn.last_recv + conn.read_timeout);
    }
    timer.reset(at);
    None
}
