//! The tree cache against a real server: the initial contents, then created/changed/deleted
//! events in order; scopes (tree, children, node), data or none, a filter; a burst of changes
//! whose events, applied in order, give the server's tree.
use crate::support;

use std::time::Duration;

use zk_client::{Client, CreateOptions};
use zk_recipes::{CacheEvent, CacheState, Scope, TreeCache};

use crate::support::model::{cache_tree, read_tree, Model};
use crate::support::{connect, WAIT};

async fn create(zk: &Client, path: &str, data: &str) {
    zk.create(path, data.as_bytes().to_vec(), &CreateOptions::persistent())
        .await
        .unwrap_or_else(|e| panic!("creating {path}: {e}"));
}

#[tokio::test]
async fn the_contents_then_each_change_in_order() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    create(&zk, "/app", "root").await;
    create(&zk, "/app/a", "1").await;
    create(&zk, "/other", "x").await;
    let cache = TreeCache::new(connect(&cs).await, "/app").unwrap().start();
    cache.wait_live().await.unwrap();
    assert_eq!(cache.state(), CacheState::Live);
    assert_eq!(cache.get("/app/a").unwrap().data.unwrap(), "1");
    assert!(cache.get("/other").is_none(), "outside the cache's path");
    assert_eq!(cache.children("/app"), ["a"]);
    let mut events = cache.events();
    let mut model = Model::default();
    model
        .until(&mut events, "the contents", |m| {
            m.state == Some(CacheState::Live)
        })
        .await;
    assert_eq!(model.log, ["+/app=root", "+/app/a=1", "live"]);
    // Each change, waited for before the next: exactly one event each, in order.
    let steps: [(&str, &str); 6] = [
        ("create /app/b", "+/app/b=2"),
        ("set /app/a", "~/app/a=one"),
        ("create /app/b/c", "+/app/b/c=3"),
        ("set /app/b/c", "~/app/b/c=three"),
        ("delete /app/b/c", "-/app/b/c"),
        ("delete /app/b", "-/app/b"),
    ];
    for (step, expected) in steps {
        let from = model.log.len();
        match step {
            "create /app/b" => create(&zk, "/app/b", "2").await,
            "set /app/a" => drop(zk.set_data("/app/a", "one", None).await.unwrap()),
            "create /app/b/c" => create(&zk, "/app/b/c", "3").await,
            "set /app/b/c" => drop(zk.set_data("/app/b/c", "three", None).await.unwrap()),
            "delete /app/b/c" => zk.delete("/app/b/c", None).await.unwrap(),
            _ => zk.delete("/app/b", None).await.unwrap(),
        }
        model.until(&mut events, step, |m| m.log.len() > from).await;
        assert_eq!(model.since(from), [expected], "after {step}");
    }
    // The stat is the node's.
    let (_, stat) = zk.get_data("/app/a").await.unwrap();
    assert_eq!(cache.get("/app/a").unwrap().stat.mzxid, stat.mzxid);
    // Nothing more came.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(100), events.next())
            .await
            .is_err()
    );
    cache.close().await;
    assert_eq!(
        events.next().await,
        Some(CacheEvent::State(CacheState::Closed))
    );
    assert_eq!(events.next().await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_changes_gives_the_servers_tree() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let cache = TreeCache::new(connect(&cs).await, "/burst")
        .unwrap()
        .start();
    cache.wait_live().await.unwrap();
    let mut events = cache.events();
    let mut model = Model::default();
    // Writers in parallel, without waiting for the cache: creates, sets, deletes, re-creates.
    let mut writers = Vec::new();
    for w in 0..4 {
        let zk = connect(&cs).await;
        writers.push(tokio::spawn(async move {
            let _ = zk
                .create("/burst", Vec::new(), &CreateOptions::persistent())
                .await;
            for i in 0..60 {
                let path = format!("/burst/w{w}-{}", i % 10);
                match i % 3 {
                    0 => drop(
                        zk.create(
                            &path,
                            format!("{i}").into_bytes(),
                            &CreateOptions::persistent(),
                        )
                        .await,
                    ),
                    1 => drop(zk.set_data(&path, format!("{i}"), None).await),
                    _ if i % 2 == 0 => drop(zk.delete(&path, None).await),
                    _ => drop(
                        zk.create(
                            &format!("{path}/deep"),
                            Vec::new(),
                            &CreateOptions::persistent(),
                        )
                        .await,
                    ),
                }
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let tree = read_tree(&zk, "/burst").await;
    assert!(tree.len() > 10, "the writers wrote: {tree:?}");
    model
        .until_tree(&mut events, &tree, "the server's tree")
        .await;
    assert_eq!(cache_tree(&cache), tree);
}

#[tokio::test]
async fn scopes_data_and_filter() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    for (p, d) in [
        ("/s", "r"),
        ("/s/a", "1"),
        ("/s/a/x", "2"),
        ("/s/b", "3"),
        ("/s/skip", "4"),
    ] {
        create(&zk, p, d).await;
    }
    let client = connect(&cs).await;
    let children = TreeCache::new(client.clone(), "/s")
        .unwrap()
        .scope(Scope::Children)
        .start();
    let node = TreeCache::new(client.clone(), "/s/a")
        .unwrap()
        .scope(Scope::Node)
        .start();
    let stats = TreeCache::new(client.clone(), "/s")
        .unwrap()
        .data(false)
        .start();
    let filtered = TreeCache::new(client.clone(), "/s")
        .unwrap()
        .filter(|p| !p.contains("skip"))
        .start();
    for c in [&children, &node, &stats, &filtered] {
        tokio::time::timeout(WAIT, c.wait_live())
            .await
            .unwrap()
            .unwrap();
    }
    let paths =
        |c: &zk_recipes::Cache| c.snapshot().into_iter().map(|n| n.path).collect::<Vec<_>>();
    assert_eq!(paths(&children), ["/s/a", "/s/b", "/s/skip"]);
    assert_eq!(paths(&node), ["/s/a"]);
    assert_eq!(paths(&stats), ["/s", "/s/a", "/s/a/x", "/s/b", "/s/skip"]);
    assert!(stats
        .snapshot()
        .iter()
        .all(|n| n.data.is_none() && n.stat.czxid > 0));
    assert_eq!(paths(&filtered), ["/s", "/s/a", "/s/a/x", "/s/b"]);
    // Changes in and out of each scope.
    let mut child_events = children.events();
    let mut node_events = node.events();
    let mut cm = Model::default();
    let mut nm = Model::default();
    cm.until(&mut child_events, "children live", |m| {
        m.state == Some(CacheState::Live)
    })
    .await;
    nm.until(&mut node_events, "node live", |m| {
        m.state == Some(CacheState::Live)
    })
    .await;
    create(&zk, "/s/a/y", "deep").await; // below the children: not theirs; not the node's
    zk.set_data("/s/a", "1b", None).await.unwrap();
    create(&zk, "/s/c", "5").await;
    let from = cm.log.len();
    cm.until(&mut child_events, "children changes", |m| {
        m.nodes.contains_key("/s/c")
    })
    .await;
    assert_eq!(cm.since(from), ["~/s/a=1b", "+/s/c=5"]);
    let from = nm.log.len();
    nm.until(&mut node_events, "node change", |m| {
        m.nodes["/s/a"] == b"1b"
    })
    .await;
    assert_eq!(nm.since(from), ["~/s/a=1b"]);
    zk.delete("/s/a/y", None).await.unwrap();
    zk.delete("/s/a/x", None).await.unwrap();
    zk.delete("/s/a", None).await.unwrap();
    nm.until(&mut node_events, "node deleted", |m| m.nodes.is_empty())
        .await;
    create(&zk, "/s/a", "again").await;
    nm.until(&mut node_events, "node created again", |m| {
        m.nodes.len() == 1
    })
    .await;
    assert_eq!(nm.log[nm.log.len() - 2..], ["-/s/a", "+/s/a=again"]);
    // The filtered cache never reports the node it rejects.
    let mut fm = Model::default();
    let mut filtered_events = filtered.events();
    zk.set_data("/s/skip", "5", None).await.unwrap();
    zk.set_data("/s/b", "3b", None).await.unwrap();
    fm.until(&mut filtered_events, "filtered change", |m| {
        m.nodes.get("/s/b").is_some_and(|d| d == b"3b")
    })
    .await;
    assert!(fm.log.iter().all(|l| !l.contains("skip")), "{:?}", fm.log);
}

#[tokio::test]
async fn a_cache_over_its_limit_stops_with_an_error() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    create(&zk, "/big", "").await;
    for i in 0..5 {
        create(&zk, &format!("/big/{i}"), "").await;
    }
    let cache = TreeCache::new(connect(&cs).await, "/big")
        .unwrap()
        .max_nodes(4)
        .start();
    let err = tokio::time::timeout(WAIT, cache.wait_live())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        err,
        zk_recipes::Error::CacheFull {
            path: "/big".into(),
            limit: 4
        }
    );
    assert_eq!(
        err.to_string(),
        "cache of /big: expected at most 4 nodes, found more"
    );
    assert_eq!(cache.state(), CacheState::Closed);
    assert!(cache.is_empty());
}

#[tokio::test]
async fn a_slow_reader_is_reset_not_left_behind() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    create(&zk, "/slow", "").await;
    let cache = TreeCache::new(connect(&cs).await, "/slow")
        .unwrap()
        .event_capacity(4)
        .start();
    cache.wait_live().await.unwrap();
    let mut events = cache.events();
    // Not read while 20 nodes come.
    for i in 0..20 {
        create(&zk, &format!("/slow/{i:02}"), "").await;
    }
    tokio::time::timeout(WAIT, async {
        while cache.len() < 21 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    let mut model = Model::default();
    let tree = read_tree(&zk, "/slow").await;
    model
        .until_tree(&mut events, &tree, "the reader caught up")
        .await;
    assert!(model.log.contains(&"reset".to_owned()), "{:?}", model.log);
}
