//! PersistentNode against a real server: created, re-created after a delete with the latest
//! data, re-created by a new session after an expiry (no duplicate, no ghost of the old
//! session), found again after a `ConnectionLoss` during its create, removed by close.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_client::{Client, CreateMode};
use zk_recipes::{NodeStatus, PersistentNode};
use zk_testkit::{Fault, Proxy};

use crate::support::{connect, expire, recreating_client, wait_children, WAIT};

/// Waits until the node's status satisfies `pred`.
async fn wait_status(
    node: &zk_recipes::KeptNode,
    what: &str,
    pred: impl FnMut(&NodeStatus) -> bool,
) -> NodeStatus {
    let mut rx = node.status_watcher();
    let waited = timeout(WAIT, rx.wait_for(pred)).await;
    match waited {
        Ok(Ok(status)) => status.clone(),
        _ => panic!("{what}: not within {WAIT:?}; status {:?}", node.status()),
    }
}

#[tokio::test]
async fn a_deleted_node_comes_back_with_the_latest_data() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let observer = connect(&server.connect_string()).await;
    let node = PersistentNode::new(zk.clone(), "/group/a/member", CreateMode::Ephemeral, "v1")
        .unwrap()
        .start();
    let path = node.wait_created(WAIT).await.unwrap();
    assert_eq!(path, "/group/a/member");
    assert_eq!(node.status().creations, 1);
    let (data, stat) = observer.get_data(&path).await.unwrap();
    assert_eq!(
        (&data[..], stat.ephemeral_owner),
        (&b"v1"[..], zk.session().unwrap().id)
    );

    node.set_data("v2").await.unwrap();
    assert_eq!(&observer.get_data(&path).await.unwrap().0[..], b"v2");
    observer.delete(&path, None).await.unwrap();
    wait_status(&node, "re-created", |s| {
        s.creations == 2 && s.path.is_some()
    })
    .await;
    assert_eq!(&observer.get_data(&path).await.unwrap().0[..], b"v2");

    node.close().await.unwrap();
    assert_eq!(observer.exists(&path).await.unwrap(), None);
    // Nothing re-creates it after the close.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(observer.exists(&path).await.unwrap(), None);
}

#[tokio::test]
async fn a_protected_sequential_node_gets_a_new_name_each_time() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let node = PersistentNode::new(zk.clone(), "/g/m-", CreateMode::EphemeralSequential, "x")
        .unwrap()
        .protected(true)
        .start();
    let first = node.wait_created(WAIT).await.unwrap();
    let name = first.rsplit('/').next().unwrap();
    assert!(zk_client::is_protected(name), "{name}");
    assert!(zk_client::strip_protected(name).starts_with("m-"), "{name}");
    zk.delete(&first, None).await.unwrap();
    let status = wait_status(&node, "re-created", |s| {
        s.creations == 2 && s.path.is_some()
    })
    .await;
    let second = status.path.unwrap();
    assert_ne!(second, first);
    let children = wait_children(&zk, "/g", "one member", |c| c.len() == 1).await;
    assert_eq!(format!("/g/{}", children[0]), second);
    drop(node);
    wait_children(&zk, "/g", "the dropped node deleted", |c| c.is_empty()).await;
}

