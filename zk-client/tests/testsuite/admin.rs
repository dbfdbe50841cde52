//! The four-letter words through `zk_client::admin` against a real server: each parsed word,
//! the raw ones, a word the server does not allow, and a server that is not there; and the
//! AdminServer's commands over HTTP and HTTPS.
use crate::support;

use std::time::Duration;

use zk_client::admin::{Admin, AdminError, ServerMode};
use zk_client::{CreateOptions, Error};
use zk_testkit::{ServerOptions, ZkServer};

#[tokio::test]
async fn every_word_is_answered_and_read() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/fl", b"".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (_, _, _watch) = zk.get_data_and_watch("/fl").await.unwrap();
    let admin = Admin::new(&server.connect_string()).unwrap();

    assert!(admin.ruok().await.unwrap());
    assert!(!admin.isro().await.unwrap());
    let srvr = admin.srvr().await.unwrap();
    assert_eq!(srvr.mode, ServerMode::Standalone);
    assert!(srvr.version.starts_with("3."), "{srvr:?}");
    assert!(srvr.connections >= 1 && srvr.node_count >= 3, "{srvr:?}");
    assert!(srvr.zxid > 0, "{srvr:?}");
    let stat = admin.stat().await.unwrap();
    assert!(!stat.clients.is_empty(), "{stat:?}");
    let mntr = admin.mntr().await.unwrap();
    let znodes = mntr.iter().find(|(k, _)| k == "zk_znode_count");
    assert!(
        znodes.is_some_and(|(_, v)| v.parse::<u64>().is_ok()),
        "{mntr:?}"
    );
    let conf = admin.conf().await.unwrap();
    let port = server.port().to_string();
    assert!(
        conf.iter().any(|(k, v)| k == "clientPort" && *v == port),
        "{conf:?}"
    );
    let envi = admin.envi().await.unwrap();
    assert!(
        envi.iter().any(|(k, _)| k == "zookeeper.version"),
        "{envi:?}"
    );
    let cons = admin.cons().await.unwrap();
    assert!(cons.contains("127.0.0.1"), "{cons}");
    let wchs = admin.wchs().await.unwrap();
    assert!(wchs.contains("1 connections watching 1 paths"), "{wchs}");
    let err = admin.raw("toolong").await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
}

#[tokio::test]
async fn refused_and_unreachable_words_are_typed() {
    // The test kit waits for `ruok` and `srvr`; nothing else is allowed.
    let server = ZkServer::start_with(ServerOptions {
        extra_config: vec!["4lw.commands.whitelist=srvr,ruok".into()],
        ..ServerOptions::default()
    })
    .unwrap_or_else(|e| panic!("starting ZooKeeper: {e}"));
    let admin = Admin::new(&server.connect_string()).unwrap();
    assert_eq!(admin.srvr().await.unwrap().mode, ServerMode::Standalone);
    let err = admin.mntr().await.unwrap_err();
    assert_eq!(
        err,
        Error::Admin(AdminError::NotAllowed {
            word: "mntr".into()
        })
    );

    // A stopped server: its dying process may still take the connection and close it.
    let mut server = server;
    server.stop();
    let gone = Admin::new(&server.connect_string())
        .unwrap()
        .timeout(Duration::from_secs(2));
    let err = gone.ruok().await.unwrap_err();
    assert!(
        matches!(&err, Error::Admin(AdminError::Unreachable { .. })),
        "{err:?}"
    );

    // A port nothing listens on: the error says the connection was refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let nobody = Admin::new(&format!("127.0.0.1:{port}")).unwrap();
    let err = nobody.ruok().await.unwrap_err();
    assert!(
        matches!(&err, Error::Admin(AdminError::Unreachable { reason, .. })
            if reason.starts_with(&format!("connecting to 127.0.0.1:{port}: "))),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("no answer to ruok: connecting to"),
        "{err}"
    );
}

#[tokio::test]
async fn admin_server_commands_answer_json() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let server = ZkServer::start_with(ServerOptions {
        extra_config: vec![
            "admin.enableServer=true".into(),
            "admin.serverAddress=127.0.0.1".into(),
            format!("admin.serverPort={port}"),
        ],
        ..ServerOptions::default()
    })
    .unwrap_or_else(|e| panic!("starting ZooKeeper: {e}"));
    let http = zk_client::admin::AdminServer::new(&format!("127.0.0.1:{port}")).unwrap();
    let ruok = http.command("ruok").await.unwrap();
    assert!(
        ruok.contains("\"command\" : \"ruok\"") || ruok.contains("\"command\":\"ruok\""),
        "{ruok}"
    );
    let monitor = http.command("monitor").await.unwrap();
    assert!(monitor.contains("znode_count"), "{monitor}");
    // An unknown command is answered (status 200) with an `error` member.
    let unknown = http.command("no_such_command").await.unwrap();
    assert!(unknown.contains("Unknown command"), "{unknown}");
    let err = http.command("../etc").await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    drop(server);
}

/// An AdminServer that speaks HTTPS only (`admin.forceHttps`): answered with `tls`, verified
/// against the test CA; plain HTTP gets no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_server_commands_over_https() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let pki = zk_testkit::Pki::generate().unwrap_or_else(|e| panic!("making certificates: {e}"));
    let extra = zk_testkit::admin_https_config(&pki, port);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let server = zk_testkit::TlsServer::start_with(
        &pki,
        zk_testkit::ServerCert::Good,
        zk_testkit::ClientAuth::None,
        &extra,
    )
    .unwrap_or_else(|e| panic!("starting ZooKeeper: {e}"));
    let tls = zk_client::TlsConfig::new().ca_file(pki.ca_pem());
    let https = zk_client::admin::AdminServer::new(&format!("127.0.0.1:{port}"))
        .unwrap()
        .timeout(Duration::from_secs(10))
        .tls(&tls)
        .unwrap();
    // Jetty may take a moment after the client port opens.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let ruok = loop {
        match https.command("ruok").await {
            Ok(answer) => break answer,
            Err(e) => assert!(std::time::Instant::now() < deadline, "{e}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(ruok.contains("ruok"), "{ruok}");
    let monitor = https.command("monitor").await.unwrap();
    assert!(monitor.contains("znode_count"), "{monitor}");
    let plain = zk_client::admin::AdminServer::new(&format!("127.0.0.1:{port}"))
        .unwrap()
        .timeout(Duration::from_secs(3));
    assert!(
        plain.command("ruok").await.is_err(),
        "plain HTTP to an HTTPS-only port"
    );
    drop(server);
}
