//! ZooKeeper's protocol vocabulary that is not in `zookeeper.jute`: opcodes, error codes,
//! watch event types and states, create modes, permissions and well-known ACLs.
//!
//! Values come from the upstream Java sources (`ZooDefs.java`, `KeeperException.java`,
//! `Watcher.java`, `CreateMode.java`, `AddWatchMode.java`).

mod code_enum;
mod create_mode;
mod error_code;
mod ids;
mod opcode;
mod perms;
mod watcher;

pub use create_mode::CreateMode;
pub use error_code::ErrorCode;
pub use ids::{anyone_id_unsafe, auth_ids, creator_all_acl, open_acl_unsafe, read_acl_unsafe};
pub use opcode::OpCode;
pub use perms::Perms;
pub use watcher::{AddWatchMode, EventType, KeeperState, WatcherType};

/// An integer on the wire that is not one of the known values of a protocol enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("unknown {kind} {value}")]
pub struct UnknownCode {
    /// Which enum was expected, e.g. `"OpCode"`.
    pub kind: &'static str,
    /// The value received.
    pub value: i32,
}
