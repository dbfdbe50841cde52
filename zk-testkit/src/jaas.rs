//! JAAS files for a ZooKeeper server's SASL, written per run: a `Server` section for
//! DIGEST-MD5 users or for a Kerberos service principal, and the JVM system properties that
//! make a server use it (with the SASL authentication provider), to combine with any server
//! ([`ServerOptions::system_properties`](crate::ServerOptions), e.g. under a
//! [`TlsServer`](crate::TlsServer)).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::kdc::Kdc;
use crate::process::{fresh_temp_dir, write};
use crate::Error;

/// The class of ZooKeeper's SASL authentication provider (the `sasl` scheme).
pub const SASL_PROVIDER: &str = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider";

/// A JAAS file in a temporary directory (removed on drop) and the server properties for it.
pub struct Jaas {
    dir: PathBuf,
    properties: Vec<String>,
}

impl fmt::Debug for Jaas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A DIGEST-MD5 file holds passwords: show where it is, not what it says.
        f.debug_struct("Jaas").field("dir", &self.dir).finish()
    }
}

impl Jaas {
    /// A `Server` section for `DigestLoginModule` with `users` (name, password; neither may
    /// hold `"` or `\\`).
    pub fn digest(users: &[(&str, &str)]) -> Result<Jaas, Error> {
        Jaas::write(&digest_section(users), Vec::new())
    }

    /// A `Server` section for `Krb5LoginModule` as `principal` (`zookeeper/localhost`, in the
    /// KDC's realm), which is added to `kdc` with a fresh key in a keytab; the server also
    /// gets the KDC's `krb5.conf`.
    pub fn kerberos(kdc: &Kdc, principal: &str) -> Result<Jaas, Error> {
        let keytab = kdc.add_principal(principal)?;
        let full = format!("{principal}@{}", kdc.realm());
        let krb5 = format!("java.security.krb5.conf={}", kdc.krb5_conf().display());
        Jaas::write(&kerberos_section(&keytab, &full), vec![krb5])
    }

    fn write(section: &str, mut properties: Vec<String>) -> Result<Jaas, Error> {
        let dir = fresh_temp_dir()?;
        let file = dir.join("jaas.conf");
        if let Err(e) = write(&file, section) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
        properties.extend([
            format!("java.security.auth.login.config={}", file.display()),
            format!("zookeeper.authProvider.sasl={SASL_PROVIDER}"),
        ]);
        Ok(Jaas { dir, properties })
    }

    /// The JVM system properties (`name=value`) a server needs to use this file.
    pub fn system_properties(&self) -> Vec<String> {
        self.properties.clone()
    }

    /// The directory holding the file.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Jaas {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `Server` with `DigestLoginModule` and one `user_<name>="<password>"` per user.
pub(crate) fn digest_section(users: &[(&str, &str)]) -> String {
    let mut out =
        String::from("Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required");
    for (user, password) in users {
        out.push_str(&format!("\n  user_{user}=\"{password}\""));
    }
    out.push_str(";\n};\n");
    out
}

/// `Server` with `Krb5LoginModule`: the key from `keytab`, kept for accepting contexts
/// (`storeKey`), no ticket of its own (`isInitiator=false`: the KDC is not asked at start).
fn kerberos_section(keytab: &Path, principal: &str) -> String {
    format!(
        "Server {{\n  com.sun.security.auth.module.Krb5LoginModule required\n  useKeyTab=true\n  \
         keyTab=\"{}\"\n  storeKey=true\n  useTicketCache=false\n  isInitiator=false\n  \
         principal=\"{principal}\";\n}};\n",
        keytab.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        assert_eq!(
            digest_section(&[("alice", "secret"), ("bob", "pw")]),
            "Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  \
             user_alice=\"secret\"\n  user_bob=\"pw\";\n};\n"
        );
        let krb = kerberos_section(Path::new("/k/zk.keytab"), "zookeeper/localhost@ZK.TEST");
        assert!(krb.contains("keyTab=\"/k/zk.keytab\""), "{krb}");
        assert!(
            krb.contains("principal=\"zookeeper/localhost@ZK.TEST\";\n};"),
            "{krb}"
        );
    }
}
