//! Entry points for the fuzz harness (`tests/testsuite/fuzz_client.rs`): the client's decoding
//! of what a server sends, reachable without a socket. Not part of the public API; no stability
//! promise.

use bytes::{Bytes, BytesMut};
use zk_records::proto::{
    ConnectResponse, Create2Response, CreateResponse, GetAclResponse, GetChildren2Response,
    GetChildrenResponse, GetDataResponse, SetDataResponse,
};
use zk_records::{EventType, KeeperState};

use crate::path::Chroot;
use crate::session::pipeline::{self, Incoming};

/// What decoding one server byte stream produced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The handshake's answer was decoded (and did not say "expired").
    pub connected: bool,
    /// Frames split off the stream after the handshake.
    pub frames: usize,
    /// Ordinary replies matched to their request.
    pub replies: usize,
    /// Watch notifications decoded.
    pub notifications: usize,
    /// Reply bodies that decoded as at least one response record.
    pub bodies: usize,
    /// Why the connection would have been reset (or expired), if it would.
    pub error: Option<String>,
    /// The largest capacity the receive buffer reached.
    pub max_buffer: usize,
}

/// Feeds `stream` to the client's decoding path in reads of at most `chunk` bytes, as the
/// session would: the ConnectResponse frame of the handshake, then reply frames
/// classified by xid and matched in order to pending xids `1, 2, ...`, reply bodies decoded
/// as the operations would decode them, watch paths stripped of `chroot`. Stops at the first
/// error that would reset the connection.
pub fn decode_server_stream(
    stream: &[u8],
    chunk: usize,
    max_frame_len: usize,
    chroot: &str,
) -> Outcome {
    let chroot = Chroot::new(chroot).unwrap_or_else(|_| Chroot::none());
    let mut out = Outcome::default();
    let mut rbuf = BytesMut::new();
    let mut chunks = stream.chunks(chunk.max(1));
    let mut next_xid = 1;
    loop {
        let frame = match jute::frame::split_frame(&mut rbuf, max_frame_len) {
            Ok(Some(frame)) => frame.freeze(),
            Ok(None) => {
                out.max_buffer = out.max_buffer.max(rbuf.capacity());
                match chunks.next() {
                    Some(c) => {
                        rbuf.extend_from_slice(c);
                        out.max_buffer = out.max_buffer.max(rbuf.capacity());
                        continue;
                    }
                    None => return out,
                }
            }
            Err(e) => {
                out.error = Some(format!("bad frame: {e}"));
                return out;
            }
        };
        if !out.connected {
            match jute::from_bytes::<ConnectResponse>(frame) {
                Ok(r) if r.time_out > 0 => out.connected = true,
                Ok(_) => {
                    out.error = Some("expired".into());
                    return out;
                }
                Err(e) => {
                    out.error = Some(format!("bad connect response: {e}"));
                    return out;
                }
            }
            continue;
        }
        out.frames += 1;
        match pipeline::parse_reply(frame) {
            Err(e) => {
                out.error = Some(e);
                return out;
            }
            Ok(Incoming::Notification(n)) => {
                let _ = EventType::try_from(n.r#type);
                let _ = KeeperState::try_from(n.state);
                let _ = chroot.strip(&n.path);
                out.notifications += 1;
            }
            Ok(Incoming::Ping | Incoming::Auth { .. } | Incoming::SetWatches { .. }) => {}
            Ok(Incoming::Reply(reply)) => {
                if reply.xid != next_xid {
                    out.error = Some(format!("reply with xid {}", reply.xid));
                    return out;
                }
                next_xid += 1;
                out.replies += 1;
                if reply.err != 0 {
                    let _ = crate::Error::from_server(reply.err, "/p").to_string();
                } else if decode_body(reply.body, &chroot) {
                    out.bodies += 1;
                }
            }
        }
    }
}

/// Decodes a reply body as every response record an operation might expect; whether any fit.
fn decode_body(body: Bytes, chroot: &Chroot) -> bool {
    let mut any = false;
    any |= jute::from_bytes::<GetDataResponse>(body.clone()).is_ok();
    any |= jute::from_bytes::<Create2Response>(body.clone()).is_ok();
    any |= jute::from_bytes::<CreateResponse>(body.clone())
        .map(|r| chroot.strip(&r.path).into_owned())
        .is_ok();
    any |= jute::from_bytes::<SetDataResponse>(body.clone()).is_ok();
    any |= jute::from_bytes::<GetChildrenResponse>(body.clone()).is_ok();
    any |= jute::from_bytes::<GetChildren2Response>(body.clone()).is_ok();
    any |= jute::from_bytes::<GetAclResponse>(body.clone()).is_ok();
    any |= jute::from_bytes::<crate::Stat>(body.clone()).is_ok();
    any |= jute::from_bytes::<zk_records::MultiResponse>(body).is_ok();
    any
}
