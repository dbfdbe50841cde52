//! Session events: a detailed account, in order, of what happened to the session (connections,
//! disconnections, expiry and why, servers refusing the session, session re-creation).
//!
//! [`crate::StateWatcher`] reports the current [`crate::SessionState`] and coalesces changes;
//! [`SessionEvents`] reports every transition with its cause, in order.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_core::Stream;

use crate::error::ConnectFailure;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// How many events a slow [`SessionEvents`] reader may fall behind before it skips some.
pub(crate) const EVENT_CAPACITY: usize = 256;

/// Why the client treats its session as expired.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiryCause {
    /// A server answered the reconnect handshake with "expired" (the session is gone on the
    /// server).
    Server,
    /// No server was heard from for 4/3 of the negotiated session timeout: the ensemble has
    /// most likely expired the session (the side Curator takes; a restarted server or an ensemble
    /// that regains its quorum renews the timeout instead, and expires the session only when
    /// that passes without the client).
    LocalTimeout {
        /// How long no server was heard from.
        silent_for: Duration,
    },
    /// Like [`ExpiryCause::LocalTimeout`], while every server that accepted a connection
    /// refused the session: the servers are behind the client (see
    /// [`SessionEvent::ServerBehind`]).
    ServerBehind,
    /// Like [`ExpiryCause::LocalTimeout`], while the servers that accepted a connection were
    /// not serving requests (they lost their quorum) or were read-only: the session timed out
    /// on the ensemble's side, not because of the client.
    NotServing {
        /// How long no server was heard from.
        silent_for: Duration,
    },
}

/// Something that happened to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A handshake succeeded: the session is (again) being served.
    Connected {
        /// The session id.
        session_id: i64,
        /// The server, as written in the connect string.
        server: String,
        /// Whether the server is read-only.
        read_only: bool,
    },
    /// The connection was lost; the client reconnects. Requests that were written and not
    /// answered failed with [`crate::Error::ConnectionLoss`].
    Disconnected {
        /// What ended the connection.
        reason: String,
    },
    /// Several servers in a row refused the session (closed the connection without answering
    /// the handshake) and their `srvr` four-letter word shows a zxid older than the client's
    /// last ("Refusing session request ... as it has seen zxid ..."): their data were wiped,
    /// or they lag behind. Servers that refuse because they are not serving (no quorum) are
    /// reported as [`SessionEvent::AttemptFailed`] with their reason instead. Reported once
    /// per outage. What follows depends on the session: see [`ExpiryCause::ServerBehind`] and
    /// [`crate::ClientBuilder::recreate_session_on_expiry`].
    ServerBehind {
        /// The highest zxid the client has seen.
        last_zxid_seen: i64,
        /// Consecutive refused handshakes so far.
        refusals: u32,
    },
    /// A connection attempt failed (the client goes on to the next server, or backs off).
    AttemptFailed {
        /// The server, as written in the connect string.
        server: String,
        /// Why.
        failure: ConnectFailure,
    },
    /// Several connections in a row ended soon after their handshake succeeded (a server, proxy
    /// or load balancer that accepts the session and then drops the connection). The client
    /// waits longer before each reconnect while this goes on (a jittered backoff growing to
    /// 10 s) instead of reconnecting at once. Reported once per run of such connections.
    ConnectionsDropping {
        /// Consecutive connections that ended young.
        consecutive: u32,
        /// How long the last one lived after its handshake.
        lived: Duration,
    },
    /// The session expired. Without session re-creation this is final; with it, a new
    /// session follows ([`SessionEvent::Recreated`]).
    Expired {
        /// The session that expired.
        session_id: i64,
        /// Who decided.
        cause: ExpiryCause,
    },
    /// A new session replaced an expired one (re-creation mode). The watches of the old
    /// session were ended with an `Expired` event; its ephemeral nodes are gone.
    Recreated {
        /// The expired session.
        old: i64,
        /// The new session.
        new: i64,
    },
    /// Authentication failed. Final.
    AuthFailed {
        /// Why (as in [`crate::Error::AuthFailed`]).
        reason: String,
    },
    /// The client was closed. Final.
    Closed,
}

/// A stream of [`SessionEvent`]s, from the moment it was created.
///
/// Every event is delivered in order unless the reader falls more than 256 events behind:
/// then the oldest unread events are skipped (and a warning is logged), so the latest ones,
/// such as the final `Closed`, are never lost. Read it with [`SessionEvents::next`], or as a
/// [`futures_core::Stream`].
pub struct SessionEvents {
    reader: Reader,
}

/// A receive in progress: the future owns the receiver and hands it back with the result.
type Recv = Pin<
    Box<
        dyn Future<
                Output = (
                    Result<SessionEvent, RecvError>,
                    broadcast::Receiver<SessionEvent>,
                ),
            > + Send
            + Sync,
    >,
