//! Service discovery under faults: a server restart, a failover in a three-server ensemble, a
//! cache cut off while the service changes (the changes it missed become events), and session
//! expiries with re-creation (the registration comes back once, owned by the new session; the
//! cache follows); after close nothing is left registered.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_recipes::discovery::{
    ServiceCache, ServiceDiscovery, ServiceEvent, ServiceEvents, ServiceInstance,
};
use zk_testkit::{Ensemble, EnsembleOptions, Proxy};

use crate::support::{
    connect, connect_with_timeout, expire_during, recreating_client, wait_children, WAIT,
};

fn instance(id: &str, port: i32) -> ServiceInstance {
    ServiceInstance::builder("api")
        .id(id)
        .address("127.0.0.1")
        .port(port)
        .registration_time_utc(1)
        .build()
        .unwrap()
}

/// The next change on `cache`'s stream (within [`WAIT`]); a stopped cache panics with the
/// failure that stopped it.
async fn next(events: &mut ServiceEvents, cache: &ServiceCache) -> ServiceEvent {
    let event = timeout(WAIT, events.next())
        .await
        .expect("no cache event in time");
    event.unwrap_or_else(|| panic!("the cache stopped: {:?}", cache.failure()))
}

fn added(id: &str, port: i32) -> ServiceEvent {
    ServiceEvent::Added {
        node: id.into(),
        instance: instance(id, port),
    }
}

