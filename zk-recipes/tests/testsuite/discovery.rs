//! Service discovery against a real server: registration of every service type, update,
//! unregister and close; queries; the service cache and its change stream; providers and
//! their strategies, down instances and disabled ones; a DYNAMIC registration replacing a
//! node at its path that is not its own.
use crate::support;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;
use tokio::time::timeout;
use zk_client::CreateOptions;
use zk_recipes::discovery::{
    DownInstancePolicy, Pick, ServiceDiscovery, ServiceEvent, ServiceEvents, ServiceInstance,
    ServiceType, Strategy,
};
use zk_recipes::Error;

use crate::support::{connect, wait_children, WAIT};

fn instance(name: &str, id: &str, port: i32) -> ServiceInstance {
    ServiceInstance::builder(name)
        .id(id)
        .address("127.0.0.1")
        .port(port)
        .registration_time_utc(1_700_000_000_000)
        .build()
        .unwrap()
}

/// The next change on the stream (within [`WAIT`]).
async fn next(events: &mut ServiceEvents) -> ServiceEvent {
    timeout(WAIT, events.next())
        .await
        .expect("no cache event in time")
        .expect("the cache stopped")
}

#[tokio::test]
async fn every_service_type_registers_and_is_found() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let observer = connect(&server.connect_string()).await;
    let discovery = ServiceDiscovery::new(zk.clone(), "/services").unwrap();
    let other = ServiceDiscovery::new(observer.clone(), "/services").unwrap();
    assert!(other.query_for_names().await.unwrap().is_empty());

    discovery.register(instance("api", "a1", 1)).await.unwrap();
    let stat = observer.exists("/services/api/a1").await.unwrap().unwrap();
    assert_eq!(
        stat.ephemeral_owner,
        zk.session().unwrap().id,
        "DYNAMIC: ephemeral"
    );
    let fixed = ServiceInstance::builder("api")
        .id("s1")
        .service_type(ServiceType::Static)
        .build()
        .unwrap();
    discovery.register(fixed.clone()).await.unwrap();
    let stat = observer.exists("/services/api/s1").await.unwrap().unwrap();
    assert_eq!(stat.ephemeral_owner, 0, "STATIC: persistent");
    let seq = ServiceInstance::builder("web")
        .id("w-")
        .service_type(ServiceType::DynamicSequential)
        .build()
        .unwrap();
    discovery.register(seq).await.unwrap();
    let web = wait_children(&observer, "/services/web", "sequential", |c| c.len() == 1).await;
    assert_eq!(web[0], "w-0000000000");
    assert_eq!(
        discovery.registered_node("w-").await.unwrap(),
        "/services/web/w-0000000000"
    );

    assert_eq!(other.query_for_names().await.unwrap(), ["api", "web"]);
    let found = other.query_for_instances("api").await.unwrap();
    assert_eq!(found, [instance("api", "a1", 1), fixed.clone()]);
    assert_eq!(
        other.query_for_instance("api", "a1").await.unwrap(),
        Some(instance("api", "a1", 1))
    );
    assert_eq!(other.query_for_instance("api", "zz").await.unwrap(), None);

    discovery.close().await.unwrap();
    assert!(observer
        .get_children("/services/api")
        .await
        .unwrap()
        .is_empty());
    assert!(observer
        .get_children("/services/web")
        .await
        .unwrap()
        .is_empty());
    // Dynamic registrations are not re-created after the close.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(other.query_for_instances("api").await.unwrap().is_empty());
}

