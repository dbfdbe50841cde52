//! The floors' wire: a session opened with a blocking socket, length-prefixed frames read
//! (blocking or async), the `getData` requests and the `closeSession` that ends the run, and
//! whether a reply answers its request.

use std::borrow::Cow;
use std::io::{Read, Write};

use bytes::BufMut;
use jute::Jute;
use tokio::io::AsyncReadExt;
use zk_bench_harness::nodes::key_path;
use zk_bench_harness::workload::Rng;
use zk_records::proto::{ConnectRequest, ConnectResponse, GetDataRequestView, ReplyHeader};
use zk_records::OpCode;

/// Opens a session on the first host of `connect` with a blocking socket: `ConnectRequest`
/// out, `ConnectResponse` in.
pub(super) fn handshake(connect: &str) -> Result<std::net::TcpStream, String> {
    if connect.contains('/') {
        return Err(format!("--floor takes no chroot: {connect}"));
    }
    let addr = connect.split(',').next().unwrap_or(connect);
    let mut s = std::net::TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    let request = ConnectRequest {
        time_out: 30_000,
        passwd: vec![0; 16].into(),
        ..ConnectRequest::default()
    };
    let mut frame = Vec::new();
    frame.put_i32(request.encoded_len() as i32);
    request.encode(&mut frame);
    s.write_all(&frame).map_err(|e| e.to_string())?;
    let mut reply = Vec::new();
    read_frame(&mut s, &mut reply)?;
    let response: ConnectResponse =
        jute::from_slice(&reply).map_err(|e| format!("ConnectResponse: {e}"))?;
    if response.time_out <= 0 {
        return Err("the server refused the session".into());
    }
    Ok(s)
}

/// Reads one length-prefixed frame into `buf` (blocking).
pub(super) fn read_frame(s: &mut std::net::TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).map_err(|e| e.to_string())?;
    buf.resize(frame_len(len)?, 0);
    s.read_exact(buf).map_err(|e| e.to_string())
}

/// Reads one length-prefixed frame into `buf` (async).
pub(super) async fn read_frame_async(
    s: &mut (impl AsyncReadExt + Unpin),
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).await.map_err(|e| e.to_string())?;
    buf.resize(frame_len(len)?, 0);
    s.read_exact(buf).await.map(drop).map_err(|e| e.to_string())
}

/// The length a frame's prefix announces; at most 1 MiB, as a getData reply of a benchmark key
/// is (the server's own default limit), so a corrupted prefix cannot make a huge buffer.
fn frame_len(prefix: [u8; 4]) -> Result<usize, String> {
    match usize::try_from(i32::from_be_bytes(prefix)) {
        Ok(n) if n <= 1 << 20 => Ok(n),
        _ => Err(format!("bad frame length {prefix:?}")),
    }
}

/// Whether `reply` answers `xid` without an error.
pub(super) fn reply_ok(reply: &[u8], xid: i32) -> bool {
    let header = reply
        .get(..16)
        .and_then(|h| jute::from_slice::<ReplyHeader>(h).ok());
    matches!(header, Some(h) if h.xid == xid && h.err == 0)
}

/// The requests: uniformly random keys, as in the workload, and increasing xids.
pub(super) struct Requests {
    keys: Vec<String>,
    rng: Rng,
    /// The last xid used.
    pub(super) xid: i32,
    /// The frame being built (reused).
    frame: Vec<u8>,
}

impl Requests {
    /// Requests over the first `keys` key nodes (at least one: `run::main` checks).
    pub(super) fn new(keys: usize) -> Self {
        Self {
            keys: (0..keys).map(key_path).collect(),
            rng: Rng::new(1),
            xid: 0,
            frame: Vec::with_capacity(64),
        }
    }

    /// The next `getData` frame and its xid.
    pub(super) fn next(&mut self) -> (&[u8], i32) {
        self.xid += 1;
        let path = &self.keys[self.rng.below(self.keys.len())];
        let body = GetDataRequestView {
            path: Cow::Borrowed(path),
            watch: false,
        };
        self.frame.clear();
        self.frame.put_i32(8 + body.encoded_len() as i32);
        self.frame.put_i32(self.xid);
        self.frame.put_i32(OpCode::GetData.code());
        body.encode(&mut self.frame);
        (&self.frame, self.xid)
    }

    /// The `closeSession` frame that ends the run's session (so it does not linger on the
    /// server for the session timeout, loading the next run's server).
    pub(super) fn close(&mut self) -> Vec<u8> {
        self.xid += 1;
        let mut frame = Vec::with_capacity(12);
        frame.put_i32(8);
        frame.put_i32(self.xid);
        frame.put_i32(OpCode::CloseSession.code());
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_get_data_frames_with_increasing_xids() {
        let mut requests = Requests::new(3);
        for expected in 1..=4 {
            let (frame, xid) = requests.next();
            assert_eq!(xid, expected);
            let len = i32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
            assert_eq!(len, frame.len() - 4);
            assert_eq!(frame[4..8], expected.to_be_bytes());
            assert_eq!(frame[8..12], OpCode::GetData.code().to_be_bytes());
            let body: GetDataRequestView<'_> = jute::view(&frame[12..]).unwrap();
            assert!(body.path.starts_with("/zk-bench/k/"), "{}", body.path);
            assert!(!body.watch);
        }
    }

    #[test]
    fn replies_count_only_with_their_xid_and_no_error() {
        let reply = |xid: i32, err: i32| jute::to_vec(&ReplyHeader { xid, zxid: 7, err });
        assert!(reply_ok(&reply(5, 0), 5));
        assert!(!reply_ok(&reply(4, 0), 5));
        assert!(!reply_ok(&reply(5, -101), 5));
        assert!(!reply_ok(&reply(5, 0)[..15], 5));
    }
}
