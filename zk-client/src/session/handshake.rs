//! The session handshake: `ConnectRequest` out, `ConnectResponse` back, on a fresh connection
//! to one server (each address it resolves to in turn), all within the attempt's timeout.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tokio_rustls::rustls;
use zk_records::proto::{ConnectRequest, ConnectResponse};

use super::hosts;
use super::sasl::{self, SaslError};
use super::transport::{self, Connector, OpenError, Transport};
use crate::connect_string::HostPort;
use crate::error::{ConnectFailure, RefusalReason};
use crate::sasl::Mechanism;
use crate::tls::TlsFailure;

/// Why a handshake failed: the typed cause, and the detail for the log.
pub(super) struct HandshakeError {
    pub(super) failure: ConnectFailure,
    pub(super) detail: String,
    /// A TLS error after the TLS handshake (an alert), for the stream to explain.
    tls: Option<rustls::Error>,
}

impl HandshakeError {
    fn new(failure: ConnectFailure, detail: String) -> HandshakeError {
        HandshakeError {
            failure,
            detail,
            tls: None,
        }
    }

    /// An I/O failure while `doing` something with `addr` (a TLS alert after the TLS
    /// handshake included: see [`Transport::explain`]).
    fn io(doing: &str, addr: SocketAddr, e: &std::io::Error) -> HandshakeError {
        let tls = transport::rustls_error(e).cloned();
        let failure = match (e.kind(), &tls) {
            (_, Some(tls)) => ConnectFailure::Tls(TlsFailure::Handshake(tls.to_string())),
            (std::io::ErrorKind::ConnectionRefused, None) => ConnectFailure::Refused,
            _ => ConnectFailure::Io(e.to_string()),
        };
        HandshakeError {
            tls,
            ..HandshakeError::new(failure, format!("{doing} {addr}: {e}"))
        }
    }

    /// The server closed the connection without answering (it refused the session).
    pub(super) fn refused(&self) -> bool {
        matches!(self.failure, ConnectFailure::SessionRefused(_))
    }

    /// SASL failed for good: the session ends.
    pub(super) fn auth_failed(&self) -> bool {
        matches!(self.failure, ConnectFailure::AuthFailed(_))
    }
}

/// SASL to run after the handshake: the mechanism and one xid per round.
pub(super) struct SaslLogin {
    pub(super) mechanism: Mechanism,
    pub(super) xids: [i32; sasl::ROUNDS],
}

/// Runs SASL on a fresh connection, mapping its failures to the handshake's.
async fn login<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    rbuf: &mut BytesMut,
    login: &SaslLogin,
    host: &HostPort,
    max_frame: usize,
    addr: SocketAddr,
) -> Result<(), HandshakeError> {
    let done = sasl::authenticate(
        stream,
        rbuf,
        &login.mechanism,
        &host.host,
        login.xids,
        max_frame,
        addr,
    );
    done.await.map_err(|e| match e {
        SaslError::Io(doing, e) => HandshakeError::io(doing, addr, &e),
        SaslError::Failed(reason) => HandshakeError::new(
            ConnectFailure::AuthFailed(reason.clone()),
            format!("SASL with {addr} failed: {reason}"),
        ),
    })
}

/// A finished handshake: the stream, the server's answer, and any bytes read past it.
pub(super) struct Connected {
    pub(super) stream: Transport,
    pub(super) response: ConnectResponse,
    pub(super) rbuf: BytesMut,
}

/// Connects to one server (trying each address it resolves to in turn) and performs the
/// handshake, then SASL (`sasl`) when the session was accepted, all within `timeout`: the
/// name's resolution, then each address with an equal share of the time left (a refused
/// address leaves its share to the next). A name whose first addresses blackhole reaches a
/// live one within the attempt, so a round over the hosts stays within the session timeout
/// (see `Session::attempt_timeout`). A SASL refusal stops at once: other addresses would
/// refuse the same way.
pub(super) async fn handshake(
    connector: Connector,
    host: HostPort,
    request: ConnectRequest,
    sasl: Option<SaslLogin>,
    timeout: Duration,
    max_frame: usize,
) -> Result<Connected, HandshakeError> {
    let deadline = Instant::now() + timeout;
    let addrs = match tokio::time::timeout_at(deadline, hosts::resolve(&host)).await {
        Ok(resolved) => resolved.map_err(|e| {
            HandshakeError::new(
                ConnectFailure::Unresolvable(e.to_string()),
                format!("resolving {host}: {e}"),
            )
        })?,
        Err(_) => {
            return Err(HandshakeError::new(
                ConnectFailure::TimedOut,
                format!("resolving {host} timed out after {timeout:?}"),
            ))
        }
    };
    handshake_addrs(connector, &host, addrs, request, sasl, deadline, max_frame).await
}

