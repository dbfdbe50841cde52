//! `zk reconfig` against a real reconfigurable ensemble (zk-testkit's `DynamicEnsemble`):
//! `--add`, `--remove` with `--from-version`, `--members`, `--file`, and the exit codes of
//! refusals (no right: 7, stale version: 5, no quorum or disabled: 20).

use serde_json::Value;
use zk_testkit::{start_server, DynamicEnsemble, SUPER_AUTH};

use crate::support::{fails, ok};

/// `&str`s of owned arguments.
fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The member ids and the version of a `config`/`reconfig` JSON answer.
fn members(json: &str) -> (Vec<u64>, u64) {
    let v: Value = serde_json::from_str(json).unwrap();
    let mut ids: Vec<u64> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    (ids, v["version"].as_u64().unwrap())
}

#[test]
fn reconfig_adds_removes_and_replaces_members() {
    let mut ens = DynamicEnsemble::start(3, Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let cs = ens.connect_string_of(&[1, 2, 3]);
    let auth = format!("digest:{SUPER_AUTH}");
    let root = |args: &[&str]| -> Vec<String> {
        // A reconfiguration holds up the requests behind it until it commits: give it time.
        let head = [
            "--timeout",
            "30s",
            "--session-timeout",
            "30s",
            "--auth",
            auth.as_str(),
            "reconfig",
        ];
        head.iter().chain(args).map(|s| s.to_string()).collect()
    };
    let (ids, start) = members(&ok(&cs, &["config"]));
    assert_eq!(ids, [1, 2, 3]);

    let four = ens.start_joiner().unwrap_or_else(|e| panic!("{e}"));
    let spec = ens.spec(four);
    // Without the right to write /zookeeper/config: 7.
    fails(&cs, &["reconfig", "--add", &spec], 7);
    let (ids, grown) = members(&ok(&cs, &refs(&root(&["--add", &spec]))));
    assert_eq!(ids, [1, 2, 3, 4]);
    assert!(grown > start);

    // From a version that is not the current one: 5, and nothing changes.
    let stale = format!("{start:x}");
    fails(
        &cs,
        &refs(&root(&["--remove", "4", "--from-version", &stale])),
        5,
    );
    let current = format!("0x{grown:x}");
    let raw = ok(
        &cs,
        &refs(&root(&[
            "--remove",
            "4",
            "--from-version",
            &current,
            "--raw",
        ])),
    );
    assert!(raw.starts_with("server.1="), "{raw}");
    assert!(!raw.contains("server.4="), "{raw}");

    // The whole membership: inline (keeping the leader, so that no hand-off interrupts the
    // next commands), then from a dynamic configuration file.
    let leader = ens.leader().expect("a leader");
    let follower = (1..=3).find(|&id| id != leader).expect("a follower");
    let two = [ens.spec(leader), ens.spec(follower)].join(",");
    let (ids, _) = members(&ok(&cs, &refs(&root(&["--members", &two]))));
    let mut want = vec![u64::from(leader), u64::from(follower)];
    want.sort_unstable();
    assert_eq!(ids, want);
    let three: Vec<String> = (1..=3).map(|id| ens.spec(id)).collect();
    let file = std::env::temp_dir().join(format!("zk-dynamic-{}.cfg", std::process::id()));
    std::fs::write(&file, format!("{}\nversion=1\n", three.join("\n"))).unwrap();
    let (ids, _) = members(&ok(&cs, &refs(&root(&["--file", file.to_str().unwrap()]))));
    assert_eq!(ids, [1, 2, 3]);
    let _ = std::fs::remove_file(&file);

    // A membership no server of which is running: no quorum, 20.
    let err = fails(
        &cs,
        &refs(&root(&["--members", "server.9=127.0.0.1:1:2;3"])),
        20,
    );
    assert!(err.contains("no quorum"), "{err}");
    // Nothing to change: a usage error before connecting.
    fails("127.0.0.1:1", &["reconfig", "--from-version", "1"], 2);
}

#[test]
fn a_server_without_reconfiguration_refuses_with_20() {
    let server = start_server();
    let err = fails(&server.connect_string(), &["reconfig", "--remove", "1"], 20);
    assert!(err.contains("reconfigEnabled"), "{err}");
}
