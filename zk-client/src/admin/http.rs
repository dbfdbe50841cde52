//! The AdminServer's commands (`http://host:8080/commands/NAME`, ZooKeeper 3.5 and later;
//! `https://` with [`AdminServer::tls`]): one HTTP/1.0 GET per command on a connection of its
//! own, the JSON answer returned as
//! text (this crate has no JSON parser; the answers are documented by ZooKeeper's
//! `Commands.java`).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::failure::AdminError;
use crate::connect_string::{ConnectString, HostPort};
use crate::error::Error;
use crate::session::Connector;
use crate::tls::TlsConfig;

/// The most bytes read of one answer.
const ANSWER_LIMIT: u64 = 16 << 20;

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
            let read = stream.take(ANSWER_LIMIT).read_to_end(&mut answer).await;
            // A TLS peer that closes without close_notify ends the read with an error after
            // the whole answer: what arrived is the answer.
            match read {
                Err(e) if answer.is_empty() => Err(format!("reading the answer: {e}")),
                _ => Ok(answer),
            }
        };
        let answer = super::within(&self.server, name, self.timeout, exchange).await?;
        Ok(body(name, &String::from_utf8_lossy(&answer))?)
    }
}

/// The body of a `200` HTTP answer.
pub(super) fn body(name: &str, answer: &str) -> Result<String, AdminError> {
    let unexpected = |expected, found: &str| AdminError::Unexpected {
        word: name.to_owned(),
        expected,
        found: found.chars().take(200).collect(),
    };
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| unexpected("an HTTP answer", answer))?;
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .filter(|_| status_line.starts_with("HTTP/"))
        .ok_or_else(|| unexpected("an HTTP status line", status_line))?;
    if status != "200" {
        return Err(unexpected("HTTP status 200", status_line));
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_of_good_answers_only() {
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"command\":\"ruok\"}";
        assert_eq!(body("ruok", ok).unwrap(), "{\"command\":\"ruok\"}");
        let missing = "HTTP/1.1 404 Not Found\r\n\r\n{}";
        let e = body("nope", missing).unwrap_err();
        assert!(
            matches!(&e, AdminError::Unexpected { expected: "HTTP status 200", found, .. } if found == "HTTP/1.1 404 Not Found"),
            "{e:?}"
        );
        assert!(body("x", "SSH-2.0-OpenSSH\r\n").is_err());
        assert!(body("x", "garbage\r\n\r\n").is_err());
    }
}
