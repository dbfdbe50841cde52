//! TLS for tests: a throwaway certificate authority with server and client certificates made
//! at run time ([`Pki`], PKCS12 keystores by `keytool`, PEM files for clients), and a
//! standalone ZooKeeper serving a `secureClientPort` with them ([`TlsServer`]).
//!
//! The server runs ZooKeeper's `NettyServerCnxnFactory` (the NIO factory has no TLS) with the
//! `ssl.*` properties of ZooKeeper's `X509Util` (`ssl.keyStore.*`, `ssl.trustStore.*`,
//! `ssl.clientAuth`) and the `x509` authentication provider, so that a client certificate
//! names the session (`whoAmI` shows scheme `x509` and the certificate's subject). It keeps
//! its plaintext `clientPort` too (the readiness check uses it, and tests of TLS spoken to a
//! plaintext port need one).
//!
//! Needs `keytool` (beside `java`, from the JDK or JRE) and `openssl` (to export the client
//! keys as PEM); a missing one is [`Error::Missing`] with how to get it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::java::java_binary;
use crate::process::{free_port, fresh_temp_dir};
use crate::server::{ServerOptions, ZkServer};
use crate::Error;

/// The password of every keystore made here (they hold throwaway keys).
pub const STORE_PASSWORD: &str = "zk-testkit";

/// A throwaway certificate authority and the certificates tests need, in a temporary
/// directory removed on drop. Every server certificate names `127.0.0.1` and `localhost`
/// unless said otherwise.
#[derive(Debug)]
pub struct Pki {
    dir: PathBuf,
    /// Remove the directory on drop.
    owns_dir: bool,
}

/// Which certificate a [`TlsServer`] presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerCert {
    /// Signed by the CA, valid now, for `127.0.0.1` and `localhost`.
    Good,
    /// Signed by the CA, for `127.0.0.1` and `localhost`, expired two days ago.
    Expired,
    /// Signed by the CA, valid now, for `wrong.example` and `10.255.255.1` only.
    WrongHost,
    /// Signed by the CA, valid now, with one subject alternative name, the IP address
    /// `127.0.0.1` (subject `CN=zk-ip-only`): it names no DNS name.
    IpOnly,
    /// Signed by the CA, valid now, with the subject `CN=localhost` and no subject
    /// alternative names.
    CnOnly,
}

impl ServerCert {
    fn keystore(self) -> &'static str {
        match self {
            ServerCert::Good => "server.p12",
            ServerCert::Expired => "server-expired.p12",
            ServerCert::WrongHost => "server-wrong-host.p12",
            ServerCert::IpOnly => "server-ip-only.p12",
            ServerCert::CnOnly => "server-cn-only.p12",
        }
    }
}

/// Whether a [`TlsServer`] asks for client certificates (ZooKeeper's `ssl.clientAuth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// Every client must present a certificate signed by the CA.
    Need,
    /// A client may present one.
    Want,
    /// Client certificates are not asked for.
    None,
}

impl ClientAuth {
    fn property(self) -> &'static str {
        match self {
            ClientAuth::Need => "need",
            ClientAuth::Want => "want",
            ClientAuth::None => "none",
        }
    }
}

impl Pki {
    /// Makes the CA, the server keystores ([`ServerCert`]), the truststore, a client
    /// certificate (`CN=zk-client,O=zk-testkit`) signed by the CA and one signed by another CA,
    /// in a fresh temporary directory. Takes a few seconds (every `keytool` run is a JVM).
    pub fn generate() -> Result<Pki, Error> {
        let dir = fresh_temp_dir()?;
        let pki = Pki {
            dir,
            owns_dir: true,
        };
        pki.make()?;
        Ok(pki)
    }

