//! `reconfig` and `follow_ensemble` on a real reconfigurable ensemble (zk-testkit's
//! `DynamicEnsemble`): grow 3 -> 5 and shrink back while clients hold sessions, watches and
//! ephemeral nodes; the clients that follow the ensemble spread over the new members, and
//! leave the removed ones; nothing is lost. Plus the refusals: disabled, stale version, no
//! quorum, no right to write the configuration; and a dropped client that followed the
//! ensemble still closes its session.
use crate::support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use tokio::time::timeout;
use zk_client::{
    Client, CreateOptions, EnsembleConfig, Error, EventType, OneshotWatcher, Reconfig,
    SessionEvent, SessionEvents,
};
use zk_testkit::{DynamicEnsemble, SUPER_AUTH};

/// Clients that follow the ensemble; each moves to a new server with probability 2/5 when
/// the ensemble grows from 3 to 5, so none moving is 0.6^16 (3 in 10,000) unlikely.
const CLIENTS: usize = 16;

struct Follower {
    zk: Client,
    events: SessionEvents,
    session: i64,
    watch: OneshotWatcher,
}

/// A super user's session. Its long timeout matters: a reconfiguration holds up the requests
/// behind it, pings included, until it commits, which can take seconds on a loaded machine.
async fn admin(ens: &DynamicEnsemble, ids: &[u32]) -> Client {
    let cs = ens.connect_string_of(ids);
    Client::builder()
        .session_timeout(Duration::from_secs(30))
        .auth("digest", SUPER_AUTH)
        .connect(&cs)
        .await
        .unwrap_or_else(|e| panic!("connecting to {cs}: {e}"))
}

/// A client that follows the ensemble, holding an ephemeral node and a data watch under
/// `/app` (its chroot).
async fn follower(ens: &DynamicEnsemble, i: usize) -> Follower {
    let cs = format!("{}/app", ens.connect_string_of(&[1, 2, 3]));
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(20))
        .follow_ensemble(true)
        .connect(&cs)
        .await
        .unwrap_or_else(|e| panic!("connecting to {cs}: {e}"));
    let events = zk.session_events();
    let eph = CreateOptions::ephemeral();
    zk.create(&format!("/eph/c{i}"), Vec::new(), &eph)
        .await
        .unwrap();
    let (_, _, watch) = zk.get_data_and_watch(&format!("/w/c{i}")).await.unwrap();
    let session = zk.session().unwrap().id;
    Follower {
        zk,
        events,
        session,
        watch,
    }
}

fn ids(config: &EnsembleConfig) -> BTreeSet<u64> {
    config.members.iter().map(|m| m.id).collect()
}

/// Waits until `done` holds (checked every 200 ms), or fails with `what`.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + support::WAIT;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "no {what} within {:?}",
            support::WAIT
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `/app/eph`, `/app/w/c0..` and the [`CLIENTS`] followers.
async fn followers(ens: &DynamicEnsemble, root: &Client) -> Vec<Follower> {
    let persistent = CreateOptions::persistent();
    for dir in ["/app", "/app/eph", "/app/w"] {
        root.create(dir, Vec::new(), &persistent).await.unwrap();
    }
    for i in 0..CLIENTS {
        let path = format!("/app/w/c{i}");
        root.create(&path, Vec::new(), &persistent).await.unwrap();
    }
    let mut followers = Vec::new();
    for i in 0..CLIENTS {
        followers.push(follower(ens, i).await);
    }
    followers
}

