//! Snapshots (`version-2/snapshot.<zxid>[.gz|.snappy]`), item by item, as Apache's `FileSnap` reads
//! them.
//!
//! Layout: a `FileHeader` (magic `ZKSN`, version 2, dbid); `int` session count and
//! `long id, int timeout` per session; the ACL cache (`int` count, then `long id,
//! vector<ACL>` per entry); the nodes (`ustring path`, then `buffer data, long acl,
//! StatPersisted stat`), parents before children, the root's path empty, ended by the path
//! `"/"`; a seal (`long` Adler-32 of every byte before it, then the string `"/"`). Since 3.6 a
//! `ZxidDigest` (`long zxid, int digestVersion, long digest`) and a second seal follow; since
//! 3.9 possibly `long lastProcessedZxid` and a third seal.
//!
//! A snapshot written with `zookeeper.snapshot.compression.method=gz` is gzip-compressed
//! (`snapshot.<zxid>.gz`, read with the default `gzip` feature); with `snappy` it is a
//! snappy-java stream (`snapshot.<zxid>.snappy`, read by the decoder in `snappy/`). The
//! Adler-32 seals cover the uncompressed bytes. The reader decompresses and parses as it goes
//! (`source.rs`): memory holds the item being read and a read-ahead, not the file, and damage
//! is reported after every item before it.

mod reader;
mod source;
mod whole;

use zk_records::data::{Acl, StatPersisted};

use crate::error::LimitReached;

pub use reader::SnapshotReader;
pub use whole::{decompress, decompress_with_limit};

/// How a snapshot file was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// snappy-java's stream format (`.snappy`).
    Snappy,
}

/// The default limit on a decompressed snapshot's size: 2 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 2 << 30;

/// How node data is shown in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataFormat {
    /// Lowercase hex, always.
    #[default]
    Hex,
    /// UTF-8 text where the data is valid UTF-8; hex (under the key `dataHex`) otherwise.
    Utf8,
}

/// One znode of the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Znode {
    /// The path as stored: empty for the root, `/a/b` otherwise.
    pub path: String,
    /// The data; `None` when stored as null.
    pub data: Option<Vec<u8>>,
    /// The key of the node's ACL in the ACL cache (-1 for open ACL in old snapshots).
    pub acl: i64,
    /// The `StatPersisted` record.
    pub stat: StatPersisted,
}

/// What the reader found next in a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapItem {
    /// A live session.
    Session {
        /// The session id.
        id: i64,
        /// Its timeout in milliseconds.
        timeout: i32,
    },
    /// An entry of the ACL cache.
    Acl {
        /// The key that nodes refer to.
        id: i64,
        /// The ACL list.
        acls: Vec<Acl>,
    },
    /// A znode.
    Node(Box<Znode>),
    /// A seal: the stored Adler-32 of everything before it, and the one computed.
    Seal {
        /// File offset (after decompression) of the seal.
        offset: usize,
        /// The checksum as stored.
        stored: i64,
        /// The checksum computed over the bytes before it.
        computed: u32,
    },
    /// The data tree digest (3.6+).
    Digest {
        /// The zxid the digest was computed at.
        zxid: i64,
        /// The digest algorithm's version.
        version: i32,
        /// The digest.
        digest: i64,
    },
    /// The last processed zxid (3.9+).
    LastProcessedZxid(i64),
    /// The end of the snapshot.
    End {
        /// File offset (after decompression) of the end of what was read.
        offset: usize,
        /// Bytes after it that no known section accounts for.
        trailing: usize,
    },
    /// The snapshot cannot be read further.
    Error {
        /// File offset (after decompression) where the problem starts.
        offset: usize,
        /// What is wrong.
        message: String,
        /// Which of the reader's limits was reached, when one was (the data may be intact).
        limit: Option<LimitReached>,
    },
}
