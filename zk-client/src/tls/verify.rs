//! Certificate handling of each connection: the server verifier (WebPKI for the chain, and
//! the host check of ZooKeeper's Java client, optionally off), the client-certificate
//! resolver that records whether the server asked for one, and the probe configuration that
//! refuses every certificate.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use tokio_rustls::rustls::pki_types;
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, OtherError, SignatureScheme,
};

use super::names::CertNames;

/// The client certificate of one connection, recording whether the server asked for one.
#[derive(Debug)]
pub(crate) struct ClientCert {
    identity: Option<Arc<CertifiedKey>>,
    asked: AtomicBool,
}

impl ClientCert {
    /// A resolver presenting `identity` (or no certificate).
    pub(super) fn new(identity: Option<Arc<CertifiedKey>>) -> ClientCert {
        ClientCert {
            identity,
            asked: AtomicBool::new(false),
        }
    }

    /// Whether a client certificate is configured.
    pub(crate) fn has_identity(&self) -> bool {
        self.identity.is_some()
    }

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

/// WebPKI verification of the server's certificate (chain, dates, usage), and the host check
/// of ZooKeeper's Java client ([`super::names`]) for the address connected to and the host of
/// the connect string, optionally off.
#[derive(Debug)]
pub(super) struct Verifier {
    inner: Arc<WebPkiServerVerifier>,
    accept_invalid_hostnames: bool,
    /// The address of the connection (`None`: no address, only the connect string's host is
    /// checked).
    peer: Option<IpAddr>,
}

impl Verifier {
    /// WebPKI's verification and the host check of a connection to `peer`, the host check
    /// off when `accept_invalid_hostnames`.
    pub(super) fn new(
        inner: Arc<WebPkiServerVerifier>,
        accept_invalid_hostnames: bool,
        peer: Option<IpAddr>,
    ) -> Self {
        Verifier {
            inner,
            accept_invalid_hostnames,
            peer,
        }
    }

    /// The host check of `end_entity` for `server_name` (the host of the connect string) and
    /// the connection's address.
    fn check_names(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let names = CertNames::read(end_entity).map_err(|e| {
            rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
                std::io::Error::other(format!("reading the certificate's names: {e}")),
            ))))
        })?;
        let (host, literal) = match server_name {
            ServerName::DnsName(name) => (Some(name.as_ref()), None),
            ServerName::IpAddress(ip) => (None, Some(IpAddr::from(*ip))),
            _ => (None, None),
        };
        // The connection's address; an IP literal of the connect string when there is none.
        let addr = self.peer.or(literal);
        if names.accept(addr, host) {
            return Ok(ServerCertVerified::assertion());
        }
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForNameContext {
                expected: server_name.to_owned(),
                presented: names.presented(),
            },
        ))
    }
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
            // WebPKI checks the chain, dates and usage before the name: the certificate is
            // good but for its name, which Java's rules decide.
            Ok(_)
            | Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => {}
            Err(other) => return Err(other),
        }
        match self.check_names(end_entity, server_name) {
            Err(e) if self.accept_invalid_hostnames => {
                tracing::warn!(
                    server = ?server_name,
                    reason = %e,
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
