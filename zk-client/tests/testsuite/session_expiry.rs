//! Session expiry against a real server: expiry decided by the server or by the client alone
//! (cut off longer than the session timeout), the opt-in re-creation of a session with the
//! application's hook restoring its ephemeral node, and servers that went back in time.
use crate::support;

use std::time::{Duration, Instant};

use crate::support::{wait_event, WAIT};
use tokio::sync::mpsc;
use tokio::time::timeout;
use zk_client::{
    Client, ClientBuilder, CreateOptions, Error, EventType, ExpiryCause, KeeperState, SessionEvent,
    SessionState,
};

/// A builder whose new-session hook re-creates the ephemeral `path` (retrying while the old
/// session's node is still there) and reports the new session id on `done`.
fn restoring(path: &'static str, done: mpsc::UnboundedSender<i64>) -> ClientBuilder {
    Client::builder().on_new_session(move |zk: Client| {
        let done = done.clone();
        async move {
            let deadline = Instant::now() + WAIT;
            loop {
                match zk
                    .create(path, Vec::new(), &CreateOptions::ephemeral())
                    .await
                {
                    Ok(_) => break,
                    // The expired session's node goes when the server expires it.
                    Err(Error::NodeExists { .. }) | Err(Error::ConnectionLoss)
                        if Instant::now() < deadline =>
                    {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Err(e) => panic!("restoring {path}: {e}"),
                }
            }
            let _ = done.send(zk.session().map(|s| s.id).unwrap_or(0));
        }
    })
}

/// The ephemeral owner of `path`, if it exists.
async fn owner(zk: &Client, path: &str) -> Option<i64> {
    zk.exists(path).await.unwrap().map(|s| s.ephemeral_owner)
}

/// Waits until `path` is owned by `session`.
async fn wait_owner(zk: &Client, path: &str, session: i64) {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = owner(zk, path).await;
        if now == Some(session) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path} owned by {now:?}, not {session:#x}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A plain client and a re-creating one (restoring the ephemeral `path`, which it creates
/// now), both with `session_timeout`; `done` reports each new session id.
async fn plain_and_recreating(
    server: &zk_testkit::ZkServer,
    session_timeout: Duration,
    path: &'static str,
) -> (Client, Client, mpsc::UnboundedReceiver<i64>) {
    let plain = Client::builder()
        .session_timeout(session_timeout)
        .connect(&server.connect_string())
        .await
        .unwrap();
    let (done_tx, done) = mpsc::unbounded_channel();
    let recreating = restoring(path, done_tx)
        .session_timeout(session_timeout)
        .connect(&server.connect_string())
        .await
        .unwrap();
    recreating
        .create(path, Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    (plain, recreating, done)
}

/// The session is expired from a second connection (same id and password, then closed):
/// the state stream shows Expired then Connected with a new session id, the old watches end
/// with an Expired event, and the hook brings the ephemeral node back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_recreated_and_the_hook_restores_the_ephemeral() {
    let server = support::start_server();
    let (done_tx, mut done) = mpsc::unbounded_channel();
    let zk = restoring("/svc", done_tx)
        .session_timeout(Duration::from_secs(6))
        .connect(&server.connect_string())
        .await
        .unwrap();
    zk.create("/svc", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    let (_, old_watch) = zk.exists_and_watch("/never").await.unwrap();
    let old = zk.session().unwrap();
    let mut events = zk.session_events();
    let mut states = zk.state_watcher();
    let seen_states = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(s) = states.changed().await {
            seen.push(s);
            if seen.contains(&SessionState::Expired) && s == SessionState::Connected {
                break;
            }
        }
        seen
    });

    support::expire_session(&server, &old, "/svc").await;

    let (expired, _) = wait_event(&mut events, "Expired", |e| {
        matches!(e, SessionEvent::Expired { .. })
    })
    .await;
    assert_eq!(
        expired,
        SessionEvent::Expired {
            session_id: old.id,
            cause: ExpiryCause::Server
        }
    );
    let (recreated, _) = wait_event(&mut events, "Recreated", |e| {
        matches!(e, SessionEvent::Recreated { .. })
    })
    .await;
    let SessionEvent::Recreated { old: was, new } = recreated else {
        unreachable!()
    };
    assert_eq!(was, old.id);
    assert_ne!(new, old.id);
    assert_eq!(zk.session().unwrap().id, new);

    let e = timeout(WAIT, old_watch.changed()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.state),
        (EventType::None, KeeperState::Expired)
    );
    let states = timeout(WAIT, seen_states).await.unwrap().unwrap();
    let at = states
        .iter()
        .position(|s| *s == SessionState::Expired)
        .unwrap();
    assert_eq!(states.last(), Some(&SessionState::Connected), "{states:?}");
    assert!(at < states.len() - 1, "{states:?}");

    assert_eq!(timeout(WAIT, done.recv()).await.unwrap(), Some(new));
    wait_owner(&zk, "/svc", new).await;
    // The new session works, including watches.
    let (_, w) = zk.exists_and_watch("/later").await.unwrap();
    zk.create("/later", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let e = timeout(WAIT, w.changed()).await.unwrap().unwrap();
    assert_eq!(e.event_type, EventType::NodeCreated);
    timeout(WAIT, zk.close()).await.unwrap().unwrap();
}

/// A partition longer than the session timeout (the server is frozen): the clients decide
/// on their own that the session expired, without a server telling them. The default
/// client ends; the re-creating one comes back with a new session and its ephemeral node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_longer_than_the_timeout_expires_the_session_locally() {
    let server = support::start_server();
    let session_timeout = Duration::from_secs(3);
    let (plain, recreating, mut done) = plain_and_recreating(&server, session_timeout, "/r").await;
    let old = recreating.session().unwrap().id;
    let mut plain_events = plain.session_events();
    let mut events = recreating.session_events();

    let paused = Instant::now();
    server.pause();
    let (expired, _) = wait_event(&mut plain_events, "Expired", |e| {
        matches!(e, SessionEvent::Expired { .. })
    })
    .await;
    let (expired_too, _) = wait_event(&mut events, "Expired", |e| {
        matches!(e, SessionEvent::Expired { .. })
    })
    .await;
    let noticed = paused.elapsed();
    // Decided while the server was still frozen: no server said anything.
    for e in [&expired, &expired_too] {
        assert!(
            matches!(
                e,
                SessionEvent::Expired {
                    cause: ExpiryCause::LocalTimeout { silent_for },
                    ..
                } if *silent_for >= session_timeout * 4 / 3
            ),
            "{e:?}"
        );
    }
    assert!(noticed >= session_timeout, "{noticed:?}");
    assert_eq!(plain.state(), SessionState::Expired);
    assert_eq!(plain.exists("/").await, Err(Error::SessionExpired));
    server.resume();

    // The default client stays expired: its event stream ends, it does not reconnect.
    assert_eq!(timeout(WAIT, plain_events.next()).await.unwrap(), None);
    let (recreated, _) = wait_event(&mut events, "Recreated", |e| {
        matches!(e, SessionEvent::Recreated { .. })
    })
    .await;
    let SessionEvent::Recreated { old: was, new } = recreated else {
        unreachable!()
    };
    assert_eq!(was, old);
    assert_eq!(timeout(WAIT, done.recv()).await.unwrap(), Some(new));
    wait_owner(&recreating, "/r", new).await;
}

