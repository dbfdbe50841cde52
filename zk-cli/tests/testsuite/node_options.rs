//! `zk` node options against a real ZooKeeper server: `-v -1` (any version, as ZooKeeper
//! means it) for `set`, `rm` and `setacl`; `create -t TTL` (zkCli's short flag); the ACL of
//! the parents `create -p --acl` creates; zkCli's comma-separated ACL list refused.

use zk_testkit::{start_server, ServerOptions, ZkServer};

use crate::support::{fails, ok};

#[test]
fn version_minus_one_is_any_version() {
    let server = start_server();
    let cs = server.connect_string();
    ok(&cs, &["create", "/v", "0"]);
    ok(&cs, &["set", "/v", "1"]);
    ok(&cs, &["set", "/v", "2", "-v", "-1"]);
    ok(&cs, &["set", "-v", "-1", "/v", "3"]);
    assert_eq!(ok(&cs, &["get", "/v"]), "3");
    // Another negative version is not "any": the server's BADVERSION.
    fails(&cs, &["set", "/v", "4", "-v", "-2"], 5);
    ok(&cs, &["setacl", "/v", "-v", "-1", "world:anyone:cdrwa"]);
    ok(&cs, &["setacl", "-v", "-1", "/v", "world:anyone:cdrwa"]);
    let stat: serde_json::Value = serde_json::from_str(&ok(&cs, &["stat", "/v"])).unwrap();
    assert_eq!(
        (stat["version"].as_i64(), stat["aversion"].as_i64()),
        (Some(3), Some(2))
    );
    ok(&cs, &["rm", "-v", "-1", "/v"]);
    fails(&cs, &["exists", "/v"], 1);
}

#[test]
fn create_t_is_the_ttl() {
    let server = start_server();
    let cs = server.connect_string();
    assert_eq!(ok(&cs, &["create", "-t", "60000", "/ttl", "t"]), "/ttl\n");
    assert_eq!(
        ok(&cs, &["create", "-s", "-t", "60000", "/ttl/s-"]),
        "/ttl/s-0000000000\n"
    );
    assert_eq!(ok(&cs, &["get", "/ttl"]), "t");
    let err = fails(&cs, &["create", "-e", "-t", "5", "/x"], 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn create_parents_get_the_open_acl_and_the_node_its_own() {
    let server = start_server();
    let cs = server.connect_string();
    // The node's ACL forbids creating children: parents with that ACL would stop the create
    // of the next level (NOAUTH), as they did.
    assert_eq!(
        ok(
            &cs,
            &["create", "-p", "--acl", "world:anyone:r", "/pa/b/c", "x"]
        ),
        "/pa/b/c\n"
    );
    for parent in ["/pa", "/pa/b"] {
        assert_eq!(
            ok(&cs, &["acl", parent]),
            "cdrwa world:anyone\n",
            "{parent}"
        );
    }
    assert_eq!(ok(&cs, &["acl", "/pa/b/c"]), "r world:anyone\n");
    assert_eq!(ok(&cs, &["get", "/pa/b/c"]), "x");
}

#[test]
fn create_under_a_missing_chroot_names_the_chroot() {
    let server = start_server();
    let cs = server.connect_string();
    let chrooted = format!("{cs}/no/such/root");
    let says = "the chroot /no/such/root does not exist (create it first, connecting without \
                the chroot)";
    let err = fails(&chrooted, &["create", "/x", "v"], 3);
    assert!(err.contains(&format!("cannot create /x: {says}")), "{err}");
    assert!(!err.contains("parent node /"), "{err}");
    let err = fails(&chrooted, &["create", "/x/y", "v"], 3);
    assert!(
        err.contains(&format!("cannot create /x/y: {says}")),
        "{err}"
    );
    // -p creates parents below the chroot, not the chroot's own ancestors.
    let err = fails(&chrooted, &["create", "-p", "/x/y", "v"], 3);
    assert!(
        err.contains(&format!("cannot create /x/y: {says}")),
        "{err}"
    );
    // Nor the chroot itself, when its own parent exists.
    let err = fails(&format!("{cs}/missing"), &["create", "-p", "/x", "v"], 3);
    assert!(
        err.contains("cannot create /x: the chroot /missing does not exist"),
        "{err}"
    );
    let err = fails(&format!("{cs}/missing"), &["create", "-p", "/x/y", "v"], 3);
    assert!(
        err.contains("cannot create /x/y: the chroot /missing does not exist"),
        "{err}"
    );
    fails(&cs, &["exists", "/missing"], 1);
    // A missing parent below an existing chroot is named relative to the chroot.
    ok(&cs, &["create", "/app"]);
    let err = fails(&format!("{cs}/app"), &["create", "/a/b"], 3);
    assert!(
        err.contains("cannot create /a/b: the parent node /a does not exist"),
        "{err}"
    );
}

#[test]
fn a_zkcli_comma_separated_acl_list_is_refused() {
    // With the SASL provider the server takes any Kerberos-like name as a `sasl` id, so the
    // list read as one entry was a node no one could read: `sasl` id
    // `alice:cdrwa,world:anyone` with `r`.
    let options = ServerOptions {
        system_properties: vec![
            "zookeeper.authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider"
                .into(),
        ],
        ..ServerOptions::default()
    };
    let server = ZkServer::start_with(options).unwrap_or_else(|e| panic!("{e}"));
    let cs = server.connect_string();
    let list = "sasl:alice:cdrwa,world:anyone:r";
    let err = fails(&cs, &["create", "--acl", list, "/l", "x"], 2);
    assert!(
        err.contains("one ACL entry per argument")
            && err.contains("`sasl:alice:cdrwa` `world:anyone:r`"),
        "{err}"
    );
    fails(&cs, &["exists", "/l"], 1);
    ok(&cs, &["create", "/l", "x"]);
    let err = fails(&cs, &["setacl", "/l", "world:anyone:r,auth::cdrwa"], 2);
    assert!(err.contains("one ACL entry per argument"), "{err}");
    // A comma inside one entry's id (as in an X.509 name, `CN=a,O=b`) is no list.
    ok(&cs, &["setacl", "/l", "sasl:a,b:r", "world:anyone:cdrwa"]);
    assert_eq!(ok(&cs, &["acl", "/l"]), "r sasl:a,b\ncdrwa world:anyone\n");
}
