//! `zk ruok`, `zk srvr` and `zk mntr` against real servers: JSON per server, a word the
//! server does not allow (exit 15), a server that is not there (exit 10).

use std::process::{Command, Output};

use zk_testkit::{start_server, ServerOptions, ZkServer};

use test_support::process::stdout_ok;

use crate::support::ZK;

/// `stdout_ok` for a four-letter word's run.
fn stdout_of(out: &Output) -> String {
    stdout_ok(out, "zk")
}

fn zk(cs: &str, args: &[&str]) -> Output {
    Command::new(ZK)
        .args(["--timeout", "3s", "--server", cs])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn words_print_one_line_per_server() {
    let a = start_server();
    let b = start_server();
    let cs = format!("{},{}", a.connect_string(), b.connect_string());

    let ruok = stdout_of(&zk(&cs, &["ruok"]));
    assert_eq!(
        ruok,
        format!("{} imok\n{} imok\n", a.connect_string(), b.connect_string())
    );

    let srvr = stdout_of(&zk(&cs, &["srvr"]));
    let lines: Vec<serde_json::Value> = srvr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{srvr}");
    assert_eq!(lines[0]["server"], a.connect_string());
    assert_eq!(lines[1]["server"], b.connect_string());
    for l in &lines {
        assert_eq!(l["mode"], "standalone");
        assert!(l["zxid"].is_i64() && l["nodeCount"].is_u64(), "{l}");
        assert!(
            l["version"].as_str().is_some_and(|v| v.starts_with("3.")),
            "{l}"
        );
    }

    let mntr = stdout_of(&zk(&a.connect_string(), &["mntr"]));
    let metrics: serde_json::Value = serde_json::from_str(mntr.trim()).unwrap();
    assert!(metrics["zk_znode_count"].is_u64(), "{metrics}");
    assert!(metrics["zk_version"].is_string(), "{metrics}");
}

#[test]
fn refusals_and_dead_servers_have_their_exit_codes() {
    // The test kit waits for `ruok` and `srvr`; `mntr` is not allowed.
    let strict = ZkServer::start_with(ServerOptions {
        extra_config: vec!["4lw.commands.whitelist=srvr,ruok".into()],
        ..ServerOptions::default()
    })
    .unwrap_or_else(|e| panic!("starting ZooKeeper: {e}"));
    let out = zk(&strict.connect_string(), &["mntr"]);
    assert_eq!(out.status.code(), Some(15));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("4lw.commands.whitelist"), "{stderr}");

    let mut dead = start_server();
    let cs = format!("{},{}", strict.connect_string(), dead.connect_string());
    dead.stop();
    let out = zk(&cs, &["srvr"]);
    // The live server still answers; the dead one sets the exit code.
    assert_eq!(out.status.code(), Some(10));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}
