//! Service discovery against Apache Curator's (Debian's curator-x-discovery, through
//! zk-testkit's java/DiscoveryHarness.java): a Java service registered with Curator's
//! ServiceDiscovery is found by ours with every field equal, ours are found by Curator's
//! `queryForInstances` equal by Java's `ServiceInstance.equals`, and Curator's provider
//! hands out ours (not the disabled one).
use crate::support;

use std::collections::HashMap;

use serde_json::json;
use zk_recipes::discovery::{
    ServiceDiscovery, ServiceEvent, ServiceInstance, ServiceType, UriSpec,
};

use crate::support::peer::Peer;
use crate::support::{connect, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_curator_service_is_found_by_ours_field_for_field() {
    let server = support::start_server();
    let cs = server.connect_string();
    let discovery = ServiceDiscovery::new(connect(&cs).await, "/services").unwrap();
    let cache = discovery.cache("api").await.unwrap();
    let mut events = cache.events();
    let mut java = Peer::discovery(&cs, &["/services", "register", "api", "java-1"]);
    let line = java.line().await;
    let json = line.strip_prefix("REGISTERED ").expect(&line);

    let found = discovery
        .query_for_instance("api", "java-1")
        .await
        .unwrap()
        .expect("the Java instance");
    // Equal to what Curator says it registered, every field...
    assert_eq!(
        found,
        ServiceInstance::from_json("harness", json.as_bytes()).unwrap()
    );
    // ... and to what the harness was told to register.
    assert_eq!(found.name, "api");
    assert_eq!(found.id, "java-1");
    assert_eq!(found.address.as_deref(), Some("10.1.2.3"));
    assert_eq!((found.port, found.ssl_port), (Some(8080), Some(8443)));
    assert_eq!(found.registration_time_utc, 1_700_000_000_123);
    assert_eq!(found.service_type, Some(ServiceType::Dynamic));
    assert!(
        found.enabled,
        "Curator's default serializer writes no `enabled`: true"
    );
    assert_eq!(found.payload_class(), Some("java.util.LinkedHashMap"));
    assert_eq!(
        found.payload_value(),
        Some(json!({"zone": "eu-1", "weight": 7, "tags": ["a", "b"]}))
    );
    assert_eq!(
        found.uri_spec,
        Some(UriSpec::parse("{scheme}://{address}:{ssl-port}/api").unwrap())
    );
    assert_eq!(
        found.build_uri(&HashMap::new()),
        "https://10.1.2.3:8443/api"
    );
    assert_eq!(discovery.query_for_names().await.unwrap(), ["api"]);

    // The cache saw it come, and sees it go when Curator's discovery closes.
    let added = tokio::time::timeout(WAIT, events.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        added,
        ServiceEvent::Added {
            node: "java-1".into(),
            instance: found.clone()
        }
    );
    java.send_line().await;
    assert_eq!(java.line().await, "CLOSED");
    java.finish().await;
    let removed = tokio::time::timeout(WAIT, events.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        removed,
        ServiceEvent::Removed {
            node: "java-1".into(),
            instance: found
        }
    );
    assert!(discovery
        .query_for_instances("api")
        .await
        .unwrap()
        .is_empty());
}

/// Asks the harness whether Curator's `queryForInstances` finds `instance` equal to itself.
async fn curator_sees(cs: &str, instance: &ServiceInstance) -> String {
    let json = String::from_utf8(instance.to_json(true)).unwrap();
    let mut java = Peer::discovery(
        cs,
        &["/services", "expect", &instance.name, &instance.id, &json],
    );
    let verdict = java.line().await;
    java.finish().await;
    verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_are_found_by_curator_equal() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    // Curator's default JSON (no `enabled` field) for the first two, the full one for the
    // disabled third.
    let discovery = ServiceDiscovery::new(zk.clone(), "/services").unwrap();
    let full = ServiceDiscovery::new(zk.clone(), "/services")
        .unwrap()
        .write_enabled(true);
    let rust1 = ServiceInstance::builder("api")
        .id("rust-1")
        .address("10.9.8.7")
        .port(9090)
        .ssl_port(9443)
        .typed_payload(
            "java.util.LinkedHashMap",
            json!({"zone": "us-2", "weight": 3, "tags": ["x"]}),
        )
        .uri_spec(UriSpec::parse("{scheme}://{address}:{port}/v1").unwrap())
        .build()
        .unwrap();
    let rust2 = ServiceInstance::builder("api")
        .id("rust-2")
        .address("10.9.8.6")
        .payload(json!("plain text payload"))
        .service_type(ServiceType::Static)
        .build()
        .unwrap();
    let off = ServiceInstance::builder("api")
        .id("rust-off")
        .address("10.9.8.5")
        .port(1)
        .enabled(false)
        .build()
        .unwrap();
    discovery.register(rust1.clone()).await.unwrap();
    discovery.register(rust2.clone()).await.unwrap();
    full.register(off.clone()).await.unwrap();

    assert_eq!(curator_sees(&cs, &rust1).await, "EQUAL");
    assert_eq!(curator_sees(&cs, &rust2).await, "EQUAL");
    assert_eq!(curator_sees(&cs, &off).await, "EQUAL");
    // And a difference is seen: the harness compares for real.
    let mut changed = rust1.clone();
    changed.port = Some(1);
    assert!(curator_sees(&cs, &changed).await.starts_with("DIFFERENT"));

    // Curator's round-robin provider hands out both enabled instances, never the disabled one.
    let mut java = Peer::discovery(&cs, &["/services", "provider", "api", "6"]);
    assert_eq!(java.line().await, "rust-1 rust-2");
    java.finish().await;

    discovery.close().await.unwrap();
    full.close().await.unwrap();
    assert!(zk.get_children("/services/api").await.unwrap().is_empty());
}
