//! Kerberos (SASL GSSAPI, the `gssapi` feature) against a real ZooKeeper with a
//! `Krb5LoginModule` JAAS section and a throwaway MIT KDC on loopback (zk-testkit's `Kdc` and
//! `KerberosServer`): the session's identity, each refusal with its reason (no ticket, an
//! expired ticket, a server principal the KDC does not know, a server that cannot read the
//! ticket), never a hang, re-authentication on a reconnect, an `enforce.auth.enabled` server,
//! and Kerberos over TLS.
//!
//! The Kerberos library reads its configuration and ticket cache from the process
//! environment (`KRB5_CONFIG`, `KRB5CCNAME`), so the tests of this process share one KDC,
//! set once, and one cache collection (`DIR:`) holding a cache per client principal; each
//! test picks its principal with `GssapiConfig::client_principal`.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use zk_client::{
    Acl, Client, ClientInfo, CreateOptions, Error, GssapiConfig, Id, Perms, SessionEvent,
    SessionState, TlsConfig,
};
use zk_testkit::{ClientAuth, Jaas, Kdc, KerberosServer, ServerCert, ServerOptions, TlsServer};

use crate::support;

/// Far longer than any answer takes: reaching it means the client hung.
const GENEROUS: Duration = Duration::from_secs(60);

/// The realm of this test process: its KDC and the ticket cache collection.
struct Realm {
    kdc: Kdc,
    /// The collection (`DIR:` directory) `KRB5CCNAME` names.
    caches: std::path::PathBuf,
}

/// Starts the KDC, points the Kerberos library at it, and gets `alice` a ticket.
fn realm() -> &'static Realm {
    static REALM: OnceLock<Realm> = OnceLock::new();
    REALM.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zk-client-kdc");
        let kdc = Kdc::start_in(&dir).unwrap_or_else(|e| panic!("starting the KDC: {e}"));
        let caches = dir.join("caches");
        std::fs::create_dir_all(&caches).unwrap();
        // Process-wide, once, before the first Kerberos call of this process.
        for (name, value) in kdc.client_env() {
            std::env::set_var(name, value);
        }
        std::env::set_var("KRB5CCNAME", format!("DIR:{}", caches.display()));
        let realm = Realm { kdc, caches };
        realm.kinit("alice", None);
        realm
    })
}

impl Realm {
    /// Adds `user` (unless known) and puts a ticket for it, valid for `lifetime`, into its
    /// own cache of the collection.
    fn kinit(&self, user: &str, lifetime: Option<&str>) {
        let keytab = self.kdc.add_principal(user).unwrap();
        let cache = format!("DIR::{}/tkt-{user}", self.caches.display());
        self.kdc.kinit(user, &keytab, &cache, lifetime).unwrap();
    }
}

/// The Kerberos settings of client principal `user`.
fn as_user(user: &str) -> GssapiConfig {
    GssapiConfig::new().client_principal(format!("{user}@{}", zk_testkit::REALM))
}

fn start(options: ServerOptions) -> KerberosServer {
    KerberosServer::start_with(&realm().kdc, zk_testkit::SERVICE_PRINCIPAL, options)
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn connect(connect_string: &str, config: GssapiConfig) -> Result<Client, Error> {
    connect_with(connect_string, config, None).await
}

async fn connect_with(
    connect_string: &str,
    config: GssapiConfig,
    tls: Option<TlsConfig>,
) -> Result<Client, Error> {
    let mut builder = Client::builder()
        // Longer than GENEROUS: a refusal must not wait for it.
        .connect_timeout(GENEROUS * 2)
        .session_timeout(support::OUTLIVES_RESTART)
        .sasl_gssapi(config);
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    tokio::time::timeout(GENEROUS, builder.connect(connect_string))
        .await
        .unwrap_or_else(|_| panic!("connecting to {connect_string} hung"))
}

/// The reason of an `AuthFailed`, or a panic saying what came instead.
fn auth_failure(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::AuthFailed { reason }) => reason,
        Err(e) => panic!("expected AuthFailed, got {e:?}"),
        Ok(_) => panic!("expected AuthFailed, connected"),
    }
}

fn alice() -> ClientInfo {
    ClientInfo {
        auth_scheme: "sasl".into(),
        user: format!("alice@{}", zk_testkit::REALM).into(),
    }
}

#[tokio::test]
async fn kerberos_names_the_session_and_acls_follow() {
    let server = start(ServerOptions::default());
    let zk = connect(&server.connect_string(), as_user("alice"))
        .await
        .unwrap();
    assert_eq!(zk.state(), SessionState::Connected);
    let who = zk.who_am_i().await.unwrap();
    assert!(who.contains(&alice()), "{who:?}");
    let alice_only = vec![Acl {
        perms: Perms::ALL.bits(),
        id: Id {
            scheme: "sasl".into(),
            id: alice().user,
        },
    }];
    let private = CreateOptions::persistent().with_acl(alice_only);
    zk.create("/k", b"v".to_vec(), &private).await.unwrap();
    let (data, _) = zk.get_data("/k").await.unwrap();
    assert_eq!(&data[..], b"v");
    let nobody = support::connect_to(&format!("127.0.0.1:{}", server.port())).await;
    assert_eq!(
        nobody.get_data("/k").await.map(|_| ()),
        Err(Error::NoAuth { path: "/k".into() })
    );
}