    /// Like [`Pki::generate`], in `dir` (emptied first, kept on drop): for a set of
    /// certificates shared by the tests of one process, held in a `static` that is never
    /// dropped, whose files the next run replaces.
    pub fn generate_in(dir: &Path) -> Result<Pki, Error> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("creating {}", dir.display()), e))?;
        let pki = Pki {
            dir: dir.to_owned(),
            owns_dir: false,
        };
        pki.make()?;
        Ok(pki)
    }

    fn make(&self) -> Result<(), Error> {
        self.self_signed("ca", "CN=zk-testkit-CA")?;
        self.self_signed("other-ca", "CN=zk-testkit-other-CA")?;
        let sans = "san=ip:127.0.0.1,dns:localhost";
        self.signed("ca", "server", "CN=localhost", sans, None)?;
        self.signed("ca", "server-expired", "CN=localhost", sans, Some("-3d"))?;
        let wrong = "san=dns:wrong.example,ip:10.255.255.1";
        self.signed("ca", "server-wrong-host", "CN=wrong.example", wrong, None)?;
        let ip_only = "san=ip:127.0.0.1";
        self.signed("ca", "server-ip-only", "CN=zk-ip-only", ip_only, None)?;
        self.signed("ca", "server-cn-only", "CN=localhost", "", None)?;
        self.keytool("-importcert -noprompt -alias ca -file ca.pem -keystore trust.p12")?;
        self.signed("ca", "client", "CN=zk-client,O=zk-testkit", "", None)?;
        self.signed("other-ca", "stranger", "CN=stranger", "", None)?;
        self.export_key("client")?;
        self.export_key("stranger")
    }

    /// The directory holding every file.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate (PEM), which signs every server certificate and `client.pem`.
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Another CA's certificate (PEM), which signs no server certificate.
    pub fn other_ca_pem(&self) -> PathBuf {
        self.dir.join("other-ca.pem")
    }

    /// The client certificate (PEM) signed by the CA, and its private key (PEM, PKCS#8).
    pub fn client_identity(&self) -> (PathBuf, PathBuf) {
        (self.dir.join("client.pem"), self.dir.join("client-key.pem"))
    }

    /// A client certificate signed by the other CA (the servers do not trust it), and its key.
    pub fn stranger_identity(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.join("stranger.pem"),
            self.dir.join("stranger-key.pem"),
        )
    }

    /// The subject ZooKeeper's `x509` provider names the session with for `client.pem`.
    pub fn client_subject(&self) -> &'static str {
        "CN=zk-client,O=zk-testkit"
    }

    /// A self-signed CA: `NAME.p12` and `NAME.pem`.
    fn self_signed(&self, name: &str, dname: &str) -> Result<(), Error> {
        self.keytool(&format!(
            "-genkeypair -alias {name} -keyalg EC -groupname secp256r1 -dname {dname} \
             -ext bc:c -validity 30 -keystore {name}.p12"
        ))?;
        self.keytool(&format!(
            "-exportcert -rfc -alias {name} -keystore {name}.p12 -file {name}.pem"
        ))
    }

    /// A key pair in `NAME.p12` whose certificate `ca` signs (with the extension `ext` when
    /// given; from `start` days for one day when given, else for 30 days from now): the
    /// keystore holds the chain, `NAME.pem` the certificate.
    fn signed(
        &self,
        ca: &str,
        name: &str,
        dname: &str,
        ext: &str,
        start: Option<&str>,
    ) -> Result<(), Error> {
        self.keytool(&format!(
            "-genkeypair -alias {name} -keyalg EC -groupname secp256r1 -dname {dname} \
             -validity 30 -keystore {name}.p12"
        ))?;
        self.keytool(&format!(
            "-certreq -alias {name} -keystore {name}.p12 -file {name}.csr"
        ))?;
        let validity = match start {
            Some(s) => format!("-startdate {s} -validity 1"),
            None => "-validity 30".into(),
        };
        let ext = if ext.is_empty() {
            String::new()
        } else {
            format!("-ext {ext}")
        };
        self.keytool(&format!(
            "-gencert -rfc -alias {ca} -keystore {ca}.p12 -infile {name}.csr -outfile {name}.pem \
             {validity} {ext}"
        ))?;
        // The reply's issuer must be in the keystore before the reply is.
        self.keytool(&format!(
            "-importcert -noprompt -alias {ca} -file {ca}.pem -keystore {name}.p12"
        ))?;
        self.keytool(&format!(
            "-importcert -noprompt -alias {name} -file {name}.pem -keystore {name}.p12"
        ))
    }

    /// Writes the private key of `NAME.p12` to `NAME-key.pem` (PKCS#8), with `openssl`. The
    /// detour through `openssl ec` puts the public key into the encoding, which keytool leaves
    /// out and ring (rustls' provider) requires.
    fn export_key(&self, name: &str) -> Result<(), Error> {
        let pass = format!("pass:{STORE_PASSWORD}");
        let openssl = |args: &[&str]| {
            run(
                Command::new("openssl").args(args).current_dir(&self.dir),
                "openssl",
                "apt-get install -y openssl",
            )
        };
        let (raw, sec1) = (format!("{name}-raw.pem"), format!("{name}-sec1.pem"));
        let (store, out) = (format!("{name}.p12"), format!("{name}-key.pem"));
        openssl(&[
            "pkcs12", "-in", &store, "-nocerts", "-nodes", "-passin", &pass, "-out", &raw,
        ])?;
        openssl(&["ec", "-in", &raw, "-out", &sec1])?;
        openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", &sec1, "-out", &out])
    }

    /// Runs `keytool ARGS` (split at white space) in the directory, with the store password
    /// and type.
    fn keytool(&self, args: &str) -> Result<(), Error> {
        let keytool = java_binary()
            .and_then(|j| j.parent().map(|bin| bin.join("keytool")))
            .filter(|k| k.is_file())
            .unwrap_or_else(|| PathBuf::from("keytool"));
        run(
            Command::new(&keytool)
                .args(args.split_whitespace())
                .args(["-storetype", "PKCS12", "-storepass", STORE_PASSWORD])
                .current_dir(&self.dir),
            "keytool",
            "it comes with Java: apt-get install -y zookeeper (or default-jre-headless)",
        )
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Runs `cmd` (named `tool`), failing with its output, or with `install` when it is missing.
fn run(cmd: &mut Command, tool: &str, install: &str) -> Result<(), Error> {
    let shown = format!(
        "{tool} {}",
        cmd.get_args()
            .map(OsStr::to_string_lossy)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Missing(format!("{tool} not found ({install})"))
        } else {
            Error::Io(format!("running {shown}"), e)
        }
    })?;
    if out.status.success() {
        return Ok(());
    }
    Err(Error::NotReady(format!(
        "`{shown}` failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )))
}

/// A standalone ZooKeeper serving TLS on a `secureClientPort` (and plaintext on its
/// `clientPort`), with a keystore and truststore of a [`Pki`].
#[derive(Debug)]
pub struct TlsServer {
    server: ZkServer,
    secure_port: u16,
}

impl TlsServer {
    /// Starts a server presenting `cert`, asking for client certificates as `client_auth`
    /// says, and waits until it serves requests.
    pub fn start(pki: &Pki, cert: ServerCert, client_auth: ClientAuth) -> Result<TlsServer, Error> {
        TlsServer::start_with(pki, cert, client_auth, &[])
    }

    /// Like [`TlsServer::start`], with extra `zoo.cfg` lines (e.g. `ssl.protocol=TLSv1.3`;
    /// ZooKeeper 3.8 speaks TLS 1.2 unless told otherwise).
    pub fn start_with(
        pki: &Pki,
        cert: ServerCert,
        client_auth: ClientAuth,
        extra: &[&str],
    ) -> Result<TlsServer, Error> {
        let options = ServerOptions {
            extra_config: extra.iter().map(|line| line.to_string()).collect(),
            ..ServerOptions::default()
        };
        TlsServer::start_with_options(pki, cert, client_auth, options)
    }

    /// Like [`TlsServer::start`], with `options` (the TLS lines are added to its
    /// `extra_config`; its system properties are kept: e.g. SASL through a
    /// [`Jaas`](crate::Jaas) file's).
    pub fn start_with_options(
        pki: &Pki,
        cert: ServerCert,
        client_auth: ClientAuth,
        options: ServerOptions,
    ) -> Result<TlsServer, Error> {
        let mut last = None;
        // A picked port can be taken before Java binds it: retry with others.
        for _ in 0..3 {
            let secure_port = free_port()?;
            let mut options = options.clone();
            let mut extra_config = tls_config(pki, cert, client_auth, secure_port);
            extra_config.append(&mut options.extra_config);
            options.extra_config = extra_config;
            match ZkServer::start_with(options) {
                Ok(server) => {
                    return Ok(TlsServer {
                        server,
                        secure_port,
                    })
                }
                Err(e) if e.to_string().contains("already in use") => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::NotReady("no attempt was made".into())))
    }

    /// The TLS port.
    pub fn secure_port(&self) -> u16 {
        self.secure_port
    }

    /// `127.0.0.1:SECURE_PORT`, a connect string for the TLS port.
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.secure_port)
    }

    /// `localhost:SECURE_PORT`, the TLS port by a DNS name the certificate holds.
    pub fn connect_string_by_name(&self) -> String {
        format!("localhost:{}", self.secure_port)
    }

    /// The plaintext port.
    pub fn plain_port(&self) -> u16 {
        self.server.port()
    }

    /// `127.0.0.1:PORT`, the plaintext port.
    pub fn plain_connect_string(&self) -> String {
        self.server.connect_string()
    }

    /// The server under it (to stop, restart or pause it; its `port` is the plaintext one).
    pub fn server(&mut self) -> &mut ZkServer {
        &mut self.server
    }
}

