//! TLS against real ZooKeeper servers on a `secureClientPort` (zk-testkit's `TlsServer`, with
//! certificates made at run time): mutual TLS naming the client (`x509`), each refusal with
//! its typed cause, the host-name check and its explicit opt-out, reconnects and watch replay
//! over TLS, and configurations that cannot be loaded.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::timeout;
use zk_client::{Client, CreateOptions, Error, EventType, SessionEvent, TlsConfig, TlsFailure};
use zk_testkit::{ClientAuth, Pki, ServerCert, TlsServer};

use crate::support::{wait_event, WAIT};

/// The certificates of this test process, made once.
pub(crate) fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zk-client-tls");
        Pki::generate_in(&dir).unwrap_or_else(|e| panic!("making test certificates: {e}"))
    })
}

fn start(cert: ServerCert, auth: ClientAuth) -> TlsServer {
    TlsServer::start(pki(), cert, auth).unwrap_or_else(|e| panic!("{e}"))
}

/// Trusts the test CA.
fn trusting() -> TlsConfig {
    TlsConfig::new().ca_file(pki().ca_pem())
}

/// Trusts the test CA and presents the client certificate.
fn mutual() -> TlsConfig {
    let (cert, key) = pki().client_identity();
    trusting().identity_files(cert, key)
}

async fn connect(tls: Option<TlsConfig>, connect_string: &str) -> Result<Client, Error> {
    let mut builder = Client::builder()
        .session_timeout(Duration::from_secs(6))
        .connect_timeout(WAIT);
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    builder.connect(connect_string).await
}

