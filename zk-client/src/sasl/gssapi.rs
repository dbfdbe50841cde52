//! SASL GSSAPI (RFC 4752) on the system's Kerberos library, through `libgssapi` (MIT or
//! Heimdal GSS-API): a security context with the ticket cache's credentials and mutual
//! authentication, then the security-layer negotiation, where the client chooses no security
//! layer (ZooKeeper's servers use `qop=auth`). Pure state machine: no I/O of its own, except
//! what the Kerberos library does (the ticket cache, the KDC for a service ticket), which is
//! why the session runs [`GssapiClient::start`] on a blocking thread.

use libgssapi::context::{ClientCtx, CtxFlags, SecurityContext};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::name::Name;
use libgssapi::oid::{OidSet, GSS_MECH_KRB5, GSS_NT_HOSTBASED_SERVICE, GSS_NT_KRB5_PRINCIPAL};

/// The service part of the server principal unless configured: ZooKeeper's default
/// (`zookeeper.sasl.client.username`).
pub const DEFAULT_SERVICE: &str = "zookeeper";

/// RFC 4752's security-layer bit for "no security layer".
const NO_SECURITY_LAYER: u8 = 1;

/// Kerberos (SASL GSSAPI) settings: which server principal to ask a service ticket for, and
/// which of the ticket cache's principals to authenticate as.
///
/// The server principal is, as in ZooKeeper's Java client, `<service>/<host>` with the
/// service `zookeeper` (Java's `zookeeper.sasl.client.username`) and the host name of the
/// server as written in the connect string, asked for as the host-based service
/// `<service>@<host>`, so that the Kerberos library canonicalizes the host name as its
/// `krb5.conf` says (`dns_canonicalize_hostname`, `rdns`: by default forward and reverse DNS,
/// what Java's `zookeeper.sasl.client.canonicalize.hostname` does) and finds the realm
/// (`[domain_realm]`, else the default realm). [`GssapiConfig::server_principal`] names one
/// principal for every server instead (Java's `zookeeper.server.principal`).
///
/// The client's credentials come from the default ticket cache (`KRB5CCNAME`, e.g. filled by
/// `kinit`); with a cache collection (`DIR:`, `KEYRING:`, `KCM:`),
/// [`GssapiConfig::client_principal`] picks the ticket of one principal.
///
/// The Kerberos library's calls (reading the cache, asking the KDC for a service ticket) run
/// on tokio's blocking pool, inside the connection attempt's timeout. A KDC that never
/// answers makes the attempt time out as usual, but the call itself runs on until the
/// library's own KDC timeout; dropping a runtime waits for such calls, so a program that must
/// exit at once ends its runtime with `Runtime::shutdown_background` (as `zk` does).
///
/// ```no_run
/// # async fn demo() -> Result<(), zk_client::Error> {
/// use zk_client::{Client, GssapiConfig};
///
/// // After `kinit alice@EXAMPLE.COM`: authenticates to zookeeper/zk1.example.com.
/// let client = Client::builder()
///     .sasl_gssapi(GssapiConfig::new())
///     .connect("zk1.example.com:2181")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GssapiConfig {
    service: String,
    server_principal: Option<String>,
    client_principal: Option<String>,
}

impl Default for GssapiConfig {
    fn default() -> Self {
        GssapiConfig::new()
    }
}

impl GssapiConfig {
    /// The service `zookeeper`, the host of each server, the ticket cache's default
    /// principal.
    pub fn new() -> GssapiConfig {
        GssapiConfig {
            service: DEFAULT_SERVICE.into(),
            server_principal: None,
            client_principal: None,
        }
    }

    /// The service part of the server principal (`<service>/<host>`; default `zookeeper`).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// One server principal for every server (`zookeeper/zk.example.com@EXAMPLE.COM`; the
    /// default realm when the realm is left out), instead of `<service>/<host>`.
    pub fn server_principal(mut self, principal: impl Into<String>) -> Self {
        self.server_principal = Some(principal.into());
        self
    }

