//! The rest of the API against a real server: `getChildren2` with a watch, `removeWatches`
//! with Java's `local` flag, watches without automatic re-registration, and the ensemble
//! configuration read and watched through a chroot.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_client::{
    AddWatchMode, Client, CreateOptions, EnsembleConfig, Error, EventType, KeeperState,
    SessionState, WatcherType, CONFIG_NODE,
};
use zk_testkit::{Ensemble, EnsembleOptions, ServerOptions, ZkServer};

/// Waits until `zk` reports `state`.
async fn wait_state(zk: &Client, state: SessionState) {
    let mut states = zk.state_watcher();
    timeout(support::WAIT, async {
        while zk.state() != state {
            if states.changed().await.is_none() {
                break;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {state:?} within {:?}", support::WAIT));
    assert_eq!(zk.state(), state);
}

#[tokio::test]
async fn get_children2_leaves_a_child_watch() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let other = support::connect(&server).await;
    zk.create("/c2", b"".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (children, stat, watcher) = zk.get_children2_and_watch("/c2").await.unwrap();
    assert!(children.is_empty());
    assert_eq!(stat.num_children, 0);
    other
        .create("/c2/a", b"".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let e = timeout(support::WAIT, watcher.changed())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeChildrenChanged, "/c2")
    );
    let (children, stat) = zk.get_children2("/c2").await.unwrap();
    assert_eq!((children.len(), stat.num_children), (1, 1));
}

#[tokio::test]
async fn remove_watches_locally_works_without_a_server() {
    let mut server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/rl", b"".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    // Connected, nothing watched: the server's answer stands.
    let err = zk
        .remove_watches_locally("/rl", WatcherType::Data)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoWatcher { .. }), "{err:?}");

    let (_, _, data) = zk.get_data_and_watch("/rl").await.unwrap();
    let (_, child) = zk.get_children_and_watch("/rl").await.unwrap();
    server.stop();
    wait_state(&zk, SessionState::Disconnected).await;
    // Without `local`, the request would wait for a server; with it, the watch goes now.
    zk.remove_watches_locally("/rl", WatcherType::Data)
        .await
        .unwrap();
    let e = timeout(support::WAIT, data.changed())
        .await
        .unwrap()
        .unwrap();
    // Java's client tells of a watch removed without the server with the state
    // `Disconnected` (`ClientCnxn.queueEvent` on `CONNECTIONLOSS`).
    assert_eq!(
        (e.event_type, e.path.as_str(), e.state),
        (
            EventType::DataWatchRemoved,
            "/rl",
            KeeperState::Disconnected
        )
    );
    // The child watch is untouched; a second removal finds nothing.
    let err = zk
        .remove_watches_locally("/rl", WatcherType::Data)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoWatcher { .. }), "{err:?}");
    zk.remove_watches_locally("/rl", WatcherType::Any)
        .await
        .unwrap();
    let e = timeout(support::WAIT, child.changed())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.event_type, e.state),
        (EventType::ChildWatchRemoved, KeeperState::Disconnected)
    );
}

#[tokio::test]
async fn without_auto_watch_reset_a_lost_connection_ends_every_watch() {
    let mut server = support::start_server();
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(20))
        .auto_watch_reset(false)
        .connect(&server.connect_string())
        .await
        .unwrap();
    zk.create("/nr", b"".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (_, _, data) = zk.get_data_and_watch("/nr").await.unwrap();
    let mut persistent = zk
        .add_watch("/nr", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    server.stop();
    let e = timeout(support::WAIT, data.changed())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.event_type, e.state),
        (EventType::None, KeeperState::Disconnected)
    );
    let e = timeout(support::WAIT, persistent.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.event_type, e.state),
        (EventType::None, KeeperState::Disconnected)
    );
    // The stream ends: the watch is gone, not waiting to be restored.
    let end = timeout(support::WAIT, persistent.next()).await.unwrap();
    assert!(end.is_none(), "{end:?}");
    // The session itself survives the outage.
    server.restart().unwrap();
    wait_state(&zk, SessionState::Connected).await;
    assert!(zk.exists("/nr").await.unwrap().is_some());
}

/// A server whose ACLs are not checked, so that a test can write `/zookeeper/config` (a
/// stand-in for a reconfiguration, which a standalone server cannot do).
fn server_without_acls() -> ZkServer {
    ZkServer::start_with(ServerOptions {
        // Unknown `zoo.cfg` keys become `zookeeper.*` system properties.
        extra_config: vec!["skipACL=yes".into()],
        ..ServerOptions::default()
    })
    .unwrap_or_else(|e| panic!("starting ZooKeeper: {e}"))
}

#[tokio::test]
async fn get_config_is_watched_through_a_chroot() {
    let server = server_without_acls();
    let root = support::connect(&server).await;
    root.create("/app", b"".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let zk = support::connect_to(&format!("{}/app", server.connect_string())).await;
    let (_, stat, watcher) = zk.get_config_and_watch().await.unwrap();
    // Inside the chroot there is no such node: the config is read outside it.
    assert!(zk.exists(CONFIG_NODE).await.unwrap().is_none());
    let config = b"server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nversion=100000000";
    root.set_data(CONFIG_NODE, config.to_vec(), Some(stat.version))
        .await
        .unwrap();
    let e = timeout(support::WAIT, watcher.changed())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeDataChanged, CONFIG_NODE)
    );
    let (data, _) = zk.get_config().await.unwrap();
    assert_eq!(&data[..], &config[..]);
}

#[tokio::test]
async fn an_ensemble_reports_its_members() {
    let ens = Ensemble::start(EnsembleOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let zk = support::connect_to(&format!("{}/chrooted", ens.connect_string())).await;
    let (config, _) = zk.ensemble_config().await.unwrap();
    let mut ids: Vec<u64> = config.participants().map(|m| m.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2, 3], "{config:?}");
    // The testkit's servers take their client port from the static `clientPort`, which the
    // configuration leaves out (ZooKeeper writes `;host:port` only for dynamic ones).
    for member in &config.members {
        assert_eq!(member.addresses.len(), 1, "{config:?}");
        assert_eq!(member.addresses[0].host, "127.0.0.1", "{config:?}");
        assert_eq!(member.client, None, "{config:?}");
    }
    assert!(config.version.is_some(), "{config:?}");
}

#[tokio::test]
async fn a_standalone_server_has_no_members() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let (config, stat) = zk.ensemble_config().await.unwrap();
    assert_eq!((config, stat.data_length), (EnsembleConfig::default(), 0));
}
