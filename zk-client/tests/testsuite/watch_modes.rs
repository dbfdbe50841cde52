//! Watches of several modes on one path or tree, and the events each watcher gets: every
//! watcher an event concerns gets it once, as in Java's client (`ZKWatchManager.materialize`
//! collects the watchers in a set).
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_client::{AddWatchMode, CreateOptions, Error, EventType, WatcherType};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_recursive_watch_on_the_root_gets_each_root_event_once() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let mut w = zk
        .add_watch("/", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    zk.set_data("/", b"x".to_vec(), None).await.unwrap();
    // Events come before the replies of later requests.
    zk.sync("/").await.unwrap();
    let mut got = Vec::new();
    while let Some(e) = w.try_next() {
        got.push((e.event_type, e.path));
    }
    assert_eq!(got, [(EventType::NodeDataChanged, "/".to_owned())]);
}

/// Every event a watcher got so far (the events of a change come before the reply of any
/// request that follows it, so a `sync` first makes "so far" mean "every change before it").
async fn drain(
    zk: &zk_client::Client,
    w: &mut zk_client::PersistentWatcher,
) -> Vec<(EventType, String)> {
    zk.sync("/").await.unwrap();
    std::iter::from_fn(|| w.try_next().map(|e| (e.event_type, e.path))).collect()
}

/// Servers before 3.9 keep one mode per session and path (ZOOKEEPER-4466): a one-shot watch
/// set on a path with a persistent watch would turn the server's watch into a one-shot one,
/// and the persistent watcher would hear nothing after its first event.
#[tokio::test]
async fn a_persistent_watch_outlives_one_shot_watches_on_its_path() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    for path in ["/p", "/r"] {
        zk.create(path, Vec::new(), &CreateOptions::persistent())
            .await
            .unwrap();
    }
    let mut p = zk.add_watch("/p", AddWatchMode::Persistent).await.unwrap();
    let mut r = zk
        .add_watch("/r", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let (_, _, data) = zk.get_data_and_watch("/p").await.unwrap();
    let (_, child) = zk.get_children_and_watch("/p").await.unwrap();
    let (_, exists) = zk.exists_and_watch("/r").await.unwrap();
    zk.set_data("/p", b"1".to_vec(), None).await.unwrap();
    zk.create("/p/a", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    zk.set_data("/r", b"1".to_vec(), None).await.unwrap();
    for (w, t) in [
        (data, EventType::NodeDataChanged),
        (child, EventType::NodeChildrenChanged),
        (exists, EventType::NodeDataChanged),
    ] {
        let e = timeout(WAIT, w.changed()).await.unwrap().unwrap();
        assert_eq!(e.event_type, t);
    }
    // The one-shot watches are spent; the persistent ones go on.
    zk.set_data("/p", b"2".to_vec(), None).await.unwrap();
    zk.create("/p/b", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    zk.set_data("/r", b"2".to_vec(), None).await.unwrap();
    zk.create("/r/b", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let e = |t, path: &str| (t, path.to_owned());
    assert_eq!(
        drain(&zk, &mut p).await,
        [
            e(EventType::NodeDataChanged, "/p"),
            e(EventType::NodeChildrenChanged, "/p"),
            e(EventType::NodeDataChanged, "/p"),
            e(EventType::NodeChildrenChanged, "/p"),
        ]
    );
    assert_eq!(
        drain(&zk, &mut r).await,
        [
            e(EventType::NodeDataChanged, "/r"),
            e(EventType::NodeDataChanged, "/r"),
            e(EventType::NodeCreated, "/r/b"),
        ]
    );
}

/// Dropping a one-shot watcher must not remove the server's watch on its path while a
/// persistent watch there needs it (servers before 3.9 remove a persistent watch's data or
/// child part with a `removeWatches` of type `Data` or `Children`).
#[tokio::test]
async fn dropping_a_one_shot_watcher_keeps_a_persistent_watch_on_its_path() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let mut r = zk
        .add_watch("/q", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let (_, missing) = zk.exists_and_watch("/q").await.unwrap();
    drop(missing);
    zk.sync("/").await.unwrap();
    zk.create("/q", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    zk.create("/q/c", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (_, _, data) = zk.get_data_and_watch("/q").await.unwrap();
    drop(data);
    zk.sync("/").await.unwrap();
    zk.set_data("/q", b"1".to_vec(), None).await.unwrap();
    let p = |t, path: &str| (t, path.to_owned());
    assert_eq!(
        drain(&zk, &mut r).await,
        [
            p(EventType::NodeCreated, "/q"),
            p(EventType::NodeCreated, "/q/c"),
            p(EventType::NodeDataChanged, "/q"),
        ]
    );
}

/// Removing the one-shot watches of a kind leaves a persistent watch on the path as it is,
/// and with no watcher of that kind the answer is `NoWatcher`, as Java's client gives it
/// (`ZKWatchManager.removeWatcher`), whatever the server removed.
#[tokio::test]
async fn removing_one_shot_watches_leaves_a_persistent_watch_on_the_path() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/n", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let mut w = zk.add_watch("/n", AddWatchMode::Persistent).await.unwrap();
    let no_watcher = Err(Error::NoWatcher { path: "/n".into() });
    assert_eq!(zk.remove_watches("/n", WatcherType::Data).await, no_watcher);
    assert_eq!(
        zk.remove_watches_locally("/n", WatcherType::Children).await,
        no_watcher
    );
    let (_, _, data) = zk.get_data_and_watch("/n").await.unwrap();
    zk.remove_watches("/n", WatcherType::Data).await.unwrap();
    let e = timeout(WAIT, data.changed()).await.unwrap().unwrap();
    assert_eq!(e.event_type, EventType::DataWatchRemoved);
    zk.set_data("/n", b"1".to_vec(), None).await.unwrap();
    zk.create("/n/c", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let e = |t, path: &str| (t, path.to_owned());
    assert_eq!(
        drain(&zk, &mut w).await,
        [
            e(EventType::NodeDataChanged, "/n"),
            e(EventType::NodeChildrenChanged, "/n"),
        ]
    );
}
