//! ZooKeeper's data files, read without a JVM: transaction logs (`version-2/log.*`) and
//! snapshots (`version-2/snapshot.*`), as Apache's `TxnLogToolkit` and `SnapshotFormatter`
//! read them.
//!
//! The records inside both files (`FileHeader`, `TxnHeader`, the `*Txn` bodies, `ACL`,
//! `StatPersisted`) are `zk-records`' generated types, decoded with [`jute`], so the readers
//! share the runtime's limits and error paths, and the op codes are `zk_records::OpCode`.
//! The framing around them (checksums, end-of-record bytes, padding, snapshot seals) is
//! hand-written here, after Apache's `FileTxnLog`, `SerializeUtils`, `FileSnap`,
//! `SnapStream`, `DataTree` and `ReferenceCountedACLCache`; snappy-compressed snapshots are
//! decompressed by the `snap` crate inside a hand-written reader of snappy-java's stream
//! framing (no crate reads that framing). Items print as JSON lines through [`json`].
//!
//! ```
//! // A log holding only its header and preallocated padding.
//! let mut file = b"ZKLG\0\0\0\x02\0\0\0\0\0\0\0\0".to_vec();
//! file.resize(1024, 0);
//! let items: Vec<_> = zk_files::TxnLogReader::new(&file)?.collect();
//! assert!(matches!(items[..], [zk_files::LogItem::End { offset: 16, .. }]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod adler32;
mod error;
pub mod json;
mod resync;
mod snappy;
mod snapshot;
mod time;
mod txn;
mod txnlog;
mod window;

pub use adler32::adler32;
pub use error::{LimitReached, ZkFileError};
/// The reader limits (`max_len`: a server's `jute.maxbuffer`), re-exported from `jute`.
pub use jute::Limits;
pub use snappy::{
    decompress_snappy_block, decompress_snappy_stream, SnappyError, SNAPPY_JAVA_MAGIC,
};
pub use snapshot::{
    decompress, decompress_with_limit, Compression, DataFormat, SnapItem, SnapshotReader, Znode,
    DEFAULT_MAX_DECOMPRESSED,
};
pub use time::format_millis;
pub use txn::{op_name, SubTxn, Txn, TxnBody};
pub use txnlog::{LogItem, TxnEntry, TxnLogReader};