    /// Authenticates as `principal` (`alice@EXAMPLE.COM`), whose ticket must be in the
    /// ticket cache (collection), instead of as the cache's default principal.
    pub fn client_principal(mut self, principal: impl Into<String>) -> Self {
        self.client_principal = Some(principal.into());
        self
    }

    /// The server principal for a server reached as `host`, as the Kerberos library is
    /// asked for it (a host-based service `service@host`, or the configured principal).
    pub(crate) fn target(&self, host: &str) -> Target {
        match &self.server_principal {
            Some(principal) => Target::Principal(principal.clone()),
            None => Target::HostBased(format!("{}@{host}", self.service)),
        }
    }
}

/// A server principal, as given to the Kerberos library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `service@host`, canonicalized by the library.
    HostBased(String),
    /// A Kerberos principal name, used as it is.
    Principal(String),
}

impl Target {
    /// The name as Kerberos writes it, for messages (`zookeeper/host`).
    fn shown(&self) -> String {
        match self {
            Target::HostBased(name) => name.replacen('@', "/", 1),
            Target::Principal(name) => name.clone(),
        }
    }
}

/// Where the exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Establishing the security context: the server's tokens go to the library.
    Context,
    /// The context is established: the next token is the server's security-layer offer.
    SecurityLayer,
    /// The client's choice went out: the server's answer ends the exchange.
    Done,
}

/// The client side of one SASL GSSAPI exchange.
pub(crate) struct GssapiClient {
    ctx: ClientCtx,
    phase: Phase,
    target: String,
}

impl GssapiClient {
    /// Acquires the client's credentials, starts the security context for the server reached
    /// as `host`, and returns the client with its first token. Blocking: the Kerberos library
    /// reads the ticket cache and asks the KDC for a service ticket.
    pub(crate) fn start(config: &GssapiConfig, host: &str) -> Result<(Self, Vec<u8>), String> {
        let target = config.target(host);
        let shown = target.shown();
        let mechs = OidSet::singleton(GSS_MECH_KRB5)
            .map_err(|e| format!("Kerberos is not available in the GSS-API library: {e}"))?;
        let client = match &config.client_principal {
            Some(p) => Some(
                Name::new(p.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL))
                    .map_err(|e| format!("bad client principal {p:?}: {e}"))?,
            ),
            None => None,
        };
        let cred = Cred::acquire(client.as_ref(), None, CredUsage::Initiate, Some(&mechs))
            .map_err(|e| {
                let who = config.client_principal.as_deref().unwrap_or("the default principal");
                format!("no usable Kerberos credentials for {who} in the ticket cache (run kinit?): {e}")
            })?;
        let name = match &target {
            Target::HostBased(name) => Name::new(name.as_bytes(), Some(GSS_NT_HOSTBASED_SERVICE)),
            Target::Principal(name) => Name::new(name.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL)),
        }
        .map_err(|e| format!("bad server principal {shown:?}: {e}"))?;
        let flags = CtxFlags::GSS_C_MUTUAL_FLAG | CtxFlags::GSS_C_INTEG_FLAG;
        let mut ctx = ClientCtx::new(Some(cred), name, flags, Some(GSS_MECH_KRB5));
        let first = ctx
            .step(None, None)
            .map_err(|e| format!("Kerberos could not start a context with {shown}: {e}"))?
            .map(|token| token.to_vec())
            .unwrap_or_default();
        let client = GssapiClient {
            ctx,
            phase: Phase::Context,
            target: shown,
        };
        Ok((client, first))
    }

    /// Takes the server's answer (`None` for a null or empty token) and returns the next
    /// token to send, or `None` when the exchange is over.
    pub(crate) fn step(&mut self, server: Option<&[u8]>) -> Result<Option<Vec<u8>>, String> {
        match self.phase {
            Phase::Context => {
                let token = server.ok_or_else(|| {
                    format!(
                        "the server sent no token to go on with Kerberos ({}): is its JAAS \
                         `Server` section a Krb5LoginModule?",
                        self.target
                    )
                })?;
                let next = self.ctx.step(Some(token), None).map_err(|e| {
                    format!(
                        "the server's Kerberos answer failed verification ({}): {e}",
                        self.target
                    )
                })?;
                if self.ctx.is_complete() {
                    // The server must have proven its identity, not only the client.
                    let flags = self
                        .ctx
                        .flags()
                        .map_err(|e| format!("the Kerberos context's flags cannot be read: {e}"))?;
                    if !flags.contains(CtxFlags::GSS_C_MUTUAL_FLAG) {
                        return Err(format!(
                            "the server did not prove its identity ({}): no mutual \
                             authentication",
                            self.target
                        ));
                    }
                    self.phase = Phase::SecurityLayer;
                }
                // Once complete without a token of its own, the client sends an empty one
                // (as Java's does) to ask for the security-layer offer.
                Ok(Some(next.map(|t| t.to_vec()).unwrap_or_default()))
            }
            Phase::SecurityLayer => {
                let token = server.ok_or_else(|| {
                    "the server sent no security-layer offer after the Kerberos context".to_string()
                })?;
                let offer = self.ctx.unwrap(token).map_err(|e| {
                    format!("the server's security-layer offer does not unwrap: {e}")
                })?;
                let choice = choose_layer(&offer)?;
                let wrapped = self
                    .ctx
                    .wrap(false, &choice)
                    .map_err(|e| format!("wrapping the security-layer choice failed: {e}"))?;
                self.phase = Phase::Done;
                Ok(Some(wrapped.to_vec()))
            }
            Phase::Done => Ok(None),
        }
    }
}

