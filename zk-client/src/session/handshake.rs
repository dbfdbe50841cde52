//! The session handshake: `ConnectRequest` out, `ConnectResponse` back, on a fresh connection
//! to one server (each address it resolves to in turn), within the attempt's timeout.

use std::time::Duration;

use std::net::SocketAddr;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use zk_records::proto::{ConnectRequest, ConnectResponse};

use super::hosts;
use super::transport::Transport;
use crate::connect_string::HostPort;

/// Why a handshake failed.
pub(super) struct HandshakeError {
    pub(super) reason: String,
    /// The server accepted the TCP connection, read the request and closed the connection
    /// without answering: how a server refuses a client that is ahead of it.
    pub(super) refused: bool,
}

impl HandshakeError {
    /// A failure that is not a refusal.
    fn other(reason: String) -> HandshakeError {
        HandshakeError {
            reason,
            refused: false,
        }
    }
}

/// A finished handshake: the stream, the server's answer, and any bytes read past it.
pub(super) struct Connected {
    pub(super) stream: Transport,
    pub(super) response: ConnectResponse,
    pub(super) rbuf: BytesMut,
}

/// Connects to one server (trying each address it resolves to in turn) and performs the
/// handshake, each address within `timeout`.
pub(super) async fn handshake(
    host: HostPort,
    request: ConnectRequest,
    timeout: Duration,
    max_frame: usize,
) -> Result<Connected, HandshakeError> {
    let addrs = hosts::resolve(&host)
        .await
        .map_err(|e| HandshakeError::other(format!("resolving {host}: {e}")))?;
    let mut last = HandshakeError::other(String::from("no address"));
    for addr in addrs {
        let attempt = async {
            let mut stream = Transport::connect(addr)
                .await
                .map_err(|e| HandshakeError::other(format!("connecting to {addr}: {e}")))?;
            let (response, rbuf) = exchange(&mut stream, &request, max_frame, addr).await?;
            Ok(Connected {
                stream,
                response,
                rbuf,
            })
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(ok)) => return Ok(ok),
            Ok(Err(e)) => last = e,
            Err(_) => {
                last = HandshakeError::other(format!(
                    "handshake with {addr} timed out after {timeout:?}"
                ))
            }
        }
    }
    Err(last)
}

/// Sends `request` on `stream` and reads the server's `ConnectResponse`; returns it with any
/// bytes read past it.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &ConnectRequest,
    max_frame: usize,
    addr: SocketAddr,
) -> Result<(ConnectResponse, BytesMut), HandshakeError> {
    let mut out = BytesMut::with_capacity(64);
    jute::frame::encode_frame(request, &mut out);
    stream.write_all(&out).await.map_err(|e| {
        HandshakeError::other(format!("sending the connect request to {addr}: {e}"))
    })?;
    let mut rbuf = BytesMut::with_capacity(4096);
    loop {
        let bad = |e: &dyn std::fmt::Display| {
            HandshakeError::other(format!("bad connect response from {addr}: {e}"))
        };
        match jute::frame::split_frame(&mut rbuf, max_frame) {
            Ok(Some(frame)) => {
                let response =
                    jute::from_bytes::<ConnectResponse>(frame.freeze()).map_err(|e| bad(&e))?;
                return Ok((response, rbuf));
            }
            Ok(None) => {}
            Err(e) => return Err(bad(&e)),
        }
        if rbuf.capacity() == rbuf.len() {
            rbuf.reserve(4096);
        }
        let n = match stream.read_buf(&mut rbuf).await {
            Ok(n) => n,
            Err(e) => {
                // A reset right after the request is a refusal too.
                let refused = rbuf.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset;
                return Err(HandshakeError {
                    reason: format!("reading the connect response from {addr}: {e}"),
                    refused,
                });
            }
        };
        if n == 0 {
            return Err(HandshakeError {
                reason: format!(
                    "{addr} closed the connection during the handshake (the session was refused)"
                ),
                refused: rbuf.is_empty(),
            });
        }
    }
}
