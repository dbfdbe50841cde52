//! `zk --read-only` against a server of a three-server ensemble cut off from its quorum:
//! reads work, writes exit 17; without the flag no connection is made (exit 10).

use zk_testkit::{Ensemble, EnsembleOptions, Mode, QUORUM_TIMEOUT};

use crate::support::zk_at as zk;

/// Asserts the exit code; returns stdout.
fn exits(cs: &str, args: &[&str], code: i32) -> String {
    let out = zk(cs, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "zk {args:?}: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn reads_from_a_read_only_server_and_writes_exit_17() {
    // Local sessions: in 3.8 a read-only server only creates local sessions.
    let mut ens = Ensemble::start(EnsembleOptions {
        local_sessions: true,
        ..EnsembleOptions::default()
    })
    .unwrap();
    exits(&ens.connect_string(), &["create", "/ro", "kept"], 0);

    let survivor = 3;
    ens.stop(1);
    ens.stop(2);
    ens.wait_mode(survivor, Mode::ReadOnly, QUORUM_TIMEOUT)
        .unwrap();
    let cs = format!("127.0.0.1:{}", ens.client_port(survivor));

    exits(&cs, &["--timeout", "2s", "get", "/ro"], 10);
    assert_eq!(exits(&cs, &["--read-only", "get", "/ro"], 0), "kept");
    assert_eq!(exits(&cs, &["--read-only", "ls", "-R", "/ro"], 0), "/ro\n");
    exits(&cs, &["--read-only", "set", "/ro", "no"], 17);
    exits(&cs, &["--read-only", "create", "-p", "/new/x"], 17);
    exits(&cs, &["--read-only", "setacl", "/ro", "world:anyone:r"], 17);
    assert_eq!(exits(&cs, &["--read-only", "get", "/ro"], 0), "kept");
}
