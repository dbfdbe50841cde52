//! A smoke test of the `zk-lock-bench` binary against a real ZooKeeper: a short run of
//! contenders on one lock prints its row with acquisitions counted (no timing assertions: the
//! machine is shared).

use std::process::Command;

#[test]
fn contenders_report_acquisitions() {
    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let out = Command::new(env!("CARGO_BIN_EXE_zk-lock-bench"))
        .args([
            "--server",
            cs.as_str(),
            "--path",
            "/smoke/lock",
            "--contenders",
            "3",
            "--warmup-ms",
            "200",
            "--duration-ms",
            "1000",
            "--label",
            "smoke",
        ])
        .output()
        .expect("zk-lock-bench runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "zk-lock-bench failed:\n{stderr}");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0], "client\tcontenders\tacquisitions\tacq_per_s");
    let row: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(row.len(), 4, "{stdout}");
    assert_eq!(row[..2], ["smoke", "3"], "{stdout}");
    let acquisitions: u64 = row[2].parse().expect("a count");
    assert!(acquisitions > 0, "no acquisition measured: {stdout}");
}