#[tokio::test]
async fn update_unregister_and_nodes_that_are_not_instances() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let observer = connect(&server.connect_string()).await;
    let discovery = ServiceDiscovery::new(zk.clone(), "/services").unwrap();
    let other = ServiceDiscovery::new(observer.clone(), "/services").unwrap();
    let fixed = ServiceInstance::builder("api")
        .id("s1")
        .service_type(ServiceType::Static)
        .build()
        .unwrap();
    discovery.register(fixed).await.unwrap();
    discovery.register(instance("api", "a1", 1)).await.unwrap();
    // Update: found by id, the name must stay.
    discovery.update(instance("api", "a1", 2)).await.unwrap();
    let a1 = other
        .query_for_instance("api", "a1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a1.port, Some(2));
    assert!(matches!(
        discovery.update(instance("web", "a1", 2)).await,
        Err(Error::InvalidInstance { .. })
    ));
    assert!(matches!(
        discovery.update(instance("api", "nope", 2)).await,
        Err(Error::NotRegistered { .. })
    ));

    // A node that is not an instance: left out of queries, a typed error when asked for.
    observer
        .create(
            "/services/api/junk",
            "not json",
            &CreateOptions::persistent(),
        )
        .await
        .unwrap();
    assert_eq!(other.query_for_instances("api").await.unwrap().len(), 2);
    let e = other.query_for_instance("api", "junk").await.unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/services/api/junk: expected a service instance"),
        "{e}"
    );
    observer.delete("/services/api/junk", None).await.unwrap();

    discovery.unregister("s1").await.unwrap();
    assert_eq!(observer.exists("/services/api/s1").await.unwrap(), None);
    assert!(matches!(
        discovery.unregister("s1").await,
        Err(Error::NotRegistered { .. })
    ));
    discovery.close().await.unwrap();
}

#[tokio::test]
async fn a_cache_follows_the_service() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let registrant = ServiceDiscovery::new(connect(&server.connect_string()).await, "/s").unwrap();
    registrant
        .register(instance("api", "before", 1))
        .await
        .unwrap();
    let discovery = ServiceDiscovery::new(zk.clone(), "/s").unwrap();
    let cache = discovery.cache("api").await.unwrap();
    assert_eq!(cache.instances(), [instance("api", "before", 1)]);
    let mut events = cache.events();

    registrant.register(instance("api", "x", 1)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ServiceEvent::Added {
            node: "x".into(),
            instance: instance("api", "x", 1)
        }
    );
    registrant.update(instance("api", "x", 2)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ServiceEvent::Updated {
            node: "x".into(),
            instance: instance("api", "x", 2)
        }
    );
    // Deeper nodes and other services are not instances of this one.
    registrant.register(instance("web", "w", 1)).await.unwrap();
    registrant.unregister("before").await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ServiceEvent::Removed {
            node: "before".into(),
            instance: instance("api", "before", 1)
        }
    );
    assert_eq!(cache.instances(), [instance("api", "x", 2)]);
    let mut snapshots = cache.watch();
    registrant.close().await.unwrap();
    timeout(WAIT, snapshots.wait_for(|s| s.is_empty()))
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn providers_pick_by_strategy_and_skip_down_and_disabled_instances() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let discovery = ServiceDiscovery::new(zk.clone(), "/services")
        .unwrap()
        .write_enabled(true);
    for (id, port) in [("a", 1), ("b", 2), ("c", 3)] {
        discovery.register(instance("api", id, port)).await.unwrap();
    }
    let off = ServiceInstance::builder("api")
        .id("off")
        .enabled(false)
        .build()
        .unwrap();
    discovery.register(off).await.unwrap();

    let rr = discovery.provider("api").start().await.unwrap();
    let ids: Vec<String> = (0..6).map(|_| rr.instance().unwrap().id).collect();
    assert_eq!(
        ids,
        ["a", "b", "c", "a", "b", "c"],
        "round-robin, the disabled one left out"
    );
    assert_eq!(rr.cache().instances().len(), 4);

    let random = discovery
        .provider("api")
        .strategy(Strategy::Random)
        .start()
        .await
        .unwrap();
    let seen: BTreeSet<String> = (0..200).map(|_| random.instance().unwrap().id).collect();
    assert_eq!(seen, ["a", "b", "c"].map(String::from).into());

    let policy = DownInstancePolicy {
        timeout: Duration::from_millis(500),
        error_threshold: 2,
    };
    let sticky = discovery
        .provider("api")
        .strategy(Strategy::Sticky(Pick::RoundRobin))
        .down_instance_policy(policy)
        .start()
        .await
        .unwrap();
    let first = sticky.instance().unwrap();
    assert!(
        (0..10).all(|_| sticky.instance().unwrap() == first),
        "sticky"
    );
    sticky.note_error(&first);
    assert_eq!(
        sticky.instance().unwrap(),
        first,
        "one error is under the threshold"
    );
    sticky.note_error(&first);
    let second = sticky.instance().unwrap();
    assert_ne!(second, first, "down after two errors: another one");
    assert!(!sticky.instances().contains(&first));
    tokio::time::sleep(policy.timeout).await;
    assert!(
        sticky.instances().contains(&first),
        "back after the timeout"
    );

    let filtered = discovery
        .provider("api")
        .filter(|i| i.port == Some(3))
        .start()
        .await
        .unwrap();
    assert_eq!(filtered.instances(), [instance("api", "c", 3)]);
    discovery.close().await.unwrap();
    timeout(WAIT, async {
        while rr.instance().is_some() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the provider still hands out unregistered instances");
}

#[tokio::test]
async fn payloads_round_trip_through_the_server() {
    let server = support::start_server();
    let discovery = ServiceDiscovery::new(connect(&server.connect_string()).await, "/p").unwrap();
    let typed = ServiceInstance::builder("api")
        .id("t")
        .typed_payload(
            "java.util.LinkedHashMap",
            json!({"zone": "eu", "n": [1, 2]}),
        )
        .build()
        .unwrap();
    discovery.register(typed.clone()).await.unwrap();
    let found = discovery
        .query_for_instance("api", "t")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, typed);
    assert_eq!(
        found.payload_value(),
        Some(json!({"zone": "eu", "n": [1, 2]}))
    );
    discovery.close().await.unwrap();
}

