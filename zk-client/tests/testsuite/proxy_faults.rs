//! Network faults between the client and a real ZooKeeper server, injected by an in-test TCP
//! proxy: corrupt frames, black holes, resets, drops, latency and random corruption. Every
//! fault must end in a reconnect or a typed error within the configured timeouts.
use crate::support;

use std::time::{Duration, Instant};

use tokio::time::timeout;
use zk_client::{Client, CreateOptions, Error, SessionState};
use zk_testkit::{ConnInfo, Fault, Proxy};

/// Generous bound for anything that should happen "soon" on a loaded machine.
const WAIT: Duration = Duration::from_secs(20);

async fn client_via(proxy: &Proxy, session: Duration) -> Client {
    Client::builder()
        .session_timeout(session)
        .connect(&proxy.connect_string())
        .await
        .unwrap_or_else(|e| panic!("connecting through the proxy: {e}"))
}

async fn wait_state(zk: &Client, want: SessionState) -> Duration {
    let started = Instant::now();
    let mut states = zk.state_watcher();
    let got = timeout(WAIT, states.wait_for(|s| *s == want || s.is_terminal()))
        .await
        .unwrap_or_else(|_| panic!("no {want} within {WAIT:?}; state {}", zk.state()));
    assert_eq!(got, Some(want));
    started.elapsed()
}

/// Waits until the client has been idle long enough that its connection's server->client
/// stream sits at a frame boundary, and returns that connection.
async fn quiet_connection(proxy: &Proxy) -> ConnInfo {
    loop {
        let before = proxy.only_connection();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let after = proxy.only_connection();
        if before == after {
            return after;
        }
    }
}

#[tokio::test]
async fn corrupt_frame_length_is_a_protocol_error_and_the_client_reconnects() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = client_via(&proxy, Duration::from_secs(6)).await;
    let session = zk.session().unwrap().id;
    let conn = quiet_connection(&proxy).await;
    // The next frame's length gets its top byte flipped: 0x40000000 + n, far above
    // jute.maxbuffer. It must be refused from the prefix alone, without waiting for (or
    // allocating) a gigabyte.
    proxy.set_conn_fault(
        conn.id,
        Fault::CorruptAt {
            offset: conn.server_bytes,
            xor: 0x40,
        },
    );
    let started = Instant::now();
    let err = timeout(WAIT, zk.exists("/")).await.unwrap().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::Protocol(m) if m.contains("frame")),
        "{err}"
    );
    assert!(
        took < Duration::from_secs(2),
        "protocol error after {took:?}"
    );
    wait_state(&zk, SessionState::Connected).await;
    assert_eq!(zk.session().unwrap().id, session, "same session");
    zk.exists("/").await.unwrap();
    assert_eq!(proxy.accepted(), 2, "exactly one reconnect");
}

/// A corrupted length that is within the limit leaves the client waiting for bytes that never
/// come. Only complete frames count as hearing from the server (as in ZooKeeper's own client),
/// so the connection is declared dead after 2/3 of the session timeout even though the
/// server keeps answering pings into the half-read frame.
#[tokio::test]
async fn corrupt_length_within_the_limit_is_declared_dead_by_the_read_timeout() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = client_via(&proxy, Duration::from_secs(3)).await;
    let read_timeout = zk.session().unwrap().timeout * 2 / 3;
    let conn = quiet_connection(&proxy).await;
    // Second byte of the next length prefix: n + 0x080000, half of jute.maxbuffer.
    proxy.set_conn_fault(
        conn.id,
        Fault::CorruptAt {
            offset: conn.server_bytes + 1,
            xor: 0x08,
        },
    );
    let started = Instant::now();
    let res = timeout(WAIT, zk.exists("/")).await;
    let took = started.elapsed();
    let err = res
        .unwrap_or_else(|_| panic!("the request hung for {WAIT:?} behind a half-read frame"))
        .unwrap_err();
    assert_eq!(err, Error::ConnectionLoss);
    assert!(
        took <= read_timeout + Duration::from_secs(2),
        "declared dead after {took:?} (read timeout {read_timeout:?})"
    );
    wait_state(&zk, SessionState::Connected).await;
    zk.exists("/").await.unwrap();
}

#[tokio::test]
async fn reply_with_a_corrupted_xid_resets_the_connection() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = client_via(&proxy, Duration::from_secs(6)).await;
    let conn = quiet_connection(&proxy).await;
    // Top byte of the next reply's xid: it no longer matches the oldest pending request.
    proxy.set_conn_fault(
        conn.id,
        Fault::CorruptAt {
            offset: conn.server_bytes + 4,
            xor: 0x10,
        },
    );
    let err = timeout(WAIT, zk.exists("/")).await.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::Protocol(m) if m.contains("xid")),
        "{err}"
    );
    wait_state(&zk, SessionState::Connected).await;
    zk.exists("/").await.unwrap();
    assert_eq!(proxy.accepted(), 2);
}

