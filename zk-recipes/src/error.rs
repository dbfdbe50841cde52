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
    /// A guard handed to [`crate::ReadWriteLock::downgrade`] or
    /// [`crate::ReadWriteLock::read_as_writer`] that is not a write lock of that lock.
    #[error("read-write lock {path}: expected a guard of its write lock, found {node}")]
    NotAWriteLock {
        /// The read-write lock's path.
        path: String,
        /// The guard's lock node.
        node: String,
    },
    /// The write lock a read lock was to be taken on the strength of is lost (its node gone,
    /// its session expired, or the connection suspended under the lock's
    /// [`crate::LossPolicy`]): no read lock is held.
    #[error("write lock {node}: lost before the read lock was taken on its strength")]
    WriteLockLost {
        /// The write lock's node.
        node: String,
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
    /// A kept node ([`crate::PersistentNode`]) was not in place within the time waited.
    #[error("the node was not created within {waited:?}{}", last_error.as_ref().map(|e| format!(" (last error: {e})")).unwrap_or_default())]
    NotCreated {
        /// How long was waited.
        waited: std::time::Duration,
        /// The last error that kept it from being created, if any.
        last_error: Option<String>,
    },
    /// An instance id that is not registered with this discovery.
    #[error("service instance {id}: not registered here")]
    NotRegistered {
        /// The id.
        id: String,
    },
    /// A node of the discovery layout whose data is not a service instance.
    #[error("{path}: expected a service instance as JSON, found data that is not: {reason}")]
    BadInstance {
        /// The node.
        path: String,
        /// What is wrong, with the line and column.
        reason: String,
    },
    /// A service instance that cannot be registered or updated as given.
    #[error("service instance {id}: {reason}")]
    InvalidInstance {
        /// The instance's id.
        id: String,
        /// What was expected and found.
        reason: String,
    },
    /// A URI template that does not parse.
    #[error("URI spec {spec:?}: at byte {at}: {reason}")]
    InvalidUriSpec {
        /// The template.
        spec: String,
        /// The byte offset of the problem.
        at: usize,
        /// What was expected and found.
        reason: String,
    },
}

impl Error {
    /// The client error, if this is one.
    pub fn client_error(&self) -> Option<&zk_client::Error> {
        match self {
            Error::Client(e) => Some(e),
            _ => None,
        }
    }
}
