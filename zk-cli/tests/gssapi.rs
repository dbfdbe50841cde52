//! The `zk` binary's `--sasl gssapi [--sasl-service NAME]` against a real ZooKeeper with a
//! `Krb5LoginModule` JAAS section and a throwaway MIT KDC (zk-testkit's `Kdc` and
//! `KerberosServer`): the ticket from `kinit` in the cache `KRB5CCNAME` names, `whoami`
//! naming the Kerberos principal, and exit code 7 with the reason for a wrong service, no
//! ticket, or an expired one.
#![cfg(feature = "gssapi")]

use std::process::{Command, Output};

use zk_testkit::{Kdc, KerberosServer};

use test_support::process::assert_fails;

const ZK: &str = env!("CARGO_BIN_EXE_zk");

/// Runs `zk --server CS ARGS` with the KDC's configuration and the ticket cache `ccache`.
fn zk(kdc: &Kdc, ccache: &str, cs: &str, args: &[&str]) -> Output {
    Command::new(ZK)
        .envs(kdc.client_env())
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
