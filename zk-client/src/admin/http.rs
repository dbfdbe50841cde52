//! The AdminServer's commands (`http://host:8080/commands/NAME`, ZooKeeper 3.5 and later;
//! `https://` with [`AdminServer::tls`]): one HTTP/1.0 GET per command on a connection of its
//! own, the JSON answer returned as
//! text (this crate has no JSON parser; the answers are documented by ZooKeeper's
//! `Commands.java`). The body ends where its framing says (`Content-Length`, chunked, or the
//! server's close); one cut short is [`AdminError::Truncated`].

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::failure::AdminError;
use super::Failure;
use crate::connect_string::{ConnectString, HostPort};
use crate::error::Error;
use crate::session::Connector;
use crate::tls::TlsConfig;

/// Runs the AdminServer's commands of one server (`admin.enableServer`, port
/// `admin.serverPort`, 8080 by default), over plaintext HTTP or, with [`AdminServer::tls`],
/// HTTPS (`admin.forceHttps` or `admin.portUnification` on the server).
///
/// ```no_run
/// use zk_client::admin::AdminServer;
///
/// # async fn demo() -> Result<(), zk_client::Error> {
/// let json = AdminServer::new("127.0.0.1:8080")?.command("monitor").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AdminServer {
    server: HostPort,
    timeout: Duration,
    connector: Connector,
}

impl AdminServer {
    /// The AdminServer at `host:port`, with a 5 s timeout per command.
    pub fn new(server: &str) -> Result<AdminServer, Error> {
        let cs = ConnectString::parse(server)?;
        let [host] = cs.hosts() else {
            return Err(Error::InvalidArgument(format!(
                "expected one server host:port, found {server:?}"
            )));
        };
        Ok(AdminServer {
            server: host.clone(),
            timeout: Duration::from_secs(5),
            connector: Connector::default(),
        })
    }

    /// Speaks HTTPS, verifying the server as [`crate::ClientBuilder::tls`] does (and
    /// presenting the client certificate, if `config` has one).
    pub fn tls(mut self, config: &TlsConfig) -> Result<AdminServer, Error> {
        self.connector = Connector::new(Some(config.load()?));
        Ok(self)
    }

    /// How long one command may take (connecting included). Default 5 s.
    pub fn timeout(mut self, timeout: Duration) -> AdminServer {
        self.timeout = timeout;
        self
    }

    /// Runs the command `name` (`ruok`, `srvr`, `monitor`, `configuration`, `connections`,
    /// `watch_summary`, ... as `Commands.java` names them) and returns its JSON answer. An
    /// unknown command is answered too, with an `error` member (`"Unknown command: ..."`); a
    /// status other than 200 is [`AdminError::Unexpected`].
    pub async fn command(&self, name: &str) -> Result<String, Error> {
        let valid =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(Error::InvalidArgument(format!(
                "expected an AdminServer command name (letters, digits, _), found {name:?}"
            )));
        }
        let exchange = async {
            let mut stream = self.connector.open_any(&self.server).await?;
            let request = format!(
                "GET /commands/{name} HTTP/1.0\r\nHost: {}\r\nConnection: close\r\n\r\n",
                self.server
            );
            stream
                .write_all(request.as_bytes())
                .await
                .map_err(|e| format!("sending the request: {e}"))?;
            let mut answer = Vec::new();
            // One byte past the limit tells an answer of the limit's length from a longer one.
            let read = (&mut stream)
                .take(super::ANSWER_LIMIT + 1)
                .read_to_end(&mut answer)
                .await;
            if answer.len() as u64 > super::ANSWER_LIMIT {
                return Err(Failure::TooLarge);
            }
            let end = match read {
                Ok(_) => None,
                Err(e) if answer.is_empty() => {
                    return Err(Failure::NoAnswer(format!("reading the answer: {e}")))
                }
                // A TLS peer that closes without close_notify: a close all the same.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => None,
                Err(e) => Some(e.to_string()),
            };
            body(name, &answer, end)
        };
        super::within(&self.server, name, self.timeout, exchange).await
    }
}

/// The body of a `200` HTTP answer, to the end its framing says: a chunked body to its last
/// chunk, a body with a `Content-Length` to that length, another to the connection's end.
/// `error` is the error that ended the connection (`None`: the server closed it); a body cut
/// before its end is [`Failure::Truncated`].
pub(super) fn body(name: &str, answer: &[u8], error: Option<String>) -> Result<String, Failure> {
    let unexpected = |expected, found: &str| {
        Failure::Admin(AdminError::Unexpected {
            word: name.to_owned(),
            expected,
            found: found.chars().take(200).collect(),
        })
    };
    let ended = || error.clone().unwrap_or_else(|| "the server's close".into());
    let truncated = |expected: String, received| Failure::Truncated {
        expected,
        received,
        reason: ended(),
    };
    let Some((head, rest)) = split_at_blank_line(answer) else {
        if error.is_some() {
            return Err(truncated("the end of the HTTP header".into(), answer.len()));
        }
        return Err(unexpected(
            "an HTTP answer",
            &String::from_utf8_lossy(answer),
        ));
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .filter(|_| status_line.starts_with("HTTP/"))
        .ok_or_else(|| unexpected("an HTTP status line", status_line))?;
    if status != "200" {
        return Err(unexpected("HTTP status 200", status_line));
    }
    let mut chunked = false;
    let mut length = None;
    for (field, value) in lines.filter_map(|l| l.split_once(':')) {
        let value = value.trim();
        if field.trim().eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked"));
        } else if field.trim().eq_ignore_ascii_case("content-length") {
            let n = value
                .parse::<usize>()
                .map_err(|_| unexpected("a Content-Length of digits", value))?;
            length = Some(n);
        }
    }
    let body = if chunked {
        match dechunk(rest) {
            Ok(body) => body,
            Err(Dechunk::Cut) => {
                return Err(truncated(
                    "the last chunk of a chunked body".into(),
                    rest.len(),
                ))
            }
            Err(Dechunk::Bad(found)) => return Err(unexpected("an HTTP chunk", &found)),
        }
    } else if let Some(n) = length {
        rest.get(..n)
            .ok_or_else(|| truncated(format!("{n} body bytes (Content-Length)"), rest.len()))?
            .to_vec()
    } else if error.is_some() {
        return Err(truncated(
            "the server to close the connection after the body".into(),
            rest.len(),
        ));
    } else {
        rest.to_vec()
    };
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The bytes before the first `CRLF CRLF` and those after it.
fn split_at_blank_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((bytes.get(..at)?, bytes.get(at + 4..)?))
}

