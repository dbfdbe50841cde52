//! The kazoo workload the `zk log` / `zk snapshot` tests run on a real server, and the check
//! of a snapshot taken after it.

use std::process::Command;

use serde_json::Value as J;
use zk_testkit::ZkServer;

use super::files::{data_files, json_lines, python};
use super::run::zk;

/// The kazoo workload. Prints the session ids as JSON. Leaves the `eph` session open (the
/// process exits without closing it) so that it is in the snapshot.
pub const WORKLOAD: &str = r#"
import json, os, sys
from kazoo.client import KazooClient
hosts = sys.argv[1]
zk = KazooClient(hosts=hosts); zk.start()
zk.create("/jute", b"root-data")
zk.create("/jute/a", b"alpha")
zk.set("/jute/a", b"alpha-2")
zk.create("/jute/gone", b"doomed")
zk.delete("/jute/gone")
zk.create("/jute/utf", "h\u00e9llo \u4e2d".encode("utf-8"))
zk.create("/jute/bin", b"\x00\xff\x10")
t = zk.transaction()
t.create("/jute/m1", b"multi-1")
t.set_data("/jute/a", b"alpha-3")
t.check("/jute/utf", 0)
t.delete("/jute/bin")
results = t.commit()
assert not any(isinstance(r, Exception) for r in results), results
closed = KazooClient(hosts=hosts); closed.start()
closed.create("/jute/eph-closed", b"bye", ephemeral=True)
closed_id = closed.client_id[0]
closed.stop(); closed.close()
eph = KazooClient(hosts=hosts, timeout=60); eph.start()
eph.create("/jute/eph", b"still-here", ephemeral=True)
print(json.dumps({"main": zk.client_id[0], "closed": closed_id, "eph": eph.client_id[0]}))
zk.stop(); zk.close()
sys.stdout.flush()
os._exit(0)
"#;

/// Creates `/jute/big` with [`big_node_data`].
pub const BIG_NODE: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.create("/jute/big", bytes((i * 7 + i // 1000) % 251 for i in range(300000)))
zk.stop(); zk.close()
"#;

/// The data of `/jute/big`: mostly repetitive (copies), with a drift (literals).
pub fn big_node_data() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| ((i * 7 + i / 1000) % 251) as u8)
        .collect()
}

/// Runs [`WORKLOAD`] on `server`: the session ids it printed.
pub fn run_workload(server: &ZkServer) -> J {
    let out = Command::new(python())
        .args(["-c", WORKLOAD, &server.connect_string()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): apt-get install -y python3-kazoo"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the kazoo workload failed{}:\n{stderr}",
        if stderr.contains("No module named 'kazoo'") {
            " (kazoo is missing: apt-get install -y python3-kazoo)"
        } else {
            ""
        }
    );
    serde_json::from_slice(&out.stdout).expect("session ids from the workload")
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks the newest snapshot (its name ends with `want_suffix`) against [`WORKLOAD`]: its
/// lines.
pub fn check_snapshot(server: &ZkServer, ids: &J, want_suffix: &str) -> Vec<J> {
    let snaps = data_files(server, "snapshot.");
    let snap = snaps.last().expect("a snapshot");
    assert!(
        snap.to_str().unwrap().ends_with(want_suffix),
        "{} should end with {want_suffix:?}",
        snap.display()
    );
    let out = zk(&["snapshot", snap.to_str().unwrap(), "--data", "utf8"]);
    assert!(
        out.status.success(),
        "zk snapshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines[0]["magic"], "ZKSN");
    let node = |path: &str| {
        lines
            .iter()
            .find(|l| l["kind"] == "node" && l["path"] == path)
            .unwrap_or_else(|| panic!("no node {path} in the snapshot"))
    };
    assert_eq!(node("/jute")["data"], "root-data");
    assert_eq!(node("/jute/a")["data"], "alpha-3");
    assert_eq!(node("/jute/a")["stat"]["version"], 2);
    assert_eq!(node("/jute/m1")["data"], "multi-1");
    assert_eq!(node("/jute/utf")["data"], "h\u{e9}llo \u{4e2d}");
    assert_eq!(node("/jute/eph")["data"], "still-here");
    assert_eq!(node("/jute/eph")["stat"]["ephemeralOwner"], ids["eph"]);
    assert_eq!(node("/jute/a")["stat"]["ephemeralOwner"], 0);
    node("/");
    node("/zookeeper");
    for gone in ["/jute/gone", "/jute/bin", "/jute/eph-closed"] {
        assert!(
            !lines
                .iter()
                .any(|l| l["kind"] == "node" && l["path"] == gone),
            "{gone} should not be in the snapshot"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "session" && l["id"] == ids["eph"]),
        "the open session is in the snapshot"
    );
    // Every node's ACL id is in the ACL cache.
    let acl_ids: Vec<&J> = lines
        .iter()
        .filter(|l| l["kind"] == "acl")
        .map(|l| &l["id"])
        .collect();
    for n in lines.iter().filter(|l| l["kind"] == "node") {
        assert!(
            n["acl"] == -1 || acl_ids.contains(&&n["acl"]),
            "ACL {} of {} not cached",
            n["acl"],
            n["path"]
        );
    }
    let seals: Vec<&J> = lines.iter().filter(|l| l["kind"] == "seal").collect();
    assert!(
        !seals.is_empty() && seals.iter().all(|s| s["ok"] == true),
        "{seals:?}"
    );
    assert!(
        lines.iter().any(|l| l["kind"] == "digest"),
        "a 3.8 snapshot has a digest"
    );
    assert_eq!(lines.last().unwrap()["kind"], "end");
    assert_eq!(lines.last().unwrap()["trailing"], 0);
    lines
}
