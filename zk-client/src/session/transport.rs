//! The byte stream a connection runs on, and how it is opened. The handshake and the connection
//! driver are generic over any [`tokio::io::AsyncRead`] + [`tokio::io::AsyncWrite`] stream;
//! [`Transport`] is the one place that says which streams a session opens (plaintext TCP, or
//! TLS over it when the client has a [`crate::TlsConfig`]), and [`Connector`] opens them:
//! every connection of a session (handshakes, four-letter words) goes through it, so a TLS
//! client never speaks plaintext to a server.
//!
//! A failed TLS handshake is explained ([`TlsFailure`]): certificate errors come from rustls;
//! a server that closes the connection on the TLS hello is asked `srvr` in plaintext to tell a
//! plaintext ZooKeeper port from other failures; and a plaintext handshake closed without an
//! answer is followed by a TLS hello (see [`speaks_tls`]) to tell a TLS port from a refused
//! session.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls;
use tokio_rustls::TlsConnector;

use super::four_letter;
use crate::connect_string::HostPort;
use crate::tls::{self, ClientCert, Tls, TlsFailure};

/// An open connection to a server.
#[derive(Debug)]
pub(crate) enum Transport {
    /// Plaintext TCP.
    Tcp(TcpStream),
    /// TLS over TCP, and the connection's client certificate (asked for or not).
    Tls(Box<TlsStream<TcpStream>>, Arc<ClientCert>),
}

impl Transport {
    /// Why a TLS error after the TLS handshake (an alert) happened on this connection with
    /// `host`; `None` on a plaintext one.
    pub(crate) fn explain(&self, e: &rustls::Error, host: &HostPort) -> Option<TlsFailure> {
        match self {
            Transport::Tcp(_) => None,
            Transport::Tls(_, cert) => Some(tls::classify(
                e,
                &host.host,
                cert.asked(),
                cert.has_identity(),
            )),
        }
    }
}

/// Why a connection could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The TCP connection failed.
    Io(io::Error),
    /// The TLS handshake failed, and why; with rustls' own words for the log.
    Tls(TlsFailure, String),
}

/// Opens the connections of one session: all plaintext, or all TLS.
#[derive(Debug, Clone, Default)]
pub(crate) struct Connector {
    tls: Option<Arc<Tls>>,
}

impl Connector {
    /// Sends the four-letter `word` to `host` over this session's transport and reads the
    /// answer (at most `limit` bytes) until the server closes the connection; `None` when no
    /// address answers in full (a truncated answer is none) within [`four_letter::TIMEOUT`].
    pub(crate) async fn ask(&self, host: &HostPort, word: &[u8; 4], limit: u64) -> Option<Vec<u8>> {
        let exchange = async {
            let stream = self.open_any(host).await.ok()?;
            four_letter::exchange(stream, word, limit).await.ok()
        };
        tokio::time::timeout(four_letter::TIMEOUT, exchange)
            .await
            .ok()
            .flatten()
    }

    /// Opens a connection to the first address of `host` that takes one; the error says why
    /// the last address did not (or that `host` did not resolve).
    pub(crate) async fn open_any(&self, host: &HostPort) -> Result<Transport, String> {
        let addrs = super::hosts::resolve(host)
            .await
            .map_err(|e| format!("resolving {host}: {e}"))?;
        let mut last = format!("{host} resolved to no address");
        for addr in addrs {
            match self.open(host, addr).await {
                Ok(s) => return Ok(s),
                Err(OpenError::Io(e)) => last = format!("connecting to {addr}: {e}"),
                Err(OpenError::Tls(failure, _)) => {
                    last = format!("TLS handshake with {addr}: {failure}")
                }
            }
        }
        Err(last)
    }

    /// A connector that speaks TLS when `tls` is given, plaintext otherwise.
    pub(crate) fn new(tls: Option<Arc<Tls>>) -> Connector {
        Connector { tls }
    }