#[tokio::test]
async fn a_dynamic_registration_replaces_a_node_that_is_not_its_own() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let squatter = connect(&server.connect_string()).await;
    let session = zk.session().unwrap().id;
    for path in ["/services", "/services/api"] {
        zk.create(path, Vec::new(), &CreateOptions::persistent())
            .await
            .unwrap();
    }
    // A persistent node, and another live session's ephemeral node, at the instances' paths.
    zk.create(
        "/services/api/x",
        b"stale".to_vec(),
        &CreateOptions::persistent(),
    )
    .await
    .unwrap();
    squatter
        .create(
            "/services/api/y",
            b"other".to_vec(),
            &CreateOptions::new(zk_client::CreateMode::Ephemeral),
        )
        .await
        .unwrap();
    let discovery = ServiceDiscovery::new(zk.clone(), "/services").unwrap();
    for id in ["x", "y"] {
        discovery.register(instance("api", id, 1)).await.unwrap();
        let path = format!("/services/api/{id}");
        let stat = zk.exists(&path).await.unwrap().unwrap();
        assert_eq!(
            stat.ephemeral_owner, session,
            "{path}: not our ephemeral node"
        );
        assert_eq!(
            discovery.query_for_instance("api", id).await.unwrap(),
            Some(instance("api", id, 1))
        );
    }
    // Unregistering leaves nothing behind: the nodes were ours.
    discovery.close().await.unwrap();
    assert!(zk.get_children("/services/api").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_close_cancelled_at_once_still_unregisters_every_instance() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let observer = connect(&server.connect_string()).await;
    let discovery = ServiceDiscovery::new(zk.clone(), "/services").unwrap();
    for (i, service_type) in [ServiceType::Static, ServiceType::Permanent]
        .into_iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        let instance = ServiceInstance::builder("api")
            .id(&format!("i{i}"))
            .service_type(service_type)
            .build()
            .unwrap();
        discovery.register(instance).await.unwrap();
    }
    assert_eq!(
        observer.get_children("/services/api").await.unwrap().len(),
        8
    );
    // Polled once, then dropped: the caller stopped waiting, as a timeout would.
    tokio::select! {
        biased;
        _ = discovery.close() => panic!("closed without waiting for the server"),
        () = std::future::ready(()) => {}
    }
    wait_children(&observer, "/services/api", "every instance gone", |c| {
        c.is_empty()
    })
    .await;
    assert!(discovery.registered().await.is_empty());
}
