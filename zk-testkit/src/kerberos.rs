//! A standalone ZooKeeper that authenticates clients with Kerberos (SASL GSSAPI): its service
//! principal added to a [`Kdc`], a JAAS `Krb5LoginModule` section with the keytab, and the
//! SASL authentication provider.

use crate::jaas::Jaas;
use crate::kdc::Kdc;
use crate::server::{ServerOptions, ZkServer};
use crate::Error;

/// The service principal a [`KerberosServer`] runs as unless told otherwise: what ZooKeeper's
/// clients ask for when they reach the server as `localhost`.
pub const SERVICE_PRINCIPAL: &str = "zookeeper/localhost";

/// A standalone ZooKeeper with a Kerberos service principal. Dropping it stops the server and
/// removes its JAAS file (the keytab is the KDC's).
#[derive(Debug)]
pub struct KerberosServer {
    server: ZkServer,
    principal: String,
    _jaas: Jaas,
}

impl KerberosServer {
    /// Starts a server as [`SERVICE_PRINCIPAL`] of `kdc`'s realm and waits until it serves
    /// requests.
    pub fn start(kdc: &Kdc) -> Result<KerberosServer, Error> {
        KerberosServer::start_with(kdc, SERVICE_PRINCIPAL, ServerOptions::default())
    }

    /// Like [`KerberosServer::start`], as `principal` and with more settings (e.g.
    /// `enforce.auth.enabled=true` and `enforce.auth.schemes=sasl` in `extra_config`).
    pub fn start_with(
        kdc: &Kdc,
        principal: &str,
        options: ServerOptions,
    ) -> Result<KerberosServer, Error> {
        let jaas = Jaas::kerberos(kdc, principal)?;
        let mut options = options;
        options.system_properties.extend(jaas.system_properties());
        let server = ZkServer::start_with(options)?;
        Ok(KerberosServer {
            server,
            principal: format!("{principal}@{}", kdc.realm()),
            _jaas: jaas,
        })
    }

    /// `localhost:PORT`: the connect string by the host name of the service principal.
    pub fn connect_string(&self) -> String {
        format!("localhost:{}", self.server.port())
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The service principal, with its realm.
    pub fn principal(&self) -> &str {
        &self.principal
    }

    /// The server (to stop, restart or pause it).
    pub fn server(&mut self) -> &mut ZkServer {
        &mut self.server
    }
}
