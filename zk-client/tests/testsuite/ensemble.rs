//! The client against a three-server ZooKeeper 3.8 quorum: failover when its server or the
//! leader dies (session, ephemeral nodes and watches kept), and read-only mode when the
//! quorum is lost, back to read-write when it returns.
//!
//! The tests run on a multi-threaded runtime: the harness's blocking waits run on the test's
//! thread while the client's connection task keeps running on the workers. They take a shared
//! lock so that only one ensemble (three JVMs) runs at a time on the machine's few cores.
use crate::support;

use std::time::{Duration, Instant};

use tokio::time::timeout;
use zk_client::{
    Client, ConnectFailure, CreateOptions, Error, EventType, ExpiryCause, RefusalReason,
    SessionEvent, SessionState,
};
use zk_testkit::{Ensemble, EnsembleOptions, Mode, QUORUM_TIMEOUT};

const WAIT: Duration = Duration::from_secs(30);

fn start(options: EnsembleOptions) -> Ensemble {
    Ensemble::start(options).unwrap_or_else(|e| panic!("{e}"))
}

async fn wait_state(zk: &Client, want: SessionState, within: Duration) -> Duration {
    let started = Instant::now();
    let mut states = zk.state_watcher();
    let got = timeout(within, states.wait_for(|s| *s == want || s.is_terminal()))
        .await
        .unwrap_or_else(|_| panic!("no {want} within {within:?}; state {}", zk.state()));
    assert_eq!(got, Some(want));
    started.elapsed()
}