/// [`handshake`] with `host` resolved to `addrs`, done by `deadline`.
async fn handshake_addrs(
    connector: Connector,
    host: &HostPort,
    addrs: Vec<SocketAddr>,
    request: ConnectRequest,
    sasl: Option<SaslLogin>,
    deadline: Instant,
    max_frame: usize,
) -> Result<Connected, HandshakeError> {
    let mut last = HandshakeError::new(
        ConnectFailure::Unresolvable("no address".into()),
        format!("{host} resolved to no address"),
    );
    let count = addrs.len();
    for (i, addr) in addrs.into_iter().enumerate() {
        // An equal share of what is left: the addresses after this one get theirs.
        let left = u32::try_from(count - i).unwrap_or(u32::MAX);
        let share = deadline.saturating_duration_since(Instant::now()) / left;
        let attempt = async {
            let mut stream = connector.open(host, addr).await.map_err(|e| match e {
                OpenError::Io(e) => HandshakeError::io("connecting to", addr, &e),
                OpenError::Tls(failure, detail) => HandshakeError::new(
                    ConnectFailure::Tls(failure),
                    format!("TLS handshake with {addr}: {detail}"),
                ),
            })?;
            let (response, mut rbuf) = match exchange(&mut stream, &request, max_frame, addr).await
            {
                Ok(answer) => answer,
                Err(mut e) => {
                    // An alert after the TLS handshake (TLS 1.3 refuses client certificates
                    // then): the stream knows whether a certificate was asked for and sent.
                    if let Some(failure) = e.tls.as_ref().and_then(|t| stream.explain(t, host)) {
                        e.failure = ConnectFailure::Tls(failure);
                    }
                    return Err(e);
                }
            };
            // An expired session (a zero timeout) is closed by the server: nothing to log into.
            if let (Some(sasl), true) = (&sasl, response.time_out > 0) {
                login(&mut stream, &mut rbuf, sasl, host, max_frame, addr).await?;
            }
            Ok(Connected {
                stream,
                response,
                rbuf,
            })
        };
        match tokio::time::timeout(share, attempt).await {
            Ok(Ok(ok)) => return Ok(ok),
            Ok(Err(e)) if e.auth_failed() => return Err(e),
            Ok(Err(e)) => last = e,
            Err(_) => {
                last = HandshakeError::new(
                    ConnectFailure::TimedOut,
                    format!("handshake with {addr} timed out after {share:?}"),
                )
            }
        }
    }
    Err(last)
}

/// Sends `request` on `stream` and reads the server's `ConnectResponse`; returns it with any
/// bytes read past it. An answer that is not a `ConnectResponse` is `NotZooKeeper`, with what
/// the bytes look like (HTTP, TLS, text) when that is recognisable.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &ConnectRequest,
    max_frame: usize,
    addr: SocketAddr,
) -> Result<(ConnectResponse, BytesMut), HandshakeError> {
    let mut out = BytesMut::with_capacity(64);
    jute::frame::encode_frame(request, &mut out);
    stream
        .write_all(&out)
        .await
        .map_err(|e| HandshakeError::io("sending the connect request to", addr, &e))?;
    let mut rbuf = BytesMut::with_capacity(4096);
    loop {
        let not_zookeeper = |seen: String| {
            HandshakeError::new(
                ConnectFailure::NotZooKeeper(seen.clone()),
                format!("{addr} is not a ZooKeeper server: {seen}"),
            )
        };
        match jute::frame::split_frame(&mut rbuf, max_frame) {
            Ok(Some(frame)) => {
                let response = jute::from_bytes::<ConnectResponse>(frame.freeze())
                    .map_err(|e| not_zookeeper(format!("a bad connect response ({e})")))?;
                return Ok((response, rbuf));
            }
            Ok(None) => {}
            Err(e) => return Err(not_zookeeper(e.to_string())),
        }
        if rbuf.capacity() == rbuf.len() {
            rbuf.reserve(4096);
        }
        let read = stream.read_buf(&mut rbuf).await;
        match read {
            Ok(n) if n > 0 => {}
            // A close or a reset right after the request, with nothing read: a refusal.
            Ok(_) if rbuf.is_empty() => return Err(session_refused(addr, "closed")),
            Err(e) if rbuf.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Err(session_refused(addr, "reset"))
            }
            // A TLS server that closes without a close_notify.
            Err(e)
                if rbuf.is_empty()
                    && e.kind() == std::io::ErrorKind::UnexpectedEof
                    && transport::rustls_error(&e).is_none() =>
            {
                return Err(session_refused(addr, "closed"))
            }
            Ok(_) => {
                return Err(not_zookeeper(format!(
                    "{} bytes that are not a whole connect response ({}), then it closed",
                    rbuf.len(),
                    preview(&rbuf)
                )))
            }
            Err(e) => {
                return Err(HandshakeError::io(
                    "reading the connect response from",
                    addr,
                    &e,
                ))
            }
        }
    }
}

fn session_refused(addr: SocketAddr, how: &str) -> HandshakeError {
    HandshakeError::new(
        ConnectFailure::SessionRefused(RefusalReason::Unknown),
        format!("{addr} {how} the connection during the handshake (the session was refused)"),
    )
}

/// The first bytes of an answer, printable ones as they are and the rest escaped.
fn preview(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(16)
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect();
    format!("\"{shown}\"")
}

#[cfg(test)]
#[path = "handshake_tests.rs"]
mod tests;
