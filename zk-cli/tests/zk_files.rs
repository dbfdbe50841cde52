//! `zk log` and `zk snapshot` on files written by a real ZooKeeper 3.8 server: a
//! known workload (creates, sets, deletes, a multi, ephemeral nodes, a closed session) run
//! with kazoo, then the decoded log and snapshot are checked against it. Also: corrupt and
//! truncated logs, and gzip- and snappy-compressed snapshots.
//!
//! Needs the Debian packages `zookeeper` (server, Java) and `python3-kazoo`:
//! `apt-get install -y zookeeper python3-kazoo`. Fails (never skips) without them.

mod zk_support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value as J;
use zk_support::server::ZkServer;
use zk_support::{all_txns, data_files, json_lines, python, run_python, start, zk, zk_stdin};

/// The kazoo workload. Prints the session ids as JSON. Leaves the `eph` session open (the
/// process exits without closing it) so that it is in the snapshot.
const WORKLOAD: &str = r#"
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
const BIG_NODE: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.create("/jute/big", bytes((i * 7 + i // 1000) % 251 for i in range(300000)))
zk.stop(); zk.close()
"#;

/// The data of `/jute/big`: mostly repetitive (copies), with a drift (literals).
fn big_node_data() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| ((i * 7 + i / 1000) % 251) as u8)
        .collect()
}

fn run_workload(server: &ZkServer) -> J {
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn find<'a>(txns: &'a [J], op: &str, path: &str) -> &'a J {
    txns.iter()
        .find(|t| t["op"] == op && t["txn"]["path"] == path)
        .unwrap_or_else(|| panic!("no {op} of {path} in {txns:#?}"))
}

