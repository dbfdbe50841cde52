//! A smoke test of the `zk-cache-bench` binary against a real ZooKeeper: a small tree (2,500
//! leaves, so three interior nodes, one of them partly full) is written and cached, and the row
//! counts every node (no memory or timing assertions: the machine is shared).

use std::process::Command;

#[test]
fn the_cache_holds_every_node_written() {
    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let out = Command::new(env!("CARGO_BIN_EXE_zk-cache-bench"))
        .args([
            "--server",
            cs.as_str(),
            "--path",
            "/smoke",
            "--nodes",
            "2500",
            "--size",
            "10",
        ])
        .output()
        .expect("zk-cache-bench runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "zk-cache-bench failed:\n{stderr}");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("nodes_held\tdata_bytes\t"), "{stdout}");
    let row: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(row.len(), 8, "{stdout}");
    // 2,500 leaves, 3 interior nodes, the root.
    assert_eq!(row[..2], ["2504", "10"], "{stdout}");
}
