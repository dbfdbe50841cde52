//! TLS settings ([`TlsConfig`]) and their loading from PEM into a rustls client configuration
//! shared by a session's connections; the typed causes of a failed TLS connection
//! ([`TlsFailure`]) are in `failure`, the certificate handling of each connection in `verify`,
//! the host check of ZooKeeper's Java client in `names`.

pub(crate) mod failure;
mod names;
mod verify;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

pub(crate) use self::failure::classify;
pub use self::failure::TlsFailure;
use self::verify::Verifier;
pub(crate) use self::verify::{probe_config, ClientCert};
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
    platform_roots: bool,
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
            .field("platform_roots", &self.platform_roots)
            .finish()
    }
}

impl TlsConfig {
    /// No trusted CA yet: add at least one with [`TlsConfig::ca_file`] or
    /// [`TlsConfig::ca_pem`], or trust the platform's with [`TlsConfig::platform_roots`].
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

    /// Also trusts the platform's CA certificates (default false): on Linux the system's
    /// bundle (Debian's `ca-certificates`, found as OpenSSL finds it; the variables
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR` override where), on macOS and Windows the system's
    /// store. Certificates of the bundle that cannot be used are skipped.
    pub fn platform_roots(mut self, trust: bool) -> TlsConfig {
        self.platform_roots = trust;
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
    /// any certificate of that CA can then impersonate the servers. Default false: the
    /// certificate must name the server as ZooKeeper's Java client requires it
    /// (`zookeeper.ssl.hostnameVerification`): its subject alternative names hold the address
    /// connected to (an IP name) or the host of the connect string (a DNS name, `*` standing
    /// for part of one label); a certificate without DNS or IP subject alternative names
    /// names the server by its subject's common name instead. (Java also takes the name a
    /// reverse DNS lookup gives for an IP literal of the connect string; this client does no
    /// reverse lookup.)
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
        if self.platform_roots {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                tracing::warn!(%e, "reading the platform's CA certificates");
            }
            let (added, skipped) = roots.add_parsable_certificates(found.certs);
            tracing::debug!(added, skipped, "the platform's CA certificates");
            if added == 0 && roots.is_empty() {
                return Err(Error::TlsConfig {
                    origin: "the platform's CA certificates".into(),
                    reason: format!(
                        "hold no usable certificate ({} errors: {}); install the system's \
                         (Debian: ca-certificates) or set SSL_CERT_FILE",
                        found.errors.len(),
                        found
                            .errors
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                });
            }
        }
        if roots.is_empty() {
            return Err(Error::TlsConfig {
                origin: "TlsConfig".into(),
                reason: "trusts no CA: add one with TlsConfig::ca_file or ca_pem, or trust the \
                         platform's with platform_roots"
                    .into(),
            });
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| Error::TlsConfig {
                origin: "the CA certificates".into(),
                reason: e.to_string(),
            })?;
        let verifier = Arc::new(Verifier::new(
            webpki.clone(),
            self.accept_invalid_hostnames,
            None,
        ));
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
            webpki,
            accept_invalid_hostnames: self.accept_invalid_hostnames,
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
    /// The chain verification every connection's verifier starts with.
    webpki: Arc<WebPkiServerVerifier>,
    accept_invalid_hostnames: bool,
}

impl Tls {
    /// The configuration for one connection to `peer` (whose address the host check takes),
    /// and the flag its client-certificate resolver sets when the server asks for a
    /// certificate.
    pub(crate) fn for_connection(&self, peer: IpAddr) -> (Arc<ClientConfig>, Arc<ClientCert>) {
        let cert = Arc::new(ClientCert::new(self.identity.clone()));
        let mut config = ClientConfig::clone(&self.config);
        config.client_auth_cert_resolver = cert.clone();
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(Verifier::new(
                self.webpki.clone(),
                self.accept_invalid_hostnames,
                Some(peer),
            )));
        (Arc::new(config), cert)
    }
}