fn removed(id: &str, port: i32) -> ServiceEvent {
    ServiceEvent::Removed {
        node: id.into(),
        instance: instance(id, port),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_and_caches_survive_a_server_restart() {
    // Sessions that outlive the restart (see `support::OUTLIVES_RESTART`).
    let mut server = support::start_server();
    let cs = server.connect_string();
    let registrant = connect_with_timeout(&cs, support::OUTLIVES_RESTART).await;
    let session = registrant.session().unwrap().id;
    let discovery = ServiceDiscovery::new(registrant.clone(), "/services").unwrap();
    discovery.register(instance("a1", 1)).await.unwrap();
    let observer = ServiceDiscovery::new(
        connect_with_timeout(&cs, support::OUTLIVES_RESTART).await,
        "/services",
    )
    .unwrap();
    let cache = observer.cache("api").await.unwrap();
    let mut events = cache.events();

    tokio::task::block_in_place(|| server.restart()).unwrap();
    // Both sessions come back; the registration is still there and the cache follows.
    discovery.register(instance("a2", 2)).await.unwrap();
    assert_eq!(next(&mut events, &cache).await, added("a2", 2));
    assert_eq!(cache.instances(), [instance("a1", 1), instance("a2", 2)]);
    assert_eq!(registrant.session().unwrap().id, session);
    discovery.close().await.unwrap();
    let gone = [
        next(&mut events, &cache).await,
        next(&mut events, &cache).await,
    ];
    assert!(
        gone.contains(&removed("a1", 1)) && gone.contains(&removed("a2", 2)),
        "{gone:?}"
    );
    assert!(observer
        .query_for_instances("api")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_survives_a_failover() {
    let mut ensemble =
        Ensemble::start(EnsembleOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let cs = ensemble.connect_string();
    let registrant = connect_with_timeout(&cs, Duration::from_secs(15)).await;
    let session = registrant.session().unwrap().id;
    let discovery = ServiceDiscovery::new(registrant.clone(), "/services").unwrap();
    discovery.register(instance("e1", 1)).await.unwrap();
    let observer_zk = connect_with_timeout(&cs, Duration::from_secs(15)).await;
    let observer = ServiceDiscovery::new(observer_zk.clone(), "/services").unwrap();
    let cache = observer.cache("api").await.unwrap();
    let mut events = cache.events();

    let server = ensemble
        .server_of_session(session)
        .expect("the registrant's server");
    ensemble.stop(server);
    // The session moves to another server; the instance stays, updates go through.
    discovery.update(instance("e1", 2)).await.unwrap();
    let updated = ServiceEvent::Updated {
        node: "e1".into(),
        instance: instance("e1", 2),
    };
    assert_eq!(next(&mut events, &cache).await, updated);
    assert_eq!(registrant.session().unwrap().id, session);
    let stat = observer_zk
        .exists("/services/api/e1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stat.ephemeral_owner, session);
    discovery.register(instance("e2", 3)).await.unwrap();
    assert_eq!(next(&mut events, &cache).await, added("e2", 3));
    discovery.close().await.unwrap();
    let gone = [
        next(&mut events, &cache).await,
        next(&mut events, &cache).await,
    ];
    assert!(gone.contains(&removed("e2", 3)), "{gone:?}");
    assert!(observer_zk
        .get_children("/services/api")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_cut_off_catches_up_with_what_it_missed() {
    let server = support::start_server();
    let cs = server.connect_string();
    let discovery = ServiceDiscovery::new(connect(&cs).await, "/services").unwrap();
    discovery.register(instance("old", 1)).await.unwrap();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let cache_zk = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(20)).await;
    let session = cache_zk.session().unwrap().id;
    let cache = ServiceDiscovery::new(cache_zk.clone(), "/services")
        .unwrap()
        .cache("api")
        .await
        .unwrap();
    let mut events = cache.events();
    // Cut off (the same session comes back): the persistent watch is restored without the
    // changes made meanwhile, which the cache reads again.
    proxy.partition();
    discovery.register(instance("new", 2)).await.unwrap();
    discovery.unregister("old").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    proxy.heal();
    let caught_up = [
        next(&mut events, &cache).await,
        next(&mut events, &cache).await,
    ];
    assert!(caught_up.contains(&added("new", 2)), "{caught_up:?}");
    assert!(caught_up.contains(&removed("old", 1)), "{caught_up:?}");
    assert_eq!(cache_zk.session().unwrap().id, session, "same session");
    assert_eq!(cache.instances(), [instance("new", 2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiry_re_creates_the_registration_once_and_the_cache_follows() {
    let server = support::start_server();
    let cs = server.connect_string();
    let observer_zk = connect(&cs).await;
    let observer = ServiceDiscovery::new(observer_zk.clone(), "/services").unwrap();
    let direct_cache = observer.cache("api").await.unwrap();
    let mut direct = direct_cache.events();
    // The registrant and a second cache behind one proxy, both re-creating their sessions.
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let registrant = recreating_client(&proxy).await;
    let old_session = registrant.session().unwrap().id;
    let discovery = ServiceDiscovery::new(registrant.clone(), "/services").unwrap();
    discovery.register(instance("x", 1)).await.unwrap();
    assert_eq!(next(&mut direct, &direct_cache).await, added("x", 1));
    let cut_zk = recreating_client(&proxy).await;
    let cut_cache = ServiceDiscovery::new(cut_zk.clone(), "/services")
        .unwrap()
        .cache("api")
        .await
        .unwrap();
    let mut cut = cut_cache.events();

    expire_during(&registrant, &proxy, async {
        // While both are cut off: another service instance comes.
        observer.register(instance("y", 2)).await.unwrap();
    })
    .await;
    // The server deleted the expired session's node; the new session puts it back, once.
    let seen = [
        next(&mut direct, &direct_cache).await,
        next(&mut direct, &direct_cache).await,
        next(&mut direct, &direct_cache).await,
    ];
    assert!(seen.contains(&added("y", 2)), "{seen:?}");
    assert!(seen.contains(&removed("x", 1)), "{seen:?}");
    assert!(seen.contains(&added("x", 1)), "{seen:?}");
    let children = wait_children(&observer_zk, "/services/api", "x and y", |c| c.len() == 2).await;
    assert_eq!(children, ["x", "y"]);
    let stat = observer_zk
        .exists("/services/api/x")
        .await
        .unwrap()
        .unwrap();
    let new_session = registrant.session().unwrap().id;
    assert_ne!(new_session, old_session);
    assert_eq!(stat.ephemeral_owner, new_session);
    // The cache whose session expired watches again and reads what it missed (x may be
    // reported removed and added again: its node was made anew).
    while next(&mut cut, &cut_cache).await != added("y", 2) {}
    let mut snapshots = cut_cache.watch();
    timeout(WAIT, snapshots.wait_for(|s| s.len() == 2))
        .await
        .unwrap()
        .unwrap();

    discovery.close().await.unwrap();
    observer.close().await.unwrap();
    assert!(observer_zk
        .get_children("/services/api")
        .await
        .unwrap()
        .is_empty());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        observer_zk
            .get_children("/services/api")
            .await
            .unwrap()
            .is_empty(),
        "re-created after close"
    );
}
