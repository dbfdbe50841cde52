//! The `zk` binary's TLS options against a real ZooKeeper on a `secureClientPort` (zk-testkit's
//! `TlsServer`, certificates made at run time): mutual TLS naming the client, the host-name
//! check and `--tls-no-hostname-check`, and exit code 12 with the cause for each refusal.

use std::path::Path;
use std::process::{Command, Output};

use zk_testkit::{ClientAuth, Pki, ServerCert, TlsServer};

use test_support::process::{assert_fails, stdout_ok};

use crate::support::ZK;

/// Runs `zk --server CS ARGS` (with the system's CA certificates where OpenSSL finds them).
fn zk(cs: &str, args: &[&str]) -> Output {
    zk_with_roots(cs, args, None)
}

/// Runs `zk --server CS ARGS` with `SSL_CERT_FILE` set to `roots`, when given.
fn zk_with_roots(cs: &str, args: &[&str], roots: Option<&Path>) -> Output {
    let mut cmd = Command::new(ZK);
    cmd.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
    if let Some(roots) = roots {
        cmd.env("SSL_CERT_FILE", roots);
    }
    cmd.args(["--timeout", "20s", "--server", cs])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {ZK}: {e}"))
}

/// Runs a command that must succeed; returns its stdout.
fn ok(cs: &str, args: &[&str]) -> String {
    stdout_ok(&zk(cs, args), format_args!("zk {args:?}"))
}

/// Runs a command that must fail with `code` and a message holding `says`.
fn fails(cs: &str, args: &[&str], code: i32, says: &str) {
    assert_fails(&zk(cs, args), code, says);
}

fn path(p: &Path) -> &str {
    p.to_str()
        .unwrap_or_else(|| panic!("non-UTF-8 path {}", p.display()))
}

#[test]
fn tls_options_end_to_end() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zk-cli-tls");
    let pki = Pki::generate_in(&dir).unwrap_or_else(|e| panic!("making certificates: {e}"));
    // A certificate for another host: every connect that succeeds proves
    // --tls-no-hostname-check, and the one without it proves the check.
    let server = TlsServer::start(&pki, ServerCert::WrongHost, ClientAuth::Need)
        .unwrap_or_else(|e| panic!("{e}"));
    let cs = server.connect_string();
    let (ca, other_ca) = (pki.ca_pem(), pki.other_ca_pem());
    let (cert, key) = pki.client_identity();
    let mutual = [
        "--tls-ca",
        path(&ca),
        "--tls-cert",
        path(&cert),
        "--tls-key",
        path(&key),
    ];
    let with = |extra: &[&'static str], tail: &[&'static str]| -> Vec<&str> {
        let mut v: Vec<&str> = mutual.to_vec();
        v.extend_from_slice(extra);
        v.extend_from_slice(tail);
        v
    };
    let lax: &[&str] = &["--tls-no-hostname-check"];

    let who: serde_json::Value = serde_json::from_str(&ok(&cs, &with(lax, &["whoami"]))).unwrap();
    let x509 = who
        .as_array()
        .and_then(|a| a.iter().find(|i| i["authScheme"] == "x509"))
        .unwrap_or_else(|| panic!("no x509 identity in {who}"));
    assert_eq!(x509["user"], pki.client_subject());
    assert_eq!(ok(&cs, &with(lax, &["create", "/t", "x"])), "/t\n");
    assert_eq!(ok(&cs, &with(lax, &["get", "/t"])), "x");

    fails(&cs, &with(&[], &["ls", "/"]), 12, "not valid for 127.0.0.1");
    fails(
        &cs,
        &["--tls-ca", path(&ca), "--tls-no-hostname-check", "ls", "/"],
        12,
        "requires a client certificate",
    );
    fails(
        &cs,
        &[
            "--tls-ca",
            path(&other_ca),
            "--tls-cert",
            path(&cert),
            "--tls-key",
            path(&key),
            "ls",
            "/",
        ],
        12,
        "unknown issuer",
    );
    fails(&cs, &["ls", "/"], 12, "expects TLS");
    fails(
        &server.plain_connect_string(),
        &with(lax, &["ls", "/"]),
        12,
        "plaintext ZooKeeper",
    );
    fails(
        &cs,
        &["--tls-ca", "/nonexistent/ca.pem", "ls", "/"],
        12,
        "cannot be read",
    );
    // The platform's roots: the test CA through SSL_CERT_FILE; the system's do not know it.
    let platform = [
        "--tls-platform-roots",
        "--tls-cert",
        path(&cert),
        "--tls-key",
        path(&key),
        "--tls-no-hostname-check",
        "whoami",
    ];
    let out = zk_with_roots(&cs, &platform, Some(&ca));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "platform roots: {stderr}");
    let out = zk_with_roots(&cs, &platform, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(12), "{stderr}");
    // No platform bundle at all (a machine without ca-certificates) fails as unusable
    // roots; with one, the test CA is unknown.
    assert!(
        stderr.contains("unknown issuer") || stderr.contains("platform's CA certificates"),
        "{stderr}"
    );
    // A certificate without its key is a usage error.
    fails(
        &cs,
        &["--tls-ca", path(&ca), "--tls-cert", path(&cert), "ls", "/"],
        2,
        "--tls-key",
    );
}
