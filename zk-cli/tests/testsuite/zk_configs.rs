//! `zk log` on the logs of servers run in non-default configurations: a real server
//! with `zookeeper.closeSessionTxn.enabled=false`, and (hand-made) the entries of a server
//! with a raised `jute.maxbuffer`.
//!
//! Needs the Debian packages `zookeeper` and `python3-kazoo` (see `zk_files.rs`).

use zk_testkit::files as handmade;

use crate::support::{all_txns, json_lines, run_python, start, temp_file, zk};
use serde_json::Value as J;

/// Opens and closes one session with kazoo.
const OPEN_AND_CLOSE: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.create("/x", b"x", ephemeral=True)
zk.stop(); zk.close()
"#;

#[test]
fn close_session_without_body_is_read() {
    // zoo.cfg's unknown keys become `zookeeper.` system properties: the server writes
    // closeSession as the header and the digest, with no CloseSessionTxn.
    let mut server = start(&["closeSessionTxn.enabled=false"]);
    run_python(&server, OPEN_AND_CLOSE);
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let txns = all_txns(&server);
    let close = txns
        .iter()
        .find(|t| t["op"] == "closeSession")
        .unwrap_or_else(|| panic!("no closeSession in {txns:#?}"));
    assert_eq!(close["record"], J::Null, "{close}");
    assert!(close["digest"]["version"].is_i64(), "{close}");
    assert!(close.get("trailing").is_none(), "{close}");
}

#[test]
fn zk_log_max_len_reads_entries_of_a_raised_jute_maxbuffer() {
    // What a server run with -Djute.maxbuffer=4194304 logs: a 3 MiB setData (hand-made: the
    // test harness starts servers with the default jute.maxbuffer).
    use handmade::{entry, log_header, set_data, txn};
    let mut file = log_header();
    file.extend(entry(&txn(
        1,
        1,
        5,
        &set_data("/big", &[7; 3 << 20]),
        Some(1),
    )));
    let path = temp_file("big.log", &file);
    let out = zk(&["log", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("entry at offset 16") && stderr.contains("--max-len"),
        "{stderr}"
    );
    let out = zk(&["log", path.to_str().unwrap(), "--max-len", "4194304"]);
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines[1]["op"], "setData");
    assert_eq!(
        lines[1]["txn"]["data"].as_str().map(str::len),
        Some(2 * (3 << 20))
    );
}
