//! `zk completions bash|zsh|fish`: a script naming every command, with no server; other
//! commands without --server are a usage error (exit 2).

use std::process::{Command, Output, Stdio};

use crate::support::ZK;

/// Runs `zk ARGS` with no ZK_SERVER in the environment, stdin a pipe left open (a command
/// that read it would never finish).
fn zk(args: &[&str]) -> Output {
    let mut child = Command::new(ZK)
        .args(args)
        .env_remove("ZK_SERVER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    out
}

#[test]
fn completion_scripts_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = zk(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in ["create", "setacl", "completions", "read-only", "server"] {
            assert!(script.contains(word), "{shell} script without {word}");
        }
    }
    let bash = zk(&["completions", "bash"]).stdout;
    let mut check = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .spawn()
        .expect("bash");
    std::io::Write::write_all(&mut check.stdin.take().unwrap(), &bash).unwrap();
    assert!(
        check.wait().unwrap().success(),
        "bash -n rejects the script"
    );

    assert_eq!(zk(&["completions", "tcsh"]).status.code(), Some(2));
    assert_eq!(zk(&["completions"]).status.code(), Some(2));
}

#[test]
fn other_commands_need_a_server() {
    for args in [&["ls", "/"][..], &["create", "/x", "-"], &["ruok"]] {
        let out = zk(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--server"), "{args:?}: {stderr}");
    }
}