fn check_log(txns: &[J], ids: &J) {
    // Sessions: created for all three, closed for the one the workload closed.
    let created: Vec<&J> = txns.iter().filter(|t| t["op"] == "createSession").collect();
    for who in ["main", "closed", "eph"] {
        let id = &ids[who];
        assert!(
            created.iter().any(|t| t["header"]["clientId"] == *id),
            "no createSession for {who} ({id})"
        );
    }
    let close = txns
        .iter()
        .find(|t| t["op"] == "closeSession" && t["header"]["clientId"] == ids["closed"])
        .expect("closeSession of the closed session");
    assert_eq!(close["record"], "CloseSessionTxn");
    assert_eq!(
        close["txn"]["paths2Delete"],
        serde_json::json!(["/jute/eph-closed"])
    );

    assert_eq!(
        find(txns, "create", "/jute")["txn"]["data"],
        hex(b"root-data")
    );
    assert_eq!(
        find(txns, "create", "/jute/a")["txn"]["data"],
        hex(b"alpha")
    );
    assert_eq!(
        find(txns, "setData", "/jute/a")["txn"]["data"],
        hex(b"alpha-2")
    );
    assert_eq!(
        find(txns, "create", "/jute/gone")["txn"]["data"],
        hex(b"doomed")
    );
    find(txns, "delete", "/jute/gone");
    assert_eq!(
        find(txns, "create", "/jute/utf")["txn"]["data"],
        hex("h\u{e9}llo \u{4e2d}".as_bytes())
    );
    let eph = find(txns, "create", "/jute/eph");
    assert_eq!(eph["txn"]["ephemeral"], true);
    assert_eq!(eph["header"]["clientId"], ids["eph"]);
    assert_eq!(find(txns, "create", "/jute/a")["txn"]["ephemeral"], false);

    let multi = txns
        .iter()
        .find(|t| t["op"] == "multi")
        .expect("a multi txn");
    assert_eq!(multi["record"], "MultiTxn");
    let subs = multi["txn"]["txns"].as_array().expect("sub-transactions");
    let summary: Vec<(String, String)> = subs
        .iter()
        .map(|s| {
            (
                s["op"].as_str().unwrap_or("?").to_string(),
                s["txn"]["path"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("create", "/jute/m1"),
            ("setData", "/jute/a"),
            ("check", "/jute/utf"),
            ("delete", "/jute/bin"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(subs[0]["txn"]["data"], hex(b"multi-1"));
    assert_eq!(subs[1]["txn"]["data"], hex(b"alpha-3"));

    // Zxids increase by one; every 3.8 entry carries a digest.
    let zxids: Vec<i64> = txns
        .iter()
        .map(|t| t["header"]["zxid"].as_i64().unwrap())
        .collect();
    assert!(zxids.windows(2).all(|w| w[1] == w[0] + 1), "{zxids:?}");
    assert!(
        txns.iter().all(|t| t["digest"]["version"].is_i64()),
        "digests"
    );
}

fn check_snapshot(server: &ZkServer, ids: &J, want_suffix: &str) -> Vec<J> {
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

#[test]
fn log_and_snapshot_of_a_real_server() {
    let mut server = start(&[]);
    let ids = run_workload(&server);
    // A restart writes a snapshot of everything loaded (with the open session).
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let txns = all_txns(&server);
    check_log(&txns, &ids);
    check_snapshot(&server, &ids, "");
    corrupt_logs(&server, &txns);
    snapshot_with_trailing_bytes(&server);
    stdin_reads_the_same(&server);
}

/// `-` reads the log or snapshot from stdin, with the same output as from the file.
fn stdin_reads_the_same(server: &ZkServer) {
    for (command, prefix) in [("log", "log."), ("snapshot", "snapshot.")] {
        let file = data_files(server, prefix).pop().expect("a data file");
        let from_file = zk(&[command, file.to_str().unwrap()]);
        let piped = zk_stdin(&[command, "-"], &std::fs::read(&file).unwrap());
        assert!(piped.status.success(), "zk {command} -: {piped:?}");
        assert!(!from_file.stdout.is_empty());
        assert_eq!(piped.stdout, from_file.stdout, "zk {command} - differs");
    }
}

/// A real snapshot with 3 bytes appended: trailing bytes after the end, not a damaged digest.
fn snapshot_with_trailing_bytes(server: &ZkServer) {
    let snap = data_files(server, "snapshot.").pop().expect("a snapshot");
    let mut bytes = std::fs::read(&snap).unwrap();
    let end = bytes.len();
    bytes.extend([7, 7, 7]);
    let path = server.dir().join("trailing-snapshot");
    std::fs::write(&path, &bytes).unwrap();
    let out = zk(&["snapshot", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let lines = json_lines(&out);
    assert!(!lines.iter().any(|l| l["kind"] == "error"), "{lines:#?}");
    let last = lines.last().unwrap();
    assert_eq!(
        (&last["kind"], &last["trailing"]),
        (&J::from("end"), &J::from(3))
    );
    assert_eq!(last["offset"], end);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("3 unexpected bytes after the end"),
        "{stderr}"
    );
}

#[test]
fn gzip_snapshots_are_read() {
    // zoo.cfg keys ZooKeeper does not know become `zookeeper.`-prefixed system properties.
    let mut server = start(&["snapshot.compression.method=gz"]);
    let ids = run_workload(&server);
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let lines = check_snapshot(&server, &ids, ".gz");
    assert_eq!(lines[0]["compression"], "gz");
}

#[test]
fn snappy_snapshots_are_read() {
    // SnapStream wraps the file in snappy-java's SnappyOutputStream (Debian's snappy-java.jar
    // is on zookeeper.jar's manifest classpath).
    let mut server = start(&["snapshot.compression.method=snappy"]);
    let ids = run_workload(&server);
    // A 300 kB node spans many of snappy-java's 32 KiB chunks.
    run_python(&server, BIG_NODE);
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let lines = check_snapshot(&server, &ids, ".snappy");
    assert_eq!(lines[0]["compression"], "snappy");
    let big = lines
        .iter()
        .find(|l| l["kind"] == "node" && l["path"] == "/jute/big")
        .expect("/jute/big in the snapshot");
    assert_eq!(big["dataHex"], hex(&big_node_data()));

    let snap = data_files(&server, "snapshot.").pop().unwrap();
    let original = std::fs::read(&snap).unwrap();
    assert!(
        original.starts_with(b"\x82SNAPPY\0"),
        "a snappy-java stream"
    );
    let first_chunk = u32::from_be_bytes(original[16..20].try_into().unwrap()) as usize;
    assert!(
        20 + first_chunk < original.len(),
        "more than one chunk ({} bytes)",
        original.len()
    );
    let dir = server.dir();
    let run = |name: &str, bytes: &[u8]| {
        let path = dir.join(format!("damaged-{name}.snappy"));
        std::fs::write(&path, bytes).unwrap();
        zk(&["snapshot", path.to_str().unwrap()])
    };

    // Cut inside the first chunk: a decompression error naming the offset, exit status 1.
    let out = run("cut", &original[..original.len().min(40)]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot decompress snappy data: at byte 20: expected a chunk of"),
        "{stderr}"
    );

    // A chunk length pointing past the end of the file.
    let mut long = original.clone();
    long[16..20].copy_from_slice(&0x7fff_fff0i32.to_be_bytes());
    let out = run("long", &long);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at byte 20"), "{stderr}");

    // A broken length of the second chunk: the nodes of the first chunk are printed, then an
    // error naming the offset in the compressed file.
    let second = 20 + first_chunk;
    let mut broken = original.clone();
    broken[second..second + 4].copy_from_slice(&(-5i32).to_be_bytes());
    let out = run("second-chunk", &broken);
    assert!(!out.status.success());
    let lines = json_lines(&out);
    assert!(
        lines.iter().any(|l| l["kind"] == "node"),
        "the first chunk's nodes are printed"
    );
    let last = lines.last().unwrap();
    assert_eq!(last["kind"], "error", "{last}");
    assert!(
        last["error"]
            .as_str()
            .unwrap()
            .contains(&format!("cannot decompress snappy data: at byte {second}")),
        "{last}"
    );

    // Below the decompressed size limit: refused before decoding, with the flag to raise it.
    let path = dir.join("small-limit.snappy");
    std::fs::write(&path, &original).unwrap();
    let out = zk(&["snapshot", path.to_str().unwrap(), "--max-size", "100"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("at most 100 decompressed bytes") && stderr.contains("--max-size"),
        "{stderr}"
    );
}

/// Damaged copies of the first log: a flipped byte, a broken length, a cut-off tail.
fn corrupt_logs(server: &ZkServer, txns: &[J]) {
    let logs = data_files(server, "log.");
    let original = std::fs::read(&logs[0]).unwrap();
    let offsets: Vec<usize> = txns
        .iter()
        .take_while(|t| t["offset"].as_u64().is_some())
        .map(|t| t["offset"].as_u64().unwrap() as usize)
        .collect();
    let per_file = json_lines(&zk(&["log", logs[0].to_str().unwrap()]));
    let entries: Vec<&J> = per_file.iter().filter(|l| l["kind"] == "txn").collect();
    assert!(
        entries.len() >= 6,
        "enough entries to damage: {}",
        offsets.len()
    );
    let second = entries[1]["offset"].as_u64().unwrap() as usize;
    let third = entries[2]["offset"].as_u64().unwrap() as usize;
    let dir = server.dir();

    // A flipped byte inside the second entry's transaction bytes: checksum mismatch, skipped.
    let mut flipped = original.clone();
    flipped[second + 20] ^= 0x55;
    let out = run_on(dir, "flipped", &flipped);
    assert!(!out.status.success());
    let lines = json_lines(&out);
    let bad: Vec<&J> = lines.iter().filter(|l| l["kind"] == "corrupt").collect();
    assert_eq!(bad.len(), 1, "{lines:#?}");
    assert_eq!(bad[0]["offset"], second);
    assert!(bad[0]["error"]
        .as_str()
        .unwrap()
        .contains("checksum mismatch"));
    assert_eq!(
        lines.iter().filter(|l| l["kind"] == "txn").count(),
        entries.len() - 1,
        "every other entry is still read"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("entry at offset {second}")),
        "{stderr}"
    );

    // A broken length in the second entry: reported, and reading resumes at the third.
    let mut broken = original.clone();
    broken[second + 8..second + 12].copy_from_slice(&0x7fff_0000i32.to_be_bytes());
    let lines = json_lines(&run_on(dir, "broken", &broken));
    let bad: Vec<&J> = lines.iter().filter(|l| l["kind"] == "corrupt").collect();
    assert_eq!(bad.len(), 1, "{lines:#?}");
    assert!(
        bad[0]["error"].as_str().unwrap().contains(&format!(
            "resuming at the next valid entry, at offset {third}"
        )),
        "{bad:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l["kind"] == "txn").count(),
        entries.len() - 1
    );

    // A zeroed sector inserted before the third entry: reported, then every entry is read.
    let mut gapped = original[..third].to_vec();
    gapped.extend([0; 512]);
    gapped.extend(&original[third..]);
    let out = run_on(dir, "gapped", &gapped);
    assert!(!out.status.success(), "a gap is damage: exit status 1");
    let lines = json_lines(&out);
    let bad: Vec<&J> = lines.iter().filter(|l| l["kind"] == "corrupt").collect();
    assert_eq!(bad.len(), 1, "{lines:#?}");
    assert_eq!(bad[0]["offset"], third);
    assert!(
        bad[0]["error"].as_str().unwrap().contains(&format!(
            "resuming at the next valid entry, at offset {}",
            third + 512
        )),
        "{bad:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l["kind"] == "txn").count(),
        entries.len()
    );
    assert_eq!(lines.last().unwrap()["kind"], "end");

    // Cut off in the middle of the third entry: two entries, then the truncation.
    let out = run_on(dir, "truncated", &original[..third + 15]);
    assert!(!out.status.success());
    let lines = json_lines(&out);
    assert_eq!(lines.iter().filter(|l| l["kind"] == "txn").count(), 2);
    let last = lines.last().unwrap();
    assert_eq!(last["kind"], "corrupt");
    assert_eq!(last["offset"], third);
    assert!(
        last["error"].as_str().unwrap().contains("truncated"),
        "{last}"
    );

    // Not a log at all.
    let out = run_on(dir, "not-a-log", b"ZKSN\0\0\0\x02\0\0\0\0\0\0\0\0");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a ZooKeeper transaction log"),
        "{stderr}"
    );
}

fn run_on(dir: &Path, name: &str, bytes: &[u8]) -> Output {
    let path = dir.join(format!("damaged-{name}"));
    std::fs::write(&path, bytes).unwrap();
    zk(&["log", path.to_str().unwrap()])
}

#[test]
fn help_has_examples() {
    for cmd in ["log", "snapshot"] {
        let out = zk(&[cmd, "--help"]);
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Examples:"),
            "{cmd}"
        );
    }
}
