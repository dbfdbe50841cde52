//! The four-letter words the session asks a server on a connection of their own: `isro`
//! (read-only probing, in `ro_probe`) and `srvr` (why a server refused a session). Both are in
//! ZooKeeper's default whitelist. They go through the session's [`Connector`], so a TLS client
//! asks them over TLS (ZooKeeper answers four-letter words on its secure port too).

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::hosts;
use crate::connect_string::HostPort;
use crate::error::RefusalReason;

/// How long one four-letter exchange may take.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(1);

/// Why a four-letter exchange has no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoAnswer {
    /// The word could not be sent, or the connection failed before a byte of the answer.
    Failed(String),
    /// The connection failed (a reset) after `received` bytes of the answer, before the
    /// server closed it: the answer is cut.
    Truncated {
        /// The bytes of the answer that arrived.
        received: usize,
        /// The connection's error.
        reason: String,
    },
}

/// Sends `word` to `host` in plaintext and reads the answer (at most `limit` bytes) until the
/// server closes the connection; `None` when no address answers in full within [`TIMEOUT`].
/// (A session's own words go through its transport: `Connector::ask`.)
pub(crate) async fn ask_plain(host: &HostPort, word: &[u8; 4], limit: u64) -> Option<Vec<u8>> {
    let exchange = async {
        for addr in hosts::resolve(host).await.ok()? {
            let Ok(s) = TcpStream::connect(addr).await else {
                continue;
            };
            return exchange(s, word, limit).await.ok();
        }
        None
    };
    tokio::time::timeout(TIMEOUT, exchange).await.ok().flatten()
}

/// Sends `word` on `stream` and reads the answer (at most `limit` bytes) until the server
/// closes the connection. The server closes it after the answer (it reads the four bytes
/// sent, so nothing unread makes its close a reset): a connection that fails after part of
/// the answer cuts the answer, [`NoAnswer::Truncated`].
pub(crate) async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    word: &[u8; 4],
    limit: u64,
) -> Result<Vec<u8>, NoAnswer> {
    let sent = async {
        stream.write_all(word).await?;
        stream.flush().await
    };
    sent.await
        .map_err(|e| NoAnswer::Failed(format!("sending {}: {e}", String::from_utf8_lossy(word))))?;
    let mut answer = Vec::with_capacity(256);
    let read = (&mut stream).take(limit).read_to_end(&mut answer).await;
    match read {
        Ok(_) => Ok(answer),
        Err(e) if answer.is_empty() => Err(NoAnswer::Failed(format!(
            "the connection failed without an answer: {e}"
        ))),
        // A TLS server may close without a close_notify: a close all the same.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(answer),
        Err(e) => Err(NoAnswer::Truncated {
            received: answer.len(),
            reason: e.to_string(),
        }),
    }
}

/// Why a server refused a client that has seen `last_zxid`, from its `srvr` answer (`None`:
/// it did not answer).
pub(crate) fn refusal_reason(srvr: Option<&[u8]>, last_zxid: i64) -> RefusalReason {
    match srvr {
        Some(answer) => classify_srvr(&String::from_utf8_lossy(answer), last_zxid),
        None => RefusalReason::Unknown,
    }
}

/// Whether a `srvr` answer comes from ZooKeeper (serving, not serving, or with `srvr` off).
pub(crate) fn is_zookeeper_answer(answer: &str) -> bool {
    answer.starts_with("Zookeeper version:")
        || answer.contains("not currently serving requests")
        || answer.contains("is not executed because it is not in the whitelist")
}

/// Reads a `srvr` answer: a server that is not serving requests (no quorum, or starting), one
/// whose zxid is behind `last_zxid` (data lost, or lagging), one in read-only mode; otherwise
/// (the word is not whitelisted, or nothing explains the refusal) the reason is unknown.
pub(crate) fn classify_srvr(answer: &str, last_zxid: i64) -> RefusalReason {
    if answer.contains("not currently serving requests") {
        return RefusalReason::NotServing;
    }
    let field = |name: &str| {
        answer
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    let zxid = field("Zxid:")
        .and_then(|z| z.strip_prefix("0x"))
        .and_then(|hex| i64::from_str_radix(hex, 16).ok());
    if let Some(server_zxid) = zxid {
        if server_zxid < last_zxid {
            return RefusalReason::Behind {
                server_zxid,
                last_zxid_seen: last_zxid,
            };
        }
    }
    if field("Mode:") == Some("read-only") {
        return RefusalReason::ReadOnly;
    }
    RefusalReason::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRVR: &str = "Zookeeper version: 3.8.4-1, built on 2024-05-01 00:00 UTC\n\
        Latency min/avg/max: 0/0.5/3\nReceived: 12\nSent: 11\nConnections: 1\n\
        Outstanding: 0\nZxid: 0x10000002a\nMode: follower\nNode count: 5\n";

    #[test]
    fn srvr_answers_are_classified() {
        assert_eq!(
            classify_srvr(
                "This ZooKeeper instance is not currently serving requests\n",
                5
            ),
            RefusalReason::NotServing
        );
        assert_eq!(
            classify_srvr(SRVR, 0x1_0000_0030),
            RefusalReason::Behind {
                server_zxid: 0x1_0000_002a,
                last_zxid_seen: 0x1_0000_0030
            }
        );
        assert_eq!(classify_srvr(SRVR, 0x1_0000_002a), RefusalReason::Unknown);
        let read_only = SRVR.replace("Mode: follower", "Mode: read-only");
        assert_eq!(classify_srvr(&read_only, 1), RefusalReason::ReadOnly);
        assert_eq!(
            classify_srvr(
                "srvr is not executed because it is not in the whitelist.\n",
                7
            ),
            RefusalReason::Unknown
        );
        assert_eq!(classify_srvr("", 7), RefusalReason::Unknown);
        assert!(is_zookeeper_answer(SRVR));
        assert!(!is_zookeeper_answer("HTTP/1.1 400 Bad Request\r\n"));
        assert_eq!(
            classify_srvr("Zxid: 0xnothex\nMode: standalone\n", 7),
            RefusalReason::Unknown
        );
    }
}
