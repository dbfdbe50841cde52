//! Watches against a real ZooKeeper server: one-shot, persistent, recursive, removal, order.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_client::{AddWatchMode, CreateOptions, Error, EventType, WatchedEvent, WatcherType};

const WAIT: Duration = Duration::from_secs(10);

fn persistent() -> CreateOptions {
    CreateOptions::persistent()
}

#[tokio::test]
async fn data_exists_and_child_watches_fire_once() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let other = support::connect(&server).await;

    let (stat, created) = zk.exists_and_watch("/w").await.unwrap();
    assert!(stat.is_none());
    other
        .create("/w", b"1".to_vec(), &persistent())
        .await
        .unwrap();
    let e = timeout(WAIT, created.changed()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeCreated, "/w")
    );

    let (_, _, data_w) = zk.get_data_and_watch("/w").await.unwrap();
    let (_, exists_w) = zk.exists_and_watch("/w").await.unwrap();
    let (children, child_w) = zk.get_children_and_watch("/w").await.unwrap();
    assert!(children.is_empty());
    other.set_data("/w", b"2".to_vec(), None).await.unwrap();
    let e = timeout(WAIT, data_w.changed()).await.unwrap().unwrap();
    assert_eq!(e.event_type, EventType::NodeDataChanged);
    let e = timeout(WAIT, exists_w.changed()).await.unwrap().unwrap();
    assert_eq!(e.event_type, EventType::NodeDataChanged);
    other
        .create("/w/c", Vec::new(), &persistent())
        .await
        .unwrap();
    let e = timeout(WAIT, child_w.changed()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeChildrenChanged, "/w")
    );

    // Deletion fires data and child watches.
    let (_, _, data_w) = zk.get_data_and_watch("/w/c").await.unwrap();
    let (_, child_w) = zk.get_children_and_watch("/w/c").await.unwrap();
    other.delete("/w/c", None).await.unwrap();
    for w in [data_w, child_w] {
        let e = timeout(WAIT, w.changed()).await.unwrap().unwrap();
        assert_eq!(
            (e.event_type, e.path.as_str()),
            (EventType::NodeDeleted, "/w/c")
        );
    }
}

#[tokio::test]
async fn several_watchers_on_one_path_all_get_the_event() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/m", Vec::new(), &persistent()).await.unwrap();
    let mut watchers = Vec::new();
    for _ in 0..5 {
        watchers.push(zk.get_data_and_watch("/m").await.unwrap().2);
    }
    // Dropping one of them must not remove the server watch the others need.
    drop(watchers.pop());
    zk.set_data("/m", b"x".to_vec(), None).await.unwrap();
    for w in watchers {
        let e = timeout(WAIT, w.changed()).await.unwrap().unwrap();
        assert_eq!(e.event_type, EventType::NodeDataChanged);
    }
}

#[tokio::test]
async fn events_arrive_in_server_order_before_later_replies() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/o", Vec::new(), &persistent()).await.unwrap();
    let mut w = zk
        .add_watch("/o", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    for i in 0..20 {
        zk.create(&format!("/o/n{i}"), Vec::new(), &persistent())
            .await
            .unwrap();
        zk.set_data(&format!("/o/n{i}"), b"v".to_vec(), None)
            .await
            .unwrap();
    }
    // Every event was delivered before the reply to the request that followed it.
    let mut seen = Vec::new();
    while let Some(e) = w.try_next() {
        seen.push(e);
    }
    assert_eq!(seen.len(), 40, "{seen:?}");
    for (i, pair) in seen.chunks(2).enumerate() {
        let path = format!("/o/n{i}");
        assert_eq!(
            (pair[0].event_type, &pair[0].path),
            (EventType::NodeCreated, &path)
        );
        assert_eq!(
            (pair[1].event_type, &pair[1].path),
            (EventType::NodeDataChanged, &path)
        );
    }
}

#[tokio::test]
async fn persistent_watch_sees_node_and_child_events() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/p", Vec::new(), &persistent()).await.unwrap();
    let mut w = zk.add_watch("/p", AddWatchMode::Persistent).await.unwrap();
    zk.set_data("/p", b"1".to_vec(), None).await.unwrap();
    zk.create("/p/c", Vec::new(), &persistent()).await.unwrap();
    zk.set_data("/p/c", b"ignored".to_vec(), None)
        .await
        .unwrap();
    zk.set_data("/p", b"2".to_vec(), None).await.unwrap();
    let mut types = Vec::new();
    for _ in 0..3 {
        types.push(timeout(WAIT, w.next()).await.unwrap().unwrap().event_type);
    }
    assert_eq!(
        types,
        [
            EventType::NodeDataChanged,
            EventType::NodeChildrenChanged,
            EventType::NodeDataChanged
        ]
    );
    // ZooKeeper 3.8 only knows Data/Children/Any for checks and removal.
    zk.check_watches("/p", WatcherType::Any).await.unwrap();

    // Removing it tells the watcher and ends its stream.
    zk.remove_watches("/p", WatcherType::Any).await.unwrap();
    let e = timeout(WAIT, w.next()).await.unwrap().unwrap();
    assert_eq!(e.event_type, EventType::PersistentWatchRemoved);
    assert_eq!(timeout(WAIT, w.next()).await.unwrap(), None);
    assert_eq!(
        zk.check_watches("/p", WatcherType::Any).await,
        Err(Error::NoWatcher { path: "/p".into() })
    );
}

