//! SASL on a fresh connection, right after the handshake and before any other request:
//! `GetSASLRequest` tokens out under op code 102, `SetSASLResponse` tokens back, on the raw
//! stream as the handshake itself is done (nothing else is written meanwhile).
//!
//! DIGEST-MD5 takes two rounds: an empty token, answered by the server's challenge; the
//! digest-response, answered by `rspauth`, which the client checks. GSSAPI (the `gssapi`
//! feature) takes three with Kerberos: the initial context token, answered by the server's
//! mutual-authentication token; an empty token, answered by the server's wrapped
//! security-layer offer; the wrapped choice, answered by an empty token.

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use zk_records::proto::{GetSaslRequest, ReplyHeader, RequestHeader, SetSaslResponse};
use zk_records::{ErrorCode, OpCode};

use crate::sasl::{self, digest_md5, DigestCredentials, Mechanism};

/// The most rounds an exchange may take: one xid each (DIGEST-MD5 takes 2, GSSAPI with
/// Kerberos 3).
pub(super) const ROUNDS: usize = 4;

/// Why SASL did not complete.
#[derive(Debug)]
pub(super) enum SaslError {
    /// The connection failed (or closed) mid-exchange, while doing what is said: worth
    /// another attempt.
    Io(&'static str, std::io::Error),
    /// The server refused the credentials, or the exchange cannot succeed: final.
    Failed(String),
}

/// The connection an exchange runs on, and the xids left for its rounds.
struct Exchange<'a, S> {
    stream: &'a mut S,
    /// Bytes read past the handshake, and past each answer.
    rbuf: &'a mut BytesMut,
    xids: std::array::IntoIter<i32, ROUNDS>,
    max_frame: usize,
    /// What an `AUTHFAILED` answer means for the mechanism.
    refused: &'static str,
}

/// Authenticates on `stream` (to the server reached as `host`, at `addr`) with `mechanism`,
/// using one of `xids` per round. `rbuf` holds any bytes read past the handshake and keeps
/// what is read past the exchange.
// Only GSSAPI names the server by its host.
#[cfg_attr(not(feature = "gssapi"), allow(unused_variables))]
pub(super) async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    rbuf: &mut BytesMut,
    mechanism: &Mechanism,
    host: &str,
    xids: [i32; ROUNDS],
    max_frame: usize,
    addr: SocketAddr,
) -> Result<(), SaslError> {
    let refused = match mechanism {
        Mechanism::DigestMd5(_) => "unknown user or wrong password",
        #[cfg(feature = "gssapi")]
        Mechanism::Gssapi(_) => {
            "a ticket the server's key does not open, or a principal it does not accept; its log \
             says which"
        }
    };
    let mut exchange = Exchange {
        stream,
        rbuf,
        xids: xids.into_iter(),
        max_frame,
        refused,
    };
    match mechanism {
        Mechanism::DigestMd5(creds) => digest(&mut exchange, creds, addr).await,
        #[cfg(feature = "gssapi")]
        Mechanism::Gssapi(config) => gssapi(&mut exchange, config, host, addr).await,
    }
}

/// DIGEST-MD5: the challenge, the digest-response, the server's `rspauth` checked.
async fn digest<S: AsyncRead + AsyncWrite + Unpin>(
    exchange: &mut Exchange<'_, S>,
    creds: &DigestCredentials,
    addr: SocketAddr,
) -> Result<(), SaslError> {
    let challenge = exchange.round(Bytes::new()).await?.ok_or_else(no_token)?;
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
    let rspauth = exchange.round(token).await?.ok_or_else(no_token)?;
    digest_md5::verify_rspauth(&rspauth, &response.expected_rspauth)
        .map_err(|e| SaslError::Failed(e.to_string()))?;
    tracing::debug!(user = %creds.user, server = %addr, "SASL DIGEST-MD5 authentication succeeded");
    Ok(())
}

