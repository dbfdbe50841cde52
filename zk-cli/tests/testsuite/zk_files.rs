//! `zk log` and `zk snapshot` on files written by a real ZooKeeper 3.8 server: a
//! known workload (creates, sets, deletes, a multi, ephemeral nodes, a closed session) run
//! with kazoo, then the decoded log and snapshot are checked against it. Also: corrupt and
//! truncated logs (compressed snapshots: `zk_snapshots.rs`).
//!
//! Needs the Debian packages `zookeeper` (server, Java) and `python3-kazoo`:
//! `apt-get install -y zookeeper python3-kazoo`. Fails (never skips) without them.

use std::path::Path;
use std::process::Output;

use crate::support::{
    all_txns, check_snapshot, data_files, hex, json_lines, run_workload, start, zk, zk_stdin,
};
use serde_json::Value as J;
use zk_testkit::ZkServer;

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
