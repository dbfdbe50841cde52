//! Tests of the kit's Kerberos KDC: it issues tickets for the principals it is given, refuses
//! others, keeps a principal's key when asked twice, and is gone (process and files) when
//! dropped.
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use zk_testkit::Kdc;

#[test]
fn kdc_issues_tickets_and_stops() {
    let kdc = Kdc::start().unwrap_or_else(|e| panic!("{e}"));
    let keytab = kdc.add_principal("alice").unwrap();
    assert_eq!(kdc.add_principal("alice").unwrap(), keytab, "one keytab");
    let cache = format!("FILE:{}/alice.cc", kdc.dir().display());
    kdc.kinit("alice", &keytab, &cache, None).unwrap();
    let klist = Command::new("klist")
        .args(["-c", &cache])
        .envs(kdc.client_env())
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&klist.stdout);
    assert!(
        listed.contains("alice@ZK.TEST") && listed.contains("krbtgt/ZK.TEST@ZK.TEST"),
        "{listed}"
    );
    // A principal the KDC does not know gets nothing.
    let stranger = kdc.kinit("mallory", &keytab, &cache, None).unwrap_err();
    assert!(stranger.to_string().contains("mallory"), "{stranger}");

    let (dir, addr) = (
        kdc.dir().to_owned(),
        SocketAddr::from(([127, 0, 0, 1], kdc.port())),
    );
    drop(kdc);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
    assert!(!dir.exists(), "the KDC's directory is removed");
}
