//! The read-write lock: Curator's `InterProcessReadWriteLock` protocol and node layout, so
//! Rust and Java readers and writers on one path share it; and the read lock taken by the
//! write lock's holder (Curator's lock downgrade).

use zk_client::{Client, CreateMode, CreateOptions, RetryPolicy};

use crate::error::Error;
use crate::guard::MutexGuard;
use crate::layout::{rw_key, sequence, Kind, Layout};
use crate::mutex::{Mutex, PendingNode};

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
/// and smaller than that of every holder after it.
///
/// The holder of the write lock may also take the read lock, as in Curator:
/// [`ReadWriteLock::downgrade`] trades the write lock for the read lock with no writer
/// getting in between (publish, then go on reading what was published), and
/// [`ReadWriteLock::read_as_writer`] takes the read lock while keeping the write lock.
/// Otherwise the lock is not re-entrant: in async Rust a lock owner is not a thread, so
/// `read_lock().acquire()` or `write_lock().acquire()` from a holder queues behind its own
/// node. Pass the guard down instead.
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

    /// Trades the write lock `write` (a guard of [`ReadWriteLock::write_lock`]) for the read
    /// lock, with no other writer getting in between: Curator's lock downgrade (acquire the
    /// read lock while holding the write lock, then release the write lock).
    ///
    /// The read lock is taken first, as [`ReadWriteLock::read_as_writer`] takes it: its node
    /// sorts where the write node does, ahead of every contender that queued after the write
    /// lock. Then the write node is deleted. From then on readers queued behind the write
    /// lock get in and share; writers (Rust or Curator) wait until the returned read guard is
    /// released. The read guard's fencing token is the write lock's.
    ///
    /// `write` is consumed: when this returns an error, or when this future is dropped before
    /// it completes, the write guard is dropped with it and the write lock released (its node
    /// deleted in the background, as when any guard is dropped), and a read node already
    /// created is deleted too, so nothing of ours is left on the path. To keep the write lock
    /// when the read lock cannot be taken, call [`ReadWriteLock::read_as_writer`] and release
    /// the write guard yourself.
    ///
    /// Fails with [`Error::NotAWriteLock`] for a guard that is not this lock's writer's, and
    /// with [`Error::WriteLockLost`] when the write lock is lost (or counts as lost under the
    /// loss policy) before the read lock is taken.
    ///
    /// ```no_run
    /// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
    /// let lock = zk_recipes::ReadWriteLock::new(client, "/app/locks/catalog")?;
    /// let writing = lock.write_lock().acquire().await?;
    /// // ... publish the new catalog ...
    /// let reading = lock.downgrade(writing).await?;
    /// // ... read it back with other readers, no writer changing it meanwhile ...
    /// reading.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn downgrade(&self, write: MutexGuard) -> Result<MutexGuard, Error> {
        let read = self.read_as_writer(&write).await?;
        write.release().await?;
        Ok(read)
    }

    /// Takes the read lock as the holder of the write lock `write` (a guard of
    /// [`ReadWriteLock::write_lock`]), without waiting: Curator's read lock lets the write
    /// lock's holder in at once. Both locks are then held; release them in either order
    /// (releasing the write guard first is [`ReadWriteLock::downgrade`]).
    ///
    /// The read node has the name Curator (5.5.0 on, CURATOR-621) gives it:
    /// `<path>/_c_<uuid>-__READ__<the write node's sequence>`, ephemeral and not sequential,
    /// so Rust and Curator contenders sort it with the write node, ahead of whoever queued
    /// after the write lock. It is created in the write lock's session, and only counts as
    /// acquired if the write node is still there (and that session's) once the read node
    /// exists. The read guard's fencing token is the write lock's.
    ///
    /// Curator before 5.5.0 gave that read node a sequence of its own, after every writer that
    /// queued meanwhile, which then got in as soon as the write lock was released; the name
    /// after the write node's sequence is the fix. Curator peers of either version sort it
    /// by what follows `__READ__`, with the write node, and wait for it or share it as they
    /// should.
    ///
    /// Dropping this future before it completes deletes a read node it may have created
    /// (in the background) and leaves the write lock held. Fails with
    /// [`Error::NotAWriteLock`] for a guard that is not this lock's writer's, and with
    /// [`Error::WriteLockLost`] when the write lock is lost (or counts as lost under the
    /// loss policy); no read node is left behind either way.
    ///
    /// ```no_run
    /// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
    /// let lock = zk_recipes::ReadWriteLock::new(client, "/app/locks/catalog")?;
    /// let writing = lock.write_lock().acquire().await?;
    /// let reading = lock.read_as_writer(&writing).await?;
    /// // ... both held: no reader or writer gets in ...
    /// writing.release().await?;
    /// // ... readers get in, writers wait for `reading` ...
    /// reading.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn read_as_writer(&self, write: &MutexGuard) -> Result<MutexGuard, Error> {
        let key = self.write_key(write)?;
        let lost = || Error::WriteLockLost {
            node: write.node().to_owned(),
        };
        if write.is_lost() {
            return Err(lost());
        }
        let client = write.client();
        // Subscribed before the checks that grant the read lock: a suspension right after
        // them reaches the guard.
        let events = client.session_events();
        let (unique, name) = Layout::Curator.new_name(Kind::Read);
        let node = format!("{}/{name}{key}", self.read.path());
        let created = client
            .create_with_unique_prefix(
                &node,
                &unique,
                self.read.data().clone(),
                &CreateOptions::new(CreateMode::Ephemeral),
                None,
            )
            .await;
        let (node, stat) = match created {
            Ok(created) => created,
            // The lock's parent is gone, so is the write node; or its session is.
            Err(zk_client::Error::NoNode { .. } | zk_client::Error::SessionExpired) => {
                return Err(lost())
            }
            Err(e) => return Err(e.into()),
        };
        // Deletes the read node if this future is dropped or fails before the guard takes it.
        let mut pending = PendingNode {
            client: client.clone(),
            node: Some(node.clone()),
        };
        let holder = RetryPolicy::default()
            .retry_idempotent(|| client.exists(write.node()))
            .await?;
        // A write node still there after the read node exists was there when it was created:
        // a deleted node does not come back. A write lock that counts as lost by now (the
        // connection suspended meanwhile) grants nothing either.
        let held = holder.is_some_and(|s| s.ephemeral_owner == write.session())
            && stat.ephemeral_owner == write.session()
            && !write.is_lost();
        if !held {
            return Err(lost());
        }
        pending.node = None;
        Ok(MutexGuard::new(
            client.clone(),
            node,
            write.fencing_token(),
            write.session(),
            self.read.loss_policy(),
            events,
        ))
    }

    /// The sort key of `write`'s node (Curator's `fixForSorting` of the write lock's path: its
    /// sequence), when it is a write node directly under this lock's path.
    fn write_key<'a>(&self, write: &'a MutexGuard) -> Result<&'a str, Error> {
        let not_ours = || Error::NotAWriteLock {
            path: self.write.path().to_owned(),
            node: write.node().to_owned(),
        };
        let name = write
            .node()
            .strip_prefix(self.write.path())
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|name| !name.contains('/') && Kind::Write.owns(name))
            .ok_or_else(not_ours)?;
        let key = rw_key(name);
        // What follows the last `__WRIT__` is the sequence ZooKeeper appended, and nothing else.
        if key.len() != 10 || sequence(key).is_none() {
            return Err(not_ours());
        }
        Ok(key)
    }
}
