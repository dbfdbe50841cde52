//! The four-letter words as a small typed API: `ruok`, `srvr`, `stat`, `mntr`, `conf`,
//! `envi` and `isro` parsed (their formats are stable), `cons`, `wchs` and any other word as
//! raw text. Each asks one server on a connection of its own, over TLS when configured
//! (ZooKeeper answers four-letter words on its secure client port too). The server must allow
//! the word (`4lw.commands.whitelist`; `srvr` and `isro` are allowed by default).
//! [`AdminServer`] runs the AdminServer's HTTP commands (JSON answers, as text).
//!
//! ```no_run
//! use zk_client::admin::Admin;
//!
//! # async fn demo() -> Result<(), zk_client::Error> {
//! let admin = Admin::new("127.0.0.1:2181")?;
//! assert!(admin.ruok().await?);
//! let stats = admin.srvr().await?;
//! println!("{} znodes, zxid {:#x}, {}", stats.node_count, stats.zxid, stats.mode.as_str());
//! # Ok(()) }
//! ```

pub(crate) mod failure;
mod http;
mod parse;

use std::time::Duration;

pub use http::AdminServer;
pub use parse::{ServerMode, ServerStats, StatAnswer};

pub use self::failure::AdminError;
use crate::connect_string::{ConnectString, HostPort};
use crate::error::Error;
use crate::session::{four_letter_exchange, Connector, NoAnswer};
use crate::tls::TlsConfig;

/// The most bytes read of one answer (`cons` and `wchs` of a busy server are long).
const ANSWER_LIMIT: u64 = 16 << 20;

/// Why an exchange with a server has no usable answer.
#[derive(Debug)]
enum Failure {
    /// No answer, and why.
    NoAnswer(String),
    /// An answer that is not usable.
    Admin(AdminError),
    /// An answer cut short: where it should have ended, how many bytes came, and how the
    /// connection ended.
    Truncated {
        expected: String,
        received: usize,
        reason: String,
    },
    /// An answer longer than [`ANSWER_LIMIT`].
    TooLarge,
}

impl From<String> for Failure {
    fn from(reason: String) -> Failure {
        Failure::NoAnswer(reason)
    }
}

/// Runs `exchange` (with `server`, for `word`) for at most `timeout`: its answer, or
/// [`AdminError::Unreachable`] with why there was none, or [`AdminError::Truncated`].
async fn within<T>(
    server: &HostPort,
    word: &str,
    timeout: Duration,
    exchange: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Error> {
    let reason = match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(answer)) => return Ok(answer),
        Ok(Err(Failure::NoAnswer(reason))) => reason,
        Ok(Err(Failure::Admin(e))) => return Err(e.into()),
        Ok(Err(Failure::Truncated {
            expected,
            received,
            reason,
        })) => {
            return Err(AdminError::Truncated {
                server: server.to_string(),
                word: word.to_owned(),
                expected,
                received,
                reason,
            }
            .into())
        }
        Ok(Err(Failure::TooLarge)) => {
            return Err(AdminError::TooLarge {
                server: server.to_string(),
                word: word.to_owned(),
                limit: ANSWER_LIMIT,
            }
            .into())
        }
        Err(_) => format!("nothing within {timeout:?}"),
    };
    Err(AdminError::Unreachable {
        server: server.to_string(),
        word: word.to_owned(),
        timeout,
        reason,
    }
    .into())
}

/// Asks one server four-letter words.
#[derive(Debug, Clone)]
pub struct Admin {
    server: HostPort,
    connector: Connector,
    timeout: Duration,
}

impl Admin {
    /// The server at `host:port` (port 2181 when omitted), in plaintext, with a 5 s timeout
    /// per word.
    pub fn new(server: &str) -> Result<Admin, Error> {
        let cs = ConnectString::parse(server)?;
        let [host] = cs.hosts() else {
            return Err(Error::InvalidArgument(format!(
                "expected one server host:port, found {server:?}"
            )));
        };
        Ok(Admin {
            server: host.clone(),
            connector: Connector::default(),
            timeout: Duration::from_secs(5),
        })
    }

