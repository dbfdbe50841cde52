//! SASL on a fresh connection, right after the handshake and before any other request:
//! `GetSASLRequest` tokens out under op code 102, `SetSASLResponse` tokens back, on the raw
//! stream as the handshake itself is done (nothing else is written meanwhile).
//!
//! DIGEST-MD5 takes two rounds: an empty token, answered by the server's challenge; the
//! digest-response, answered by `rspauth`, which the client checks.

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use zk_records::proto::{GetSaslRequest, ReplyHeader, RequestHeader, SetSaslResponse};
use zk_records::{ErrorCode, OpCode};

use crate::sasl::{self, digest_md5, DigestCredentials};

/// The rounds of a DIGEST-MD5 exchange: one xid each.
pub(super) const ROUNDS: usize = 2;

/// Why SASL did not complete.
#[derive(Debug)]
pub(super) enum SaslError {
    /// The connection failed (or closed) mid-exchange, while doing what is said: worth
    /// another attempt.
    Io(&'static str, std::io::Error),
    /// The server refused the credentials, or the exchange cannot succeed: final.
    Failed(String),
}

/// Authenticates on `stream` with `creds`, using one of `xids` per round.
/// `rbuf` holds any bytes read past the handshake and keeps what is read past the exchange.
pub(super) async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    rbuf: &mut BytesMut,
    creds: &DigestCredentials,
    xids: [i32; ROUNDS],
    max_frame: usize,
    addr: SocketAddr,
) -> Result<(), SaslError> {
    let challenge = round(stream, rbuf, xids[0], Bytes::new(), max_frame).await?;
    let cnonce = sasl::cnonce().map_err(SaslError::Failed)?;
    let response = digest_md5::respond(
        &challenge,
        &creds.user,
        &creds.password,
        &cnonce,
        digest_md5::DIGEST_URI,
    )
    .map_err(|e| SaslError::Failed(e.to_string()))?;
    let token = Bytes::from(response.token);
    let rspauth = round(stream, rbuf, xids[1], token, max_frame).await?;
    digest_md5::verify_rspauth(&rspauth, &response.expected_rspauth)
        .map_err(|e| SaslError::Failed(e.to_string()))?;
    tracing::debug!(user = %creds.user, server = %addr, "SASL DIGEST-MD5 authentication succeeded");
    Ok(())
}

/// Sends one token and returns the server's answer.
async fn round<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    rbuf: &mut BytesMut,
    xid: i32,
    token: Bytes,
    max_frame: usize,
) -> Result<Bytes, SaslError> {
    let header = RequestHeader {
        xid,
        r#type: OpCode::Sasl.code(),
    };
    let body = GetSaslRequest { token };
    let mut out = BytesMut::with_capacity(4 + 8 + jute::Jute::encoded_len(&body));
    let len = jute::Jute::encoded_len(&header) + jute::Jute::encoded_len(&body);
    out.extend_from_slice(&(len as i32).to_be_bytes());
    jute::Jute::encode(&header, &mut out);
    jute::Jute::encode(&body, &mut out);
    stream
        .write_all(&out)
        .await
        .map_err(|e| SaslError::Io("sending a SASL token to", e))?;
    let frame = read_frame(stream, rbuf, max_frame).await?;
    parse_answer(frame, xid)
}

/// Decodes one answer to the SASL request with `xid`: its token, or why it failed.
fn parse_answer(frame: Bytes, xid: i32) -> Result<Bytes, SaslError> {
    const HEADER_LEN: usize = 16;
    let protocol = |what: String| SaslError::Failed(format!("bad SASL answer: {what}"));
    if frame.len() < HEADER_LEN {
        return Err(protocol(format!(
            "expected a 16-byte reply header, found {} bytes",
            frame.len()
        )));
    }
    let header: ReplyHeader = jute::from_bytes(frame.slice(..HEADER_LEN))
        .map_err(|e| protocol(format!("reply header: {e}")))?;
    if header.xid != xid {
        return Err(protocol(format!(
            "expected the reply to xid {xid}, found xid {}",
            header.xid
        )));
    }
    if header.err == ErrorCode::AuthFailed.code() {
        return Err(SaslError::Failed(
            "the server refused the credentials (AUTHFAILED: unknown user or wrong password)"
                .into(),
        ));
    }
    if header.err == ErrorCode::SessionClosedRequireSaslAuth.code() {
        return Err(SaslError::Failed(
            "the server refused the credentials and requires SASL (SESSIONCLOSEDREQUIRESASLAUTH)"
                .into(),
        ));
    }
    if header.err != 0 {
        return Err(SaslError::Failed(format!(
            "the server answered error {} to a SASL token",
            header.err
        )));
    }
    let answer: SetSaslResponse = jute::from_bytes(frame.slice(HEADER_LEN..))
        .map_err(|e| protocol(format!("SetSASLResponse: {e}")))?;
    match answer.token {
        Some(token) if !token.is_empty() => Ok(token),
        // ZooKeeper answers a null token when it has no SASL server for the connection (no
        // `Server` section in its JAAS configuration).
        _ => Err(SaslError::Failed(
            "the server sent no SASL token: is SASL configured on it (a JAAS `Server` section)?"
                .into(),
        )),
    }
}

/// Reads one whole frame (without its length prefix).
async fn read_frame<S: AsyncRead + Unpin>(
    stream: &mut S,
    rbuf: &mut BytesMut,
    max_frame: usize,
) -> Result<Bytes, SaslError> {
    loop {
        match jute::frame::split_frame(rbuf, max_frame) {
            Ok(Some(frame)) => return Ok(frame.freeze()),
            Ok(None) => {}
            Err(e) => return Err(SaslError::Failed(format!("bad SASL answer: {e}"))),
        }
        if rbuf.capacity() == rbuf.len() {
            rbuf.reserve(4096);
        }
        match stream.read_buf(rbuf).await {
            Ok(n) if n > 0 => {}
            Ok(_) => {
                return Err(SaslError::Io(
                    "reading the SASL answer (the server closed the connection) from",
                    std::io::ErrorKind::UnexpectedEof.into(),
                ))
            }
            Err(e) => return Err(SaslError::Io("reading the SASL answer from", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(xid: i32, err: i32, body: &[u8]) -> Bytes {
        let mut v = Vec::new();
        v.extend_from_slice(&xid.to_be_bytes());
        v.extend_from_slice(&0i64.to_be_bytes());
        v.extend_from_slice(&err.to_be_bytes());
        v.extend_from_slice(body);
        Bytes::from(v)
    }

    #[test]
    fn answers_are_classified() {
        let token = [0, 0, 0, 2, b'h', b'i'];
        assert_eq!(parse_answer(frame(7, 0, &token), 7).unwrap(), &b"hi"[..]);
        let null = (-1i32).to_be_bytes();
        let failed = |r: Result<Bytes, SaslError>| match r {
            Err(SaslError::Failed(reason)) => reason,
            other => panic!("expected a failure, found {other:?}"),
        };
        assert!(failed(parse_answer(frame(7, -115, &null), 7)).contains("AUTHFAILED"));
        assert!(failed(parse_answer(frame(7, -124, &null), 7)).contains("REQUIRESASL"));
        assert!(failed(parse_answer(frame(8, 0, &token), 7)).contains("xid 7"));
        assert!(failed(parse_answer(frame(7, 0, &null), 7)).contains("no SASL token"));
        assert!(failed(parse_answer(Bytes::from_static(&[1, 2]), 7)).contains("16-byte"));
        assert!(failed(parse_answer(frame(7, 0, &[0, 0, 0, 9]), 7)).contains("SetSASLResponse"));
    }
}