#[tokio::test]
async fn dropping_a_watcher_removes_the_server_watch() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/d", Vec::new(), &persistent()).await.unwrap();
    let w = zk
        .add_watch("/d", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    zk.check_watches("/d", WatcherType::Any).await.unwrap();
    drop(w);
    // The removal is queued before this request, so it is done when the reply comes.
    zk.sync("/d").await.unwrap();
    assert_eq!(
        zk.check_watches("/d", WatcherType::Any).await,
        Err(Error::NoWatcher { path: "/d".into() })
    );

    let (_, _, data_w) = zk.get_data_and_watch("/d").await.unwrap();
    zk.check_watches("/d", WatcherType::Data).await.unwrap();
    drop(data_w);
    zk.sync("/d").await.unwrap();
    assert_eq!(
        zk.check_watches("/d", WatcherType::Data).await,
        Err(Error::NoWatcher { path: "/d".into() })
    );
}

#[tokio::test]
async fn remove_one_shot_watches() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/r", Vec::new(), &persistent()).await.unwrap();
    let (_, child_w) = zk.get_children_and_watch("/r").await.unwrap();
    let (_, _, data_w) = zk.get_data_and_watch("/r").await.unwrap();
    zk.remove_watches("/r", WatcherType::Children)
        .await
        .unwrap();
    let e = timeout(WAIT, child_w.changed()).await.unwrap().unwrap();
    assert_eq!(e.event_type, EventType::ChildWatchRemoved);
    zk.remove_watches("/r", WatcherType::Any).await.unwrap();
    let e = timeout(WAIT, data_w.changed()).await.unwrap().unwrap();
    assert_eq!(e.event_type, EventType::DataWatchRemoved);
    assert_eq!(
        zk.remove_watches("/r", WatcherType::Data).await,
        Err(Error::NoWatcher { path: "/r".into() })
    );
}

#[tokio::test]
async fn recursive_watch_under_chroot() {
    let server = support::start_server();
    let root = support::connect(&server).await;
    root.create("/app", Vec::new(), &persistent())
        .await
        .unwrap();
    let zk = support::connect_to(&format!("{}/app", server.connect_string())).await;
    let mut w = zk
        .add_watch("/", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    zk.create("/x", Vec::new(), &persistent()).await.unwrap();
    root.create("/app/x/y", Vec::new(), &persistent())
        .await
        .unwrap();
    root.create("/elsewhere", Vec::new(), &persistent())
        .await
        .unwrap();
    root.delete("/app/x/y", None).await.unwrap();
    let got: Vec<(EventType, String)> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let WatchedEvent {
                event_type, path, ..
            } = timeout(WAIT, w.next()).await.unwrap().unwrap();
            v.push((event_type, path));
        }
        v
    };
    assert_eq!(
        got,
        [
            (EventType::NodeCreated, "/x".to_string()),
            (EventType::NodeCreated, "/x/y".to_string()),
            (EventType::NodeDeleted, "/x/y".to_string()),
        ]
    );
    assert!(w.try_next().is_none());
}

#[tokio::test]
async fn dropping_a_watcher_keeps_the_watch_a_request_in_flight_sets() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let other = support::connect(&server).await;
    zk.create("/x", b"0".to_vec(), &persistent()).await.unwrap();
    for round in 0..20 {
        let (_, _, first) = zk.get_data_and_watch("/x").await.unwrap();
        // The second getData(watch) is written before the first watcher is dropped: its
        // watcher is registered only when the reply comes.
        let mut second = Box::pin(zk.get_data_and_watch("/x"));
        std::future::poll_fn(|cx| {
            assert!(std::future::Future::poll(second.as_mut(), cx).is_pending());
            std::task::Poll::Ready(())
        })
        .await;
        drop(first);
        let (_, _, second) = second.await.unwrap();
        zk.sync("/x").await.unwrap();
        zk.check_watches("/x", WatcherType::Data)
            .await
            .unwrap_or_else(|e| panic!("round {round}: the server lost the watch: {e}"));
        other
            .set_data("/x", format!("{round}").into_bytes(), None)
            .await
            .unwrap();
        let event = timeout(WAIT, second.changed())
            .await
            .unwrap_or_else(|_| panic!("round {round}: no event"))
            .unwrap();
        assert_eq!(event.event_type, EventType::NodeDataChanged);
    }
}
