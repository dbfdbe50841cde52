//! A standalone ZooKeeper that authenticates clients with SASL DIGEST-MD5: a JAAS file with a
//! `Server` section for `DigestLoginModule` (one `user_<name>="<password>"` per user), written
//! per run, and the SASL authentication provider.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::jaas::{digest_section, SASL_PROVIDER};
use crate::process::{fresh_temp_dir, write};
use crate::server::{ServerOptions, ZkServer};
use crate::Error;

/// A standalone ZooKeeper with SASL DIGEST-MD5 users. Dropping it stops the server and
/// removes its JAAS file.
pub struct SaslServer {
    server: ZkServer,
    jaas_dir: PathBuf,
}

impl fmt::Debug for SaslServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The JAAS file holds passwords: show where it is, not what it says.
        f.debug_struct("SaslServer")
            .field("server", &self.server)
            .field("jaas_dir", &self.jaas_dir)
            .finish()
    }
}

impl SaslServer {
    /// Starts a server knowing `users` (name, password) and waits until it serves requests.
    /// Names and passwords must not hold `"` or `\\` (they are written into the JAAS file as
    /// they are).
    pub fn start(users: &[(&str, &str)]) -> Result<SaslServer, Error> {
        SaslServer::start_with(users, ServerOptions::default())
    }

    /// Like [`SaslServer::start`], with more settings (e.g. `enforce.auth.enabled=true` and
    /// `enforce.auth.schemes=sasl` in `extra_config`).
    pub fn start_with(users: &[(&str, &str)], options: ServerOptions) -> Result<SaslServer, Error> {
        let jaas_dir = fresh_temp_dir()?;
        let jaas = jaas_dir.join("jaas.conf");
        let started = write(&jaas, &digest_section(users)).and_then(|()| {
            let mut options = options;
            options.system_properties.extend([
                format!("java.security.auth.login.config={}", jaas.display()),
                format!("zookeeper.authProvider.sasl={SASL_PROVIDER}"),
            ]);
            ZkServer::start_with(options)
        });
        match started {
            Ok(server) => Ok(SaslServer { server, jaas_dir }),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&jaas_dir);
                Err(e)
            }
        }
    }

    /// `127.0.0.1:PORT`, a connect string for this server.
    pub fn connect_string(&self) -> String {
        self.server.connect_string()
    }

    /// The directory holding the JAAS file.
    pub fn jaas_dir(&self) -> &Path {
        &self.jaas_dir
    }

    /// Replaces the users (name, password) of the JAAS file: the server reads them when it
    /// starts next ([`ZkServer::restart`] through [`SaslServer::server`]).
    pub fn set_users(&self, users: &[(&str, &str)]) -> Result<(), Error> {
        write(&self.jaas_dir.join("jaas.conf"), &digest_section(users))
    }

    /// The server (to stop, restart or pause it).
    pub fn server(&mut self) -> &mut ZkServer {
        &mut self.server
    }
}

impl Drop for SaslServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.jaas_dir);
    }
}