    /// Whether connections are TLS.
    pub(crate) fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Opens a connection to `addr` (one address of `host`, whose name the server's
    /// certificate must hold), with Nagle's algorithm off (requests are small and
    /// latency-bound; the driver batches writes itself), and performs the TLS handshake when
    /// the connector speaks TLS.
    pub(crate) async fn open(
        &self,
        host: &HostPort,
        addr: SocketAddr,
    ) -> Result<Transport, OpenError> {
        let stream = tcp(addr).await.map_err(OpenError::Io)?;
        let Some(tls) = &self.tls else {
            return Ok(Transport::Tcp(stream));
        };
        let name = server_name(&host.host);
        let (config, cert) = tls.for_connection(addr.ip());
        match TlsConnector::from(config).connect(name, stream).await {
            Ok(s) => Ok(Transport::Tls(Box::new(s), cert)),
            Err(e) => {
                let failure = match rustls_error(&e) {
                    Some(r) => tls::classify(r, &host.host, cert.asked(), cert.has_identity()),
                    None if e.kind() == io::ErrorKind::UnexpectedEof => closed_on_hello(host).await,
                    None => TlsFailure::Handshake(e.to_string()),
                };
                Err(OpenError::Tls(failure, e.to_string()))
            }
        }
    }
}

/// A TCP connection with `TCP_NODELAY`.
async fn tcp(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    // Best effort: a socket without TCP_NODELAY is slower, not wrong.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// The name a server's certificate must hold: the host of the connect string, an IP address
/// or a DNS name. A host that is neither (it resolved, so this is rare) is checked as the
/// address 0.0.0.0, which no certificate holds.
fn server_name(host: &str) -> ServerName<'static> {
    ServerName::try_from(host.to_owned()).unwrap_or_else(|_| {
        ServerName::IpAddress(std::net::IpAddr::from(std::net::Ipv4Addr::UNSPECIFIED).into())
    })
}

/// The rustls error inside an I/O error of a TLS stream, if there is one.
pub(crate) fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// The server closed the connection on the TLS hello without a TLS answer: a plaintext
/// ZooKeeper port answers `srvr` in plaintext; anything else is a closed handshake.
async fn closed_on_hello(host: &HostPort) -> TlsFailure {
    let answer = four_letter::ask_plain(host, b"srvr", 4096).await;
    let text = answer.map(|a| String::from_utf8_lossy(&a).into_owned());
    if text.is_some_and(|t| four_letter::is_zookeeper_answer(&t)) {
        TlsFailure::PlaintextPort
    } else {
        TlsFailure::Handshake(
            "the server closed the connection on the TLS hello without answering".into(),
        )
    }
}

/// Whether `host` answers a TLS hello with TLS (within the four-letter words' timeout): asked
/// of a server that closed a plaintext handshake without a word, to tell a TLS port from a
/// refused session.
pub(crate) async fn speaks_tls(host: &HostPort) -> bool {
    let exchange = async {
        for addr in super::hosts::resolve(host).await.ok()? {
            let Ok(stream) = tcp(addr).await else {
                continue;
            };
            let hello =
                TlsConnector::from(tls::probe_config()?).connect(server_name(&host.host), stream);
            // The probe's verifier refuses every certificate: any rustls error but a bare
            // I/O one means TLS records came back.
            return Some(match hello.await {
                Ok(_) => true,
                Err(e) => rustls_error(&e).is_some(),
            });
        }
        None
    };
    tokio::time::timeout(four_letter::TIMEOUT, exchange)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s, _) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s, _) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Transport::Tls(s, _) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Transport::Tcp(s) => s.is_write_vectored(),
            Transport::Tls(s, _) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s, _) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s, _) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::ro_probe::is_read_write;
    use crate::TlsConfig;
    use zk_testkit::{ClientAuth, Pki, ServerCert, TlsServer};

    /// The session's side connections to a real TLS server: `isro` (read-only probing) and
    /// `srvr` go over TLS with a TLS connector, get nothing in plaintext, and the probes tell
    /// the TLS port from the plaintext one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn four_letter_words_and_probes_on_a_tls_port() {
        let pki = Pki::generate().unwrap_or_else(|e| panic!("making certificates: {e}"));
        let server = TlsServer::start(&pki, ServerCert::Good, ClientAuth::Need)
            .unwrap_or_else(|e| panic!("{e}"));
        let (cert, key) = pki.client_identity();
        let tls = TlsConfig::new()
            .ca_file(pki.ca_pem())
            .identity_files(cert, key)
            .load()
            .unwrap();
        let connector = Connector::new(Some(tls));
        let host = |port| HostPort {
            host: "127.0.0.1".into(),
            port,
        };
        let secure = host(server.secure_port());
        // The probes keep their production bounds (a second or so); a JVM that has only just
        // started may need several tries before it answers a TLS handshake that fast.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !is_read_write(&connector, &secure).await {
            assert!(
                std::time::Instant::now() < deadline,
                "isro over TLS never answered"
            );
        }
        let srvr = loop {
            match connector.ask(&secure, b"srvr", 4096).await {
                Some(answer) => break String::from_utf8(answer).unwrap(),
                None => assert!(std::time::Instant::now() < deadline, "no srvr over TLS"),
            }
        };
        assert!(four_letter::is_zookeeper_answer(&srvr), "{srvr}");
        assert!(!is_read_write(&Connector::default(), &secure).await);
        assert!(speaks_tls(&secure).await);
        let plain = host(server.plain_port());
        assert!(!speaks_tls(&plain).await);
        assert_eq!(closed_on_hello(&plain).await, TlsFailure::PlaintextPort);
    }
}
