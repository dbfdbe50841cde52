//! The tree cache under faults: changes made while its client is cut off (across a server
//! restart), while its session expires and is re-created, and while its server dies in a
//! three-server ensemble all come as events once it is back; it never stays silently stale.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_client::{Client, CreateOptions, SessionEvent};
use zk_recipes::{CacheState, TreeCache};
use zk_testkit::{Ensemble, EnsembleOptions, Fault, Proxy};

use crate::support::model::{cache_tree, read_tree, Model};
use crate::support::{connect, connect_with_timeout, expire_during, wait_event, WAIT};

async fn create(zk: &Client, path: &str, data: &str) {
    zk.create(path, data.as_bytes().to_vec(), &CreateOptions::persistent())
        .await
        .unwrap_or_else(|e| panic!("creating {path}: {e}"));
}

/// `/f` with a node to keep, one to change and one to delete.
async fn seed(zk: &Client) {
    for (p, d) in [
        ("/f", ""),
        ("/f/keep", "k"),
        ("/f/change", "c1"),
        ("/f/gone", "g"),
    ] {
        create(zk, p, d).await;
    }
}

/// The changes made while the cache cannot see them.
async fn change(zk: &Client) {
    zk.set_data("/f/change", "c2", None).await.unwrap();
    zk.delete("/f/gone", None).await.unwrap();
    create(zk, "/f/new", "n").await;
    create(zk, "/f/new/deeper", "d").await;
}

/// Waits until the cache's state is `state`.
async fn wait_state(cache: &zk_recipes::Cache, state: CacheState) {
    let mut rx = cache.state_watcher();
    timeout(WAIT, rx.wait_for(|s| *s == state))
        .await
        .unwrap_or_else(|_| panic!("cache not {state} within {WAIT:?}"))
        .unwrap();
}

