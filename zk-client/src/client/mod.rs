//! The user-facing handles: [`Client`] and its builder, one method per ZooKeeper operation,
//! transactions, and the watcher handles. Everything here talks to the session through
//! [`crate::message::Command`]s.

mod builder;
mod create;
mod handle;
mod multi;
mod ops;
mod protected;
mod reconfig;
mod tracker;
mod tree;
mod watcher;
mod watches;

pub use crate::path::CONFIG_NODE;
pub use builder::ClientBuilder;
pub use create::{CreateOptions, MAX_TTL_MS};
pub use handle::{Client, DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_REPLY_LEN, DEFAULT_MAX_REQUEST_LEN};
pub use multi::{Op, OpResult, ReadOp, ReadResult};
pub use protected::{is_protected, protected_id, random_uuid, strip_protected, PROTECTED_PREFIX};
pub use reconfig::Reconfig;
pub use tree::{Parents, DELETE_BATCH};
pub use watcher::{OneshotWatcher, PersistentWatcher};
