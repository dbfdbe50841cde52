//! The recipes' error type: the client's errors, and what a recipe itself can run into.

/// Everything a recipe can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A ZooKeeper operation failed (the session expired, the client was closed, a server
    /// error...).
    #[error(transparent)]
    Client(#[from] zk_client::Error),
    /// Our lock node disappeared while we waited, again and again (someone deletes it, or
    /// the session keeps expiring and being re-created).
    #[error("lock {path}: our lock node vanished {times} times while waiting")]
    NodeVanished {
        /// The lock's path.
        path: String,
        /// How many times.
        times: usize,
    },
    /// A double barrier member's node is gone while leaving (its session expired).
    #[error(
        "double barrier: expected our member node {node}, found it gone (the session expired?)"
    )]
    MemberVanished {
        /// The member's node.
        node: String,
    },
    /// A shared count's node does not hold a count (Curator's `SharedCount` writes an int as
    /// 4 big-endian bytes).
    #[error("shared count {path}: expected 4 bytes (a big-endian int), found {len}")]
    NotACount {
        /// The count's path.
        path: String,
        /// How many bytes the node holds.
        len: usize,
    },
    /// A cache would hold more nodes than its limit ([`crate::TreeCache::max_nodes`]): it
    /// stops rather than grow without bound.
    #[error("cache of {path}: expected at most {limit} nodes, found more")]
    CacheFull {
        /// The cache's root path.
        path: String,
        /// The limit.
        limit: usize,
    },
}

impl Error {
    /// The client error, if this is one.
    pub fn client_error(&self) -> Option<&zk_client::Error> {
        match self {
            Error::Client(e) => Some(e),
            Error::NodeVanished { .. }
            | Error::CacheFull { .. }
            | Error::MemberVanished { .. }
            | Error::NotACount { .. } => None,
        }
    }
}
