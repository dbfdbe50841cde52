//! `zk` and its standard streams, and the messages scripts read: a reader that closes stdout
//! early ends the command quietly with 0; `-` is stdin for DATA, `import`'s FILE and file
//! options, which only one argument may claim; `--version`; `create` under a missing parent
//! names it; `exists` answers 0/1 and fails with the failure's own code.

use std::process::{Command, Output, Stdio};

use zk_testkit::start_server;

use test_support::process::{assert_fails, run_with_stdin};

use crate::support::ZK;

/// Runs `zk ARGS` with `input` on stdin.
fn zk_with_stdin(args: &[&str], input: &[u8]) -> Output {
    run_with_stdin(Command::new(ZK).args(args).env_remove("ZK_SERVER"), input)
}

fn zk(args: &[&str]) -> Output {
    zk_with_stdin(args, b"")
}

/// Runs `zk ARGS` with stdout's reading end closed before it writes; returns the exit code
/// and stderr.
fn zk_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(ZK)
        .args(args)
        .env_remove("ZK_SERVER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version() {
    let out = zk(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("zk {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn closed_stdout_ends_quietly_with_zero() {
    assert_eq!(
        zk_closed_stdout(&["completions", "bash"]),
        (Some(0), String::new())
    );
    let server = start_server();
    let cs = server.connect_string();
    for node in ["/p", "/p/a", "/p/b"] {
        assert!(zk(&["--server", &cs, "create", node]).status.success());
    }
    for args in [&["ls", "-R", "/p"][..], &["get", "-s", "/p"], &["ruok"]] {
        let args = [&["--server", cs.as_str()][..], args].concat();
        assert_eq!(
            zk_closed_stdout(&args),
            (Some(0), String::new()),
            "{args:?}"
        );
    }
}

#[test]
fn stdin_is_read_once() {
    // Refused before connecting: nothing listens on the address.
    let out = zk_with_stdin(
        &["--server", "127.0.0.1:1", "--sasl", "digest-md5:u"]
            .into_iter()
            .chain(["--sasl-password-file", "-", "set", "/a", "-"])
            .collect::<Vec<_>>(),
        b"x",
    );
    assert_fails(
        &out,
        2,
        "stdin can be read once, but several arguments are `-`: DATA, --sasl-password-file",
    );
    let out = zk(&[
        "--server",
        "127.0.0.1:1",
        "--tls-ca",
        "-",
        "--tls-ca",
        "-",
        "ls",
        "/",
    ]);
    assert_fails(&out, 2, "stdin can be read once");
}

#[test]
fn import_from_stdin_is_a_use_of_stdin() {
    // Refused before reading anything or connecting, as for DATA.
    let out = zk_with_stdin(
        &["--server", "127.0.0.1:1", "--sasl", "digest-md5:u"]
            .into_iter()
            .chain(["--sasl-password-file", "-", "import", "-", "/x"])
            .collect::<Vec<_>>(),
        b"{}",
    );
    assert_fails(
        &out,
        2,
        "stdin can be read once, but several arguments are `-`: FILE, --sasl-password-file",
    );
    let out = zk(&[
        "--server",
        "127.0.0.1:1",
        "--tls-ca",
        "ca.pem",
        "--tls-cert",
        "me.pem",
        "--tls-key",
        "-",
        "import",
        "-",
        "/x",
    ]);
    assert_fails(
        &out,
        2,
        "stdin can be read once, but several arguments are `-`: FILE, --tls-key",
    );
}

#[test]
fn tls_ca_from_stdin_is_checked_like_a_file() {
    let out = zk_with_stdin(
        &["--server", "127.0.0.1:1", "--tls-ca", "-", "ls", "/"],
        b"not a certificate\n",
    );
    assert_eq!(out.status.code(), Some(12), "{out:?}");
}

#[test]
fn data_from_stdin_create_missing_parent_and_exists_codes() {
    let server = start_server();
    let cs = server.connect_string();
    let run = |args: &[&str], input: &[u8]| {
        zk_with_stdin(&[&["--server", cs.as_str()][..], args].concat(), input)
    };

    let created = run(&["create", "/s", "-"], b"\x00binary\xff");
    assert!(created.status.success(), "{created:?}");
    assert_eq!(run(&["get", "/s"], b"").stdout, b"\x00binary\xff");

    let missing = run(&["create", "/no/such/node", "x"], b"");
    assert_fails(
        &missing,
        3,
        "cannot create /no/such/node: the parent node /no/such does not exist",
    );

    assert_eq!(run(&["exists", "/s"], b"").status.code(), Some(0));
    assert_eq!(run(&["exists", "/nope"], b"").status.code(), Some(1));
    assert_fails(&run(&["exists", "nope"], b""), 2, "");
    let closed = zk(&["--server", "127.0.0.1:1", "--timeout", "1s", "exists", "/s"]);
    assert_fails(&closed, 10, "");
}