/// GSSAPI: the Kerberos context (started on a blocking thread: the library reads the ticket
/// cache and may ask the KDC for a service ticket), then the security layer.
#[cfg(feature = "gssapi")]
async fn gssapi<S: AsyncRead + AsyncWrite + Unpin>(
    exchange: &mut Exchange<'_, S>,
    config: &crate::sasl::gssapi::GssapiConfig,
    host: &str,
    addr: SocketAddr,
) -> Result<(), SaslError> {
    use crate::sasl::gssapi::GssapiClient;
    let (config, host) = (config.clone(), host.to_owned());
    let (mut client, first) =
        tokio::task::spawn_blocking(move || GssapiClient::start(&config, &host))
            .await
            .map_err(|e| SaslError::Failed(format!("the Kerberos library failed: {e}")))?
            .map_err(SaslError::Failed)?;
    let mut token = Bytes::from(first);
    loop {
        let answer = exchange.round(token).await?;
        match client.step(answer.as_deref()).map_err(SaslError::Failed)? {
            Some(next) => token = Bytes::from(next),
            None => break,
        }
    }
    tracing::debug!(server = %addr, "SASL GSSAPI authentication succeeded");
    Ok(())
}

/// ZooKeeper answers a null token when it has no SASL server for the connection (no `Server`
/// section in its JAAS configuration).
fn no_token() -> SaslError {
    SaslError::Failed(
        "the server sent no SASL token: is SASL configured on it (a JAAS `Server` section)?".into(),
    )
}

impl<S: AsyncRead + AsyncWrite + Unpin> Exchange<'_, S> {
    /// Sends one token and returns the server's answer (`None`: a null or empty token).
    async fn round(&mut self, token: Bytes) -> Result<Option<Bytes>, SaslError> {
        let xid = self.xids.next().ok_or_else(|| {
            SaslError::Failed(format!("the SASL exchange went on past {ROUNDS} rounds"))
        })?;
        let header = RequestHeader {
            xid,
            r#type: OpCode::Sasl.code(),
        };
        let body = GetSaslRequest { token };
        let len = jute::Jute::encoded_len(&header) + jute::Jute::encoded_len(&body);
        let mut out = BytesMut::with_capacity(4 + len);
        out.extend_from_slice(&(len as i32).to_be_bytes());
        jute::Jute::encode(&header, &mut out);
        jute::Jute::encode(&body, &mut out);
        self.stream
            .write_all(&out)
            .await
            .map_err(|e| SaslError::Io("sending a SASL token to", e))?;
        let frame = read_frame(self.stream, self.rbuf, self.max_frame).await?;
        parse_answer(frame, xid, self.refused)
    }
}

/// Decodes one answer to the SASL request with `xid`: its token (`None` when null or
/// empty), or why it failed (`refused`: what an `AUTHFAILED` means).
fn parse_answer(frame: Bytes, xid: i32, refused: &str) -> Result<Option<Bytes>, SaslError> {
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
        return Err(SaslError::Failed(format!(
            "the server refused the credentials (AUTHFAILED: {refused})"
        )));
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
    Ok(answer.token.filter(|t| !t.is_empty()))
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
        let answer = parse_answer(frame(7, 0, &token), 7, "").unwrap();
        assert_eq!(answer.as_deref(), Some(&b"hi"[..]));
        let null = (-1i32).to_be_bytes();
        assert_eq!(parse_answer(frame(7, 0, &null), 7, "").unwrap(), None);
        assert_eq!(
            parse_answer(frame(7, 0, &[0, 0, 0, 0]), 7, "").unwrap(),
            None
        );
        let failed = |r: Result<Option<Bytes>, SaslError>| match r {
            Err(SaslError::Failed(reason)) => reason,
            other => panic!("expected a failure, found {other:?}"),
        };
        assert!(
            failed(parse_answer(frame(7, -115, &null), 7, "wrong password")).contains("AUTHFAILED")
        );
        assert!(
            failed(parse_answer(frame(7, -124, &null), 7, "wrong password"))
                .contains("REQUIRESASL")
        );
        assert!(failed(parse_answer(frame(8, 0, &token), 7, "wrong password")).contains("xid 7"));
        assert!(failed(parse_answer(
            Bytes::from_static(&[1, 2]),
            7,
            "wrong password"
        ))
        .contains("16-byte"));
        assert!(failed(parse_answer(
            frame(7, 0, &[0, 0, 0, 9]),
            7,
            "wrong password"
        ))
        .contains("SetSASLResponse"));
    }
}
