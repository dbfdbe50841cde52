//! `zk config` against a real three-server ensemble, through a chroot: the members as JSON,
//! and the raw text with `--raw`.

use std::process::Command;

use zk_testkit::{start_server, Ensemble, EnsembleOptions};

const ZK: &str = env!("CARGO_BIN_EXE_zk");

fn zk(cs: &str, args: &[&str]) -> String {
    let out = Command::new(ZK)
        .args(["--server", cs])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zk {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn config_lists_the_members() {
    let ens = Ensemble::start(EnsembleOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let cs = format!("{}/some/chroot", ens.connect_string());
    let config: serde_json::Value = serde_json::from_str(&zk(&cs, &["config"])).unwrap();
    let members = config["members"].as_array().unwrap();
    let mut ids: Vec<u64> = members.iter().map(|m| m["id"].as_u64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2, 3], "{config}");
    for m in members {
        assert_eq!(m["role"], "participant", "{m}");
        let address = m["addresses"][0].as_str().unwrap();
        assert!(address.starts_with("127.0.0.1:"), "{m}");
    }
    assert!(config["version"].is_u64(), "{config}");
    let raw = zk(&cs, &["config", "--raw"]);
    assert!(raw.lines().any(|l| l.starts_with("server.1=")), "{raw}");
    assert!(raw.contains("version="), "{raw}");
}

#[test]
fn a_standalone_server_has_an_empty_config() {
    let server = start_server();
    let config = zk(&server.connect_string(), &["config"]);
    assert_eq!(config, "{\"members\":[],\"other\":{},\"version\":null}\n");
}
