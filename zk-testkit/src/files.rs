//! Builders of minimal hand-made ZooKeeper data files (transaction logs and snapshots, in the
//! layouts of 3.8 and 3.9), byte by byte as ZooKeeper writes them, for tests of readers of
//! those files: the shapes no test server writes on demand (damage, a 3.9 section, gaps).

/// Adler-32, the checksum ZooKeeper puts on log entries and snapshots.
fn adler32(bytes: &[u8]) -> u32 {
    adler2::adler32_slice(bytes)
}

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

/// A Jute `ustring`: its length, then its bytes.
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

/// A transaction log's file header: magic `ZKLG`, version 2, database id 1.
pub fn log_header() -> Vec<u8> {
    b"ZKLG\0\0\0\x02\0\0\0\0\0\0\0\x01".to_vec()
}

/// A transaction: its header, `body`, and a digest of `tree` when given.
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

/// A snapshot's header, one session, one ACL cache entry (`world:anyone`, all permissions),
/// the root and `nodes` (path, data), and the tree's end (`"/"`), before its seal.
pub fn snapshot_tree(nodes: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = b"ZKSN\0\0\0\x02\xff\xff\xff\xff\xff\xff\xff\xff".to_vec();
    b.extend(1i32.to_be_bytes()); // sessions
    b.extend(0x1234i64.to_be_bytes());
    b.extend(30_000i32.to_be_bytes());
    b.extend(1i32.to_be_bytes()); // ACL cache
    b.extend(1i64.to_be_bytes());
    b.extend(1i32.to_be_bytes());
    b.extend(31i32.to_be_bytes());
    b.extend(string("world"));
    b.extend(string("anyone"));
    let root: (&str, &[u8]) = ("", b"");
    for (path, data) in std::iter::once(&root).chain(nodes) {
        b.extend(string(path));
        b.extend((data.len() as i32).to_be_bytes());
        b.extend_from_slice(data);
        b.extend(1i64.to_be_bytes()); // ACL id
        b.extend(stat_persisted());
    }
    b.extend(string("/"));
    b
}

/// A `StatPersisted`: czxid, mzxid, ctime, mtime, version, cversion, aversion,
/// ephemeralOwner, pzxid.
pub fn stat_persisted() -> Vec<u8> {
    let mut b = Vec::new();
    for v in [2i64, 3, 1_700_000_000_000, 1_700_000_000_001] {
        b.extend(v.to_be_bytes());
    }
    for v in [1i32, 0, 0] {
        b.extend(v.to_be_bytes());
    }
    for v in [0i64, 2] {
        b.extend(v.to_be_bytes());
    }
    b
}

/// Appends a seal: the Adler-32 of everything before it, then `"/"`.
pub fn seal(b: &mut Vec<u8>) {
    let sum = i64::from(adler32(b));
    b.extend(sum.to_be_bytes());
    b.extend(string("/"));
}

/// Appends a `ZxidDigest` (digest version 2) and its seal.
pub fn digest_section(b: &mut Vec<u8>, zxid: i64, digest: i64) {
    b.extend(zxid.to_be_bytes());
    b.extend(2i32.to_be_bytes());
    b.extend(digest.to_be_bytes());
    seal(b);
}

/// Appends ZooKeeper 3.9's `lastProcessedZxid` and its seal.
pub fn last_zxid_section(b: &mut Vec<u8>, zxid: i64) {
    b.extend(zxid.to_be_bytes());
    seal(b);
}

/// `bytes` as a snappy-java stream (header, then 32 KiB chunks) of literal-only blocks: valid
/// snappy that any decoder reads, without a compressor.
pub fn snappy_java_literals(bytes: &[u8]) -> Vec<u8> {
    let mut s = b"\x82SNAPPY\0\0\0\0\x01\0\0\0\x01".to_vec();
    for chunk in bytes.chunks(32 << 10) {
        let mut block = Vec::new();
        let mut n = chunk.len();
        while n >= 0x80 {
            block.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        block.push(n as u8);
        // Literal tag 61 << 2: two little-endian bytes of (length - 1) follow.
        block.push(61 << 2);
        block.extend_from_slice(&((chunk.len() - 1) as u16).to_le_bytes());
        block.extend_from_slice(chunk);
        s.extend((block.len() as i32).to_be_bytes());
        s.extend(block);
    }
    s
}
