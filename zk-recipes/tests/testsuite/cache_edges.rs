//! The tree cache against a real server at its edges: a parent and its children deleted and
//! created again in one transaction (their watch events come together, children first), and
//! nodes the cache's client may not read (skipped; the rest of the tree followed).
use crate::support;

use std::time::Duration;

use zk_client::{Acl, Client, CreateOptions, Id, Op, Perms};
use zk_recipes::{Cache, CacheState, TreeCache};
use zk_testkit::{Fault, Proxy};

use crate::support::model::{cache_tree, read_tree, Model};
use crate::support::{connect, WAIT};

async fn create(zk: &Client, path: &str, data: &str, options: &CreateOptions) {
    zk.create(path, data.as_bytes().to_vec(), options)
        .await
        .unwrap_or_else(|e| panic!("creating {path}: {e}"));
}

/// Waits (within [`WAIT`]) until `pred` holds of the cache; `what` names it in the failure.
async fn wait_cache(cache: &Cache, what: &str, pred: impl Fn(&Cache) -> bool) {
    let done = tokio::time::timeout(WAIT, async {
        while !pred(cache) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    if done.is_err() {
        panic!(
            "{what}: not within {WAIT:?}; state {}, contents {:?}",
            cache.state(),
            cache_tree(cache)
        );
    }
}

/// The data the cache holds at `path`, as text.
fn data_at(cache: &Cache, path: &str) -> Option<String> {
    cache
        .get(path)
        .and_then(|n| n.data)
        .map(|d| String::from_utf8_lossy(&d).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_and_children_created_again_together_stay_cached() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let open = CreateOptions::persistent();
    create(&zk, "/re", "", &open).await;
    create(&zk, "/re/p", "p0", &open).await;
    let children: Vec<String> = (0..4).map(|i| format!("/re/p/c{i}")).collect();
    for c in &children {
        create(&zk, c, "c0", &open).await;
    }
    let cache = TreeCache::new(connect(&cs).await, "/re").unwrap().start();
    tokio::time::timeout(WAIT, cache.wait_live())
        .await
        .unwrap()
        .unwrap();
    let mut events = cache.events();
    let mut model = Model::default();
    for round in 1..=20 {
        // One transaction: its watch events (children deleted, parent deleted, parent
        // created, children created) reach the cache together.
        let mut ops: Vec<Op> = children.iter().map(|c| Op::delete(c, None)).collect();
        ops.push(Op::delete("/re/p", None));
        ops.push(Op::create("/re/p", format!("p{round}"), open.clone()));
        for c in &children {
            ops.push(Op::create(c, format!("c{round}"), open.clone()));
        }
        zk.multi(&ops).await.unwrap();
        let want = format!("c{round}");
        wait_cache(&cache, &format!("round {round}"), |c| {
            data_at(c, "/re/p").as_deref() == Some(format!("p{round}").as_str())
                && children
                    .iter()
                    .all(|p| data_at(c, p).as_deref() == Some(want.as_str()))
        })
        .await;
    }
    // The events, applied in order (descendants deleted before their parent), give the same.
    let tree = read_tree(&zk, "/re").await;
    model
        .until_tree(&mut events, &tree, "the server's tree")
        .await;
    assert_eq!(cache_tree(&cache), tree);
    assert_eq!(cache.state(), CacheState::Live);
}

/// Every permission for the session's authenticated ids only (`CREATOR_ALL_ACL`).
fn creator_only() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::ALL.bits(),
        id: Id {
            scheme: "auth".into(),
            id: Default::default(),
        },
    }]
}

/// Every permission for everyone (`OPEN_ACL_UNSAFE`).
fn open_to_all() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::ALL.bits(),
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

#[tokio::test]
async fn a_node_the_client_may_not_read_is_skipped() {
    let server = support::start_server();
    let cs = server.connect_string();
    let owner = connect(&cs).await;
    owner
        .add_auth("digest", b"owner:secret".to_vec())
        .await
        .unwrap();
    let open = CreateOptions::persistent();
    let private = CreateOptions::persistent().with_acl(creator_only());
    create(&owner, "/acl", "r", &open).await;
    create(&owner, "/acl/open", "1", &open).await;
    create(&owner, "/acl/secret", "s", &private).await;
    // The cache's client has no identity the secret node's ACL names; it goes through a proxy
    // that can slow it down.
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let cache = TreeCache::new(connect(&proxy.connect_string()).await, "/acl")
        .unwrap()
        .start();
    tokio::time::timeout(WAIT, cache.wait_live())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("the cache stopped: {e}"));
    let paths = |c: &Cache| c.snapshot().into_iter().map(|n| n.path).collect::<Vec<_>>();
    assert_eq!(paths(&cache), ["/acl", "/acl/open"]);
    assert_eq!(cache.unreadable(), ["/acl/secret"]);
    // The rest of the tree keeps being followed, through changes to secret nodes (a server
    // with the fix for CVE-2024-23944 sends no watch event for a node the client may not
    // read; one without it sends them, and the reads are refused).
    owner.set_data("/acl/secret", "s2", None).await.unwrap();
    create(&owner, "/acl/secret2", "t", &private).await;
    owner.set_data("/acl/open", "2", None).await.unwrap();
    create(&owner, "/acl/new", "3", &open).await;
    wait_cache(&cache, "the later changes", |c| {
        data_at(c, "/acl/open").as_deref() == Some("2") && c.get("/acl/new").is_some()
    })
    .await;
    assert_eq!(paths(&cache), ["/acl", "/acl/new", "/acl/open"]);
    assert!(cache.unreadable().contains(&"/acl/secret".to_owned()));
    // A node readable when its event is sent and closed by the time the cache reads it (the
    // cache's connection slowed down): the refused read skips it.
    proxy.set_fault(Fault::Delay(Duration::from_millis(500)));
    create(&owner, "/acl/flip", "f", &open).await;
    owner
        .set_acl("/acl/flip", &creator_only(), None)
        .await
        .unwrap();
    wait_cache(&cache, "the refused read noted", |c| {
        c.unreadable().contains(&"/acl/flip".to_owned())
    })
    .await;
    proxy.set_fault(Fault::Pass);
    assert!(cache.get("/acl/flip").is_none());
    // Readable again and changed: held, no longer noted.
    owner
        .set_acl("/acl/flip", &open_to_all(), None)
        .await
        .unwrap();
    owner.set_data("/acl/flip", "g", None).await.unwrap();
    wait_cache(&cache, "the node readable again", |c| {
        data_at(c, "/acl/flip").as_deref() == Some("g")
            && !c.unreadable().contains(&"/acl/flip".to_owned())
    })
    .await;
    owner.set_data("/acl/open", "3", None).await.unwrap();
    wait_cache(&cache, "a change after it", |c| {
        data_at(c, "/acl/open").as_deref() == Some("3")
    })
    .await;
    assert_eq!(cache.state(), CacheState::Live);
    assert_eq!(cache.failure(), None);
}
