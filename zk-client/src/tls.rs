//! TLS settings ([`TlsConfig`]), their loading from PEM into a rustls client configuration,
//! and the typed causes of a failed TLS connection ([`TlsFailure`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types;
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::error::Error;

/// TLS for every server of a connect string: the CA certificates that sign the servers'
/// certificates, optionally a client certificate (mutual TLS), and whether the servers' host
/// names are checked.
///
/// Set it with [`crate::ClientBuilder::tls`]; the files are read when the client connects, and
/// a file that cannot be read or parsed fails the connect with [`Error::TlsConfig`].
///
/// ```no_run
/// # async fn demo() -> Result<(), zk_client::Error> {
/// use zk_client::{Client, TlsConfig};
///
/// let tls = TlsConfig::new()
///     .ca_file("/etc/zookeeper/ca.pem")
///     .identity_files("/etc/zookeeper/client.pem", "/etc/zookeeper/client-key.pem");
/// let client = Client::builder().tls(tls).connect("zk1:2281,zk2:2281").await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct TlsConfig {
    roots: Vec<Pem>,
    identity: Option<(Pem, Pem)>,
    accept_invalid_hostnames: bool,
}

/// PEM text, in a file or given.
#[derive(Clone)]
enum Pem {
    File(PathBuf),
    Text(Vec<u8>),
}

impl Pem {
    /// Where the PEM comes from, for messages.
    fn origin(&self, what: &str) -> String {
        match self {
            Pem::File(p) => format!("{what} file {}", p.display()),
            Pem::Text(_) => format!("{what} PEM given in memory"),
        }
    }

    fn read(&self, what: &str) -> Result<Vec<u8>, Error> {
        match self {
            Pem::File(p) => std::fs::read(p).map_err(|e| Error::TlsConfig {
                origin: self.origin(what),
                reason: format!("cannot be read: {e}"),
            }),
            Pem::Text(t) => Ok(t.clone()),
        }
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No key material in logs: origins only.
        f.debug_struct("TlsConfig")
            .field(
                "roots",
                &self
                    .roots
                    .iter()
                    .map(|p| p.origin("CA"))
                    .collect::<Vec<_>>(),
            )
            .field(
                "identity",
                &self.identity.as_ref().map(|(c, _)| c.origin("certificate")),
            )
            .field("accept_invalid_hostnames", &self.accept_invalid_hostnames)
            .finish()
    }
}

impl TlsConfig {
    /// No trusted CA yet: add at least one with [`TlsConfig::ca_file`] or
    /// [`TlsConfig::ca_pem`].
    pub fn new() -> TlsConfig {
        TlsConfig::default()
    }

    /// Trusts the CA certificates of a PEM file (one or more `CERTIFICATE` blocks) to sign
    /// the servers' certificates. May be called more than once.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> TlsConfig {
        self.roots.push(Pem::File(path.into()));
        self
    }

    /// Like [`TlsConfig::ca_file`], for PEM text.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> TlsConfig {
        self.roots.push(Pem::Text(pem.into()));
        self
    }

    /// Presents a client certificate (mutual TLS): `cert_chain` is a PEM file with the
    /// certificate first and any intermediates after it, `key` a PEM file with its private
    /// key (PKCS#8, PKCS#1 or SEC1). A server whose `authProvider.x509` is set then
    /// authenticates the session as the certificate's subject (scheme `x509`, see
    /// [`crate::Client::who_am_i`]).
    pub fn identity_files(
        mut self,
        cert_chain: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> TlsConfig {
        self.identity = Some((Pem::File(cert_chain.into()), Pem::File(key.into())));
        self
    }

    /// Like [`TlsConfig::identity_files`], for PEM text.
    pub fn identity_pem(
        mut self,
        cert_chain: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> TlsConfig {
        self.identity = Some((Pem::Text(cert_chain.into()), Pem::Text(key.into())));
        self
    }

    /// **Dangerous**: accepts a server certificate that does not name the host connected to
    /// (the certificate must still be signed by a trusted CA and be in date). Anyone holding
    /// any certificate of that CA can then impersonate the servers. Default false: the host
    /// of the connect string (a DNS name or an IP address) must be in the certificate's
    /// subject alternative names.
    pub fn danger_accept_invalid_hostnames(mut self, accept: bool) -> TlsConfig {
        self.accept_invalid_hostnames = accept;
        self
    }

    /// Reads the PEM files and builds the rustls configuration.
    pub(crate) fn load(&self) -> Result<Arc<Tls>, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for pem in &self.roots {
            let origin = pem.origin("CA");
            let text = pem.read("CA")?;
            let mut found = 0;
            for cert in CertificateDer::pem_slice_iter(&text) {
                let cert = cert.map_err(|e| bad_pem(&origin, &e))?;
                roots.add(cert).map_err(|e| Error::TlsConfig {
                    origin: origin.clone(),
                    reason: format!("holds a certificate that is not a usable CA: {e}"),
                })?;
                found += 1;
            }
            if found == 0 {
                return Err(Error::TlsConfig {
                    origin,
                    reason: "holds no PEM `CERTIFICATE` block".into(),
                });
            }
        }
        if roots.is_empty() {
            return Err(Error::TlsConfig {
                origin: "TlsConfig".into(),
                reason: "trusts no CA: add one with TlsConfig::ca_file or ca_pem".into(),
            });
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| Error::TlsConfig {
                origin: "the CA certificates".into(),
                reason: e.to_string(),
            })?;
        let verifier = Arc::new(Verifier {
            inner: webpki,
            accept_invalid_hostnames: self.accept_invalid_hostnames,
        });
        let identity = match &self.identity {
            Some((cert, key)) => Some(load_identity(cert, key, &provider)?),
            None => None,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| Error::TlsConfig {
                origin: "the TLS versions".into(),
                reason: e.to_string(),
            })?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Arc::new(Tls {
            config: Arc::new(config),
            identity,
        }))
    }
}

