//! SASL: the mechanism and credentials a session authenticates with on every connection,
//! and the mechanisms' client sides (DIGEST-MD5 in `digest_md5`; Kerberos, behind the
//! `gssapi` feature, in `gssapi`). The session runs the exchange on each new connection
//! (`session::sasl`); this module holds no I/O.

pub(crate) mod digest_md5;
#[cfg(feature = "gssapi")]
pub(crate) mod gssapi;

use std::fmt;
use std::sync::Arc;

/// SASL DIGEST-MD5 credentials, as ZooKeeper's `DigestLoginModule` knows them
/// (`user_<name>="<password>"` in the server's JAAS file). The password is never printed.
#[derive(Clone)]
pub(crate) struct DigestCredentials {
    pub(crate) user: String,
    pub(crate) password: Arc<str>,
}

impl fmt::Debug for DigestCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestCredentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The SASL mechanism a session authenticates with, and its settings.
#[derive(Debug, Clone)]
pub(crate) enum Mechanism {
    /// DIGEST-MD5 with a user and password.
    DigestMd5(DigestCredentials),
    /// Kerberos V5 through GSS-API, with the ticket cache's credentials.
    #[cfg(feature = "gssapi")]
    Gssapi(gssapi::GssapiConfig),
}

/// A fresh client nonce: 16 bytes from the operating system's CSPRNG, as lowercase hex.
pub(crate) fn cnonce() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| format!("the operating system's random generator failed: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let c = DigestCredentials {
            user: "alice".into(),
            password: "hunter2".into(),
        };
        let shown = format!("{c:?}");
        assert!(
            shown.contains("alice") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn the_builder_hides_the_password() {
        let builder = crate::Client::builder().sasl_digest_md5("alice", "hunter2");
        let shown = format!("{builder:?}");
        assert!(
            shown.contains("alice") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn cnonces_differ() {
        let (a, b) = (cnonce().unwrap(), cnonce().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
