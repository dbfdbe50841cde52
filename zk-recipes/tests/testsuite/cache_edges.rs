//! The tree cache against a real server at its edges: a parent and its children deleted and
//! created again in one transaction (their watch events come together, children first).
use crate::support;

use std::time::Duration;

use zk_client::{Client, CreateOptions, Op};
use zk_recipes::{Cache, CacheState, TreeCache};

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