/// Every follower's session and ephemeral node are still there, and its watch fires.
async fn everything_is_still_there(root: &Client, followers: Vec<Follower>) {
    let eph = root.get_children("/app/eph").await.unwrap();
    assert_eq!(eph.len(), CLIENTS, "{eph:?}");
    for (i, f) in followers.iter().enumerate() {
        let stat = root
            .exists(&format!("/app/eph/c{i}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stat.ephemeral_owner, f.session);
        assert_eq!(f.zk.session().map(|s| s.id), Some(f.session));
        root.set_data(&format!("/app/w/c{i}"), b"x".to_vec(), None)
            .await
            .unwrap();
    }
    for (i, f) in followers.into_iter().enumerate() {
        let event = timeout(support::WAIT, f.watch.changed())
            .await
            .unwrap_or_else(|_| panic!("watch of client {i} did not fire"))
            .unwrap();
        assert_eq!(event.event_type, EventType::NodeDataChanged);
        assert_eq!(event.path, format!("/w/c{i}"));
        let mut events = f.events;
        while let Some(e) = events.try_next() {
            assert!(
                !matches!(
                    e,
                    SessionEvent::Expired { .. } | SessionEvent::Recreated { .. }
                ),
                "client {i}: {e:?}"
            );
        }
        f.zk.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn growing_and_shrinking_keeps_sessions_watches_and_ephemerals() {
    let mut ens = DynamicEnsemble::start(3, Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let root = admin(&ens, &[1, 2, 3]).await;
    let followers = followers(&ens, &root).await;
    let (before, _) = root.ensemble_config().await.unwrap();
    assert_eq!(ids(&before), BTreeSet::from([1, 2, 3]));

    // Grow: two joiners, added in one incremental reconfig.
    let four = ens.start_joiner().unwrap_or_else(|e| panic!("{e}"));
    let five = ens.start_joiner().unwrap_or_else(|e| panic!("{e}"));
    let grow = Reconfig::incremental()
        .join(ens.spec(four))
        .join(ens.spec(five));
    let (grown, stat) = root.reconfig(&grow).await.unwrap();
    assert_eq!(ids(&grown), BTreeSet::from([1, 2, 3, 4, 5]));
    assert!(grown.version > before.version, "{grown:?} after {before:?}");
    assert_eq!(grown.version, Some(stat.mzxid as u64));
    // The reply comes from the server the client is on; the one `membership` asks may apply
    // the commit a moment later.
    eventually("servers 1 to 5 in `conf`", || {
        ens.membership().is_ok_and(|m| m == [1, 2, 3, 4, 5])
    })
    .await;
    // Conditional on a version that is no longer the last one: refused.
    let stale = Reconfig::incremental()
        .leave(five.into())
        .from_version(before.version.unwrap() as i64);
    let err = root.reconfig(&stale).await.unwrap_err();
    assert!(matches!(err, Error::BadVersion { .. }), "{err:?}");

    // Followers spread over the new servers.
    let sessions: Vec<i64> = followers.iter().map(|f| f.session).collect();
    eventually("follower on server 4 or 5", || {
        sessions
            .iter()
            .any(|&s| matches!(ens.server_of_session(s), Some(id) if id == four || id == five))
    })
    .await;

    // Shrink back, non-incrementally, from the current version.
    let back = Reconfig::members((1..=3).map(|id| ens.spec(id)))
        .from_version(grown.version.unwrap() as i64);
    let (shrunk, _) = root.reconfig(&back).await.unwrap();
    assert_eq!(ids(&shrunk), BTreeSet::from([1, 2, 3]));
    // A write that commits after the reconfig: the new configuration is active everywhere.
    root.set_data("/app", b"shrunk".to_vec(), None)
        .await
        .unwrap();
    // Followers leave the removed servers on their own, before those stop.
    eventually("followers off servers 4 and 5", || {
        sessions
            .iter()
            .all(|&s| matches!(ens.server_of_session(s), Some(id) if id <= 3))
    })
    .await;
    ens.stop(four);
    ens.stop(five);

    everything_is_still_there(&root, followers).await;
}

#[tokio::test]
async fn refusals_are_typed() {
    // A standalone server does not enable reconfiguration.
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let change = Reconfig::incremental().leave(1);
    assert_eq!(zk.reconfig(&change).await, Err(Error::ReconfigDisabled));
    drop(server);

    let ens = DynamicEnsemble::start(1, Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let anyone = support::connect_to(&ens.connect_string_of(&[1])).await;
    let same = Reconfig::members([ens.spec(1)]);
    let err = anyone.reconfig(&same).await.unwrap_err();
    assert!(matches!(err, Error::NoAuth { .. }), "{err:?}");
    let root = admin(&ens, &[1]).await;
    let (config, _) = root.reconfig(&same).await.unwrap();
    assert_eq!(ids(&config), BTreeSet::from([1]));
    let nobody = Reconfig::members(["server.9=127.0.0.1:1:2;3"]);
    assert_eq!(root.reconfig(&nobody).await, Err(Error::NewConfigNoQuorum));
    let garbage = Reconfig::incremental().join("server.9=nonsense");
    let err = root.reconfig(&garbage).await.unwrap_err();
    assert!(matches!(err, Error::BadArguments { .. }), "{err:?}");
}

/// Ends `zk`'s session from the server's side: a second connection resumes it and closes
/// it; waits until `zk` has a new session (it re-creates sessions) and returns its id.
async fn expire(ens: &DynamicEnsemble, zk: &Client) -> i64 {
    let old = zk.session().unwrap();
    let mut events = zk.session_events();
    let twin = Client::builder()
        .session(old.id, old.password.clone())
        .connect(&ens.connect_string_of(&[1, 2, 3]))
        .await
        .unwrap();
    twin.close().await.unwrap();
    support::wait_event(&mut events, "a new session", |e| {
        matches!(e, SessionEvent::Recreated { .. })
    })
    .await;
    let new = zk.session().unwrap().id;
    assert_ne!(new, old.id);
    new
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_session_follows_the_ensemble_too() {
    let ens = DynamicEnsemble::start(3, Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let root = admin(&ens, &[1, 2, 3]).await;
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(20))
        .follow_ensemble(true)
        .recreate_session_on_expiry(true)
        .connect(&ens.connect_string_of(&[1, 2, 3]))
        .await
        .unwrap();
    // The watch of the first session goes with it; the tracker must read the configuration
    // again in the new one. Expire until the new session is on a follower: removing the
    // leader would disconnect its clients whatever they follow.
    let (mut session, mut server) = (0, 0);
    for _ in 0..6 {
        session = expire(&ens, &zk).await;
        let found = || ens.server_of_session(session);
        eventually("new session on a server", || found().is_some()).await;
        server = found().unwrap();
        if Some(server) != ens.leader() {
            break;
        }
    }
    assert_ne!(
        Some(server),
        ens.leader(),
        "the new session stays on the leader"
    );
    let leave = Reconfig::incremental().leave(server.into());
    let (config, _) = root.reconfig(&leave).await.unwrap();
    assert!(!ids(&config).contains(&server.into()));
    // The removed server keeps serving as a non-voting follower: only following the new
    // configuration moves the client off it.
    root.set_data("/", b"removed".to_vec(), None).await.unwrap();
    eventually(
        "move off the removed server",
        || matches!(ens.server_of_session(session), Some(id) if id != server),
    )
    .await;
    assert_eq!(zk.session().map(|s| s.id), Some(session));
}

#[tokio::test]
async fn following_never_keeps_a_dropped_client_alive() {
    // A standalone server: its configuration is empty, so the list stays as given.
    let server = support::start_server();
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(30))
        .follow_ensemble(true)
        .connect(&server.connect_string())
        .await
        .unwrap();
    let eph = CreateOptions::ephemeral();
    zk.create("/mine", Vec::new(), &eph).await.unwrap();
    // The tracker's watch is in place: the server lists it among this session's watches.
    let session = zk.session().unwrap().id;
    let watching = || {
        zk_testkit::four_letter_word(server.port(), "wchc")
            .is_ok_and(|w| w.contains(&format!("0x{session:x}")) && w.contains("/zookeeper/config"))
    };
    eventually("watch on /zookeeper/config", watching).await;
    drop(zk);
    // Closed by the drop, not expired 30 s later.
    let observer = support::connect(&server).await;
    let started = Instant::now();
    while observer.exists("/mine").await.unwrap().is_some() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the session outlived its client"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
