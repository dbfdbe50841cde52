//! The four-letter words through `zk_client::admin` against a real server: each parsed word,
//! the raw ones, a word the server does not allow, and a server that is not there; and the
//! AdminServer's HTTP commands.
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

    // A port nothing listens on (the server's, once stopped).
    let mut server = server;
    server.stop();
    let gone = Admin::new(&server.connect_string())
        .unwrap()
        .timeout(Duration::from_secs(2));
    let err = gone.ruok().await.unwrap_err();
    assert!(
        matches!(err, Error::Admin(AdminError::Unreachable { .. })),
        "{err:?}"
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