fn bad_pem(origin: &str, e: &rustls_pki_types::pem::Error) -> Error {
    Error::TlsConfig {
        origin: origin.to_owned(),
        reason: format!("is not valid PEM: {e}"),
    }
}

/// The certificate chain and private key of a client identity.
fn load_identity(
    cert: &Pem,
    key: &Pem,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, Error> {
    let cert_origin = cert.origin("client certificate");
    let text = cert.read("client certificate")?;
    let chain = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_pem(&cert_origin, &e))?;
    if chain.is_empty() {
        return Err(Error::TlsConfig {
            origin: cert_origin,
            reason: "holds no PEM `CERTIFICATE` block".into(),
        });
    }
    let key_origin = key.origin("client key");
    let key_der =
        PrivateKeyDer::from_pem_slice(&key.read("client key")?).map_err(|e| Error::TlsConfig {
            origin: key_origin.clone(),
            reason: format!(
                "holds no usable private key (expected a PEM `PRIVATE KEY`, `RSA PRIVATE KEY` \
                 or `EC PRIVATE KEY` block): {e}"
            ),
        })?;
    CertifiedKey::from_der(chain, key_der, provider)
        .map(Arc::new)
        .map_err(|e| Error::TlsConfig {
            reason: match e {
                rustls::Error::InconsistentKeys(_) => {
                    format!("does not go with {cert_origin}: {e}")
                }
                // ring reads EC keys only with their public key inside (keytool's exports lack
                // it; `openssl ec` adds it).
                _ => format!(
                    "holds a private key that cannot be used ({e}); an EC key must include its \
                     public key: rewrite it with `openssl ec -in KEY -out KEY`"
                ),
            },
            origin: key_origin,
        })
}

/// A loaded TLS configuration, shared by every connection of a session.
#[derive(Debug)]
pub(crate) struct Tls {
    config: Arc<ClientConfig>,
    identity: Option<Arc<CertifiedKey>>,
}

impl Tls {
    /// The configuration for one connection, and the flag its client-certificate resolver
    /// sets when the server asks for a certificate.
    pub(crate) fn for_connection(&self) -> (Arc<ClientConfig>, Arc<ClientCert>) {
        let cert = Arc::new(ClientCert {
            identity: self.identity.clone(),
            asked: AtomicBool::new(false),
        });
        let mut config = ClientConfig::clone(&self.config);
        config.client_auth_cert_resolver = cert.clone();
        (Arc::new(config), cert)
    }

    /// Whether a client certificate is configured.
    pub(crate) fn has_identity(&self) -> bool {
        self.identity.is_some()
    }
}

/// The client certificate of one connection, recording whether the server asked for one.
#[derive(Debug)]
pub(crate) struct ClientCert {
    identity: Option<Arc<CertifiedKey>>,
    asked: AtomicBool,
}

impl ClientCert {
    /// Whether the server asked for a client certificate.
    pub(crate) fn asked(&self) -> bool {
        self.asked.load(Ordering::Relaxed)
    }
}

impl ResolvesClientCert for ClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::Relaxed);
        self.identity.clone()
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}

