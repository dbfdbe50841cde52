//! zk-recipes' integration tests, one test binary: each module covers one recipe or one peer,
//! against real ZooKeeper servers started by `zk-testkit` (they fail, never skip, when it is
//! missing), Apache Curator's recipes (Java harnesses) and kazoo (a Python harness).
//!
//! `cargo test -p zk-recipes --test testsuite MODULE::` runs one module, e.g. `mutex::`.

mod barriers;
mod cache;
mod cache_curator;
mod cache_edges;
mod cache_faults;
mod curator;
mod discovery;
mod discovery_curator;
mod discovery_faults;
mod faults;
mod kazoo;
mod latch;
mod mutex;
mod node;
mod rwlock;
mod rwlock_downgrade;
mod selector;
mod semaphore;
mod shared_count;
mod support;
