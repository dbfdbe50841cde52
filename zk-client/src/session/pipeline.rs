//! The packet pipeline's pure parts: writing request frames into the outgoing buffer, the FIFO
//! of sent requests awaiting replies, and classifying incoming frames by their xid.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};
use tokio::sync::oneshot;
use zk_records::proto::{AuthPacket, ReplyHeader, WatcherEvent};
use zk_records::{OpCode, Request};

use super::outgoing::Outgoing;
use crate::error::Error;
use crate::message::{Body, Effect, Reply};

/// Xid of watch notifications.
pub(crate) const NOTIFICATION_XID: i32 = -1;
/// Xid of pings.
pub(crate) const PING_XID: i32 = -2;
/// Xid of authentication packets.
pub(crate) const AUTH_XID: i32 = -4;
/// Xid of `SetWatches`/`SetWatches2`.
pub(crate) const SET_WATCHES_XID: i32 = -8;
/// Length of an encoded [`RequestHeader`].
pub(crate) const REQUEST_HEADER_LEN: usize = 8;
/// Length of an encoded [`ReplyHeader`].
pub(crate) const REPLY_HEADER_LEN: usize = 16;

/// A sent request waiting for its reply.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) xid: i32,
    pub(crate) op: OpCode,
    /// Where its frame ends in the connection's output (see [`Outgoing::end_frame`]).
    pub(crate) end: u64,
    /// `None` for requests the client sends on its own (removing watches, closing).
    pub(crate) reply: Option<oneshot::Sender<Result<Reply, Error>>>,
    pub(crate) effect: Effect,
}

/// Everything sent and not yet answered, in send order.
#[derive(Debug, Default)]
pub(crate) struct PendingQueue {
    /// Ordinary requests: replies come back in this order.
    pub(crate) requests: VecDeque<Pending>,
    /// Authentication packets (answered as soon as the server reads them, out of band), with
    /// where each frame ends.
    pub(crate) auths: VecDeque<(u64, AuthWaiter)>,
}

/// Who waits for an authentication reply (`None`: credentials replayed on a new connection).
pub(crate) type AuthWaiter = Option<oneshot::Sender<Result<(), Error>>>;

impl PendingQueue {
    /// Fails every waiting request with `err`.
    pub(crate) fn fail_all(&mut self, err: &Error) {
        for p in self.requests.drain(..) {
            if let Some(tx) = p.reply {
                let _ = tx.send(Err(err.clone()));
            }
        }
        for (_, tx) in self.auths.drain(..) {
            if let Some(tx) = tx {
                let _ = tx.send(Err(err.clone()));
            }
        }
    }

    /// Fails with `err` the requests whose frames end after `written_end`: dropped from the
    /// output before they were written, so the server never sees them.
    pub(crate) fn fail_unsent(&mut self, written_end: u64, err: &Error) {
        while self.requests.back().is_some_and(|p| p.end > written_end) {
            if let Some(Pending {
                reply: Some(tx), ..
            }) = self.requests.pop_back()
            {
                let _ = tx.send(Err(err.clone()));
            }
        }
        while self.auths.back().is_some_and(|(end, _)| *end > written_end) {
            if let Some((_, Some(tx))) = self.auths.pop_back() {
                let _ = tx.send(Err(err.clone()));
            }
        }
    }
}

/// A frame from the server, classified by xid.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A watch notification (xid -1), with the zxid of its header.
    Notification(Notification),
    /// A ping reply (xid -2).
    Ping,
    /// An authentication reply (xid -4).
    Auth { err: i32 },
    /// A `SetWatches` reply (xid -8), with the server's last processed zxid: on a connection
    /// whose notifications carry none, the only zxid the client learns.
    SetWatches { zxid: i64, err: i32 },
    /// A reply to an ordinary request.
    Reply(Reply),
}

