//! Unit tests of the export document: JSON both ways, refusals with their place.

use super::*;

fn acl(text: &str) -> Acl {
    format::parse_acl(text).unwrap()
}

#[test]
fn documents_round_trip_text_and_binary_data() {
    let nodes = vec![
        Node {
            path: "/b".into(),
            mode: Mode::Ttl(5000),
            acl: vec![acl("digest:bob:h/x=:r")],
            data: vec![0xff, 0, 1],
        },
        Node {
            path: "/".into(),
            mode: Mode::Persistent,
            acl: vec![acl("world:anyone:cdrwa")],
            data: "{\"k\":\"é\"}".into(),
        },
        Node {
            path: "/a".into(),
            mode: Mode::Container,
            acl: vec![acl("world:anyone:r"), acl("ip:10.0.0.1:cdrwa")],
            data: Vec::new(),
        },
    ];
    let text = to_json(&nodes);
    assert!(text.contains("\"dataBase64\": \"/wAB\""), "{text}");
    assert!(
        text.contains("\"data\": \"{\\\"k\\\":\\\"é\\\"}\""),
        "{text}"
    );
    assert!(text.contains("\"ttlMs\": 5000"), "{text}");
    assert!(text.contains("\"digest:bob:h/x=:r\""), "{text}");
    let back = from_json(&text).unwrap();
    let paths: Vec<&str> = back.iter().map(|n| n.path.as_str()).collect();
    assert_eq!(paths, ["/", "/a", "/b"]);
    assert_eq!(to_json(&back), text);
}

#[test]
fn bad_documents_say_what_and_where() {
    let node = |fields: &str| {
        format!(
            r#"{{"format":"zk-tree/1","nodes":[{{"path":"/","mode":"persistent","acl":["world:anyone:r"],"data":""}},{{{fields}}}]}}"#
        )
    };
    let cases = [
        ("[]".to_owned(), "format: expected \"zk-tree/1\""),
        (r#"{"format":"zk-tree/9","nodes":[]}"#.to_owned(), "format:"),
        (
            r#"{"format":"zk-tree/1","nodes":[]}"#.to_owned(),
            "root node",
        ),
        ("{".to_owned(), "not JSON"),
        (
            node(r#""path":"/a","mode":"ephemeral","acl":["world:anyone:r"],"data":"""#),
            "nodes[1].mode: expected persistent, container or ttl, found \"ephemeral\"",
        ),
        (
            node(r#""path":"/a","mode":"ttl","acl":["world:anyone:r"],"data":"""#),
            "nodes[1].ttlMs: required",
        ),
        (
            node(r#""path":"/a","mode":"persistent","acl":["world:anyone:q"],"data":"""#),
            "nodes[1].acl[0]: bad ACL",
        ),
        (
            node(r#""path":"/a","mode":"persistent","acl":[],"data":"""#),
            "nodes[1].acl: expected at least one",
        ),
        (
            node(r#""path":"/a","mode":"persistent","acl":["world:anyone:r"],"dataBase64":"!!""#),
            "nodes[1].dataBase64: not base64",
        ),
        (
            node(r#""path":"/a","mode":"persistent","acl":["world:anyone:r"]"#),
            "nodes[1].data: expected one of",
        ),
        (
            node(r#""path":"a/","mode":"persistent","acl":["world:anyone:r"],"data":"""#),
            "nodes[1].path:",
        ),
        (
            node(r#""path":"/x/y","mode":"persistent","acl":["world:anyone:r"],"data":"""#),
            "has no parent \"/x\"",
        ),
        (
            node(r#""path":"/","mode":"persistent","acl":["world:anyone:r"],"data":"""#),
            "appears twice",
        ),
        (
            node(r#""path":"/a","mode":"persistent","acl":["world:anyone:r"],"data":"","owner":1"#),
            "nodes[1].owner: unknown field",
        ),
    ];
    for (text, want) in cases {
        let err = from_json(&text).unwrap_err();
        assert!(err.contains(want), "{text}\n  -> {err}\n  wanted {want}");
    }
}

#[test]
fn paths_join_and_split() {
    assert_eq!(join("/app", "/"), "/app");
    assert_eq!(join("/app", "/a/b"), "/app/a/b");
    assert_eq!(join("/", "/a"), "/a");
    assert_eq!(join("/", "/"), "/");
    assert_eq!(parent_of("/a/b"), "/a");
    assert_eq!(parent_of("/a"), "/");
}