/// The `zoo.cfg` lines for TLS: the Netty factory, the secure port on loopback, the stores,
/// client authentication and the `x509` provider.
/// `zoo.cfg` lines for an AdminServer that speaks HTTPS only (`admin.forceHttps`) on
/// `127.0.0.1:admin_port`, with `pki`'s good server certificate; ZooKeeper's AdminServer takes
/// its keys from the `ssl.quorum.*` settings.
pub fn admin_https_config(pki: &Pki, admin_port: u16) -> Vec<String> {
    let dir = pki.dir().display();
    vec![
        "admin.enableServer=true".into(),
        "admin.serverAddress=127.0.0.1".into(),
        format!("admin.serverPort={admin_port}"),
        "admin.forceHttps=true".into(),
        format!(
            "ssl.quorum.keyStore.location={dir}/{}",
            ServerCert::Good.keystore()
        ),
        format!("ssl.quorum.keyStore.password={STORE_PASSWORD}"),
        "ssl.quorum.keyStore.type=PKCS12".into(),
        format!("ssl.quorum.trustStore.location={dir}/trust.p12"),
        format!("ssl.quorum.trustStore.password={STORE_PASSWORD}"),
        "ssl.quorum.trustStore.type=PKCS12".into(),
    ]
}

pub(crate) fn tls_config(
    pki: &Pki,
    cert: ServerCert,
    auth: ClientAuth,
    secure_port: u16,
) -> Vec<String> {
    let dir = pki.dir().display();
    vec![
        "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory".into(),
        format!("secureClientPort={secure_port}"),
        "secureClientPortAddress=127.0.0.1".into(),
        format!("ssl.keyStore.location={dir}/{}", cert.keystore()),
        format!("ssl.keyStore.password={STORE_PASSWORD}"),
        "ssl.keyStore.type=PKCS12".into(),
        format!("ssl.trustStore.location={dir}/trust.p12"),
        format!("ssl.trustStore.password={STORE_PASSWORD}"),
        "ssl.trustStore.type=PKCS12".into(),
        format!("ssl.clientAuth={}", auth.property()),
        "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider".into(),
    ]
}