/// A decoded watch notification.
#[derive(Debug)]
pub(crate) struct Notification {
    pub(crate) r#type: i32,
    pub(crate) state: i32,
    /// Server-side path.
    pub(crate) path: String,
    pub(crate) zxid: i64,
}

/// Starts a request frame: the length prefix and the `RequestHeader` (two big-endian `int`s)
/// for a body of `body_len` bytes, written as one 12-byte copy. Every request frame starts
/// here.
#[inline]
fn put_frame_header(out: &mut BytesMut, xid: i32, op: OpCode, body_len: usize) {
    let mut head = [0u8; 4 + REQUEST_HEADER_LEN];
    head[..4].copy_from_slice(&((REQUEST_HEADER_LEN + body_len) as i32).to_be_bytes());
    head[4..8].copy_from_slice(&xid.to_be_bytes());
    head[8..].copy_from_slice(&op.code().to_be_bytes());
    out.extend_from_slice(&head);
}

/// Writes one request frame whose body is already encoded.
fn encode_request(out: &mut BytesMut, xid: i32, op: OpCode, body: &[u8]) {
    out.reserve(4 + REQUEST_HEADER_LEN + body.len());
    put_frame_header(out, xid, op, body.len());
    out.extend_from_slice(body);
}

/// Writes one request frame from a handle's encoded body: small bodies and small chunks are
/// copied into the write buffer, large chunks ([`jute::SHARE_MIN_LEN`] bytes or more) are
/// queued as they are. Returns where the frame ends.
pub(crate) fn encode_request_body(out: &mut Outgoing, xid: i32, op: OpCode, body: &Body) -> u64 {
    match body {
        Body::Small(body) => encode_request(out.buf(), xid, op, body.as_slice()),
        Body::Inline(bytes) => encode_request(out.buf(), xid, op, bytes),
        Body::Chunks(chunks) => {
            put_frame_header(out.buf(), xid, op, body.len());
            for chunk in chunks {
                if chunk.len() >= jute::SHARE_MIN_LEN {
                    out.push_shared(chunk.clone());
                } else {
                    out.buf().extend_from_slice(chunk);
                }
            }
        }
    }
    out.end_frame()
}

/// Writes a frame that is a header alone (ping, close). Returns where the frame ends.
pub(crate) fn encode_header_only(out: &mut Outgoing, xid: i32, op: OpCode) -> u64 {
    encode_request(out.buf(), xid, op, &[]);
    out.end_frame()
}

/// Writes a request record the session sends itself (credentials, watch restoration, watch
/// removal), straight into the write buffer. Returns where the frame ends.
pub(crate) fn encode_record<R: Request>(out: &mut Outgoing, xid: i32, record: &R) -> u64 {
    let len = record.encoded_len();
    let buf = out.buf();
    buf.reserve(4 + REQUEST_HEADER_LEN + len);
    put_frame_header(buf, xid, R::OP, len);
    record.encode(buf);
    out.end_frame()
}

/// Writes an authentication packet. Returns where the frame ends.
pub(crate) fn encode_auth(out: &mut Outgoing, scheme: &str, auth: &Bytes) -> u64 {
    let packet = AuthPacket {
        r#type: 0,
        scheme: scheme.into(),
        auth: auth.clone(),
    };
    encode_record(out, AUTH_XID, &packet)
}

