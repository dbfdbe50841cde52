//! `zk` node options against a real ZooKeeper server: the ACL of the parents
//! `create -p --acl` creates.

use zk_testkit::start_server;

use crate::support::ok;

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