/// The missed changes, as events after the resync (deletions first).
fn missed(log: &[String]) -> Vec<String> {
    log.iter()
        .filter(|l| l.starts_with(['+', '-', '~']))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_while_cut_off_across_a_server_restart_come_as_events() {
    let mut server = support::start_server();
    let zk_direct = connect(&server.connect_string()).await;
    seed(&zk_direct).await;
    drop(zk_direct);
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let cached = connect_with_timeout(&proxy.connect_string(), support::OUTLIVES_RESTART).await;
    let session = cached.session().unwrap().id;
    let cache = TreeCache::new(cached.clone(), "/f").unwrap().start();
    cache.wait_live().await.unwrap();
    let mut events = cache.events();
    let mut model = Model::default();
    model
        .until(&mut events, "live", |m| m.state == Some(CacheState::Live))
        .await;
    // Cut off, the server restarted, changes made, then back.
    proxy.set_fault(Fault::Drop);
    wait_state(&cache, CacheState::Resyncing).await;
    server.stop();
    server.restart().unwrap();
    let zk = connect(&server.connect_string()).await;
    change(&zk).await;
    let tree = read_tree(&zk, "/f").await;
    let from = model.log.len();
    proxy.set_fault(Fault::Pass);
    model
        .until_tree(&mut events, &tree, "the changes after the reconnect")
        .await;
    assert_eq!(cached.session().unwrap().id, session, "the same session");
    assert_eq!(model.log[from], "resyncing");
    assert_eq!(
        missed(&model.since(from)),
        ["-/f/gone", "~/f/change=c2", "+/f/new=n", "+/f/new/deeper=d"]
    );
    assert_eq!(model.log.last().unwrap(), "live");
    assert_eq!(cache_tree(&cache), tree);
    // And the watch still works.
    zk.set_data("/f/keep", "k2", None).await.unwrap();
    model
        .until(&mut events, "a change after the resync", |m| {
            m.nodes["/f/keep"] == b"k2"
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_while_the_session_expires_come_as_events_in_the_new_session() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    seed(&zk).await;
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let cached = Client::builder()
        .session_timeout(Duration::from_secs(4))
        .recreate_session_on_expiry(true)
        .connect(&proxy.connect_string())
        .await
        .unwrap();
    let old = cached.session().unwrap().id;
    let cache = TreeCache::new(cached.clone(), "/f").unwrap().start();
    cache.wait_live().await.unwrap();
    let mut events = cache.events();
    let mut model = Model::default();
    model
        .until(&mut events, "live", |m| m.state == Some(CacheState::Live))
        .await;
    let from = model.log.len();
    let recreated = wait_event(&cached, "re-creation", |e| {
        matches!(e, SessionEvent::Recreated { .. })
    });
    // `join!` polls `recreated` first: both waits subscribe before the partition.
    tokio::join!(recreated, expire_during(&cached, &proxy, change(&zk)));
    assert_ne!(cached.session().unwrap().id, old, "a new session");
    let tree = read_tree(&zk, "/f").await;
    model
        .until_tree(&mut events, &tree, "the changes in the new session")
        .await;
    assert_eq!(model.log[from], "resyncing");
    assert_eq!(
        missed(&model.since(from)),
        ["-/f/gone", "~/f/change=c2", "+/f/new=n", "+/f/new/deeper=d"]
    );
    // The new session has its own watch.
    zk.delete("/f/new/deeper", None).await.unwrap();
    model
        .until(&mut events, "a change in the new session", |m| {
            !m.nodes.contains_key("/f/new/deeper")
        })
        .await;
}

#[tokio::test]
async fn a_session_that_ends_for_good_closes_the_cache_with_the_error() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let cached = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(4)).await;
    let cache = TreeCache::new(cached, "/").unwrap().start();
    cache.wait_live().await.unwrap();
    let mut events = cache.events();
    proxy.partition();
    wait_state(&cache, CacheState::Closed).await;
    assert_eq!(
        cache.failure(),
        Some(zk_recipes::Error::Client(zk_client::Error::SessionExpired))
    );
    let mut model = Model::default();
    timeout(WAIT, async {
        while let Some(e) = events.next().await {
            model.apply(e);
        }
    })
    .await
    .expect("the stream ends");
    assert_eq!(model.log.last().unwrap(), "closed");
    proxy.heal();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_in_an_ensemble_loses_no_change() {
    let mut ensemble =
        Ensemble::start(EnsembleOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let cs = ensemble.connect_string();
    let zk = connect_with_timeout(&cs, Duration::from_secs(15)).await;
    seed(&zk).await;
    let cached = connect_with_timeout(&cs, Duration::from_secs(15)).await;
    let session = cached.session().unwrap().id;
    let cache = TreeCache::new(cached.clone(), "/f").unwrap().start();
    cache.wait_live().await.unwrap();
    let mut events = cache.events();
    let mut model = Model::default();
    model
        .until(&mut events, "live", |m| m.state == Some(CacheState::Live))
        .await;
    let server = ensemble
        .server_of_session(session)
        .expect("the cache's server");
    ensemble.stop(server);
    // Writes go on (retried while the writer's own connection fails over).
    for i in 0..20 {
        let path = format!("/f/n{i}");
        timeout(WAIT, async {
            loop {
                match zk
                    .create(
                        &path,
                        format!("{i}").into_bytes(),
                        &CreateOptions::persistent(),
                    )
                    .await
                {
                    Ok(_) | Err(zk_client::Error::NodeExists { .. }) => return,
                    Err(e) if e.is_retryable() => {
                        tokio::time::sleep(Duration::from_millis(100)).await
                    }
                    Err(e) => panic!("creating {path}: {e}"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no write of {path} within {WAIT:?}"));
    }
    let tree = read_tree(&zk, "/f").await;
    assert_eq!(tree.len(), 24);
    model
        .until_tree(&mut events, &tree, "every write after the failover")
        .await;
    assert_eq!(
        cached.session().unwrap().id,
        session,
        "the session survived"
    );
    assert!(
        model.log.contains(&"resyncing".to_owned()),
        "{:?}",
        model.log
    );
    assert_eq!(cache_tree(&cache), tree);
}