/// A server wiped and restarted on the same port refuses the clients' sessions (they have
/// seen a higher zxid). Both clients report `ServerBehind` instead of looping; the default
/// one ends expired, the re-creating one starts a new session from zxid 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wiped_server_is_reported_behind_and_a_new_session_starts_from_zero() {
    let mut server = support::start_server();
    let session_timeout = Duration::from_secs(10);
    let (plain, recreating, mut done) =
        plain_and_recreating(&server, session_timeout, "/svc").await;
    // Move the zxid well past what the wiped server will have.
    plain
        .create("/n", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    for i in 0..40 {
        plain.set_data("/n", vec![i], None).await.unwrap();
    }
    // Both clients see the latest zxid.
    plain.sync("/n").await.unwrap();
    recreating.sync("/n").await.unwrap();
    let old = recreating.session().unwrap().id;
    let mut plain_events = plain.session_events();
    let mut events = recreating.session_events();

    server.stop();
    std::fs::remove_dir_all(server.dir().join("data")).unwrap();
    server.restart().unwrap();

    for evs in [&mut plain_events, &mut events] {
        let (behind, _) = wait_event(evs, "ServerBehind", |e| {
            matches!(e, SessionEvent::ServerBehind { .. })
        })
        .await;
        assert!(
            matches!(behind, SessionEvent::ServerBehind { last_zxid_seen, refusals }
                if last_zxid_seen > 40 && refusals >= 3),
            "{behind:?}"
        );
        let (expired, _) = wait_event(evs, "Expired", |e| {
            matches!(e, SessionEvent::Expired { .. })
        })
        .await;
        assert!(
            matches!(
                expired,
                SessionEvent::Expired {
                    cause: ExpiryCause::ServerBehind,
                    ..
                }
            ),
            "{expired:?}"
        );
    }
    assert_eq!(plain.state(), SessionState::Expired);
    assert_eq!(timeout(WAIT, plain_events.next()).await.unwrap(), None);

    let (recreated, _) = wait_event(&mut events, "Recreated", |e| {
        matches!(e, SessionEvent::Recreated { .. })
    })
    .await;
    let SessionEvent::Recreated { old: was, new } = recreated else {
        unreachable!()
    };
    assert_eq!(was, old);
    assert_eq!(timeout(WAIT, done.recv()).await.unwrap(), Some(new));
    wait_owner(&recreating, "/svc", new).await;
    assert!(recreating.exists("/n").await.unwrap().is_none(), "wiped");
}
