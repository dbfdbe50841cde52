//! `zk create -p`, `ls -R`, `ls -s`, `setacl [-R] [-v]` and `--read-only` against a real
//! ZooKeeper server, with their exit codes (a read-only server: `read_only.rs`).

use zk_testkit::start_server;

use crate::support::{fails, ok};

#[test]
fn create_parents_ls_recursive_and_stat_setacl() {
    let server = start_server();
    let cs = server.connect_string();

    // create -p: missing parents, persistent; existing ones are fine; the node itself must not
    // exist; -p with -s prints the sequential name.
    fails(&cs, &["create", "/t/a/b", "x"], 3);
    assert_eq!(ok(&cs, &["create", "-p", "/t/a/b", "x"]), "/t/a/b\n");
    assert_eq!(ok(&cs, &["get", "/t/a/b"]), "x");
    assert_eq!(ok(&cs, &["get", "/t/a"]), "");
    assert_eq!(ok(&cs, &["create", "-p", "/t/a/c"]), "/t/a/c\n");
    fails(&cs, &["create", "-p", "/t/a/b"], 4);
    assert_eq!(
        ok(&cs, &["create", "-p", "-s", "/t/q/n-"]),
        "/t/q/n-0000000000\n"
    );
    let parent: serde_json::Value = serde_json::from_str(&ok(&cs, &["stat", "/t/q"])).unwrap();
    assert_eq!(parent["ephemeralOwner"], 0);

    // ls -R: the node and every descendant, full paths, sorted; through a chroot too.
    assert_eq!(
        ok(&cs, &["ls", "-R", "/t"]),
        "/t\n/t/a\n/t/a/b\n/t/a/c\n/t/q\n/t/q/n-0000000000\n"
    );
    let chrooted = format!("{cs}/t");
    assert_eq!(ok(&chrooted, &["ls", "-R", "/a"]), "/a\n/a/b\n/a/c\n");
    assert_eq!(
        ok(&chrooted, &["ls", "-R", "/"]),
        "/\n/a\n/a/b\n/a/c\n/q\n/q/n-0000000000\n"
    );
    assert_eq!(ok(&cs, &["ls", "-R", "/t/a/b"]), "/t/a/b\n");
    fails(&cs, &["ls", "-R", "/missing"], 3);

    // ls -s: children and stat as one JSON object.
    let listed: serde_json::Value = serde_json::from_str(&ok(&cs, &["ls", "-s", "/t/a"])).unwrap();
    assert_eq!(listed["children"], serde_json::json!(["b", "c"]));
    assert_eq!(listed["stat"]["numChildren"], 2);
    assert!(listed["stat"]["pzxid"].is_i64(), "{listed}");
    let leaf: serde_json::Value = serde_json::from_str(&ok(&cs, &["ls", "-s", "/t/a/b"])).unwrap();
    assert_eq!(leaf["children"], serde_json::json!([]));
    assert_eq!(leaf["stat"]["dataLength"], 1);
    fails(&cs, &["ls", "-s", "/missing"], 3);
    fails(&cs, &["ls", "-s", "-R", "/t"], 2);

    // setacl: one node, at an ACL version, then a whole tree.
    assert_eq!(ok(&cs, &["setacl", "/t/a/b", "world:anyone:ra"]), "");
    assert_eq!(ok(&cs, &["acl", "/t/a/b"]), "ra world:anyone\n");
    fails(
        &cs,
        &["setacl", "-v", "0", "/t/a/b", "world:anyone:cdrwa"],
        5,
    );
    ok(&cs, &["setacl", "-v", "1", "/t/a/b", "world:anyone:rwa"]);
    assert_eq!(ok(&cs, &["acl", "/t/a/b"]), "rwa world:anyone\n");
    ok(
        &cs,
        &[
            "setacl",
            "-R",
            "/t/a",
            "world:anyone:r",
            "ip:127.0.0.1:cdrwa",
        ],
    );
    for path in ["/t/a", "/t/a/b", "/t/a/c"] {
        assert_eq!(
            ok(&cs, &["acl", path]),
            "r world:anyone\ncdrwa ip:127.0.0.1\n",
            "{path}"
        );
    }
    assert_eq!(ok(&cs, &["acl", "/t"]), "cdrwa world:anyone\n");
    ok(&cs, &["setacl", "-R", "/t/a", "world:anyone:r"]);
    fails(&cs, &["set", "/t/a/c", "y"], 7);
    fails(&cs, &["setacl", "/missing", "world:anyone:r"], 3);
    fails(&cs, &["setacl", "-R", "/missing", "world:anyone:r"], 3);
    fails(&cs, &["setacl", "/t", "world:anyone"], 2);
    fails(&cs, &["setacl", "/t"], 2);
    fails(&cs, &["setacl", "-R", "-v", "1", "/t", "world:anyone:r"], 2);
    // Without admin permission the ACL stays as it is.
    fails(&cs, &["setacl", "/t/a", "world:anyone:cdrwa"], 7);

    // -R is one request per node (multi cannot carry setACL): a node refused midway stops
    // it, and the message says how far it got.
    ok(&cs, &["create", "-p", "/p/q/r"]);
    ok(&cs, &["setacl", "/p/q/r", "world:anyone:r"]);
    let err = fails(&cs, &["setacl", "-R", "/p", "world:anyone:cdrw"], 7);
    assert!(
        err.contains(
            "/p/q/r; setacl -R stopped there: the 2 nodes before it (of 3) have the new ACL"
        ),
        "{err}"
    );
    assert_eq!(ok(&cs, &["acl", "/p/q"]), "cdrw world:anyone\n");
    assert_eq!(ok(&cs, &["acl", "/p/q/r"]), "r world:anyone\n");
}

#[test]
fn read_only_flag_still_reads_and_writes_on_a_server_with_quorum() {
    let server = start_server();
    let cs = server.connect_string();
    assert_eq!(
        ok(&cs, &["--read-only", "create", "-p", "/ro/x", "v"]),
        "/ro/x\n"
    );
    assert_eq!(ok(&cs, &["--read-only", "get", "/ro/x"]), "v");
}
