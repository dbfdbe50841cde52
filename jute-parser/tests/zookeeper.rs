//! The upstream `zookeeper.jute` parses into the expected modules and records (snapshot).

use jute_parser::{parse_file, Type};

#[test]
fn zookeeper_jute_parses() {
    let schema = match parse_file("../zookeeper.jute") {
        Ok(s) => s,
        Err(d) => panic!("zookeeper.jute failed to parse:\n{d}"),
    };
    assert_eq!(schema.modules.len(), 5);
    assert_eq!(schema.records().count(), 72);
    let names: Vec<&str> = schema.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names[0], "org.apache.zookeeper.data");
    let stat = schema
        .record("org.apache.zookeeper.data.Stat")
        .expect("Stat exists");
    assert_eq!(stat.fields.len(), 11);
    assert_eq!(stat.fields[0].doc.as_deref(), Some("created zxid"));
    assert_eq!(
        stat.doc.as_deref(),
        Some("information shared with the client")
    );
    assert!(schema.records().any(|r| r
        .fields
        .iter()
        .any(|f| matches!(&f.ty, Type::Vector(t) if **t == Type::Record("org.apache.zookeeper.data.ACL".into())))));
    insta::assert_snapshot!("zookeeper_schema", format!("{schema:#?}"));
}