#[tokio::test]
async fn without_a_ticket_the_session_fails_with_the_reason() {
    let server = start(ServerOptions::default());
    realm().kdc.add_principal("nobody").unwrap();
    let reason = auth_failure(connect(&server.connect_string(), as_user("nobody")).await);
    assert!(
        reason.contains("no usable Kerberos credentials for nobody@ZK.TEST"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_expired_ticket_fails_with_the_reason() {
    let server = start(ServerOptions::default());
    realm().kinit("brief", Some("2s"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let reason = auth_failure(connect(&server.connect_string(), as_user("brief")).await);
    assert!(reason.to_lowercase().contains("expired"), "{reason}");
}

#[tokio::test]
async fn a_server_principal_the_kdc_does_not_know_fails_with_the_reason() {
    let server = start(ServerOptions::default());
    // By address, the principal asked for is zookeeper/127.0.0.1: not in the realm.
    let by_address = format!("127.0.0.1:{}", server.port());
    let reason = auth_failure(connect(&by_address, as_user("alice")).await);
    assert!(reason.contains("zookeeper/127.0.0.1"), "{reason}");
    assert!(
        reason.contains("not found in Kerberos database"),
        "{reason}"
    );
    // The same principal named explicitly, or another service name.
    let named = as_user("alice").server_principal("zookeeper/nowhere");
    let reason = auth_failure(connect(&server.connect_string(), named).await);
    assert!(reason.contains("zookeeper/nowhere"), "{reason}");
    let service = as_user("alice").service("zk");
    let reason = auth_failure(connect(&server.connect_string(), service).await);
    assert!(reason.contains("zk/localhost"), "{reason}");
}

#[tokio::test]
async fn a_server_that_cannot_read_the_ticket_refuses_it() {
    let server = start(ServerOptions::default());
    // A ticket for another service of the realm: the server's key does not open it.
    realm().kdc.add_principal("zookeeper/elsewhere").unwrap();
    let other = as_user("alice").server_principal("zookeeper/elsewhere");
    let reason = auth_failure(connect(&server.connect_string(), other).await);
    assert!(reason.contains("AUTHFAILED"), "{reason}");
}

#[tokio::test]
async fn every_reconnect_authenticates_again() {
    let mut server = start(ServerOptions::default());
    let zk = connect(&server.connect_string(), as_user("alice"))
        .await
        .unwrap();
    let session = zk.session().map(|s| s.id);
    let mut events = zk.session_events();
    server.server().restart().unwrap();
    support::wait_event(&mut events, "the reconnect", |e| {
        matches!(e, SessionEvent::Connected { .. })
    })
    .await;
    let who = tokio::time::timeout(GENEROUS, zk.who_am_i())
        .await
        .expect("no reply after the restart")
        .unwrap();
    assert!(who.contains(&alice()), "{who:?}");
    assert_eq!(zk.session().map(|s| s.id), session);
}

#[tokio::test]
async fn an_enforce_auth_server_serves_a_kerberos_session() {
    let server = start(ServerOptions {
        extra_config: vec![
            "enforce.auth.enabled=true".into(),
            "enforce.auth.schemes=sasl".into(),
        ],
        ..ServerOptions::default()
    });
    let zk = connect(&server.connect_string(), as_user("alice"))
        .await
        .unwrap();
    zk.create("/enforced", b"x".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let nobody = support::connect_to(&server.connect_string()).await;
    assert_eq!(
        nobody.get_data("/enforced").await.map(|_| ()),
        Err(Error::AuthRequired {
            path: "/enforced".into()
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kerberos_over_tls() {
    let pki = crate::tls::pki();
    let jaas = Jaas::kerberos(&realm().kdc, zk_testkit::SERVICE_PRINCIPAL).unwrap();
    let options = ServerOptions {
        system_properties: jaas.system_properties(),
        ..ServerOptions::default()
    };
    let server = TlsServer::start_with_options(pki, ServerCert::Good, ClientAuth::None, options)
        .unwrap_or_else(|e| panic!("{e}"));
    let tls = TlsConfig::new().ca_file(pki.ca_pem());
    let zk = connect_with(
        &server.connect_string_by_name(),
        as_user("alice"),
        Some(tls),
    )
    .await
    .unwrap();
    let who = zk.who_am_i().await.unwrap();
    assert!(who.contains(&alice()), "{who:?}");
}
