//! Certificate handling of each connection: the server verifier (WebPKI, with the host-name
//! check optionally off), the client-certificate resolver that records whether the server
//! asked for one, and the probe configuration that refuses every certificate.

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
    CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme,
};

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

/// WebPKI verification of the server's certificate, with the host-name check optionally off.
#[derive(Debug)]
pub(super) struct Verifier {
    inner: Arc<WebPkiServerVerifier>,
    accept_invalid_hostnames: bool,
}

impl Verifier {
    /// WebPKI's verification, the host-name check off when `accept_invalid_hostnames`.
    pub(super) fn new(inner: Arc<WebPkiServerVerifier>, accept_invalid_hostnames: bool) -> Self {
        Verifier {
            inner,
            accept_invalid_hostnames,
        }
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