#[tokio::test]
async fn black_hole_is_detected_within_two_thirds_of_the_session_timeout() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = client_via(&proxy, Duration::from_secs(6)).await;
    let negotiated = zk.session().unwrap().timeout;
    let session = zk.session().unwrap().id;
    zk.create("/bh", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    let mut states = zk.state_watcher();
    proxy.set_fault(Fault::BlackHole);
    let started = Instant::now();
    let s = timeout(WAIT, states.wait_for(|s| *s == SessionState::Disconnected))
        .await
        .unwrap();
    let noticed = started.elapsed();
    assert_eq!(s, Some(SessionState::Disconnected));
    let read_timeout = negotiated * 2 / 3;
    // The client pings every third of the timeout, so silence is noticed between 1/3 and
    // 2/3 of it after the last reply; allow scheduling slack on a loaded machine.
    assert!(
        noticed >= read_timeout / 3 && noticed <= read_timeout + Duration::from_secs(2),
        "declared dead after {noticed:?} (read timeout {read_timeout:?})"
    );
    // A request made during the outage waits for the reconnect (or fails retryably).
    let pending = {
        let zk = zk.clone();
        tokio::spawn(async move { zk.exists("/bh").await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.set_fault(Fault::Pass);
    wait_state(&zk, SessionState::Connected).await;
    assert_eq!(zk.session().unwrap().id, session, "same session");
    match timeout(WAIT, pending).await.unwrap().unwrap() {
        Ok(stat) => assert!(stat.is_some(), "ephemeral kept"),
        Err(e) => assert!(e.is_retryable(), "{e}"),
    }
    assert!(zk.exists("/bh").await.unwrap().is_some(), "ephemeral kept");
}

#[tokio::test]
async fn reset_during_a_request_gives_connection_loss_and_the_next_request_works() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = client_via(&proxy, Duration::from_secs(6)).await;
    let session = zk.session().unwrap().id;
    let conn = proxy.only_connection();
    // Hold the request in flight, then reset the connection under it.
    proxy.set_conn_fault(conn.id, Fault::BlackHole);
    let in_flight = {
        let zk = zk.clone();
        tokio::spawn(async move { zk.exists("/").await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    proxy.set_conn_fault(conn.id, Fault::Reset);
    let res = timeout(WAIT, in_flight).await.unwrap().unwrap();
    assert_eq!(res, Err(Error::ConnectionLoss));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(timeout(WAIT, zk.exists("/"))
        .await
        .unwrap()
        .unwrap()
        .is_some());
    assert_eq!(zk.session().unwrap().id, session);
}

#[tokio::test]
async fn dropped_connections_reconnect_and_keep_the_session() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = client_via(&proxy, Duration::from_secs(6)).await;
    let session = zk.session().unwrap().id;
    let (_, watcher) = zk.exists_and_watch("/dropped").await.unwrap();
    // Refuse a few connections outright (accepted, then closed), then heal.
    proxy.set_fault(Fault::Drop);
    let mut states = zk.state_watcher();
    timeout(WAIT, states.wait_for(|s| *s == SessionState::Disconnected))
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while proxy.accepted() < 4 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(proxy.accepted() >= 4, "the client kept retrying");
    proxy.set_fault(Fault::Pass);
    wait_state(&zk, SessionState::Connected).await;
    assert_eq!(zk.session().unwrap().id, session);
    // The watch was set again on the new connection.
    let other = support::connect(&server).await;
    other
        .create("/dropped", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let e = timeout(WAIT, watcher.changed()).await.unwrap().unwrap();
    assert_eq!(e.path, "/dropped");
}

#[tokio::test]
async fn latency_below_the_read_timeout_is_tolerated() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    // Pings every 2 s, each answered 0.5 s later, against a read timeout of 4 s.
    let zk = client_via(&proxy, Duration::from_secs(6)).await;
    proxy.set_fault(Fault::Delay(Duration::from_millis(250)));
    let mut states = zk.state_watcher();
    for i in 0..4 {
        let started = Instant::now();
        zk.create(&format!("/slow{i}"), vec![i], &CreateOptions::persistent())
            .await
            .unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(500),
            "both ways delayed"
        );
    }
    // Idle across a few ping rounds: delayed pings still keep the connection.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(zk.state(), SessionState::Connected);
    assert!(timeout(Duration::from_millis(1), states.changed())
        .await
        .is_err());
    assert_eq!(proxy.accepted(), 1);
}

/// Random bit flips in everything the server sends: every request ends in a reply or a
/// typed error within a bound, nothing panics, and once the corruption stops a client
/// (this one, or a new one if the corruption ended the session) works again.
#[tokio::test]
async fn random_corruption_ends_in_replies_or_typed_errors() {
    let server = support::start_server();
    let setup = support::connect(&server).await;
    setup
        .create("/r", vec![7; 300], &CreateOptions::persistent())
        .await
        .unwrap();
    let session = Duration::from_secs(3);
    // Bound for one request: a stalled connection is declared dead after 2/3 of the
    // session timeout; a reconnect may take an attempt timeout more.
    let bound = session * 4;
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let (mut ok, mut typed, mut terminal) = (0, 0, 0);
    for seed in 1..=3u64 {
        proxy.set_fault(Fault::Pass);
        let zk = client_via(&proxy, session).await;
        proxy.set_fault(Fault::CorruptRandom {
            // About one flipped byte per few replies: most requests meet a fault.
            probability: 0.01,
            seed,
        });
        for _ in 0..40 {
            let res = timeout(bound, zk.get_data("/r"))
                .await
                .unwrap_or_else(|_| panic!("seed {seed}: a request hung for {bound:?}"));
            match res {
                Ok((data, _)) => {
                    // A flipped bit inside the data itself is not detectable.
                    assert_eq!(data.len(), 300);
                    ok += 1;
                }
                Err(e) if e.is_terminal() => {
                    terminal += 1;
                    break;
                }
                Err(_) => typed += 1,
            }
        }
        proxy.set_fault(Fault::Drop);
        proxy.set_fault(Fault::Pass);
        if !zk.state().is_terminal() {
            let _ = timeout(WAIT, zk.close()).await;
        }
    }
    eprintln!("random corruption: {ok} replies, {typed} typed errors, {terminal} sessions ended");
    let zk = client_via(&proxy, session).await;
    zk.get_data("/r").await.unwrap();
}
