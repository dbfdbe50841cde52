//! Faults against a real ZooKeeper server: restarts, outages, hung servers, expiry, idleness.
use crate::support;

use std::time::{Duration, Instant};

use tokio::time::timeout;
use zk_client::{Client, CreateOptions, Error, EventType, KeeperState, SessionState};

const WAIT: Duration = Duration::from_secs(20);

async fn client_with_timeout(connect: &str, session: Duration) -> Client {
    Client::builder()
        .session_timeout(session)
        .connect(connect)
        .await
        .unwrap()
}

#[tokio::test]
async fn reconnects_after_restart_keeping_session_and_watches() {
    let mut server = support::start_server();
    let zk = client_with_timeout(&server.connect_string(), support::OUTLIVES_RESTART).await;
    let session = zk.session().unwrap();
    zk.create("/eph", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    zk.create("/x", b"0".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (_, created) = zk.exists_and_watch("/later").await.unwrap();
    let (_, _, changed) = zk.get_data_and_watch("/x").await.unwrap();
    let mut states = zk.state_watcher();

    server.stop();
    let s = timeout(WAIT, states.wait_for(|s| *s == SessionState::Disconnected))
        .await
        .unwrap();
    assert_eq!(s, Some(SessionState::Disconnected));
    // A request issued while the server is down waits for the reconnect.
    let waiting = tokio::spawn({
        let zk = zk.clone();
        async move { zk.exists("/x").await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the request waits for a connection");

    server.restart().unwrap();
    let s = timeout(WAIT, states.wait_for(|s| *s == SessionState::Connected))
        .await
        .unwrap();
    assert_eq!(s, Some(SessionState::Connected));
    let found = timeout(WAIT, waiting).await.unwrap().unwrap().unwrap();
    assert!(found.is_some(), "sent after the reconnect");
    assert_eq!(zk.session().unwrap().id, session.id, "same session");
    assert!(zk.exists("/eph").await.unwrap().is_some(), "ephemeral kept");

    // The watches were set again on the new connection.
    let other = support::connect(&server).await;
    other
        .create("/later", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    other.set_data("/x", b"1".to_vec(), None).await.unwrap();
    let e = timeout(WAIT, created.changed()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeCreated, "/later")
    );
    let e = timeout(WAIT, changed.changed()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeDataChanged, "/x")
    );
}

#[tokio::test]
async fn changes_missed_while_disconnected_fire_on_reconnect() {
    let mut server = support::start_server();
    let zk = client_with_timeout(&server.connect_string(), support::OUTLIVES_RESTART).await;
    zk.create("/y", b"0".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (_, _, changed) = zk.get_data_and_watch("/y").await.unwrap();
    let mut states = zk.state_watcher();
    server.stop();
    timeout(WAIT, states.wait_for(|s| *s == SessionState::Disconnected))
        .await
        .unwrap();
    server.restart().unwrap();
    // Another client changes the node before ours is back: SetWatches2 carries our last
    // zxid, so the server fires the watch at once.
    let other = Client::builder()
        .session_timeout(Duration::from_secs(10))
        .connect(&server.connect_string())
        .await
        .unwrap();
    other.set_data("/y", b"1".to_vec(), None).await.unwrap();
    let e = timeout(WAIT, changed.changed()).await.unwrap().unwrap();
    assert_eq!(e.event_type, EventType::NodeDataChanged);
}

#[tokio::test]
async fn hung_server_is_detected_by_read_timeout() {
    let server = support::start_server();
    let zk = client_with_timeout(&server.connect_string(), Duration::from_secs(3)).await;
    let negotiated = zk.session().unwrap().timeout;
    assert_eq!(negotiated, Duration::from_secs(3));
    let mut states = zk.state_watcher();
    let paused_at = Instant::now();
    server.pause();
    let s = timeout(WAIT, states.wait_for(|s| *s == SessionState::Disconnected))
        .await
        .unwrap();
    let noticed = paused_at.elapsed();
    server.resume();
    assert_eq!(s, Some(SessionState::Disconnected));
    // Silence for 2/3 of the session timeout (2 s) means a dead connection.
    assert!(noticed >= Duration::from_millis(1500), "{noticed:?}");
    assert!(noticed < Duration::from_secs(3), "{noticed:?}");
    let s = timeout(WAIT, states.wait_for(|s| *s == SessionState::Connected))
        .await
        .unwrap();
    assert_eq!(s, Some(SessionState::Connected));
    zk.exists("/").await.unwrap();
}

#[tokio::test]
async fn pings_keep_an_idle_session_alive() {
    let server = support::start_server();
    // Twice the session timeout idle: without pings the server would expire the session. The
    // client pings every 4/3 s and waits 8/3 s for an answer, a margin a loaded machine keeps.
    let zk = client_with_timeout(&server.connect_string(), Duration::from_secs(4)).await;
    zk.create("/idle", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    let mut states = zk.state_watcher();
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(zk.state(), SessionState::Connected);
    // No state change happened at all while idle.
    assert!(timeout(Duration::from_millis(10), states.changed())
        .await
        .is_err());
    let other = support::connect(&server).await;
    assert!(other.exists("/idle").await.unwrap().is_some());
}

#[tokio::test]
async fn session_expiry_is_terminal_and_reported() {
    let server = support::start_server();
    let zk = client_with_timeout(&server.connect_string(), Duration::from_secs(4)).await;
    zk.create("/e", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    let (_, watcher) = zk.exists_and_watch("/never").await.unwrap();
    let mut states = zk.state_watcher();
    let session = zk.session().unwrap();

    // Closing the session from a second connection expires it for the first.
    support::expire_session(&server, &session, "/e").await;

    let s = timeout(WAIT, states.wait_for(|s| s.is_terminal()))
        .await
        .unwrap();
    assert_eq!(s, Some(SessionState::Expired));
    assert_eq!(zk.state(), SessionState::Expired);
    assert_eq!(zk.exists("/").await, Err(Error::SessionExpired));
    let e = timeout(WAIT, watcher.changed()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.state),
        (EventType::None, KeeperState::Expired)
    );
    let other = support::connect(&server).await;
    assert!(other.exists("/e").await.unwrap().is_none());
}

#[tokio::test]
async fn unreachable_servers_time_out() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let err = Client::builder()
        .connect_timeout(Duration::from_millis(700))
        .connect(&format!("127.0.0.1:{port}"))
        .await
        .unwrap_err();
    let addr = format!("127.0.0.1:{port}");
    assert_eq!(
        err,
        Error::ConnectTimeout {
            failures: vec![(addr, zk_client::ConnectFailure::Refused)]
        },
        "the error says why"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn second_host_is_used_when_the_first_is_down() {
    let server = support::start_server();
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for _ in 0..3 {
        let zk =
            support::connect_to(&format!("127.0.0.1:{dead},localhost:{}", server.port())).await;
        zk.exists("/").await.unwrap();
    }
}

#[tokio::test]
async fn many_concurrent_requests_from_many_tasks() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/c", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let started = Instant::now();
    // 16 tasks, each with 100 requests in flight at once: the pipeline sees bursts.
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..16 {
        let zk = zk.clone();
        tasks.spawn(async move {
            let mut inner = tokio::task::JoinSet::new();
            for i in 0..100 {
                let zk = zk.clone();
                inner.spawn(async move {
                    let path = format!("/c/t{t}-{i}");
                    let data = format!("{t}:{i}").into_bytes();
                    zk.create(&path, data.clone(), &CreateOptions::persistent())
                        .await
                        .unwrap();
                    let (got, _) = zk.get_data(&path).await.unwrap();
                    assert_eq!(got[..], data[..]);
                });
            }
            while let Some(r) = inner.join_next().await {
                r.unwrap();
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    assert_eq!(zk.get_all_children_number("/c").await.unwrap(), 1600);
    eprintln!("3200 requests from 16 tasks in {:?}", started.elapsed());
}
