//! `zk log` and `zk snapshot` against Apache's own readers on one real server's
//! files: `TxnLogToolkit` (zxid and op name of every transaction, in order) and
//! `SnapshotFormatter` (every znode's path, in order), run from the installed ZooKeeper 3.8.
//!
//! Needs the Debian packages `zookeeper` and `python3-kazoo` (see `zk_files.rs`).

use std::process::Command;

use crate::support::{data_files, json_lines, run_python, start, zk};
use serde_json::Value as J;

/// Creates, sets, deletes, a multi, an ephemeral node and a closed session.
const WORKLOAD: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.create("/p", b"p")
for i in range(20):
    zk.create("/p/c%02d" % i, b"x" * i)
zk.set("/p/c03", b"changed")
zk.delete("/p/c04")
t = zk.transaction(); t.create("/p/m", b"m"); t.delete("/p/c05"); t.commit()
other = KazooClient(hosts=sys.argv[1]); other.start()
other.create("/p/eph", b"e", ephemeral=True)
other.stop(); other.close()
zk.stop(); zk.close()
"#;

/// Runs one of Apache's tool classes on `file`; its standard output.
fn apache(class: &str, args: &[&str]) -> String {
    let zookeeper = zk_testkit::Installation::find().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(&zookeeper.java)
        .args(&zookeeper.jvm_properties)
        .arg("-cp")
        .arg(&zookeeper.classpath)
        .arg(class)
        .args(args)
        .output()
        .expect("run java");
    assert!(
        out.status.success(),
        "{class}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn entries_and_nodes_agree_with_apache_s_tools() {
    let mut server = start(&[]);
    run_python(&server, WORKLOAD);
    server.restart().unwrap_or_else(|e| panic!("{e}"));

    for log in data_files(&server, "log.") {
        let log = log.to_str().unwrap();
        // TxnLogToolkit: "<time> session 0x.. cxid 0x.. zxid 0x.. <op> <txn>".
        let theirs: Vec<String> = apache(
            "org.apache.zookeeper.server.persistence.TxnLogToolkit",
            &[log],
        )
        .lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "zxid")?;
            Some(format!("{} {}", words.get(at + 1)?, words.get(at + 2)?))
        })
        .collect();
        let out = zk(&["log", log]);
        assert!(out.status.success());
        let ours: Vec<String> = json_lines(&out)
            .iter()
            .filter(|l| l["kind"] == "txn")
            .map(|l| format!("{} {}", str_of(&l["zxid"]), str_of(&l["op"])))
            .collect();
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs, "{log}");
    }

    let snap = data_files(&server, "snapshot.").pop().expect("a snapshot");
    let snap = snap.to_str().unwrap();
    let theirs: Vec<String> = apache("org.apache.zookeeper.server.SnapshotFormatter", &[snap])
        .lines()
        .filter(|l| l.starts_with('/'))
        .map(String::from)
        .collect();
    let out = zk(&["snapshot", snap]);
    assert!(out.status.success());
    let ours: Vec<String> = json_lines(&out)
        .iter()
        .filter(|l| l["kind"] == "node")
        .map(|l| str_of(&l["path"]))
        .collect();
    assert!(ours.len() > 20);
    assert_eq!(ours, theirs);
}

fn str_of(v: &J) -> String {
    v.as_str().unwrap_or_default().to_string()
}
