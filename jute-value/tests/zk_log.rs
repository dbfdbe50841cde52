//! The transaction log reader on minimal hand-made logs: the layouts real servers write in
//! configurations the real-server tests do not start (see `jute-cli/tests/zk_files.rs`), and
//! damage placed exactly.

use jute_value::zk::{adler32, schema, LogItem, TxnBody, TxnLogReader};

/// `TxnHeader`: clientId, cxid, zxid, time, type.
fn header(session: i64, zxid: i64, op: i32) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&session.to_be_bytes());
    b.extend_from_slice(&7i32.to_be_bytes());
    b.extend_from_slice(&zxid.to_be_bytes());
    b.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
    b.extend_from_slice(&op.to_be_bytes());
    b
}

/// `TxnDigest`: version 2, a tree digest.
fn digest(tree: i64) -> Vec<u8> {
    let mut b = 2i32.to_be_bytes().to_vec();
    b.extend_from_slice(&tree.to_be_bytes());
    b
}

fn string(s: &str) -> Vec<u8> {
    let mut b = (s.len() as i32).to_be_bytes().to_vec();
    b.extend_from_slice(s.as_bytes());
    b
}

/// One framed entry: checksum, length, transaction bytes, `'B'`.
fn entry(txn: &[u8]) -> Vec<u8> {
    let mut b = i64::from(adler32(txn)).to_be_bytes().to_vec();
    b.extend_from_slice(&(txn.len() as i32).to_be_bytes());
    b.extend_from_slice(txn);
    b.push(b'B');
    b
}

fn log_header() -> Vec<u8> {
    b"ZKLG\0\0\0\x02\0\0\0\0\0\0\0\x01".to_vec()
}

fn txn(session: i64, zxid: i64, op: i32, body: &[u8], tree: Option<i64>) -> Vec<u8> {
    let mut t = header(session, zxid, op);
    t.extend_from_slice(body);
    if let Some(tree) = tree {
        t.extend_from_slice(&digest(tree));
    }
    t
}

fn read(file: &[u8]) -> Vec<LogItem> {
    let schema = schema().unwrap();
    TxnLogReader::new(&schema, file).unwrap().collect()
}

fn txns(items: &[LogItem]) -> Vec<&jute_value::zk::TxnEntry> {
    items
        .iter()
        .filter_map(|i| match i {
            LogItem::Txn(t) => Some(&**t),
            _ => None,
        })
        .collect()
}

#[test]
fn close_session_without_body_but_with_digest() {
    // zookeeper.closeSessionTxn.enabled=false: header + digest, no CloseSessionTxn.
    let mut file = log_header();
    file.extend(entry(&txn(0x55, 1, -11, &[], Some(0x1234_5678_9abc))));
    // A CloseSessionTxn of exactly a digest's size (one 4-byte path), no digest: a body.
    let mut body = 1i32.to_be_bytes().to_vec();
    body.extend(string("/abc"));
    file.extend(entry(&txn(0x56, 2, -11, &body, None)));
    // The usual 3.8 layout: body and digest.
    let mut body = 1i32.to_be_bytes().to_vec();
    body.extend(string("/e"));
    file.extend(entry(&txn(0x57, 3, -11, &body, Some(9))));
    file.resize(file.len() + 100, 0);
    let items = read(&file);
    let t = txns(&items);
    assert_eq!(t.len(), 3, "{items:#?}");
    assert_eq!(t[0].body, TxnBody::None);
    assert_eq!(
        t[0].digest.as_ref().unwrap().to_json().to_string(),
        r#"{"version":2,"treeDigest":20015998343868}"#
    );
    assert!(t[0].trailing.is_empty());
    assert!(matches!(
        &t[1].body,
        TxnBody::Record {
            record: "CloseSessionTxn",
            ..
        }
    ));
    assert_eq!(t[1].digest, None);
    assert!(matches!(
        &t[2].body,
        TxnBody::Record {
            record: "CloseSessionTxn",
            ..
        }
    ));
    assert!(t[2].digest.is_some());
    assert!(matches!(items.last(), Some(LogItem::End { .. })));
}
