//! A tree cache and Apache Curator's `CuratorCache` (Debian's `libcurator-recipes-java`, run
//! by zk-testkit's `java/CuratorCacheHarness.java`) on one path see the same events for the same
//! changes: the same initial contents, then the same event for each change.
use crate::support;

use std::collections::BTreeSet;

use zk_client::{Client, CreateOptions};
use zk_recipes::{CacheState, TreeCache};

use crate::support::connect;
use crate::support::model::Model;
use crate::support::peer::Peer;
use zk_testkit::CuratorHarness;

const HARNESS: CuratorHarness = CuratorHarness::Cache;

async fn create(zk: &Client, path: &str, data: &str) {
    zk.create(path, data.as_bytes().to_vec(), &CreateOptions::persistent())
        .await
        .unwrap_or_else(|e| panic!("creating {path}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_and_we_see_the_same_events() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    for (p, d) in [
        ("/cc", "root"),
        ("/cc/a", "1"),
        ("/cc/a/x", "ax"),
        ("/cc/b", "2"),
    ] {
        create(&zk, p, d).await;
    }
    let mut curator = Peer::java(HARNESS, &cs, &["/cc"]);
    let cache = TreeCache::new(connect(&cs).await, "/cc").unwrap().start();
    let mut events = cache.events();
    let mut model = Model::default();
    model
        .until(&mut events, "live", |m| m.state == Some(CacheState::Live))
        .await;
    // The initial contents: the same nodes (Curator reads them in no fixed order).
    let mut initial = BTreeSet::new();
    loop {
        let line = curator.line().await;
        if line == "live" {
            break;
        }
        initial.insert(line);
    }
    let ours: BTreeSet<String> = model
        .log
        .iter()
        .filter(|l| l.starts_with('+'))
        .cloned()
        .collect();
    assert_eq!(initial, ours);
    // Each change, then the events both report for it.
    type Step = (&'static str, usize);
    let steps: [Step; 9] = [
        ("create /cc/c", 1),
        ("set /cc/a", 1),
        ("create /cc/c/d", 1),
        ("set /cc/c/d", 1),
        ("set /cc (no change of data)", 1),
        ("delete /cc/c/d", 1),
        ("delete_all /cc/a", 2),
        ("create /cc/a again", 1),
        ("delete /cc/b", 1),
    ];
    for (step, count) in steps {
        let from = model.log.len();
        match step {
            "create /cc/c" => create(&zk, "/cc/c", "3").await,
            "set /cc/a" => drop(zk.set_data("/cc/a", "one", None).await.unwrap()),
            "create /cc/c/d" => create(&zk, "/cc/c/d", "4").await,
            "set /cc/c/d" => drop(zk.set_data("/cc/c/d", "four", None).await.unwrap()),
            "set /cc (no change of data)" => drop(zk.set_data("/cc", "root", None).await.unwrap()),
            "delete /cc/c/d" => zk.delete("/cc/c/d", None).await.unwrap(),
            "delete_all /cc/a" => zk.delete_all("/cc/a").await.unwrap(),
            "create /cc/a again" => create(&zk, "/cc/a", "new").await,
            _ => zk.delete("/cc/b", None).await.unwrap(),
        }
        model
            .until(&mut events, step, |m| m.log.len() >= from + count)
            .await;
        let mut theirs = Vec::new();
        for _ in 0..count {
            theirs.push(curator.line().await);
        }
        assert_eq!(model.since(from), theirs, "after {step}");
    }
    curator.send_line().await;
    assert_eq!(curator.line().await, "closed");
    curator.finish().await;
}