/// WebPKI verification of the server's certificate, with the host-name check optionally off.
#[derive(Debug)]
struct Verifier {
    inner: Arc<WebPkiServerVerifier>,
    accept_invalid_hostnames: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verified {
            // The chain, dates and usage were checked before the name: only the name failed.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.accept_invalid_hostnames => {
                tracing::warn!(
                    server = ?server_name,
                    "accepting a server certificate that does not name the server \
                     (danger_accept_invalid_hostnames)"
                );
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &pki_types::CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &pki_types::CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Why a TLS connection to a server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate is not signed by a CA of [`TlsConfig::ca_file`].
    #[error("the server's certificate is signed by an unknown issuer (not by a CA of the TLS configuration)")]
    UnknownIssuer,
    /// The server's certificate does not name the host connected to.
    #[error("the server's certificate is not valid for {expected} (it names {presented})")]
    HostnameMismatch {
        /// The host of the connect string.
        expected: String,
        /// The names the certificate holds (its subject alternative names).
        presented: String,
    },
    /// The server's certificate has expired.
    #[error("the server's certificate has expired{0}")]
    Expired(String),
    /// Another problem with the server's certificate (not yet valid, wrong usage, bad
    /// signature, ...).
    #[error("the server's certificate is refused: {0}")]
    BadCertificate(String),
    /// The server asks for a client certificate and none is configured
    /// ([`TlsConfig::identity_files`]).
    #[error("the server requires a client certificate and none is configured (it answered: {0})")]
    ClientCertificateRequired(String),
    /// The server refused the client certificate (not signed by a CA it trusts, expired, ...).
    #[error("the server refused the client certificate: {0}")]
    ClientCertificateRefused(String),
    /// TLS was spoken to a plaintext port: the server answered the TLS hello by closing the
    /// connection and answers plaintext four-letter words on that port.
    #[error(
        "the port speaks plaintext ZooKeeper, not TLS (a clientPort, not a secureClientPort?)"
    )]
    PlaintextPort,
    /// Plaintext was spoken to a TLS port (the client has no TLS configured): the server
    /// closed the connection without answering, and answers a TLS hello on that port.
    #[error("the port expects TLS (a secureClientPort): configure TLS (ClientBuilder::tls)")]
    TlsPort,
    /// Another TLS failure (a closed connection, an alert, an unsupported protocol).
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
}

/// The cause of a failed TLS handshake with `host`, from rustls' error; `asked` tells whether
/// the server asked for a client certificate, `has_identity` whether one is configured.
pub(crate) fn classify(
    e: &rustls::Error,
    host: &str,
    asked: bool,
    has_identity: bool,
) -> TlsFailure {
    use rustls::AlertDescription as A;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => TlsFailure::UnknownIssuer,
            CertificateError::NotValidForName => TlsFailure::HostnameMismatch {
                expected: host.to_owned(),
                presented: "other names".into(),
            },
            CertificateError::NotValidForNameContext { presented, .. } => {
                TlsFailure::HostnameMismatch {
                    expected: host.to_owned(),
                    presented: if presented.is_empty() {
                        "no name".into()
                    } else {
                        presented.join(", ")
                    },
                }
            }
            CertificateError::Expired => TlsFailure::Expired(String::new()),
            CertificateError::ExpiredContext { time, not_after } => TlsFailure::Expired(format!(
                " ({} s ago)",
                time.as_secs().saturating_sub(not_after.as_secs())
            )),
            other => TlsFailure::BadCertificate(format!("{other:?}")),
        },
        rustls::Error::AlertReceived(alert) if asked && !has_identity => {
            TlsFailure::ClientCertificateRequired(format!("alert {alert:?}"))
        }
        rustls::Error::AlertReceived(A::CertificateRequired) => {
            TlsFailure::ClientCertificateRequired("alert CertificateRequired".into())
        }
        rustls::Error::AlertReceived(
            alert @ (A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::UnknownCA
            | A::AccessDenied),
        ) if asked => TlsFailure::ClientCertificateRefused(format!("alert {alert:?}")),
        rustls::Error::InvalidMessage(m) => {
            TlsFailure::Handshake(format!("the server does not speak TLS ({m:?})"))
        }
        other => TlsFailure::Handshake(other.to_string()),
    }
}

/// A configuration that sends a TLS hello and refuses every certificate: for asking whether a
/// port speaks TLS at all, never for a connection. `None` if rustls refuses the versions
/// (it does not with the `ring` provider).
pub(crate) fn probe_config() -> Option<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let schemes = provider
        .signature_verification_algorithms
        .supported_schemes();
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(RefuseAll(schemes)))
        .with_no_client_auth();
    Some(Arc::new(config))
}

/// A verifier that refuses every server certificate (for [`probe_config`]).
#[derive(Debug)]
struct RefuseAll(Vec<SignatureScheme>);

impl ServerCertVerifier for RefuseAll {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Err(rustls::Error::General(
            "a probe: no certificate is accepted".into(),
        ))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &pki_types::CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(
            "a probe: no signature is accepted".into(),
        ))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &pki_types::CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(
            "a probe: no signature is accepted".into(),
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.clone()
    }
}