/// The server the client is connected to (polls: `cons` lags a new connection a little).
async fn server_of(ens: &Ensemble, zk: &Client) -> u32 {
    let id = zk.session().unwrap().id;
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(s) = ens.server_of_session(id) {
            return s;
        }
        assert!(Instant::now() < deadline, "session {id:#x} on no server");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A second client, on any server but `avoid`, to make changes and check ephemerals.
async fn observer(ens: &Ensemble, avoid: u32) -> Client {
    let hosts: Vec<String> = (1..=3)
        .filter(|&id| id != avoid)
        .map(|id| format!("127.0.0.1:{}", ens.client_port(id)))
        .collect();
    Client::builder()
        .session_timeout(Duration::from_secs(12))
        .connect(&hosts.join(","))
        .await
        .unwrap()
}

/// Stops `victim`, then checks the client came back on another server within the session
/// timeout with the same session, its ephemeral node and a working watch.
async fn failover(
    ens: &mut Ensemble,
    zk: &Client,
    other: &Client,
    victim: u32,
    ephemeral: &str,
    round: u32,
) -> Duration {
    let session = zk.session().unwrap();
    let (_, _, watch) = zk.get_data_and_watch("/w").await.unwrap();
    // Events, not the state: the client may be back on another server before this test
    // looks, and the state alone would then never show the drop.
    let mut events = zk.session_events();
    let stopped = Instant::now();
    ens.stop(victim);
    // Connected to the victim, or to a follower that lost its leader: the connection drops.
    support::wait_event(&mut events, "Disconnected", |e| {
        matches!(e, SessionEvent::Disconnected { .. })
    })
    .await;
    wait_state(
        zk,
        SessionState::Connected,
        session.timeout + Duration::from_secs(5),
    )
    .await;
    let back = stopped.elapsed();
    assert!(
        back < session.timeout,
        "reconnect took {back:?}, session timeout {:?}",
        session.timeout
    );
    assert_eq!(zk.session().unwrap().id, session.id, "same session");
    assert_ne!(server_of(ens, zk).await, victim);
    assert!(
        timeout(WAIT, other.exists(ephemeral))
            .await
            .unwrap()
            .unwrap()
            .is_some(),
        "ephemeral kept"
    );
    timeout(
        WAIT,
        other.set_data("/w", format!("{round}").into_bytes(), None),
    )
    .await
    .unwrap()
    .unwrap();
    let e = timeout(WAIT, watch.changed()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeDataChanged, "/w")
    );
    back
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_keeps_session_ephemerals_and_watches() {
    let mut ens = start(EnsembleOptions::default());
    let modes: Vec<_> = (1..=3).map(|id| ens.mode(id)).collect();
    assert_eq!(
        modes.iter().filter(|m| **m == Some(Mode::Leader)).count(),
        1,
        "{modes:?}"
    );
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(12))
        .connect(&ens.connect_string())
        .await
        .unwrap();
    zk.create("/eph", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    zk.create("/w", b"0".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();

    // 1. The server the client is connected to dies. The observer client sits on another
    // server so that it survives too.
    let session_1 = zk.session().unwrap().id;
    let first = server_of(&ens, &zk).await;
    let other = observer(&ens, first).await;
    let back = failover(&mut ens, &zk, &other, first, "/eph", 1).await;
    eprintln!("stopped the client's server {first}; reconnected after {back:?}");

    // 2. Bring it back, then kill the leader.
    ens.restart(first).unwrap();
    ens.wait_serving(&[1, 2, 3], QUORUM_TIMEOUT).unwrap();
    let leader = ens.leader().expect("a leader");
    // A second session on a follower: it loses its connection when the follower goes back
    // to electing, and must wait for the new leader.
    let mut on_follower = None;
    for _ in 0..20 {
        let c = Client::builder()
            .session_timeout(Duration::from_secs(12))
            .connect(&ens.connect_string())
            .await
            .unwrap();
        if server_of(&ens, &c).await != leader {
            on_follower = Some(c);
            break;
        }
        c.close().await.unwrap();
    }
    let zk2 = on_follower.expect("a client on a follower within 20 tries");
    zk2.create("/eph2", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    drop(other);
    let other = observer(&ens, leader).await;
    let back = failover(&mut ens, &zk2, &other, leader, "/eph2", 2).await;
    eprintln!("stopped the leader {leader}; reconnected after {back:?}");
    // The first session lived through the leader's death too.
    wait_state(&zk, SessionState::Connected, WAIT).await;
    assert_eq!(zk.session().unwrap().id, session_1);
    assert!(other.exists("/eph").await.unwrap().is_some());
    zk2.close().await.unwrap();
    zk.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_when_the_quorum_is_lost_and_read_write_when_it_returns() {
    // Local sessions: in 3.8 a read-only server only creates local sessions.
    let mut ens = start(EnsembleOptions {
        local_sessions: true,
        ..EnsembleOptions::default()
    });
    let setup = Client::connect(&ens.connect_string()).await.unwrap();
    setup
        .create("/ro", b"kept".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    setup.close().await.unwrap();

    // Lose the quorum: the survivor becomes read-only after its grace period.
    let survivor = 3;
    ens.stop(1);
    ens.stop(2);
    ens.wait_mode(survivor, Mode::ReadOnly, QUORUM_TIMEOUT)
        .unwrap();

    // A client that does not allow read-only servers gets nowhere.
    let refused = Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .connect(&ens.connect_string())
        .await;
    assert!(
        matches!(&refused, Err(Error::ConnectTimeout { failures }) if !failures.is_empty()),
        "{refused:?}"
    );

    let zk = Client::builder()
        .read_only(true)
        .session_timeout(Duration::from_secs(10))
        .connect_timeout(WAIT)
        .connect(&ens.connect_string())
        .await
        .unwrap();
    assert_eq!(zk.state(), SessionState::ConnectedReadOnly);
    let (data, _) = zk.get_data("/ro").await.unwrap();
    assert_eq!(&data[..], b"kept");
    assert_eq!(
        zk.set_data("/ro", b"no".to_vec(), None).await,
        Err(Error::NotReadOnly)
    );
    assert_eq!(
        zk.create("/new", Vec::new(), &CreateOptions::persistent())
            .await
            .map(|_| ()),
        Err(Error::NotReadOnly)
    );

    // The quorum returns: the client finds a read-write server on its own.
    let restarted = Instant::now();
    ens.restart(1).unwrap();
    ens.restart(2).unwrap();
    wait_state(&zk, SessionState::Connected, Duration::from_secs(60)).await;
    eprintln!(
        "read-write again {:?} after restarting the servers",
        restarted.elapsed()
    );
    zk.set_data("/ro", b"writable".to_vec(), None)
        .await
        .unwrap();
    let (data, _) = zk.get_data("/ro").await.unwrap();
    assert_eq!(&data[..], b"writable");
    zk.close().await.unwrap();
}

/// A scripted server that claims to be read-only and keeps answering pings (as a server cut
/// off from its quorum would), on a free loopback port.
async fn fake_read_only_server() -> String {
    use bytes::BytesMut;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use zk_records::proto::{ConnectResponse, ReplyHeader};

    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = BytesMut::new();
                let mut handshaken = false;
                loop {
                    // `isro` probes and anything undecodable end here.
                    let frame = match jute::frame::split_frame(&mut buf, 1 << 20) {
                        Ok(Some(f)) => f,
                        Ok(None) => match s.read_buf(&mut buf).await {
                            Ok(n) if n > 0 => continue,
                            _ => return,
                        },
                        Err(_) => return,
                    };
                    let mut out = BytesMut::new();
                    if !handshaken {
                        handshaken = true;
                        let response = ConnectResponse {
                            protocol_version: 0,
                            time_out: 6000,
                            session_id: 0x77,
                            passwd: bytes::Bytes::from_static(&[1; 16]),
                            read_only: Some(true),
                        };
                        jute::frame::encode_frame(&response, &mut out);
                    } else if frame.len() >= 4 && frame[..4] == (-2i32).to_be_bytes() {
                        let header = ReplyHeader {
                            xid: -2,
                            zxid: 1,
                            err: 0,
                        };
                        jute::frame::encode_frame(&header, &mut out);
                    }
                    if s.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// The client leaves a read-only server that keeps serving it as soon as `isro` finds a
/// read-write one, and starts a new session there (the read-only session is local to the
/// read-only server).
#[tokio::test]
async fn read_only_client_moves_to_a_read_write_server_it_finds() {
    let server = support::start_server();
    let fake = fake_read_only_server().await;
    let connect = format!("{fake},{}", server.connect_string());
    // The host list is shuffled: retry until the first connection is the read-only one.
    let mut read_only = None;
    for _ in 0..30 {
        let zk = Client::builder()
            .read_only(true)
            .session_timeout(Duration::from_secs(6))
            .connect(&connect)
            .await
            .unwrap();
        if zk.state() == SessionState::ConnectedReadOnly {
            read_only = Some(zk);
            break;
        }
        zk.close().await.unwrap();
    }
    let zk = read_only.expect("a connection to the read-only server within 30 tries");
    assert_eq!(zk.session().unwrap().id, 0x77);
    let took = wait_state(&zk, SessionState::Connected, WAIT).await;
    eprintln!("moved to the read-write server after {took:?}");
    assert_ne!(zk.session().unwrap().id, 0x77, "a new session");
    zk.create("/rw", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
}

/// A read-only client probes the servers of its current list, as Java's `pingRwServer` asks
/// the host provider: a read-write server that an `update_server_list` adds (without moving
/// the client, whose server stays in a list that does not grow) is found and taken.
#[tokio::test]
async fn read_only_client_probes_the_servers_of_an_updated_list() {
    let server = support::start_server();
    let fake = fake_read_only_server().await;
    // A port nothing listens on: the client can only connect to the read-only server.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let zk = Client::builder()
        .read_only(true)
        .session_timeout(Duration::from_secs(6))
        .connect(&format!("{fake},{dead}"))
        .await
        .unwrap();
    assert_eq!(zk.state(), SessionState::ConnectedReadOnly);
    let moved = zk
        .update_server_list(&format!("{fake},{}", server.connect_string()))
        .await
        .unwrap();
    assert!(
        !moved,
        "the current server stays in a list of the same size"
    );
    let took = wait_state(&zk, SessionState::Connected, WAIT).await;
    eprintln!("found the read-write server of the new list after {took:?}");
    assert_ne!(zk.session().unwrap().id, 0x77, "a new session");
}

#[test]
fn a_panicking_test_still_stops_every_server() {
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::thread::spawn(move || {
        let ens = start(EnsembleOptions::default());
        let ports: Vec<u16> = (1..=3).map(|id| ens.client_port(id)).collect();
        tx.send((ens.pids(), ports)).unwrap();
        panic!("deliberate");
    })
    .join();
    assert!(result.is_err());
    let (pids, ports) = rx.recv().unwrap();
    assert_eq!(pids.len(), 3);
    for pid in pids {
        assert!(!zk_testkit::process_alive(pid), "server {pid} survived");
    }
    for port in ports {
        assert!(zk_testkit::four_letter_word(port, "ruok").is_err());
    }
}

/// A member that lost its quorum refuses sessions just as a wiped server does; the client
/// asks it (`srvr`) and reports it as not serving, never as behind, and does not restart from
/// zxid 0.
#[tokio::test]
async fn a_lost_quorum_is_told_apart_from_a_server_behind() {
    let mut ens = start(EnsembleOptions::default());
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(4))
        .connect(&ens.connect_string())
        .await
        .unwrap();
    for i in 0..5 {
        zk.create(&format!("/q{i}"), Vec::new(), &CreateOptions::persistent())
            .await
            .unwrap();
    }
    let mut events = zk.session_events();
    let mine = server_of(&ens, &zk).await;
    let survivor = (1..=3).find(|&id| id != mine).unwrap();
    for id in (1..=3).filter(|&id| id != survivor) {
        ens.stop(id);
    }
    let mut seen = Vec::new();
    let cause = loop {
        let event = timeout(WAIT, events.next())
            .await
            .unwrap_or_else(|_| panic!("no expiry within {WAIT:?}: {seen:?}"))
            .expect("events go on until expiry");
        if let SessionEvent::Expired { cause, .. } = &event {
            break cause.clone();
        }
        seen.push(event);
    };
    let refusals: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            SessionEvent::AttemptFailed {
                failure: ConnectFailure::SessionRefused(reason),
                ..
            } => Some(*reason),
            _ => None,
        })
        .collect();
    assert!(
        !refusals.is_empty(),
        "the survivor refused the session: {seen:?}"
    );
    assert!(
        refusals
            .iter()
            .all(|r| matches!(r, RefusalReason::NotServing | RefusalReason::ReadOnly)),
        "{refusals:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, SessionEvent::ServerBehind { .. })),
        "{seen:?}"
    );
    assert!(matches!(cause, ExpiryCause::NotServing { .. }), "{cause:?}");
}
