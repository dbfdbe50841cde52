//! `zk export` and `zk import` against real servers: a round trip between two servers
//! (data as text and base64, ACLs; ephemeral nodes left out), containers and TTL nodes of a
//! document (they go away as such nodes do), the
//! refusal to overwrite and `--overwrite`, a document too large for one `multi` (batches,
//! and what stays when a later batch fails), atomic failure of a one-batch import, and bad
//! documents, and an ACL entry without permissions.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zk_testkit::{start_server, ServerOptions, ZkServer};

use crate::support::{fails_in, ok, ok_in, zk_at_with_stdin as zk_in, ZK};

fn nodes(doc: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(doc).unwrap();
    assert_eq!(v["format"], "zk-tree/1");
    v["nodes"].as_array().unwrap().clone()
}

fn node<'a>(nodes: &'a [Value], path: &str) -> &'a Value {
    nodes
        .iter()
        .find(|n| n["path"] == path)
        .unwrap_or_else(|| panic!("no {path} in {nodes:?}"))
}

/// bob's credentials: the hash of his digest ACL entry is shown only to sessions with ADMIN
/// permission on the node, such as his.
const BOB: [&str; 2] = ["--auth", "digest:bob:pw"];

/// Builds `/src` (text and binary data, a container, a TTL node, bob's ACL, a sequential
/// node) and takes a lock under it: the returned process holds an ephemeral node.
fn source_tree(src: &str) -> Child {
    ok(src, &["create", "/src", "{\"k\":1}"]);
    ok_in(src, &["create", "/src/bin", "-"], &[0xff, 0, 1]);
    ok(src, &["create", "-c", "/src/jobs"]);
    ok(src, &["create", "/src/jobs/j1", "x"]);
    ok(src, &["create", "--ttl", "600000", "/src/t", "ttl"]);
    let bob = BOB;
    let acl = ["--acl", "world:anyone:r", "--acl", "auth::cdrwa"];
    ok(
        src,
        &[&bob[..], &["create"], &acl, &["/src/locked", "secret"]].concat(),
    );
    ok(src, &["create", "-s", "/src/seq-"]);
    // A held lock: an ephemeral node, left out of the export.
    let mut lock = Command::new(ZK)
        .args(["--server", src, "lock", "/src/lk"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut held = String::new();
    BufReader::new(lock.stdout.take().unwrap())
        .read_line(&mut held)
        .unwrap();
    assert!(held.starts_with("/src/lk/"), "{held}");
    lock
}

#[test]
fn a_tree_round_trips_between_servers() {
    let a = start_server();
    let src = a.connect_string();
    let bob = BOB;
    let mut lock = source_tree(&src);

    // The server hides digest hashes from sessions without ADMIN permission: such an
    // export would lock everyone out, so it fails.
    let err = fails_in(&src, &["export", "/src"], b"", 7);
    assert!(
        err.contains("/src/locked: the server hides the password hashes"),
        "{err}"
    );
    let doc = ok(&src, &[&bob[..], &["export", "/src"]].concat());
    let _ = Command::new("kill").arg(lock.id().to_string()).status();
    let _ = lock.wait();
    let list = nodes(&doc);
    let paths: Vec<&str> = list.iter().map(|n| n["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "/",
            "/bin",
            "/jobs",
            "/jobs/j1",
            "/lk",
            "/locked",
            "/seq-0000000004",
            "/t"
        ]
    );
    assert_eq!(node(&list, "/")["data"], "{\"k\":1}");
    assert_eq!(node(&list, "/bin")["dataBase64"], "/wAB");
    // Servers show containers and TTL nodes to clients as persistent nodes.
    for n in &list {
        assert_eq!(n["mode"], "persistent", "{n}");
    }
    // bob's hash: base64(SHA-1("bob:pw")).
    assert_eq!(
        node(&list, "/locked")["acl"],
        json!([
            "world:anyone:r",
            "digest:bob:ikIaKsbtGweaHnb/jKn7OHqbunM=:cdrwa"
        ])
    );

    // Into another server, under parents that do not exist yet, from stdin.
    let b = start_server();
    let dst = b.connect_string();
    ok_in(&dst, &["import", "-", "/dst/copy"], doc.as_bytes());
    assert_eq!(
        ok(&dst, &[&bob[..], &["export", "/dst/copy"]].concat()),
        doc
    );
    assert_eq!(ok(&dst, &["get", "/dst/copy/locked"]), "secret");
    assert_eq!(ok(&dst, &["get", "/dst"]), "");
    // A whole-server export leaves ZooKeeper's own nodes out; a chroot sees its own tree.
    let all = ok(&dst, &[&bob[..], &["export", "/"]].concat());
    assert!(!all.contains("\"/zookeeper"), "{all}");
    let chroot = format!("{dst}/dst/copy");
    assert_eq!(ok(&chroot, &[&bob[..], &["export", "/"]].concat()), doc);

    overwrite_only_when_asked(&src, &dst, &doc);
}

/// Importing `/src`'s export again onto `dst`'s `/dst/copy` (changed meanwhile) is refused,
/// then with `--overwrite` brings back `doc`.
fn overwrite_only_when_asked(src: &str, dst: &str, doc: &str) {
    let bob = BOB;
    // No overwriting unless asked; then data and ACLs come back as exported.
    let file = std::env::temp_dir().join(format!("zk-export-{}.json", std::process::id()));
    let file_arg = file.to_str().unwrap();
    ok(src, &[&bob[..], &["export", "/src", file_arg]].concat());
    ok(dst, &["set", "/dst/copy/jobs/j1", "changed"]);
    ok(dst, &["setacl", "/dst/copy/bin", "world:anyone:rwa"]);
    let err = fails_in(dst, &["import", file_arg, "/dst/copy"], b"", 4);
    assert!(
        err.contains("/dst/copy already exists (8 of the document's 8"),
        "{err}"
    );
    assert_eq!(ok(dst, &["get", "/dst/copy/jobs/j1"]), "changed");
    // /locked is writable by bob only.
    let overwrite = ["import", "--overwrite", file_arg, "/dst/copy"];
    fails_in(dst, &overwrite, b"", 7);
    ok(dst, &[&bob[..], &overwrite].concat());
    assert_eq!(ok(dst, &[&bob[..], &["export", "/dst/copy"]].concat()), doc);
    let _ = std::fs::remove_file(&file);
}

/// A document with `n` children under `/a`, and `/z` (readable only) with a child.
fn big_document(n: usize) -> String {
    let open = json!(["world:anyone:cdrwa"]);
    let mut list = vec![
        json!({"path": "/", "mode": "persistent", "acl": open, "data": ""}),
        json!({"path": "/a", "mode": "persistent", "acl": open, "data": ""}),
    ];
    for i in 0..n {
        let path = format!("/a/n{i:04}");
        list.push(json!({"path": path, "mode": "persistent", "acl": open, "data": "v"}));
    }
    list.push(json!({"path": "/z", "mode": "persistent", "acl": ["world:anyone:r"], "data": ""}));
    list.push(json!({"path": "/z/child", "mode": "persistent", "acl": open, "data": ""}));
    json!({"format": "zk-tree/1", "nodes": list}).to_string()
}

#[test]
fn imports_are_batched_and_say_what_stayed() {
    let server = start_server();
    let cs = server.connect_string();
    // One batch: /z/child cannot be created under the read-only /z, so nothing is.
    let small = big_document(3);
    let err = fails_in(&cs, &["import", "-", "/one"], small.as_bytes(), 7);
    assert!(err.contains("nothing was imported"), "{err}");
    fails_in(&cs, &["exists", "/one"], b"", 1);

    // Two batches: the first (1000 operations) stays, the second is rolled back.
    let big = big_document(1100);
    let err = fails_in(&cs, &["import", "-", "/big"], big.as_bytes(), 7);
    assert!(
        err.contains("batch 2 of 2")
            && err.contains("the 1000 operations of the batches before it stay applied"),
        "{err}"
    );
    assert_eq!(ok(&cs, &["count", "/big"]), "999\n");

    // Without the trap, every node arrives.
    let fine = big_document(1100).replace("[\"world:anyone:r\"]", "[\"world:anyone:cdrwa\"]");
    ok_in(&cs, &["import", "-", "/fine"], fine.as_bytes());
    assert_eq!(ok(&cs, &["count", "/fine"]), "1103\n");
}

#[test]
fn containers_and_ttl_nodes_of_a_document_are_created_as_such() {
    // The container manager looks every 100 ms, not every minute.
    let options = ServerOptions {
        system_properties: vec!["znode.container.checkIntervalMs=100".into()],
        ..ServerOptions::default()
    };
    let server = ZkServer::start_with(options).unwrap_or_else(|e| panic!("{e}"));
    let cs = server.connect_string();
    let open = json!(["world:anyone:cdrwa"]);
    let doc = json!({"format": "zk-tree/1", "nodes": [
        {"path": "/", "mode": "persistent", "acl": open, "data": ""},
        {"path": "/jobs", "mode": "container", "acl": open, "data": ""},
        {"path": "/jobs/j1", "mode": "persistent", "acl": open, "data": ""},
        {"path": "/kept", "mode": "persistent", "acl": open, "data": ""},
        {"path": "/t", "mode": "ttl", "ttlMs": 200, "acl": open, "data": "brief"},
    ]});
    ok_in(&cs, &["import", "-", "/m"], doc.to_string().as_bytes());
    ok(&cs, &["rm", "/m/jobs/j1"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while zk_in(&cs, &["ls", "/m"], b"").stdout != b"kept\n" {
        assert!(Instant::now() < deadline, "{}", ok(&cs, &["ls", "/m"]));
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn bad_documents_are_usage_errors_before_connecting() {
    // A closed port: the document is refused before any connection is tried.
    let cs = "127.0.0.1:1";
    let err = fails_in(
        cs,
        &["import", "-", "/x"],
        b"{\"format\":\"zk-tree/1\",\"nodes\":[{}]}",
        2,
    );
    assert!(err.contains("-: nodes[0].path: expected a string"), "{err}");
    let err = fails_in(cs, &["import", "-", "/x"], b"not json", 2);
    assert!(err.contains("not JSON"), "{err}");
    let err = fails_in(cs, &["import", "/nonexistent/tree.json", "/x"], b"", 1);
    assert!(err.contains("reading /nonexistent/tree.json"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acl_entry_without_permissions_round_trips() {
    let server = start_server();
    let cs = server.connect_string();
    ok(&cs, &["create", "/z", "x"]);
    // zkCli's `setAcl /z world:anyone:cdrwa,ip:10.0.0.1:` makes such an entry.
    let client = crate::support::connect(&cs).await;
    let entry = |perms, scheme: &str, id: &str| zk_client::Acl {
        perms,
        id: zk_client::Id {
            scheme: scheme.into(),
            id: id.into(),
        },
    };
    let acl = [entry(31, "world", "anyone"), entry(0, "ip", "10.0.0.1")];
    client.set_acl("/z", &acl, None).await.unwrap();
    client.close().await.unwrap();
    assert_eq!(
        ok(&cs, &["acl", "/z"]),
        "cdrwa world:anyone\n- ip:10.0.0.1\n"
    );
    let doc = ok(&cs, &["export", "/z"]);
    assert!(doc.contains("\"ip:10.0.0.1:-\""), "{doc}");
    ok_in(&cs, &["import", "-", "/copy"], doc.as_bytes());
    assert_eq!(ok(&cs, &["acl", "/copy"]), ok(&cs, &["acl", "/z"]));
    // `setacl` takes the entry as `acl` prints it.
    ok(&cs, &["setacl", "/copy", "world:anyone:r", "ip:10.0.0.2:-"]);
    assert_eq!(
        ok(&cs, &["acl", "/copy"]),
        "r world:anyone\n- ip:10.0.0.2\n"
    );
}
