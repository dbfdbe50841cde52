//! The read-write lock: Curator's `InterProcessReadWriteLock` protocol and node layout, so
//! Rust and Java readers and writers on one path share it.

use zk_client::Client;

use crate::error::Error;
use crate::layout::Kind;
use crate::mutex::Mutex;

/// A read-write lock on a ZooKeeper path, with Curator's `InterProcessReadWriteLock` layout:
/// readers create `<path>/_c_<uuid>-__READ__<sequence>` and writers
/// `<path>/_c_<uuid>-__WRIT__<sequence>`, one queue sorted by sequence. A writer holds the
/// lock when it is first in the queue (and watches the node just before it); a reader holds
/// it when no writer is before it (and watches the first writer before it), so readers share
/// and a waiting writer keeps new readers out.
///
/// Both sides are [`Mutex`]es with the same guard, timeouts, cancellation and loss
/// detection. Fencing tokens (the nodes' `czxid`) of readers that hold together are not
/// ordered among themselves; a writer's token is greater than that of every holder before it,
/// and smaller than that of every holder after it. Not re-entrant (a writer asking for the
/// read lock queues behind itself): pass the guard down instead.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// let lock = zk_recipes::ReadWriteLock::new(client, "/app/locks/catalog")?;
/// let reading = lock.read_lock().acquire().await?;
/// // ... other readers may hold it too; writers wait ...
/// reading.release().await?;
/// let writing = lock.write_lock().acquire().await?;
/// writing.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReadWriteLock {
    read: Mutex,
    write: Mutex,
}

impl ReadWriteLock {
    /// A read-write lock on `path` (validated now; created when first acquired).
    pub fn new(client: Client, path: &str) -> Result<ReadWriteLock, Error> {
        let base = Mutex::new(client, path)?;
        Ok(ReadWriteLock {
            read: base.clone().with_kind(Kind::Read),
            write: base.with_kind(Kind::Write),
        })
    }

    /// The shared side: any number of holders while no writer is before them.
    pub fn read_lock(&self) -> &Mutex {
        &self.read
    }

    /// The exclusive side.
    pub fn write_lock(&self) -> &Mutex {
        &self.write
    }
}
