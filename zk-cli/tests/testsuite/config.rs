//! `zk config` against a real three-server ensemble, through a chroot: the members as JSON,
//! and the raw text with `--raw`.

use zk_testkit::{start_server, Ensemble, EnsembleOptions};

use crate::support::ok;

#[test]
fn config_lists_the_members() {
    let ens = Ensemble::start(EnsembleOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let cs = format!("{}/some/chroot", ens.connect_string());
    let config: serde_json::Value = serde_json::from_str(&ok(&cs, &["config"])).unwrap();
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
    let raw = ok(&cs, &["config", "--raw"]);
    assert!(raw.lines().any(|l| l.starts_with("server.1=")), "{raw}");
    assert!(raw.contains("version="), "{raw}");
}

#[test]
fn a_standalone_server_has_an_empty_config() {
    let server = start_server();
    let config = ok(&server.connect_string(), &["config"]);
    assert_eq!(config, "{\"members\":[],\"other\":{},\"version\":null}\n");
}