    /// Speaks TLS to the server (its `secureClientPort`), as [`crate::ClientBuilder::tls`].
    pub fn tls(mut self, config: &TlsConfig) -> Result<Admin, Error> {
        self.connector = Connector::new(Some(config.load()?));
        Ok(self)
    }

    /// How long one word may take (connecting included). Default 5 s.
    pub fn timeout(mut self, timeout: Duration) -> Admin {
        self.timeout = timeout;
        self
    }

    /// Sends any four-letter `word` and returns the answer as text (invalid UTF-8 replaced),
    /// as it came. An answer cut by a failed connection is [`AdminError::Truncated`].
    pub async fn raw(&self, word: &str) -> Result<String, Error> {
        let bytes: [u8; 4] = word.as_bytes().try_into().map_err(|_| {
            Error::InvalidArgument(format!("expected a four-letter word, found {word:?}"))
        })?;
        let exchange = async {
            let stream = self.connector.open_any(&self.server).await?;
            // One byte past the limit tells an answer of the limit's length from a longer one.
            let answer = four_letter_exchange(stream, &bytes, ANSWER_LIMIT + 1)
                .await
                .map_err(|e| match e {
                    NoAnswer::Failed(reason) => Failure::NoAnswer(reason),
                    NoAnswer::Truncated { received, reason } => Failure::Truncated {
                        expected: "the server to close the connection after the answer".into(),
                        received,
                        reason,
                    },
                })?;
            if answer.len() as u64 > ANSWER_LIMIT {
                return Err(Failure::TooLarge);
            }
            Ok(answer)
        };
        let answer = within(&self.server, word, self.timeout, exchange).await?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    }

    /// The answer to `word`, failing when the server refuses it or does not serve.
    async fn checked(&self, word: &str) -> Result<String, Error> {
        let answer = self.raw(word).await?;
        parse::check_refusals(word, &answer)?;
        Ok(answer)
    }

    /// `ruok`: whether the server runs (`imok`); it may still not serve requests (see
    /// [`Admin::srvr`]).
    pub async fn ruok(&self) -> Result<bool, Error> {
        let answer = self.raw("ruok").await?;
        parse::check_refusals("ruok", &answer)?;
        Ok(parse::ruok(&answer)?)
    }

    /// `srvr`: version, latencies, packet counts, connections, zxid, mode, node count.
    pub async fn srvr(&self) -> Result<ServerStats, Error> {
        Ok(parse::srvr(&self.checked("srvr").await?)?)
    }

    /// `stat`: what `srvr` says, and the client connections.
    pub async fn stat(&self) -> Result<StatAnswer, Error> {
        Ok(parse::stat(&self.checked("stat").await?)?)
    }

    /// `mntr`: the metrics, name and value, in the server's order (values as text: some are
    /// numbers, some not).
    pub async fn mntr(&self) -> Result<Vec<(String, String)>, Error> {
        Ok(parse::mntr(&self.checked("mntr").await?)?)
    }

    /// `conf`: the server's configuration, `key=value`.
    pub async fn conf(&self) -> Result<Vec<(String, String)>, Error> {
        Ok(parse::key_values("conf", &self.checked("conf").await?)?)
    }

    /// `envi`: the server's environment (Java and OS properties), `key=value`.
    pub async fn envi(&self) -> Result<Vec<(String, String)>, Error> {
        Ok(parse::key_values("envi", &self.checked("envi").await?)?)
    }

    /// `isro`: whether the server is read-only.
    pub async fn isro(&self) -> Result<bool, Error> {
        Ok(parse::isro(&self.checked("isro").await?)?)
    }

    /// `cons`: the connections with their statistics, as text (the format varies by
    /// version).
    pub async fn cons(&self) -> Result<String, Error> {
        self.checked("cons").await
    }

    /// `wchs`: a summary of the server's watches, as text.
    pub async fn wchs(&self) -> Result<String, Error> {
        self.checked("wchs").await
    }
}
