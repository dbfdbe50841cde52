//! ZooKeeper's wire records and protocol vocabulary.
//!
//! The records are generated from upstream `zookeeper.jute` by `cargo xtask codegen` (see
//! `xtask/src/codegen.rs` for the settings) into `src/generated.rs`, which is checked in. Jute
//! modules lose their `org.apache.zookeeper.` prefix:
//!
//! | Jute module                              | Rust module                          |
//! |------------------------------------------|--------------------------------------|
//! | `org.apache.zookeeper.data`              | [`data`] (`Stat`, `Acl`, `Id`, ...)  |
//! | `org.apache.zookeeper.proto`             | [`proto`] (requests and responses)   |
//! | `org.apache.zookeeper.txn`               | [`txn`] (transaction log)            |
//! | `org.apache.zookeeper.server.quorum`     | [`server::quorum`]                   |
//! | `org.apache.zookeeper.server.persistence`| [`server::persistence`]              |
//!
//! Record names are `UpperCamelCase` (`GetACLRequest` -> [`proto::GetAclRequest`]) and
//! fields `snake_case` (`lastZxidSeen` -> `last_zxid_seen`, `type` -> `r#type`). Every record
//! implements [`jute::Jute`]:
//!
//! ```
//! use zk_records::proto::RequestHeader;
//! use zk_records::OpCode;
//!
//! let header = RequestHeader { xid: 1, r#type: OpCode::GetData.into() };
//! let bytes = jute::to_vec(&header);
//! assert_eq!(bytes, [0, 0, 0, 1, 0, 0, 0, 4]);
//! assert_eq!(jute::from_slice::<RequestHeader>(&bytes)?, header);
//! # Ok::<(), jute::Error>(())
//! ```
//!
//! `buffer` fields are [`bytes::Bytes`] and `ustring` fields [`jute::Utf8Bytes`]: decoded with
//! [`jute::from_bytes`] from a frame held in `Bytes`, node data, paths and child names are
//! views of the frame, with no allocation per field. Both convert from the usual owned types
//! (`"/path".into()`, `String::into()`, `Vec<u8>::into()`) and dereference to `[u8]`/`str`.
//!
//! [`Request`] pairs each request record with its op code and response record, as ZooKeeper's
//! Java client does in code. The multi records that ZooKeeper writes by hand
//! ([`MultiRequest`], [`MultiResponse`]) implement [`jute::Jute`] like the generated ones.
//!
//! The vocabulary that `zookeeper.jute` does not define (opcodes, error codes, watch events,
//! create modes, permissions, well-known ACLs) is hand-written in [`vocab`] and re-exported
//! here.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

#[rustfmt::skip]
mod generated {
    include!("generated.rs");
}
pub use generated::*;

mod multi;
mod request;
pub mod vocab;

pub use multi::{MultiOp, MultiReadRequest, MultiRequest, MultiResponse, MultiResult};
pub use request::{Create2Request, CreateContainerRequest, Request, WhoAmIRequest};

pub use vocab::{
    anyone_id_unsafe, auth_ids, creator_all_acl, open_acl_unsafe, read_acl_unsafe, AddWatchMode,
    CreateMode, ErrorCode, EventType, KeeperState, OpCode, Perms, UnknownCode, WatcherType,
};

/// The crate README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
