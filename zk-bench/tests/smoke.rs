//! A smoke test of the `zk-bench` binary against a real ZooKeeper: a one-second run of each
//! kind prints the expected rows (no timing assertions: the machine is shared).

use std::process::Command;

fn zk_bench(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_zk-bench"))
        .args(args)
        .output()
        .expect("zk-bench runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "zk-bench {args:?} failed:\n{stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn one_second_runs_print_their_rows() {
    let server = zk_testkit::ZkServer::start().unwrap_or_else(|e| panic!("{e}"));
    let cs = server.connect_string();
    let pid = server.pid().expect("running").to_string();
    let common = [
        "--server",
        cs.as_str(),
        "--server-pid",
        pid.as_str(),
        "--duration",
        "1s",
        "--warmup",
        "200ms",
        "--keys",
        "50",
    ];

    let tsv = zk_bench(&[&common[..], &["--mix", "mixed", "--pipeline", "8", "--tsv"]].concat());
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines.len(), 2, "{tsv}");
    assert!(
        lines[0].starts_with("client\tops\tops_per_s\tp50_us"),
        "{tsv}"
    );
    let row: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(row.len(), 9, "{tsv}");
    assert_eq!(row[0], "zk-client");
    assert!(
        row[1].parse::<u64>().unwrap() > 0,
        "no operation measured: {tsv}"
    );
    assert_eq!(row[8], "0", "errors: {tsv}");

    let watch = [
        &common[..],
        &[
            "--mix",
            "watch",
            "--sessions",
            "2",
            "--count",
            "50",
            "--label",
            "w",
        ],
    ]
    .concat();
    let table = zk_bench(&watch);
    assert!(
        table.lines().next().unwrap().starts_with("client"),
        "{table}"
    );
    assert!(table.lines().nth(1).unwrap().starts_with("w "), "{table}");

    let rate = [&common[..], &["--rate", "200", "--pipeline", "4", "--tsv"]].concat();
    assert!(zk_bench(&rate)
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("zk-client\t"));

    // The floors: each measures its operations without an error, and refuses a closed loop.
    for floor in [
        "blocking",
        "tokio-one-task",
        "tokio-two-tasks",
        "caller-writes",
    ] {
        let args = [&common[..], &["--rate", "300", "--tsv", "--floor", floor]].concat();
        let tsv = zk_bench(&args);
        let row: Vec<&str> = tsv.lines().nth(1).unwrap_or_default().split('\t').collect();
        assert_eq!(row.len(), 9, "--floor {floor}: {tsv}");
        assert!(
            row[1].parse::<u64>().unwrap() > 100,
            "--floor {floor} measured too few operations: {tsv}"
        );
        assert_eq!(row[8], "0", "--floor {floor} errors: {tsv}");
    }
    let refused = Command::new(env!("CARGO_BIN_EXE_zk-bench"))
        .args([&common[..], &["--floor", "tokio-one-task"]].concat())
        .output()
        .expect("zk-bench runs");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--floor runs one session of getData"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // getChildren of the keys' parent: measured, without errors.
    let children = [
        &common[..],
        &["--mix", "children", "--pipeline", "4", "--tsv"],
    ]
    .concat();
    let tsv = zk_bench(&children);
    let row: Vec<&str> = tsv.lines().nth(1).unwrap_or_default().split('\t').collect();
    assert!(row[1].parse::<u64>().unwrap() > 0, "{tsv}");
    assert_eq!(row[8], "0", "errors: {tsv}");

    let mem = zk_bench(&["--server", &cs, "--watches", "300"]);
    assert!(mem.starts_with("watches\t300\trss_before_mib\t"), "{mem}");
    // Again on the nodes now there (the run that skips creating them).
    let mem = zk_bench(&["--server", &cs, "--watches", "300"]);
    assert!(mem.starts_with("watches\t300\trss_before_mib\t"), "{mem}");
}

/// `--tls-ca`: the workload over a server's TLS port, trusting the test CA.
#[test]
fn a_run_over_tls() {
    let pki = zk_testkit::Pki::generate().unwrap_or_else(|e| panic!("{e}"));
    let server = zk_testkit::TlsServer::start(
        &pki,
        zk_testkit::ServerCert::Good,
        zk_testkit::ClientAuth::None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (cs, ca) = (server.connect_string(), pki.ca_pem());
    let ca = ca.to_str().expect("a UTF-8 path");
    let args = [
        "--server",
        &cs,
        "--tls-ca",
        ca,
        "--duration",
        "1s",
        "--warmup",
        "200ms",
        "--keys",
        "20",
        "--pipeline",
        "8",
        "--tsv",
    ];
    let tsv = zk_bench(&args);
    let row: Vec<&str> = tsv.lines().nth(1).unwrap_or_default().split('\t').collect();
    assert!(row[1].parse::<u64>().unwrap() > 0, "{tsv}");
    assert_eq!(row[8], "0", "errors: {tsv}");
}