/// Classifies one frame body (without its length prefix). The reply body is a slice of
/// `frame`, not a copy.
///
/// The 16-byte `ReplyHeader` (`int xid`, `long zxid`, `int err`) is read in place, with no
/// split-off `Bytes` (a reference-count round trip) or decoder set up per reply.
pub(crate) fn parse_reply(mut frame: Bytes) -> Result<Incoming, String> {
    let Some(&header) = frame.first_chunk::<REPLY_HEADER_LEN>() else {
        return Err(format!(
            "a {}-byte frame is too short for a reply header",
            frame.len()
        ));
    };
    let [x0, x1, x2, x3, z0, z1, z2, z3, z4, z5, z6, z7, e0, e1, e2, e3] = header;
    let header = ReplyHeader {
        xid: i32::from_be_bytes([x0, x1, x2, x3]),
        zxid: i64::from_be_bytes([z0, z1, z2, z3, z4, z5, z6, z7]),
        err: i32::from_be_bytes([e0, e1, e2, e3]),
    };
    Ok(match header.xid {
        NOTIFICATION_XID => {
            frame.advance(REPLY_HEADER_LEN);
            let event: WatcherEvent =
                jute::from_bytes(frame).map_err(|e| format!("bad watch notification: {e}"))?;
            Incoming::Notification(Notification {
                r#type: event.r#type,
                state: event.state,
                path: event.path.to_string(),
                zxid: header.zxid,
            })
        }
        PING_XID => Incoming::Ping,
        AUTH_XID => Incoming::Auth { err: header.err },
        SET_WATCHES_XID => Incoming::SetWatches {
            zxid: header.zxid,
            err: header.err,
        },
        xid => Incoming::Reply(Reply {
            xid,
            zxid: header.zxid,
            err: header.err,
            body: if header.err == 0 {
                frame.advance(REPLY_HEADER_LEN);
                frame
            } else {
                Bytes::new()
            },
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jute::Jute;

    fn reply_frame(xid: i32, zxid: i64, err: i32, body: &[u8]) -> Bytes {
        let mut v = jute::to_vec(&ReplyHeader { xid, zxid, err });
        v.extend_from_slice(body);
        Bytes::from(v)
    }

    #[test]
    fn small_inline_and_chunked_bodies_make_the_same_frame() {
        use crate::message::SmallBody;
        use zk_records::proto::GetDataRequestView;
        let record = GetDataRequestView {
            path: "/zk-bench/k/0000123".into(),
            watch: true,
        };
        let len = record.encoded_len();
        let frame = |body: Body| {
            let mut out = Outgoing::with_capacity(64);
            encode_request_body(&mut out, 7, OpCode::GetData, &body);
            assert_eq!(out.len(), 4 + REQUEST_HEADER_LEN + len);
            out.buf().to_vec()
        };
        let small = frame(Body::Small(SmallBody::encode(&record, len).expect("fits")));
        assert_eq!(small, frame(Body::Inline(jute::to_vec(&record))));
        let chunks = jute::to_chunks(&record).into_chunks();
        assert_eq!(small, frame(Body::Chunks(chunks)));
        let mut expected = BytesMut::new();
        encode_request(&mut expected, 7, OpCode::GetData, &jute::to_vec(&record));
        assert_eq!(small, expected);
    }

    #[test]
    fn request_frames_are_length_prefixed_and_batched() {
        let mut out = Outgoing::with_capacity(64);
        encode_request(out.buf(), 1, OpCode::GetData, &[9, 9]);
        assert_eq!(out.end_frame(), 14);
        assert_eq!(encode_header_only(&mut out, PING_XID, OpCode::Ping), 26);
        assert_eq!(
            &out.buf()[..],
            [
                0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0, 4, 9, 9, // getData xid 1
                0, 0, 0, 8, 255, 255, 255, 254, 0, 0, 0, 11 // ping
            ]
        );
    }

    #[test]
    fn auth_packet_layout() {
        let mut out = Outgoing::with_capacity(64);
        assert_eq!(
            encode_auth(&mut out, "digest", &Bytes::from_static(b"u:p")),
            33
        );
        let mut expected = vec![0, 0, 0, 29, 255, 255, 255, 252, 0, 0, 0, 100, 0, 0, 0, 0];
        expected.extend_from_slice(&[0, 0, 0, 6]);
        expected.extend_from_slice(b"digest");
        expected.extend_from_slice(&[0, 0, 0, 3]);
        expected.extend_from_slice(b"u:p");
        assert_eq!(&out.buf()[..], &expected[..]);
    }

    #[test]
    fn classifies_by_xid() {
        assert!(matches!(
            parse_reply(reply_frame(-2, 0, 0, &[])),
            Ok(Incoming::Ping)
        ));
        assert!(matches!(
            parse_reply(reply_frame(-4, 0, -115, &[])),
            Ok(Incoming::Auth { err: -115 })
        ));
        assert!(matches!(
            parse_reply(reply_frame(-8, 0x1_0000_0007, 0, &[])),
            Ok(Incoming::SetWatches {
                zxid: 0x1_0000_0007,
                err: 0
            })
        ));
        let event = jute::to_vec(&WatcherEvent {
            r#type: 3,
            state: 3,
            path: "/a".into(),
        });
        match parse_reply(reply_frame(-1, 77, 0, &event)) {
            Ok(Incoming::Notification(n)) => {
                assert_eq!(
                    (n.r#type, n.state, n.path.as_str(), n.zxid),
                    (3, 3, "/a", 77)
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reply_bodies_only_without_error_and_zero_copy() {
        let frame = reply_frame(5, 9, 0, b"body");
        let start = frame.as_ptr() as usize;
        match parse_reply(frame) {
            Ok(Incoming::Reply(r)) => {
                assert_eq!((r.xid, r.zxid, r.err), (5, 9, 0));
                assert_eq!(&r.body[..], b"body");
                assert_eq!(
                    r.body.as_ptr() as usize,
                    start + REPLY_HEADER_LEN,
                    "no copy"
                );
            }
            other => panic!("{other:?}"),
        }
        match parse_reply(reply_frame(6, 9, -101, b"junk")) {
            Ok(Incoming::Reply(r)) => assert!(r.body.is_empty()),
            other => panic!("{other:?}"),
        }
        assert!(parse_reply(Bytes::from_static(&[0; 15])).is_err());
        assert!(parse_reply(reply_frame(-1, 0, 0, &[0, 0])).is_err());
    }

    #[test]
    fn fail_all_reaches_every_waiter() {
        let mut q = PendingQueue::default();
        let (tx, mut rx) = oneshot::channel();
        let (atx, mut arx) = oneshot::channel();
        q.requests.push_back(Pending {
            xid: 1,
            op: OpCode::Exists,
            end: 10,
            reply: Some(tx),
            effect: Effect::None,
        });
        q.auths.push_back((20, Some(atx)));
        q.auths.push_back((30, None));
        q.fail_all(&Error::ConnectionLoss);
        assert_eq!(rx.try_recv().unwrap().unwrap_err(), Error::ConnectionLoss);
        assert_eq!(arx.try_recv().unwrap(), Err(Error::ConnectionLoss));
        assert!(q.requests.is_empty() && q.auths.is_empty());
    }

    #[test]
    fn fail_unsent_fails_only_frames_after_the_written_end() {
        let mut q = PendingQueue::default();
        let mut replies = Vec::new();
        for (xid, end) in [(1, 10), (2, 20), (3, 30)] {
            let (tx, rx) = oneshot::channel();
            replies.push(rx);
            q.requests.push_back(Pending {
                xid,
                op: OpCode::SetData,
                end,
                reply: Some(tx),
                effect: Effect::None,
            });
        }
        let (atx, mut arx) = oneshot::channel();
        q.auths.push_back((25, Some(atx)));
        q.fail_unsent(20, &Error::Closed);
        assert_eq!(q.requests.iter().map(|p| p.xid).collect::<Vec<_>>(), [1, 2]);
        assert!(q.auths.is_empty());
        assert_eq!(arx.try_recv().unwrap(), Err(Error::Closed));
        assert!(replies[0].try_recv().is_err() && replies[1].try_recv().is_err());
        assert_eq!(replies[2].try_recv().unwrap().unwrap_err(), Error::Closed);
    }
}
