//! ZooKeeper recipes on [`zk_client`], with the node layouts of Apache Curator, so that Rust
//! and Java (and, where offered, Python kazoo) processes coordinate on the same paths.
//!
//! - [`Mutex`]: Curator's `InterProcessMutex`: protected ephemeral-sequential nodes
//!   `<path>/_c_<uuid>-lock-<sequence>`, each contender watching only its predecessor;
//!   a cancellable acquisition with a timeout; a guard that releases on drop, carries a
//!   [`FencingToken`] that grows with every acquisition, and tells at once when the lock may
//!   have been lost ([`MutexGuard::lost`], under a [`LossPolicy`] as Curator's). kazoo's
//!   `Lock` layout as an option ([`Layout::Kazoo`]).
//! - [`ReadWriteLock`]: Curator's `InterProcessReadWriteLock` (`__READ__` / `__WRIT__`
//!   nodes in one queue): readers share, writers exclude everyone; the write lock's holder
//!   may take the read lock, or trade the write lock for it ([`ReadWriteLock::downgrade`]).
//! - [`LeaderLatch`]: Curator's `LeaderLatch` (`_c_<uuid>-latch-<sequence>` nodes holding
//!   the participants' ids): `is_leader`, waiting for leadership, a watch of gained/lost,
//!   the participants and the current leader.
//! - [`LeaderSelector`]: Curator's `LeaderSelector` (a mutex whose holder leads): runs a
//!   task while leading and cancels it as soon as leadership may be lost.
//! - [`Semaphore`]: Curator's `InterProcessSemaphoreV2` (`locks/` and `leases/` under the
//!   path): at most N lease holders at once, N fixed or the current value of a
//!   [`SharedCount`] ([`Semaphore::with_shared_count`]: waiters are let in as soon as it is
//!   raised; lowering it takes no lease back).
//! - [`TreeCache`]: Curator's `CuratorCache` (kazoo's `TreeCache`): a local copy of a subtree
//!   (or of a node's children, or of one node) on a persistent recursive watch, with a
//!   [`CacheEvents`] stream of created/changed/deleted events; it reads its scope again after
//!   a reconnect or a new session and reports what it missed, so it is never silently stale;
//!   its state ([`CacheState`]) says whether it is current; bounded ([`TreeCache::max_nodes`],
//!   per-stream queues that reset a slow reader).
//! - [`Barrier`] and [`DoubleBarrier`]: Curator's `DistributedBarrier` (wait while a node
//!   exists) and `DistributedDoubleBarrier` (`<path>/<uuid>` members, `<path>/ready`).
//! - [`SharedCount`]: Curator's `SharedCount`, an `i32` as 4 big-endian bytes, with
//!   versioned compare-and-set and a stream of its values.
//! - [`PersistentNode`]: Curator's `PersistentNode` / `GroupMember`: a node kept in place
//!   (created again, with the latest data, after a delete or a new session) until closed;
//!   no ghost node after a `ConnectionLoss` during its create.
//! - [`discovery`]: Curator's x-discovery (`<base>/<service>/<id>`, its `ServiceInstance`
//!   JSON): registration on kept nodes, queries, a service cache with a change stream,
//!   providers (random, round-robin, sticky) that skip instances noted as down.
//!
//! No distributed queue: a ZooKeeper queue (Curator's `DistributedQueue`) either removes an
//! item before its consumer has processed it (lost if the consumer dies) or after (processed
//! twice if the consumer dies in between, and ordering is then lost too); choose a system
//! built for queues instead.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_recipes::Error> {
//! use zk_recipes::Mutex;
//!
//! let client = zk_client::Client::connect("127.0.0.1:2181").await?;
//! let guard = Mutex::new(client, "/app/locks/report")?.acquire().await?;
//! println!("holding {} with token {}", guard.node(), guard.fencing_token());
//! guard.release().await?;
//! # Ok(()) }
//! ```
//!
//! Dependencies point one way: this crate uses `zk-client`'s public API only (protected
//! creates, parents as containers, the retry helper, session events), and the client knows
//! nothing of it.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod barrier;
mod cache;
pub mod discovery;
mod double_barrier;
mod error;
mod guard;
mod latch;
pub mod layout;
mod mutex;
mod node;
mod retried;
mod rwlock;
mod selector;
mod semaphore;
mod shared_count;

pub use barrier::Barrier;
pub use cache::{
    Cache, CacheEvent, CacheEvents, CacheState, CachedNode, Scope, TreeCache,
    DEFAULT_EVENT_CAPACITY, DEFAULT_MAX_NODES,
};
pub use double_barrier::{DoubleBarrier, READY_NODE};
pub use error::Error;
pub use guard::{FencingToken, LockState, LossPolicy, LossReason, MutexGuard, Status};
pub use latch::{Latch, LeaderLatch, Leadership, Participant, CURATOR_LATCH_NAME};
pub use layout::Layout;
pub use mutex::Mutex;
pub use node::{KeptNode, NodeStatus, PersistentNode};
pub use rwlock::ReadWriteLock;
pub use selector::{LeaderSelector, Term};
pub use semaphore::Semaphore;
pub use shared_count::{CountChanges, SharedCount, VersionedCount};

/// The crate README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
