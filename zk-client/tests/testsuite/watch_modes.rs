//! Watches of several modes on one path or tree, and the events each watcher gets: every
//! watcher an event concerns gets it once, as in Java's client (`ZKWatchManager.materialize`
//! collects the watchers in a set).
use crate::support;

use zk_client::{AddWatchMode, EventType};

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