/// Why a chunked body could not be read.
#[derive(Debug, PartialEq, Eq)]
enum Dechunk {
    /// It ends before its last chunk (and the trailer's blank line).
    Cut,
    /// A chunk is malformed: what was found.
    Bad(String),
}

/// The content of a chunked body (chunk extensions and trailer fields ignored).
fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, Dechunk> {
    let mut body = Vec::new();
    loop {
        let (line, after) = split_line(rest).ok_or(Dechunk::Cut)?;
        let text = String::from_utf8_lossy(line);
        let size_text = text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| Dechunk::Bad(format!("the chunk size line {text:?}")))?;
        rest = after;
        if size == 0 {
            // The trailer: fields up to a blank line.
            loop {
                let (line, after) = split_line(rest).ok_or(Dechunk::Cut)?;
                if line.is_empty() {
                    return Ok(body);
                }
                rest = after;
            }
        }
        let (chunk, after) = rest.split_at_checked(size).ok_or(Dechunk::Cut)?;
        body.extend_from_slice(chunk);
        rest = match after.strip_prefix(b"\r\n") {
            Some(next) => next,
            None if after.len() < 2 => return Err(Dechunk::Cut),
            None => {
                return Err(Dechunk::Bad(format!(
                    "{:?} after a chunk of {size} bytes, not CRLF",
                    String::from_utf8_lossy(after.get(..2).unwrap_or(after))
                )))
            }
        };
    }
}

/// The bytes before the first CRLF and those after it.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.windows(2).position(|w| w == b"\r\n")?;
    Some((bytes.get(..at)?, bytes.get(at + 2..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_of_good_answers_only() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"command\":\"ruok\"}";
        assert_eq!(body("ruok", ok, None).unwrap(), "{\"command\":\"ruok\"}");
        let missing = b"HTTP/1.1 404 Not Found\r\n\r\n{}";
        let e = body("nope", missing, None).unwrap_err();
        assert!(
            matches!(&e, Failure::Admin(AdminError::Unexpected { expected: "HTTP status 200", found, .. }) if found == "HTTP/1.1 404 Not Found"),
            "{e:?}"
        );
        assert!(body("x", b"SSH-2.0-OpenSSH\r\n", None).is_err());
        assert!(body("x", b"garbage\r\n\r\n", None).is_err());
        let bad_length = b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n{}";
        assert!(matches!(
            body("x", bad_length, None),
            Err(Failure::Admin(AdminError::Unexpected {
                expected: "a Content-Length of digits",
                ..
            }))
        ));
    }

    #[test]
    fn bodies_end_where_their_framing_says() {
        // Bytes after the Content-Length are not the body's.
        let longer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}trailing";
        assert_eq!(body("x", longer, None).unwrap(), "{}");
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}";
        let e = body("x", short, Some("reset".into())).unwrap_err();
        assert!(
            matches!(&e, Failure::Truncated { expected, received: 2, reason } if expected == "9 body bytes (Content-Length)" && reason == "reset"),
            "{e:?}"
        );
        // A header cut by a reset.
        let e = body("x", b"HTTP/1.1 200 OK\r\nContent-", Some("reset".into())).unwrap_err();
        assert!(
            matches!(&e, Failure::Truncated { received: 25, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn chunked_bodies_are_read_to_their_last_chunk() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\nA;x=y\r\n pedia\r\nin\r\n0\r\nX-T: 1\r\n\r\n"),
            Ok(b"Wiki pedia\r\nin".to_vec())
        );
        assert_eq!(dechunk(b""), Err(Dechunk::Cut));
        assert_eq!(dechunk(b"4\r\nWi"), Err(Dechunk::Cut));
        assert_eq!(dechunk(b"4\r\nWiki"), Err(Dechunk::Cut));
        assert_eq!(dechunk(b"4\r\nWiki\r\n0\r\n"), Err(Dechunk::Cut));
        assert!(matches!(dechunk(b"zz\r\n"), Err(Dechunk::Bad(_))));
        assert!(matches!(dechunk(b"2\r\nabcd\r\n"), Err(Dechunk::Bad(_))));
    }
}
