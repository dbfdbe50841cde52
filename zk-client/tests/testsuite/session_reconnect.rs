//! Reconnecting within the session against a real server: thousands of watches (and more
//! than 1 MiB of watched paths) restored in batches with no event lost or repeated, and the
//! delivery contract for requests written before, or issued during, a disconnection.
use crate::support;

use std::time::{Duration, Instant};

use crate::support::{wait_event, WAIT};
use tokio::task::JoinSet;
use tokio::time::timeout;
use zk_client::{
    AddWatchMode, Client, CreateMode, CreateOptions, Error, EventType, OneshotWatcher, SessionEvent,
};
use zk_testkit::Proxy;

/// A path under `parent` padded with `x` to `len` bytes.
fn long_path(parent: &str, i: usize, len: usize) -> String {
    let mut p = format!("{parent}/n{i}-");
    while p.len() < len {
        p.push('x');
    }
    p
}

/// Runs `f` for every item, `width` at a time, failing the test on any panic; returns the
/// results ordered by the index each one carries.
async fn for_all<T, F, Fut, R>(items: Vec<T>, width: usize, f: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = (usize, R)> + Send + 'static,
{
    let mut out = Vec::with_capacity(items.len());
    let mut set = JoinSet::new();
    for item in items {
        if set.len() >= width {
            out.push(set.join_next().await.unwrap().unwrap());
        }
        set.spawn(f(item));
    }
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

async fn connect_via(proxy: &Proxy, session: Duration) -> Client {
    Client::builder()
        .session_timeout(session)
        .connect(&proxy.connect_string())
        .await
        .unwrap()
}

/// 5,000 one-shot watches (data, exist, child) on paths totalling 1.3 MB: the connection is
/// cut, every watched node changes meanwhile, and after the reconnect every watch fires
/// exactly once with the right event (the server decides from `relativeZxid`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_watches_fire_once_after_a_cut() {
    const N: usize = 5000;
    let started = Instant::now();
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = connect_via(&proxy, Duration::from_secs(15)).await;
    let other = support::connect(&server).await;
    other
        .create("/w", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    // Data and child watches need the node; exist watches watch a missing one.
    let paths: Vec<(usize, String)> = (0..N).map(|i| (i, long_path("/w", i, 260))).collect();
    for_all(
        paths.iter().filter(|(i, _)| i % 3 != 1).cloned().collect(),
        200,
        |(i, p)| {
            let other = other.clone();
            async move {
                other
                    .create(&p, Vec::new(), &CreateOptions::persistent())
                    .await
                    .unwrap();
                (i, ())
            }
        },
    )
    .await;
    let watchers: Vec<OneshotWatcher> = for_all(paths.clone(), 200, |(i, p)| {
        let zk = zk.clone();
        async move {
            let w = match i % 3 {
                0 => zk.get_data_and_watch(&p).await.unwrap().2,
                1 => {
                    let (stat, w) = zk.exists_and_watch(&p).await.unwrap();
                    assert!(stat.is_none());
                    w
                }
                _ => zk.get_children_and_watch(&p).await.unwrap().1,
            };
            (i, w)
        }
    })
    .await;
    let set_up = started.elapsed();

    let mut events = zk.session_events();
    proxy.partition();
    wait_event(&mut events, "Disconnected", |e| {
        matches!(e, SessionEvent::Disconnected { .. })
    })
    .await;
    // Change every watched node while the client is away.
    for_all(paths.clone(), 200, |(i, p)| {
        let other = other.clone();
        async move {
            match i % 3 {
                0 => drop(other.set_data(&p, b"1".to_vec(), None).await.unwrap()),
                1 => drop(
                    other
                        .create(&p, Vec::new(), &CreateOptions::persistent())
                        .await
                        .unwrap(),
                ),
                _ => drop(
                    other
                        .create(&format!("{p}/c"), Vec::new(), &CreateOptions::persistent())
                        .await
                        .unwrap(),
                ),
            }
            (i, ())
        }
    })
    .await;
    let session = zk.session().unwrap().id;
    proxy.heal();
    let (connected, _) = wait_event(&mut events, "Connected", |e| {
        matches!(e, SessionEvent::Connected { .. })
    })
    .await;
    assert!(
        matches!(connected, SessionEvent::Connected { session_id, .. } if session_id == session),
        "same session: {connected:?}"
    );

    let fired = for_all(
        watchers.into_iter().enumerate().collect(),
        N,
        |(i, w)| async move { (i, timeout(WAIT, w.changed()).await) },
    )
    .await;
    for (i, e) in fired.into_iter().enumerate() {
        let e = e
            .unwrap_or_else(|_| panic!("watch {i} did not fire"))
            .unwrap();
        let expected = match i % 3 {
            0 => EventType::NodeDataChanged,
            1 => EventType::NodeCreated,
            _ => EventType::NodeChildrenChanged,
        };
        assert_eq!(e.event_type, expected, "watch {i}");
        assert_eq!(e.path, paths[i].1);
    }
    // Nothing is watched any more: a further change reaches no one, and the session goes on.
    other
        .set_data(&paths[0].1, b"2".to_vec(), None)
        .await
        .unwrap();
    assert!(zk.exists("/w").await.unwrap().is_some());
    eprintln!(
        "{N} watches: set up in {set_up:?}, whole test {:?}",
        started.elapsed()
    );
}

/// 2,000 persistent and 2,000 data watches on 600-byte paths (2.4 MB of paths): the server
/// restarts while the client's connection is held away from it, nodes change, and after the
/// reconnect each data watch fires once for the missed change, and each persistent watch
/// sees exactly one event per change: the missed one (the server reports it through the
/// data watch on the same path, and the client routes a path's event to every watcher
/// that wants it, as ZooKeeper's Java client does) and the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mebibytes_of_persistent_watches_survive_a_restart() {
    const N: usize = 2000;
    let mut server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = connect_via(&proxy, support::OUTLIVES_RESTART).await;
    zk.create("/p", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let paths: Vec<(usize, String)> = (0..N).map(|i| (i, long_path("/p", i, 600))).collect();
    for_all(paths.clone(), 200, |(i, p)| {
        let zk = zk.clone();
        async move {
            zk.create(&p, Vec::new(), &CreateOptions::persistent())
                .await
                .unwrap();
            (i, ())
        }
    })
    .await;
    let both = for_all(paths.clone(), 200, |(i, p)| {
        let zk = zk.clone();
        async move {
            let persistent = zk.add_watch(&p, AddWatchMode::Persistent).await.unwrap();
            let data = zk.get_data_and_watch(&p).await.unwrap().2;
            (i, (persistent, data))
        }
    })
    .await;
    let (mut persistent, data): (Vec<_>, Vec<_>) = both.into_iter().unzip();

    let mut events = zk.session_events();
    proxy.partition();
    wait_event(&mut events, "Disconnected", |e| {
        matches!(e, SessionEvent::Disconnected { .. })
    })
    .await;
    server.restart().unwrap();
    let other = support::connect(&server).await;
    for_all(paths.clone(), 200, |(i, p)| {
        let other = other.clone();
        async move {
            other.set_data(&p, b"1".to_vec(), None).await.unwrap();
            (i, ())
        }
    })
    .await;
    proxy.heal();
    wait_event(&mut events, "Connected", |e| {
        matches!(e, SessionEvent::Connected { .. })
    })
    .await;
    let fired = for_all(
        data.into_iter().enumerate().collect(),
        N,
        |(i, w)| async move { (i, timeout(WAIT, w.changed()).await) },
    )
    .await;
    for (i, e) in fired.into_iter().enumerate() {
        let e = e
            .unwrap_or_else(|_| panic!("data watch {i} did not fire"))
            .unwrap();
        assert_eq!(e.event_type, EventType::NodeDataChanged, "data watch {i}");
    }
    // A round trip after the reconnect: every SetWatches batch was processed before it.
    zk.sync("/p").await.unwrap();
    for_all(paths.clone(), 200, |(i, p)| {
        let other = other.clone();
        async move {
            other.set_data(&p, b"2".to_vec(), None).await.unwrap();
            (i, ())
        }
    })
    .await;
    for (i, w) in persistent.iter_mut().enumerate() {
        for change in 1..=2 {
            let e = timeout(WAIT, w.next())
                .await
                .unwrap_or_else(|_| panic!("persistent watch {i}: no event for change {change}"))
                .unwrap();
            assert_eq!(
                (e.event_type, e.path.as_str()),
                (EventType::NodeDataChanged, paths[i].1.as_str())
            );
        }
    }
    // Exactly once: nothing else arrives.
    zk.sync("/p").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (i, w) in persistent.iter_mut().enumerate() {
        assert_eq!(w.try_next(), None, "persistent watch {i} fired twice");
    }
}

/// A sequential create written to a hung server fails with `ConnectionLoss` when the
/// connection is given up, and is never sent again: at most one node exists, never two.
/// Requests issued while disconnected wait and succeed after the reconnect.
#[tokio::test]
async fn unanswered_writes_fail_and_are_never_resent() {
    let server = support::start_server();
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(6))
        .connect(&server.connect_string())
        .await
        .unwrap();
    zk.create("/seq", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let session = zk.session().unwrap().id;
    let mut events = zk.session_events();

    server.pause();
    // SIGSTOP reaches every thread of the JVM soon, not at once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let create = tokio::spawn({
        let zk = zk.clone();
        async move {
            zk.create(
                "/seq/n-",
                Vec::new(),
                &CreateOptions::new(CreateMode::PersistentSequential),
            )
            .await
        }
    });
    // Nothing answers for 2/3 of the session timeout: the connection is given up.
    wait_event(&mut events, "Disconnected", |e| {
        matches!(e, SessionEvent::Disconnected { .. })
    })
    .await;
    let result = timeout(WAIT, create).await.unwrap().unwrap();
    assert_eq!(result, Err(Error::ConnectionLoss), "{result:?}");

    // Issued while disconnected: these wait for the reconnect.
    let later = tokio::spawn({
        let zk = zk.clone();
        async move {
            let created = zk
                .create("/seq-after", Vec::new(), &CreateOptions::persistent())
                .await;
            let exists = zk.exists("/seq").await;
            (created, exists)
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!later.is_finished());
    server.resume();

    let (created, exists) = timeout(WAIT, later).await.unwrap().unwrap();
    assert_eq!(created.unwrap(), "/seq-after");
    assert!(exists.unwrap().is_some());
    assert_eq!(zk.session().unwrap().id, session, "the session survived");
    // Give the server time to process whatever reached it on the old connection.
    zk.sync("/seq").await.unwrap();
    let children = zk.get_children("/seq").await.unwrap();
    assert!(
        children.len() <= 1,
        "a sequential create ran twice: {children:?}"
    );
}
