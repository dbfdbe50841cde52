//! The typed causes of a failed TLS connection ([`TlsFailure`]), read from rustls' errors.

use tokio_rustls::rustls::{self, CertificateError};

/// Why a TLS connection to a server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate is not signed by a CA of [`crate::TlsConfig::ca_file`].
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
    /// ([`crate::TlsConfig::identity_files`]).
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

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::AlertDescription as A;

    #[test]
    fn causes_are_named() {
        let cert = |c| rustls::Error::InvalidCertificate(c);
        assert_eq!(
            classify(&cert(CertificateError::UnknownIssuer), "h", false, false),
            TlsFailure::UnknownIssuer
        );
        assert_eq!(
            classify(&cert(CertificateError::NotValidForName), "h", false, false),
            TlsFailure::HostnameMismatch {
                expected: "h".into(),
                presented: "other names".into()
            }
        );
        assert_eq!(
            classify(&cert(CertificateError::Expired), "h", false, false),
            TlsFailure::Expired(String::new())
        );
        let alert = rustls::Error::AlertReceived(A::BadCertificate);
        assert!(matches!(
            classify(&alert, "h", true, false),
            TlsFailure::ClientCertificateRequired(_)
        ));
        assert!(matches!(
            classify(&alert, "h", true, true),
            TlsFailure::ClientCertificateRefused(_)
        ));
        // Not asked for a certificate: the alert is about something else.
        assert!(matches!(
            classify(&alert, "h", false, false),
            TlsFailure::Handshake(_)
        ));
        let required = rustls::Error::AlertReceived(A::CertificateRequired);
        assert!(matches!(
            classify(&required, "h", false, false),
            TlsFailure::ClientCertificateRequired(_)
        ));
    }
}