#[tokio::test]
async fn a_new_session_re_creates_the_node_once() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = recreating_client(&proxy).await;
    let observer = connect(&server.connect_string()).await;
    let old_session = zk.session().unwrap().id;
    let fixed = PersistentNode::new(zk.clone(), "/m/fixed", CreateMode::Ephemeral, "f")
        .unwrap()
        .start();
    let seq = PersistentNode::new(zk.clone(), "/m/seq-", CreateMode::EphemeralSequential, "s")
        .unwrap()
        .start();
    fixed.wait_created(WAIT).await.unwrap();
    seq.wait_created(WAIT).await.unwrap();

    expire(&zk, &proxy).await;
    wait_status(&fixed, "fixed re-created", |s| {
        s.creations == 2 && s.path.is_some()
    })
    .await;
    wait_status(&seq, "sequential re-created", |s| {
        s.creations == 2 && s.path.is_some()
    })
    .await;
    let new_session = zk.session().unwrap().id;
    assert_ne!(new_session, old_session);
    let children = wait_children(&observer, "/m", "two nodes", |c| c.len() == 2).await;
    for name in &children {
        let path = format!("/m/{name}");
        let stat = observer.exists(&path).await.unwrap().unwrap();
        assert_eq!(
            stat.ephemeral_owner, new_session,
            "{path}: owned by the new session"
        );
    }
    assert_eq!(
        seq.path().unwrap(),
        format!(
            "/m/{}",
            children.iter().find(|c| c.starts_with("seq-")).unwrap()
        )
    );
    fixed.close().await.unwrap();
    seq.close().await.unwrap();
    assert!(observer.get_children("/m").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_create_whose_reply_is_lost_leaves_no_ghost() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(10))
        .connect(&proxy.connect_string())
        .await
        .unwrap();
    let observer = connect(&server.connect_string()).await;
    let session = zk.session().unwrap().id;
    let accepted = proxy.accepted();
    // Every chunk delayed; the connection cut once the node exists, before the reply
    // reaches the client: the create fails with ConnectionLoss, though it ran.
    proxy.set_fault(Fault::Delay(Duration::from_secs(2)));
    let node = PersistentNode::new(zk.clone(), "/w/n-", CreateMode::EphemeralSequential, "d")
        .unwrap()
        .parents(None);
    observer
        .create("/w", Vec::new(), &zk_client::CreateOptions::persistent())
        .await
        .unwrap();
    let node = node.start();
    wait_children(&observer, "/w", "the create applied", |c| c.len() == 1).await;
    proxy.partition();
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.heal();
    let path = node.wait_created(WAIT).await.unwrap();
    assert!(proxy.accepted() > accepted, "the connection was cut");
    assert_eq!(zk.session().unwrap().id, session, "same session");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let children = observer.get_children("/w").await.unwrap();
    assert_eq!(children.len(), 1, "no duplicate: {children:?}");
    assert_eq!(path, format!("/w/{}", children[0]));
    assert_eq!(node.status().creations, 1);
    node.close().await.unwrap();
    assert!(observer.get_children("/w").await.unwrap().is_empty());
}

#[tokio::test]
async fn an_error_that_stays_is_reported_and_the_wait_ends() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    // No parent and no parent creation: NoNode, reported, tried again.
    let node = PersistentNode::new(zk.clone(), "/absent/n", CreateMode::Ephemeral, "")
        .unwrap()
        .parents(None)
        .start();
    let status = wait_status(&node, "the error reported", |s| s.error.is_some()).await;
    assert!(status.error.unwrap().to_string().contains("/absent"));
    let err = node
        .wait_created(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not created within"), "{err}");
    // The parent appears: the node follows.
    zk.create(
        "/absent",
        Vec::new(),
        &zk_client::CreateOptions::persistent(),
    )
    .await
    .unwrap();
    node.wait_created(WAIT).await.unwrap();
    assert_eq!(node.status().error, None);
    node.close().await.unwrap();
}

#[tokio::test]
async fn a_closed_client_ends_the_wait_at_once() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    zk.close().await.unwrap();
    let node = PersistentNode::new(zk, "/n", CreateMode::Ephemeral, "")
        .unwrap()
        .start();
    let started = std::time::Instant::now();
    let err = node.wait_created(WAIT).await.unwrap_err();
    assert!(
        started.elapsed() < WAIT / 2,
        "waited {:?}",
        started.elapsed()
    );
    let text = err.to_string();
    assert!(text.contains("closed"), "{text}");
    assert!(node.status().error.is_some());
}