/// The TLS failure of a connect that must fail, or a panic saying what came instead.
async fn tls_failure(tls: Option<TlsConfig>, connect_string: &str) -> TlsFailure {
    match connect(tls, connect_string).await {
        Err(Error::Tls { failure, .. }) => failure,
        Err(e) => panic!("expected a TLS failure, got {e:?}"),
        Ok(_) => panic!("expected a TLS failure, connected to {connect_string}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_names_the_client_and_each_refusal_says_why() {
    let server = start(ServerCert::Good, ClientAuth::Need);
    let secure = server.connect_string();

    let client = connect(Some(mutual()), &secure).await.unwrap();
    let who = client.who_am_i().await.unwrap();
    assert!(
        who.iter()
            .any(|c| c.auth_scheme.as_str() == "x509" && c.user.as_str() == pki().client_subject()),
        "{who:?}"
    );
    client
        .create("/tls", b"secret".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    assert_eq!(&client.get_data("/tls").await.unwrap().0[..], b"secret");
    // Megabytes each way, pipelined: writes that fill the socket (TLS records the socket
    // did not take at once must still go out) and replies that span many records.
    let big = vec![7u8; 512 * 1024];
    let writes = (0..16).map(|i| {
        let client = client.clone();
        let big = big.clone();
        async move {
            let path = format!("/tls-big-{i}");
            client
                .create(&path, big, &CreateOptions::persistent())
                .await
                .unwrap();
            client.get_data(&path).await.unwrap().0.len()
        }
    });
    let handles: Vec<_> = writes.map(tokio::spawn).collect();
    for h in handles {
        assert_eq!(timeout(WAIT, h).await.unwrap().unwrap(), big.len());
    }
    client.close().await.unwrap();

    // By a DNS name the certificate holds.
    let by_name = connect(Some(mutual()), &server.connect_string_by_name()).await;
    by_name.unwrap().close().await.unwrap();

    let failure = tls_failure(Some(trusting()), &secure).await;
    assert!(
        matches!(failure, TlsFailure::ClientCertificateRequired(_)),
        "{failure:?}"
    );
    assert!(failure
        .to_string()
        .contains("requires a client certificate"));

    let (cert, key) = pki().stranger_identity();
    let stranger = trusting().identity_files(cert, key);
    let failure = tls_failure(Some(stranger), &secure).await;
    assert!(
        matches!(failure, TlsFailure::ClientCertificateRefused(_)),
        "{failure:?}"
    );

    let (cert, key) = pki().client_identity();
    let wrong_ca = TlsConfig::new()
        .ca_file(pki().other_ca_pem())
        .identity_files(cert, key);
    assert_eq!(
        tls_failure(Some(wrong_ca), &secure).await,
        TlsFailure::UnknownIssuer
    );

    // Plaintext to the TLS port, TLS to the plaintext port: named, never a fallback.
    assert_eq!(tls_failure(None, &secure).await, TlsFailure::TlsPort);
    let plain = server.plain_connect_string();
    assert_eq!(
        tls_failure(Some(mutual()), &plain).await,
        TlsFailure::PlaintextPort
    );
}

/// TLS 1.3 refuses a client certificate after the client's handshake is done (the alert comes
/// on the first read): the causes are the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_1_3_client_certificate_refusals_say_why() {
    // ZooKeeper 3.8's default cipher suites are TLS 1.2 ones.
    let tls13 = [
        "ssl.protocol=TLSv1.3",
        "ssl.enabledProtocols=TLSv1.3",
        "ssl.ciphersuites=TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384",
    ];
    let server = TlsServer::start_with(pki(), ServerCert::Good, ClientAuth::Need, &tls13)
        .unwrap_or_else(|e| panic!("{e}"));
    let secure = server.connect_string();
    let client = connect(Some(mutual()), &secure).await.unwrap();
    let who = client.who_am_i().await.unwrap();
    assert!(
        who.iter().any(|c| c.auth_scheme.as_str() == "x509"),
        "{who:?}"
    );
    client.close().await.unwrap();
    let failure = tls_failure(Some(trusting()), &secure).await;
    assert!(
        matches!(failure, TlsFailure::ClientCertificateRequired(_)),
        "{failure:?}"
    );
    let (cert, key) = pki().stranger_identity();
    let failure = tls_failure(Some(trusting().identity_files(cert, key)), &secure).await;
    assert!(
        matches!(failure, TlsFailure::ClientCertificateRefused(_)),
        "{failure:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_server_certificate_is_refused() {
    let server = start(ServerCert::Expired, ClientAuth::None);
    let failure = tls_failure(Some(trusting()), &server.connect_string()).await;
    assert!(matches!(failure, TlsFailure::Expired(_)), "{failure:?}");
    assert!(failure.to_string().contains("expired"), "{failure}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_name_is_checked_unless_explicitly_not() {
    let server = start(ServerCert::WrongHost, ClientAuth::None);
    let secure = server.connect_string();
    let failure = tls_failure(Some(trusting()), &secure).await;
    match &failure {
        TlsFailure::HostnameMismatch {
            expected,
            presented,
        } => {
            assert_eq!(expected, "127.0.0.1");
            assert!(presented.contains("wrong.example"), "{presented}");
        }
        other => panic!("expected a host-name mismatch, got {other:?}"),
    }
    let lax = trusting().danger_accept_invalid_hostnames(true);
    let client = connect(Some(lax), &secure).await.unwrap();
    client.exists("/").await.unwrap();
    client.close().await.unwrap();
    // The opt-out is for names only: the issuer is still checked.
    let lax_wrong_ca = TlsConfig::new()
        .ca_file(pki().other_ca_pem())
        .danger_accept_invalid_hostnames(true);
    assert_eq!(
        tls_failure(Some(lax_wrong_ca), &secure).await,
        TlsFailure::UnknownIssuer
    );
}

/// The host check accepts what ZooKeeper's Java client accepts (`ZKTrustManager`): the
/// address connected to in an IP subject alternative name, and, in a certificate without
/// subject alternative names, the subject's common name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_check_takes_the_address_connected_to_and_a_lone_common_name() {
    // Only `IP:127.0.0.1`: `localhost` resolves to it, and the address is checked.
    let server = start(ServerCert::IpOnly, ClientAuth::None);
    let client = connect(Some(trusting()), &server.connect_string_by_name())
        .await
        .unwrap_or_else(|e| panic!("an IP SAN of the address connected to: {e}"));
    client.exists("/").await.unwrap();
    client.close().await.unwrap();
    drop(server);
    // Only `CN=localhost`, no subject alternative names: the common name is checked.
    let server = start(ServerCert::CnOnly, ClientAuth::None);
    let client = connect(Some(trusting()), &server.connect_string_by_name())
        .await
        .unwrap_or_else(|e| panic!("a lone CN naming the host: {e}"));
    client.exists("/").await.unwrap();
    client.close().await.unwrap();
    // The common name `localhost` does not name the address 127.0.0.1 (no reverse lookup).
    let failure = tls_failure(Some(trusting()), &server.connect_string()).await;
    match &failure {
        TlsFailure::HostnameMismatch {
            expected,
            presented,
        } => {
            assert_eq!(expected, "127.0.0.1");
            assert!(presented.contains("localhost"), "{presented}");
        }
        other => panic!("expected a host-name mismatch, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_and_watch_replay_run_over_tls() {
    let mut server = start(ServerCert::Good, ClientAuth::Want);
    let secure = server.connect_string();
    // A session that outlives the restart.
    let client = Client::builder()
        .session_timeout(Duration::from_secs(40))
        .tls(trusting())
        .connect(&secure)
        .await
        .unwrap();
    let mut events = client.session_events();
    client
        .create("/w", b"1".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (_, _, watcher) = client.get_data_and_watch("/w").await.unwrap();
    let session = client.session().unwrap();

    server.server().restart().unwrap_or_else(|e| panic!("{e}"));
    // The server reloads the session from its log; the client reconnects over TLS (the
    // same session) and replays the watch, which the change then fires.
    let (event, _) = wait_event(&mut events, "a reconnect", |e| {
        matches!(e, SessionEvent::Connected { .. })
    })
    .await;
    assert!(
        matches!(event, SessionEvent::Connected { session_id, .. } if session_id == session.id),
        "{event:?}"
    );
    let writer = connect(Some(trusting()), &secure).await.unwrap();
    writer.set_data("/w", b"2".to_vec(), None).await.unwrap();
    let event = timeout(WAIT, watcher.changed()).await.unwrap().unwrap();
    assert_eq!(event.event_type, EventType::NodeDataChanged);
    assert_eq!(&client.get_data("/w").await.unwrap().0[..], b"2");
    writer.close().await.unwrap();
    client.close().await.unwrap();
}

#[tokio::test]
async fn unusable_pem_files_are_named() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zk-client-tls-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello\n").unwrap();
    let missing = dir.join("missing.pem");
    let cases = [
        (TlsConfig::new(), "trusts no CA"),
        (TlsConfig::new().ca_file(&missing), "cannot be read"),
        (TlsConfig::new().ca_file(&not_pem), "no PEM `CERTIFICATE`"),
        (
            trusting().identity_files(pki().ca_pem(), &not_pem),
            "no usable private key",
        ),
        (
            trusting().identity_files(pki().client_identity().0, pki().stranger_identity().1),
            "does not go with",
        ),
    ];
    for (config, want) in cases {
        match connect(Some(config), "127.0.0.1:1").await {
            Err(e @ Error::TlsConfig { .. }) => {
                assert!(e.to_string().contains(want), "{e} lacks {want:?}")
            }
            Err(e) => panic!("expected a TLS configuration error ({want}), got {e:?}"),
            Ok(_) => panic!("connected with a bad TLS configuration ({want})"),
        }
    }
}

#[tokio::test]
async fn four_letter_words_go_over_tls() {
    let server = start(ServerCert::Good, ClientAuth::Want);
    let admin = zk_client::admin::Admin::new(&server.connect_string())
        .unwrap()
        .tls(&trusting())
        .unwrap();
    assert!(admin.ruok().await.unwrap());
    let srvr = admin.srvr().await.unwrap();
    assert_eq!(srvr.mode, zk_client::admin::ServerMode::Standalone);
    // The same word in plaintext on the secure port gets no answer.
    let plain = zk_client::admin::Admin::new(&server.connect_string())
        .unwrap()
        .timeout(Duration::from_secs(2));
    assert!(plain.srvr().await.is_err());
}
