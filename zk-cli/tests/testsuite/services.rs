//! `zk services` against a real server: the instances of the x-discovery layout as JSON, one
//! service or all, with another base path, nodes that are not instances reported and skipped.

use std::process::{Command, Output};
use std::time::Duration;

use zk_client::{Client, CreateOptions};
use zk_recipes::discovery::{ServiceDiscovery, ServiceInstance, ServiceType, UriSpec};
use zk_testkit::start_server;

use test_support::process::stdout_ok;

use crate::support::ZK;

fn zk(cs: &str, args: &[&str]) -> Output {
    Command::new(ZK)
        .args(["--server", cs, "services"])
        .args(args)
        .output()
        .expect("running zk")
}

fn stdout(out: &Output) -> String {
    stdout_ok(out, "zk services")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_registered_instances_as_json() {
    let server = start_server();
    let cs = server.connect_string();
    let client = Client::builder()
        .session_timeout(Duration::from_secs(6))
        .connect(&cs)
        .await
        .unwrap();
    let discovery = ServiceDiscovery::new(client.clone(), "/services").unwrap();
    let api = ServiceInstance::builder("api")
        .id("a1")
        .address("10.0.0.1")
        .port(8080)
        .uri_spec(UriSpec::parse("{scheme}://{address}:{port}").unwrap())
        .build()
        .unwrap();
    let web = ServiceInstance::builder("web")
        .id("w1")
        .service_type(ServiceType::Static)
        .enabled(false)
        .build()
        .unwrap();
    discovery.register(api.clone()).await.unwrap();
    discovery.register(web.clone()).await.unwrap();
    let api_json = String::from_utf8(api.to_json(true)).unwrap();
    let web_json = String::from_utf8(web.to_json(true)).unwrap();

    // One service: an array of Curator's JSON, `enabled` included.
    assert_eq!(stdout(&zk(&cs, &["api"])), format!("[{api_json}]\n"));
    // All of them, by name.
    let all = stdout(&zk(&cs, &[]));
    assert_eq!(
        all,
        format!("{{\"api\":[{api_json}],\"web\":[{web_json}]}}\n")
    );
    let parsed: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(parsed["web"][0]["enabled"], false);
    // Nothing there: empty, not an error.
    assert_eq!(stdout(&zk(&cs, &["nope"])), "[]\n");
    assert_eq!(stdout(&zk(&cs, &["--base", "/elsewhere"])), "{}\n");

    // A node that is not an instance: reported on stderr, left out.
    client
        .create("/services/api/junk", "{", &CreateOptions::persistent())
        .await
        .unwrap();
    let out = zk(&cs, &["api"]);
    assert_eq!(stdout(&out), format!("[{api_json}]\n"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("skipped /services/api/junk: expected a service instance"),
        "{err}"
    );

    // Another base path, and an invalid one (usage: exit 2).
    let other = ServiceDiscovery::new(client.clone(), "/discovery/example").unwrap();
    other.register(api.clone()).await.unwrap();
    assert_eq!(
        stdout(&zk(&cs, &["--base", "/discovery/example"])),
        format!("{{\"api\":[{api_json}]}}\n")
    );
    assert_eq!(zk(&cs, &["--base", "nope"]).status.code(), Some(2));

    discovery.close().await.unwrap();
    other.close().await.unwrap();
    // The junk node is all that is left under the service.
    let out = zk(&cs, &["api"]);
    assert_eq!(stdout(&out), "[]\n");
}
