//! The recipes' building blocks against a real server: create with parents, `ensure_path`,
//! batched recursive delete, and protected creates that survive a `ConnectionLoss` (a reply
//! cut by the fault proxy) without a ghost or a duplicate.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_client::{
    Acl, Client, CreateMode, CreateOptions, Error, Id, Op, Parents, Perms, RetryPolicy,
};
use zk_testkit::{Fault, Proxy};

fn read_only_acl() -> Vec<Acl> {
    vec![Acl {
        perms: (Perms::READ | Perms::CREATE | Perms::DELETE).bits(),
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

#[tokio::test]
async fn create_with_parents_persistent_and_containers() {
    let server = support::start_server();
    let zk = support::connect(&server).await;

    let acl = read_only_acl();
    let (path, stat) = zk
        .create_with_parents(
            "/a/b/c",
            b"x".to_vec(),
            &CreateOptions::persistent().with_acl(acl.clone()),
            &Parents::persistent(),
        )
        .await
        .unwrap();
    assert_eq!(path, "/a/b/c");
    assert_eq!(stat.data_length, 1);
    // Parents get the open ACL, as Curator's `creatingParentsIfNeeded` gives them its default
    // ACL provider's; the node gets its own.
    for p in ["/a", "/a/b"] {
        let (parent_acl, stat) = zk.get_acl(p).await.unwrap();
        assert_eq!(parent_acl, zk_records_open_acl(), "{p} has the open ACL");
        assert_eq!(stat.ephemeral_owner, 0, "{p} is persistent");
    }
    assert_eq!(zk.get_acl("/a/b/c").await.unwrap().0, acl);
    // An ACL for the parents is theirs: the child's, when asked for.
    zk.create_with_parents(
        "/g/h/i",
        Vec::new(),
        &CreateOptions::persistent().with_acl(acl.clone()),
        &Parents::persistent().with_acl(acl.clone()),
    )
    .await
    .unwrap();
    for p in ["/g", "/g/h", "/g/h/i"] {
        assert_eq!(zk.get_acl(p).await.unwrap().0, acl, "{p}");
    }
    // Existing parents are kept as they are; a sequential child under container parents
    // with their own ACL.
    let (seq, _) = zk
        .create_with_parents(
            "/a/q/r/item-",
            Vec::new(),
            &CreateOptions::new(CreateMode::EphemeralSequential),
            &Parents::containers().with_acl(zk_records_open_acl()),
        )
        .await
        .unwrap();
    assert!(seq.starts_with("/a/q/r/item-"), "{seq}");
    let (_, a) = zk.get_acl("/a").await.unwrap();
    assert_eq!(a.ephemeral_owner, 0);
    for p in ["/a/q", "/a/q/r"] {
        // (The server shows containers with an `ephemeralOwner` of 0, like persistent nodes:
        // `Parents::options` picks the mode, unit-tested.)
        let (parent_acl, _) = zk.get_acl(p).await.unwrap();
        assert_eq!(parent_acl, zk_records_open_acl(), "{p}");
    }
    // The node itself exists: NodeExists, as for create.
    assert_eq!(
        zk.create_with_parents(
            "/a/b/c",
            Vec::new(),
            &CreateOptions::persistent(),
            &Parents::persistent()
        )
        .await,
        Err(Error::NodeExists {
            path: "/a/b/c".into()
        })
    );
    // Under an ephemeral node: the server's answer, not a loop.
    zk.create("/e", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    assert!(matches!(
        zk.create_with_parents(
            "/e/x/y",
            Vec::new(),
            &CreateOptions::persistent(),
            &Parents::persistent()
        )
        .await,
        Err(Error::NoChildrenForEphemerals { .. })
    ));
}

fn zk_records_open_acl() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::ALL.bits(),
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

#[tokio::test]
async fn ensure_path_is_idempotent() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.ensure_path("/x/y/z", &Parents::persistent())
        .await
        .unwrap();
    zk.ensure_path("/x/y/z", &Parents::persistent())
        .await
        .unwrap();
    zk.ensure_path("/", &Parents::persistent()).await.unwrap();
    assert!(zk.exists("/x/y/z").await.unwrap().is_some());
    // Through the retry helper (safe to repeat).
    let parents = Parents::persistent();
    RetryPolicy::default()
        .retry_idempotent(|| zk.ensure_path("/x/w", &parents))
        .await
        .unwrap();
    assert!(zk.exists("/x/w").await.unwrap().is_some());
}

/// A tree of `/t` with `width` children each holding `width` children.
async fn make_tree(zk: &Client, width: usize) {
    zk.create("/t", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    for i in 0..width {
        let mut ops = vec![Op::create(
            &format!("/t/n{i}"),
            Vec::new(),
            CreateOptions::persistent(),
        )];
        for j in 0..width {
            ops.push(Op::create(
                &format!("/t/n{i}/m{j}"),
                Vec::new(),
                CreateOptions::persistent(),
            ));
        }
        zk.multi(&ops).await.unwrap();
    }
}

#[tokio::test]
async fn delete_all_in_batches_tolerates_concurrent_deletes() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    // 1 + 40 + 1600 nodes: two multis of at most 1000 deletes.
    make_tree(&zk, 40).await;
    assert_eq!(zk.get_all_children_number("/t").await.unwrap(), 1640);
    zk.delete_all("/t").await.unwrap();
    assert_eq!(zk.exists("/t").await.unwrap(), None);
    assert_eq!(
        zk.delete_all("/t").await,
        Err(Error::NoNode { path: "/t".into() })
    );
    assert!(matches!(
        zk.delete_all("/").await,
        Err(Error::InvalidArgument(_))
    ));

    // Two deleters racing on one tree (and a third client deleting leaves): each of them
    // meets nodes the others deleted; all succeed and the tree is gone.
    make_tree(&zk, 30).await;
    let other = support::connect(&server).await;
    let third = support::connect(&server).await;
    let (a, b, ()) = tokio::join!(zk.delete_all("/t"), other.delete_all("/t/n3"), async {
        for j in 0..30 {
            let _ = third.delete(&format!("/t/n7/m{j}"), None).await;
        }
    });
    assert!(matches!(a, Ok(())), "{a:?}");
    assert!(matches!(b, Ok(()) | Err(Error::NoNode { .. })), "{b:?}");
    assert_eq!(zk.exists("/t").await.unwrap(), None);
}

/// Runs `op` on a client behind `proxy` and cuts the connection after the server applied
/// the write and before its reply reaches the client: the proxy delays every chunk, a
/// second client watches `parent` for the new node, and the proxy partitions as soon as it
/// appears (the reply is then held in the delay), healing a moment later.
async fn cut_reply<T: Send + 'static>(
    proxy: &Proxy,
    observer: &Client,
    parent: &str,
    op: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let before = observer.get_children(parent).await.unwrap().len();
    proxy.set_fault(Fault::Delay(Duration::from_secs(2)));
    let task = tokio::spawn(op);
    timeout(support::WAIT, async {
        while observer.get_children(parent).await.unwrap().len() == before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the create never reached the server");
    proxy.partition();
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.heal();
    timeout(support::WAIT, task)
        .await
        .expect("the operation never ended")
        .expect("the operation panicked")
}

#[tokio::test]
async fn protected_create_after_connection_loss_finds_its_node() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(10))
        .connect(&proxy.connect_string())
        .await
        .unwrap();
    let observer = support::connect(&server).await;
    observer
        .create("/locks", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let session = zk.session().unwrap().id;
    let mode = CreateOptions::new(CreateMode::EphemeralSequential);

    // Unprotected, the lost reply leaves a ghost: a node of our session we do not know of.
    let plain = {
        let (zk, mode) = (zk.clone(), mode.clone());
        cut_reply(&proxy, &observer, "/locks", async move {
            zk.create("/locks/lock-", Vec::new(), &mode).await
        })
        .await
    };
    assert_eq!(plain, Err(Error::ConnectionLoss));
    let ghosts = observer.get_children("/locks").await.unwrap();
    assert_eq!(ghosts.len(), 1, "{ghosts:?}");
    observer
        .delete(&format!("/locks/{}", ghosts[0]), None)
        .await
        .unwrap();
    let accepted = proxy.accepted();

    // Protected, the client finds the node it created: no ghost, no duplicate.
    let (path, stat) = {
        let (zk, mode) = (zk.clone(), mode.clone());
        cut_reply(&proxy, &observer, "/locks", async move {
            zk.create_protected("/locks/lock-", b"me".to_vec(), &mode, None)
                .await
        })
        .await
        .unwrap()
    };
    assert!(proxy.accepted() > accepted, "the connection was cut");
    assert_eq!(zk.session().unwrap().id, session, "same session");
    let children = observer.get_children("/locks").await.unwrap();
    assert_eq!(children.len(), 1, "{children:?}");
    assert_eq!(path, format!("/locks/{}", children[0]));
    let name = &children[0];
    assert!(zk_client::is_protected(name), "{name}");
    assert!(
        zk_client::strip_protected(name).starts_with("lock-"),
        "{name}"
    );
    assert_eq!(stat.ephemeral_owner, session);
    let (data, _) = observer.get_data(&path).await.unwrap();
    assert_eq!(&data[..], b"me");
    // A prefix of one's own (kazoo's layout) must start the node's name.
    assert!(matches!(
        zk.create_with_unique_prefix("/locks/abc__lock__", "xyz", Vec::new(), &mode, None)
            .await,
        Err(Error::InvalidArgument(_))
    ));
    let (kazoo, _) = zk
        .create_with_unique_prefix("/locks/abc__lock__", "abc__lock__", Vec::new(), &mode, None)
        .await
        .unwrap();
    assert!(kazoo.starts_with("/locks/abc__lock__"), "{kazoo}");
}

#[tokio::test]
async fn protected_create_dropped_midway_leaves_no_node() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(10))
        .connect(&proxy.connect_string())
        .await
        .unwrap();
    let observer = support::connect(&server).await;
    let mode = CreateOptions::new(CreateMode::EphemeralSequential);
    // The reply is delayed; the caller gives up (drops the future) after the node exists.
    proxy.set_fault(Fault::Delay(Duration::from_secs(1)));
    let parents = Parents::persistent();
    let create = zk.create_protected("/q/job-", Vec::new(), &mode, Some(&parents));
    let watch = async {
        loop {
            if let Ok(children) = observer.get_children("/q").await {
                if !children.is_empty() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        r = create => panic!("the create finished before being dropped: {r:?}"),
        () = watch => {}
    }
    proxy.heal();
    // The background clean-up deletes it while the session lives on.
    timeout(support::WAIT, async {
        while !observer.get_children("/q").await.unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the abandoned protected node was not deleted");
    assert!(zk.state().is_connected());
}
