//! The `zk` binary's `--sasl digest-md5:USER` against a real ZooKeeper with a JAAS
//! `DigestLoginModule` (zk-testkit's `SaslServer`): the password from a file, stdin
//! (`--sasl-password-file -`) or `ZK_SASL_PASSWORD`, `whoami` naming the SASL user, and exit code 7 for refused credentials.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use zk_testkit::SaslServer;

use test_support::process::{assert_fails, stdout_ok as stdout_of};

use crate::support::ZK;

/// Runs `zk --server CS ARGS` with `ZK_SASL_PASSWORD` set to `password` (or unset).
fn zk(cs: &str, args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = Command::new(ZK);
    cmd.env_remove("ZK_SASL_PASSWORD");
    if let Some(password) = password {
        cmd.env("ZK_SASL_PASSWORD", password);
    }
    cmd.args(["--timeout", "20s", "--server", cs])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {ZK}: {e}"))
}

#[test]
fn sasl_end_to_end() {
    let server = SaslServer::start(&[("alice", "secret")]).unwrap_or_else(|e| panic!("{e}"));
    let cs = server.connect_string();

    // The password from the environment.
    let who = zk(
        &cs,
        &["--sasl", "digest-md5:alice", "whoami"],
        Some("secret"),
    );
    let who = stdout_of(&who, "whoami with ZK_SASL_PASSWORD");
    assert!(
        who.contains("\"sasl\"") && who.contains("\"alice\""),
        "{who}"
    );

    // The password from a file (with a line break), which wins over the environment; an
    // ACL naming the SASL user.
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zk-cli-sasl-password");
    std::fs::write(&file, "secret\n").unwrap();
    let file = file.to_str().unwrap();
    let with_file = ["--sasl", "digest-md5:alice", "--sasl-password-file", file];
    let create = [
        &with_file[..],
        &["create", "--acl", "sasl:alice:cdrwa", "/a", "x"],
    ]
    .concat();
    stdout_of(
        &zk(&cs, &create, Some("wrong")),
        "create with a password file",
    );
    let get = [&with_file[..], &["get", "/a"]].concat();
    assert_eq!(stdout_of(&zk(&cs, &get, None), "get"), "x");
    // The password file `-`: stdin.
    let mut from_stdin = Command::new(ZK)
        .env_remove("ZK_SASL_PASSWORD")
        .args([
            "--timeout",
            "20s",
            "--server",
            &cs,
            "--sasl",
            "digest-md5:alice",
        ])
        .args(["--sasl-password-file", "-", "get", "/a"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    from_stdin
        .stdin
        .take()
        .unwrap()
        .write_all(b"secret\n")
        .unwrap();
    let from_stdin = from_stdin.wait_with_output().unwrap();
    assert_eq!(stdout_of(&from_stdin, "get, password on stdin"), "x");
    // Without SASL the ACL refuses: NOAUTH, exit code 7 as well.
    assert_fails(&zk(&cs, &["get", "/a"], None), 7, "not authorized");

    // Refused credentials: exit code 7, promptly (well within --timeout).
    let wrong = zk(
        &cs,
        &["--sasl", "digest-md5:alice", "ls", "/"],
        Some("wrong"),
    );
    assert_fails(&wrong, 7, "--sasl digest-md5:alice");

    // No password at all, or another mechanism: a usage error, nothing sent.
    let none = zk(&cs, &["--sasl", "digest-md5:alice", "ls", "/"], None);
    assert_fails(&none, 2, "ZK_SASL_PASSWORD");
    let gssapi = zk(&cs, &["--sasl", "gssapi:alice", "ls", "/"], Some("secret"));
    assert_fails(&gssapi, 2, "digest-md5:USER");
}