>;

/// Where the reader is: between receives, or waiting in one (`Taken` only while a poll has
/// the receiver).
enum Reader {
    Idle(broadcast::Receiver<SessionEvent>),
    Waiting(Recv),
    Taken,
}

impl fmt::Debug for SessionEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.reader {
            Reader::Idle(_) => "idle",
            Reader::Waiting(_) => "waiting",
            Reader::Taken => "taken",
        };
        f.debug_struct("SessionEvents")
            .field("reader", &state)
            .finish()
    }
}

impl SessionEvents {
    pub(crate) fn new(rx: broadcast::Receiver<SessionEvent>) -> SessionEvents {
        SessionEvents {
            reader: Reader::Idle(rx),
        }
    }

    /// The next event; `None` once the session has ended and every event was read.
    pub async fn next(&mut self) -> Option<SessionEvent> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// An event if one is already waiting.
    pub fn try_next(&mut self) -> Option<SessionEvent> {
        match &mut self.reader {
            Reader::Idle(rx) => loop {
                match rx.try_recv() {
                    Ok(event) => return Some(event),
                    Err(TryRecvError::Lagged(n)) => lagged(n),
                    Err(_) => return None,
                }
            },
            // A receive is under way: look without registering for a wake-up.
            Reader::Waiting(_) | Reader::Taken => {
                let mut cx = Context::from_waker(Waker::noop());
                match Pin::new(self).poll_next(&mut cx) {
                    Poll::Ready(event) => event,
                    Poll::Pending => None,
                }
            }
        }
    }
}

impl Stream for SessionEvents {
    type Item = SessionEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SessionEvent>> {
        loop {
            let mut recv = match std::mem::replace(&mut self.reader, Reader::Taken) {
                Reader::Waiting(recv) => recv,
                // Events are rare: a boxed receive per event costs nothing that matters.
                Reader::Idle(mut rx) => Box::pin(async move {
                    let result = rx.recv().await;
                    (result, rx)
                }),
                Reader::Taken => return Poll::Ready(None),
            };
            let Poll::Ready((result, rx)) = recv.as_mut().poll(cx) else {
                self.reader = Reader::Waiting(recv);
                return Poll::Pending;
            };
            self.reader = Reader::Idle(rx);
            match result {
                Ok(event) => return Poll::Ready(Some(event)),
                Err(RecvError::Lagged(n)) => lagged(n),
                Err(RecvError::Closed) => return Poll::Ready(None),
            }
        }
    }
}

/// Logs that a reader skipped `skipped` events.
fn lagged(skipped: u64) {
    tracing::warn!(skipped, "session event reader fell behind");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed() -> SessionEvent {
        SessionEvent::Closed
    }

    fn disconnected(i: usize) -> SessionEvent {
        SessionEvent::Disconnected {
            reason: i.to_string(),
        }
    }

    #[tokio::test]
    async fn a_stream_of_every_event_in_order_then_none() {
        let (tx, rx) = broadcast::channel(EVENT_CAPACITY);
        let mut events = SessionEvents::new(rx);
        assert_eq!(events.try_next(), None);
        tx.send(disconnected(1)).unwrap();
        tx.send(closed()).unwrap();
        assert_eq!(events.next().await, Some(disconnected(1)));
        let next = std::future::poll_fn(|cx| Pin::new(&mut events).poll_next(cx)).await;
        assert_eq!(next, Some(closed()));
        drop(tx);
        assert_eq!(events.next().await, None);
        assert_eq!(events.next().await, None, "stays ended");
    }

    #[tokio::test]
    async fn try_next_sees_an_event_while_a_receive_is_pending() {
        let (tx, rx) = broadcast::channel(EVENT_CAPACITY);
        let mut events = SessionEvents::new(rx);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut events).poll_next(&mut cx).is_pending());
        assert!(format!("{events:?}").contains("waiting"));
        assert_eq!(events.try_next(), None);
        tx.send(closed()).unwrap();
        assert_eq!(events.try_next(), Some(closed()));
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_skips_the_oldest_not_the_latest() {
        let (tx, rx) = broadcast::channel(EVENT_CAPACITY);
        let mut events = SessionEvents::new(rx);
        for i in 0..EVENT_CAPACITY + 10 {
            tx.send(disconnected(i)).unwrap();
        }
        tx.send(closed()).unwrap();
        drop(tx);
        let mut got = Vec::new();
        while let Some(event) = events.next().await {
            got.push(event);
        }
        assert_eq!(got.len(), EVENT_CAPACITY);
        assert_eq!(got[0], disconnected(11));
        assert_eq!(got.last(), Some(&closed()));
    }
}
