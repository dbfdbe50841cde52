//! The instance JSON against what Curator 5.4's `JsonInstanceSerializer` writes (the
//! expected strings were printed by Debian's Curator jars) and reads.

use serde_json::json;

use super::instance::{ServiceInstance, ServiceType};
use super::uri::UriSpec;

fn first() -> ServiceInstance {
    ServiceInstance::builder("svc")
        .id("id1")
        .address("10.0.0.1")
        .port(8080)
        .payload(json!("hello"))
        .registration_time_utc(123)
        .service_type(ServiceType::Dynamic)
        .uri_spec(UriSpec::parse("{scheme}://{address}:{port}/x").unwrap())
        .build()
        .unwrap()
}

const FIRST_PARTS: &str = r#"{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true},{"value":"/x","variable":false}]}"#;

#[test]
fn writes_as_curator_in_both_modes() {
    let compatible = format!(
        r#"{{"name":"svc","id":"id1","address":"10.0.0.1","port":8080,"sslPort":null,"payload":"hello","registrationTimeUTC":123,"serviceType":"DYNAMIC","uriSpec":{FIRST_PARTS}}}"#
    );
    assert_eq!(
        String::from_utf8(first().to_json(false)).unwrap(),
        compatible
    );
    let with_enabled = format!("{},\"enabled\":true}}", &compatible[..compatible.len() - 1]);
    assert_eq!(
        String::from_utf8(first().to_json(true)).unwrap(),
        with_enabled
    );
}

#[test]
fn typed_payloads_and_nulls_as_jackson() {
    let second = ServiceInstance::builder("svc")
        .id("id2")
        .ssl_port(8443)
        .typed_payload("java.util.LinkedHashMap", json!({"k": 1, "z": [1, "a"]}))
        .registration_time_utc(0)
        .service_type(ServiceType::Static)
        .enabled(false)
        .build()
        .unwrap();
    assert_eq!(
        String::from_utf8(second.to_json(true)).unwrap(),
        r#"{"name":"svc","id":"id2","address":null,"port":null,"sslPort":8443,"payload":{"@class":"java.util.LinkedHashMap","k":1,"z":[1,"a"]},"registrationTimeUTC":0,"serviceType":"STATIC","uriSpec":null,"enabled":false}"#
    );
    assert_eq!(
        second.to_json(true),
        second.to_json(false),
        "a disabled instance says so in both modes"
    );
    assert_eq!(second.payload_class(), Some("java.util.LinkedHashMap"));
    assert_eq!(second.payload_value(), Some(json!({"k": 1, "z": [1, "a"]})));
    let list = ServiceInstance::builder("svc")
        .typed_payload("java.util.ArrayList", json!([1, "x"]))
        .build()
        .unwrap();
    assert_eq!(list.payload, Some(json!(["java.util.ArrayList", [1, "x"]])));
    assert_eq!(list.payload_value(), Some(json!([1, "x"])));
}

#[test]
fn reads_as_curator() {
    let minimal =
        ServiceInstance::from_json("/s/a/b", br#"{"name":"a","id":"b","extra":1}"#).unwrap();
    assert_eq!(minimal.address, None);
    assert_eq!(minimal.service_type, Some(ServiceType::Dynamic));
    assert!(minimal.enabled, "no enabled field: enabled");
    assert_eq!(minimal.registration_time_utc, 0);
    let nulls = ServiceInstance::from_json(
        "/s/a/b",
        br#"{"name":"svc","id":"id3","address":null,"port":null,"sslPort":null,"payload":42,"registrationTimeUTC":0,"serviceType":null,"uriSpec":null,"enabled":false}"#,
    )
    .unwrap();
    assert_eq!(nulls.service_type, None);
    assert_eq!(nulls.payload, Some(json!(42)));
    assert!(!nulls.enabled);
    let round = ServiceInstance::from_json("/s/svc/id1", &first().to_json(true)).unwrap();
    assert_eq!(round, first());
}

#[test]
fn bad_data_is_a_typed_error_naming_the_node() {
    let e = ServiceInstance::from_json("/services/api/x", b"not json").unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("/services/api/x: expected a service instance"),
        "{text}"
    );
    assert!(text.contains("line 1 column"), "{text}");
    let e = ServiceInstance::from_json("/s/a/b", br#"{"port":"eighty"}"#).unwrap_err();
    assert!(e.to_string().contains("invalid type"), "{e}");
}

#[test]
fn names_and_ids_must_be_node_names() {
    for bad in ["", "a/b", ".", ".."] {
        assert!(
            ServiceInstance::builder("svc").id(bad).build().is_err(),
            "{bad:?}"
        );
        assert!(ServiceInstance::builder(bad).build().is_err(), "{bad:?}");
    }
    let uuid = ServiceInstance::builder("svc").build().unwrap().id;
    assert_eq!(uuid.len(), 36);
}

#[test]
fn builds_uris_from_the_instance() {
    let mut https = first();
    https.ssl_port = Some(8443);
    https.uri_spec =
        Some(UriSpec::parse("{scheme}://{name}.{id}:{ssl-port}/{service-type}").unwrap());
    assert_eq!(
        https.build_uri(&Default::default()),
        "https://svc.id1:8443/dynamic"
    );
    https.uri_spec = None;
    assert_eq!(https.build_uri(&Default::default()), "");
}
