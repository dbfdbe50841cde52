//! Builders of minimal hand-made ZooKeeper transaction logs, shared by the `jute-value` and
//! `jute-cli` tests (included with `#[path]`).
#![allow(dead_code)] // Each test binary uses a different subset.

use jute_value::zk::adler32;

/// `TxnHeader`: clientId, cxid, zxid, time, type.
pub fn header(session: i64, zxid: i64, op: i32) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&session.to_be_bytes());
    b.extend_from_slice(&7i32.to_be_bytes());
    b.extend_from_slice(&zxid.to_be_bytes());
    b.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
    b.extend_from_slice(&op.to_be_bytes());
    b
}

/// `TxnDigest`: version 2, a tree digest.
pub fn digest(tree: i64) -> Vec<u8> {
    let mut b = 2i32.to_be_bytes().to_vec();
    b.extend_from_slice(&tree.to_be_bytes());
    b
}

pub fn string(s: &str) -> Vec<u8> {
    let mut b = (s.len() as i32).to_be_bytes().to_vec();
    b.extend_from_slice(s.as_bytes());
    b
}

/// One framed entry: checksum, length, transaction bytes, `'B'`.
pub fn entry(txn: &[u8]) -> Vec<u8> {
    let mut b = i64::from(adler32(txn)).to_be_bytes().to_vec();
    b.extend_from_slice(&(txn.len() as i32).to_be_bytes());
    b.extend_from_slice(txn);
    b.push(b'B');
    b
}

pub fn log_header() -> Vec<u8> {
    b"ZKLG\0\0\0\x02\0\0\0\0\0\0\0\x01".to_vec()
}

pub fn txn(session: i64, zxid: i64, op: i32, body: &[u8], tree: Option<i64>) -> Vec<u8> {
    let mut t = header(session, zxid, op);
    t.extend_from_slice(body);
    if let Some(tree) = tree {
        t.extend_from_slice(&digest(tree));
    }
    t
}

/// A `setData` body: path, data, version.
pub fn set_data(path: &str, data: &[u8]) -> Vec<u8> {
    let mut b = string(path);
    b.extend_from_slice(&(data.len() as i32).to_be_bytes());
    b.extend_from_slice(data);
    b.extend_from_slice(&1i32.to_be_bytes());
    b
}