/// The client's answer to the server's (unwrapped) security-layer offer: four bytes, the
/// layers it supports (a bit mask) and its largest buffer; the answer chooses "no security
/// layer" with a buffer size of 0 and no authorization identity (the server then uses the
/// authenticated principal).
pub(crate) fn choose_layer(offer: &[u8]) -> Result<[u8; 4], String> {
    let layers = match offer {
        [layers, _, _, _] => *layers,
        _ => {
            return Err(format!(
                "bad security-layer offer: expected 4 bytes, found {}",
                offer.len()
            ))
        }
    };
    if layers & NO_SECURITY_LAYER == 0 {
        return Err(format!(
            "the server offers only security layers this client does not speak (mask \
             {layers:#04x}; expected {NO_SECURITY_LAYER:#04x}, no layer, as with qop=auth)"
        ));
    }
    Ok([NO_SECURITY_LAYER, 0, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_javas_rules() {
        let config = GssapiConfig::new();
        assert_eq!(
            config.target("zk1.example.com"),
            Target::HostBased("zookeeper@zk1.example.com".into())
        );
        let named = config.clone().service("zk");
        assert_eq!(named.target("h").shown(), "zk/h");
        let fixed = named.server_principal("zookeeper/zk@EXAMPLE.COM");
        assert_eq!(
            fixed.target("anything"),
            Target::Principal("zookeeper/zk@EXAMPLE.COM".into())
        );
    }

    #[test]
    fn the_client_chooses_no_security_layer() {
        // ZooKeeper's qop=auth: only "no layer" offered, with Java's 64 KiB buffer.
        assert_eq!(choose_layer(&[1, 0x01, 0, 0]), Ok([1, 0, 0, 0]));
        // Every layer offered: still none chosen.
        assert_eq!(choose_layer(&[7, 0, 0x10, 0]), Ok([1, 0, 0, 0]));
        let only_privacy = choose_layer(&[4, 0, 0x10, 0]).unwrap_err();
        assert!(only_privacy.contains("0x04"), "{only_privacy}");
        let short = choose_layer(&[1, 0]).unwrap_err();
        assert!(short.contains("expected 4 bytes, found 2"), "{short}");
    }
}
