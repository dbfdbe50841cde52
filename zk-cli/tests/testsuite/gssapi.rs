//! The `zk` binary's `--sasl gssapi [--sasl-service NAME]` against a real ZooKeeper with a
//! `Krb5LoginModule` JAAS section and a throwaway MIT KDC (zk-testkit's `Kdc` and
//! `KerberosServer`): the ticket from `kinit` in the cache `KRB5CCNAME` names, `whoami`
//! naming the Kerberos principal, and exit code 7 with the reason for a wrong service, no
//! ticket, an expired one, or a KDC that refuses connections; a KDC that never answers ends
//! within the timeout.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use zk_testkit::{Kdc, KerberosServer};

use test_support::process::assert_fails;

use crate::support::ZK;

/// Runs `zk --server CS ARGS` with the KDC's configuration and the ticket cache `ccache`.
fn zk(kdc: &Kdc, ccache: &str, cs: &str, args: &[&str]) -> Output {
    zk_with_config(&kdc.krb5_conf(), ccache, cs, args)
}

/// Runs `zk --server CS ARGS` with the Kerberos configuration `krb5_conf`.
fn zk_with_config(krb5_conf: &Path, ccache: &str, cs: &str, args: &[&str]) -> Output {
    Command::new(ZK)
        .env("KRB5_CONFIG", krb5_conf)
        .env("KRB5CCNAME", ccache)
        .args(["--timeout", "20s", "--server", cs])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {ZK}: {e}"))
}

#[test]
fn gssapi_end_to_end() {
    let kdc = Kdc::start().unwrap_or_else(|e| panic!("{e}"));
    let server = KerberosServer::start(&kdc).unwrap_or_else(|e| panic!("{e}"));
    let cs = server.connect_string();
    let keytab = kdc.add_principal("alice").unwrap();
    let alice = format!("FILE:{}/alice.cc", kdc.dir().display());
    kdc.kinit("alice", &keytab, &alice, None).unwrap();

    let who = zk(&kdc, &alice, &cs, &["--sasl", "gssapi", "whoami"]);
    let stdout = String::from_utf8_lossy(&who.stdout);
    assert!(
        who.status.success(),
        "{}",
        String::from_utf8_lossy(&who.stderr)
    );
    assert!(
        stdout.contains("\"sasl\"") && stdout.contains("\"alice@ZK.TEST\""),
        "{stdout}"
    );
    // An ACL naming the Kerberos principal.
    let acl = [
        "--sasl",
        "gssapi",
        "create",
        "--acl",
        "sasl:alice@ZK.TEST:cdrwa",
        "/k",
        "x",
    ];
    assert!(zk(&kdc, &alice, &cs, &acl).status.success());
    let get = zk(&kdc, &alice, &cs, &["--sasl", "gssapi", "get", "/k"]);
    assert_eq!(String::from_utf8_lossy(&get.stdout), "x");
    assert_fails(&zk(&kdc, &alice, &cs, &["get", "/k"]), 7, "not authorized");

    // A service the KDC does not know: exit 7, naming the principal asked for.
    let service = ["--sasl", "gssapi", "--sasl-service", "zk", "ls", "/"];
    assert_fails(&zk(&kdc, &alice, &cs, &service), 7, "zk/localhost");

    // No ticket, then an expired one.
    let empty = format!("FILE:{}/nobody.cc", kdc.dir().display());
    let none = zk(&kdc, &empty, &cs, &["--sasl", "gssapi", "ls", "/"]);
    assert_fails(&none, 7, "no usable Kerberos credentials");
    let brief = format!("FILE:{}/brief.cc", kdc.dir().display());
    kdc.kinit("alice", &keytab, &brief, Some("2s")).unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let expired = zk(&kdc, &brief, &cs, &["--sasl", "gssapi", "ls", "/"]);
    assert_fails(&expired, 7, "expired");

    // A password file means nothing to Kerberos: a usage error, nothing sent.
    let file = [
        "--sasl",
        "gssapi",
        "--sasl-password-file",
        "/dev/null",
        "ls",
        "/",
    ];
    assert_fails(&zk(&kdc, &alice, &cs, &file), 2, "ticket cache");
}

/// The KDC's configuration with its address replaced by `port` on loopback.
fn config_with_kdc_port(kdc: &Kdc, port: u16, name: &str) -> std::path::PathBuf {
    let conf = std::fs::read_to_string(kdc.krb5_conf()).unwrap();
    let real = format!("kdc = 127.0.0.1:{}", kdc.port());
    assert!(conf.contains(&real), "{conf}");
    let path = kdc.dir().join(name);
    let moved = conf.replace(&real, &format!("kdc = 127.0.0.1:{port}"));
    std::fs::write(&path, moved).unwrap();
    path
}

/// With a ticket-granting ticket but no KDC to ask for the service ticket: a KDC that refuses
/// connections ends the session as an authentication failure naming it (exit 7), and one that
/// accepts but never answers ends the command within its timeout, never a hang.
#[test]
fn an_unreachable_kdc_fails_in_time() {
    let kdc = Kdc::start().unwrap_or_else(|e| panic!("{e}"));
    let server = KerberosServer::start(&kdc).unwrap_or_else(|e| panic!("{e}"));
    let cs = server.connect_string();
    let keytab = kdc.add_principal("alice").unwrap();
    // A fresh cache per case: it holds the TGT only, no service ticket yet.
    let fresh = |name: &str| {
        let cache = format!("FILE:{}/{name}.cc", kdc.dir().display());
        kdc.kinit("alice", &keytab, &cache, None).unwrap();
        cache
    };

    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let refused_port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused = config_with_kdc_port(&kdc, refused_port, "refused.conf");
    let out = zk_with_config(
        &refused,
        &fresh("refused"),
        &cs,
        &["--sasl", "gssapi", "ls", "/"],
    );
    assert_fails(&out, 7, "Cannot contact any KDC");

    // Accepts connections (the kernel completes them) and never reads or answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_conf =
        config_with_kdc_port(&kdc, silent.local_addr().unwrap().port(), "silent.conf");
    let started = Instant::now();
    let out = Command::new(ZK)
        .env("KRB5_CONFIG", &silent_conf)
        .env("KRB5CCNAME", fresh("silent"))
        .args([
            "--timeout",
            "5s",
            "--server",
            &cs,
            "--sasl",
            "gssapi",
            "ls",
            "/",
        ])
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The connect timeout (exit 10), reached while the Kerberos library still waits.
    assert_eq!(out.status.code(), Some(10), "{stderr}");
    assert!(stderr.contains("within 5s"), "{stderr}");
    assert!(took < Duration::from_secs(12), "took {took:?}: {stderr}");
    drop(silent);
}
