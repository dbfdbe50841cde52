//! The counting semaphore: Curator's `InterProcessSemaphoreV2` protocol and node layout, so
//! Rust and Java processes share one pool of leases.

use std::time::Duration;

use zk_client::{Client, CreateMode, CreateOptions, OneshotWatcher, Parents, RetryPolicy};

use crate::error::Error;
use crate::guard::{FencingToken, LossPolicy, MutexGuard};
use crate::mutex::{Mutex, PendingNode};
use crate::retried::children;
use crate::shared_count::SharedCount;

/// How many times an acquisition starts over when its lease node vanishes while it waits.
const VANISHED_ATTEMPTS: usize = 3;

/// A semaphore of `max_leases` leases on a ZooKeeper path, with Curator's
/// `InterProcessSemaphoreV2` layout: a contender takes the mutex `<path>/locks` (Curator's
/// `InterProcessMutex` layout), creates its lease `<path>/leases/_c_<uuid>-lease-<sequence>`
/// (protected, ephemeral-sequential), waits while there are more than `max_leases` leases
/// (watching the children of `<path>/leases`), and lets the mutex go. All processes on the
/// path must agree on `max_leases`, as with Curator; or the limit is the current value of a
/// [`SharedCount`] ([`Semaphore::with_shared_count`], Curator's `SharedCountReader`
/// constructor), which every process reads.
///
/// A lease is a [`MutexGuard`]: released on drop or with `release().await`, with a
/// [`FencingToken`] (its node's `czxid`) and the same loss detection as a lock.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// let pool = zk_recipes::Semaphore::new(client, "/app/db-connections", 10)?;
/// let lease = pool.acquire().await?;
/// // ... at most 10 holders at once, fleet-wide ...
/// lease.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Semaphore {
    lock: Mutex,
    client: Client,
    leases: String,
    limit: Limit,
    policy: LossPolicy,
}

/// Where a semaphore's lease limit comes from.
#[derive(Debug, Clone)]
enum Limit {
    /// A number every process on the path is given.
    Fixed(usize),
    /// The current value of a shared count, read again at each decision and watched while
    /// waiting.
    Shared(SharedCount),
}

impl Semaphore {
    /// A semaphore of `max_leases` (at least 1) on `path`.
    pub fn new(client: Client, path: &str, max_leases: usize) -> Result<Semaphore, Error> {
        zk_client::validate_path(path, false)?;
        if max_leases == 0 {
            return Err(zk_client::Error::InvalidArgument(
                "a semaphore needs at least one lease".into(),
            )
            .into());
        }
        Semaphore::with_limit(client, path, Limit::Fixed(max_leases))
    }

    /// A semaphore on `path` whose lease limit is the current value of `count` (a node of its
    /// own, on any client), as Curator's `InterProcessSemaphoreV2(client, path,
    /// SharedCountReader)`: Rust and Java processes built on the same count share one limit.
    ///
    /// A waiter decides with the value it has just read and wakes when the count changes as
    /// well as when a lease goes: raising the count lets waiters in at once. Lowering it below
    /// the number of holders takes no lease back: holders keep theirs, and new acquirers wait
    /// until the leases (theirs included) are no more than the count. A count of zero or less
    /// lets no one in. A count node that does not hold a count fails the acquisition with
    /// [`Error::NotACount`].
    ///
    /// ```no_run
    /// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
    /// use zk_recipes::{Semaphore, SharedCount};
    ///
    /// let limit = SharedCount::new(client.clone(), "/app/db-connections-max", 10).await?;
    /// let pool = Semaphore::with_shared_count(client, "/app/db-connections", limit.clone())?;
    /// let lease = pool.acquire().await?;
    /// // Fleet-wide, from now on at most 20 holders; waiters are let in at once.
    /// limit.set(20).await?;
    /// lease.release().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_shared_count(
        client: Client,
        path: &str,
        count: SharedCount,
    ) -> Result<Semaphore, Error> {
        zk_client::validate_path(path, false)?;
        Semaphore::with_limit(client, path, Limit::Shared(count))
    }

    fn with_limit(client: Client, path: &str, limit: Limit) -> Result<Semaphore, Error> {
        let base = path.trim_end_matches('/');
        Ok(Semaphore {
            lock: Mutex::new(client.clone(), &format!("{base}/locks"))?,
            client,
            leases: format!("{base}/leases"),
            limit,
            policy: LossPolicy::default(),
        })
    }

    /// When a lease holder counts its lease as lost (default: on suspension).
    pub fn with_loss_policy(mut self, policy: LossPolicy) -> Semaphore {
        self.policy = policy;
        self
    }

    /// Waits for a lease as long as it takes (cancel by dropping the future: the lease
    /// node, if created, is deleted).
    pub async fn acquire(&self) -> Result<MutexGuard, Error> {
        let mut vanished = 0;
        loop {
            if let Some(lease) = self.attempt().await? {
                return Ok(lease);
            }
            vanished += 1;
            if vanished >= VANISHED_ATTEMPTS {
                return Err(Error::NodeVanished {
                    path: self.leases.clone(),
                    times: vanished,
                });
            }
        }
    }

    /// Waits for a lease at most `timeout`: `None` when none was granted in time.
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<Option<MutexGuard>, Error> {
        match tokio::time::timeout(timeout, self.acquire()).await {
            Ok(result) => result.map(Some),
            Err(_) => Ok(None),
        }
    }

    /// The lease limit now: the fixed `max_leases`, or the shared count's value as read now
    /// (a negative count reads as 0).
    pub async fn max_leases(&self) -> Result<usize, Error> {
        Ok(self.limit().await?.0)
    }

    /// The shared count the limit comes from, if any ([`Semaphore::with_shared_count`]).
    pub fn shared_count(&self) -> Option<&SharedCount> {
        match &self.limit {
            Limit::Fixed(_) => None,
            Limit::Shared(count) => Some(count),
        }
    }

    /// The lease nodes present (names relative to `<path>/leases`).
    pub async fn leases(&self) -> Result<Vec<String>, Error> {
        Ok(children(&self.client, &self.leases).await?)
    }

    /// One acquisition; `None` when our lease node vanished while we waited.
    async fn attempt(&self) -> Result<Option<MutexGuard>, Error> {
        let lock = self.lock.acquire().await?;
        let result = self.take_lease().await;
        // The mutex only orders the lease takers; it is let go whatever happened.
        let released = lock.release().await;
        let lease = result?;
        released?;
        Ok(lease)
    }

    /// The limit to decide with, and, for a shared count, a watch that fires when it changes.
    async fn limit(&self) -> Result<(usize, Option<OneshotWatcher>), Error> {
        match &self.limit {
            Limit::Fixed(max) => Ok((*max, None)),
            Limit::Shared(count) => {
                let (value, watcher) = count.get_and_watch().await?;
                Ok((usize::try_from(value.value).unwrap_or(0), Some(watcher)))
            }
        }
    }

    async fn take_lease(&self) -> Result<Option<MutexGuard>, Error> {
        let (node, stat) = self
            .client
            .create_protected(
                &format!("{}/lease-", self.leases),
                Vec::new(),
                &CreateOptions::new(CreateMode::EphemeralSequential),
                Some(&Parents::containers()),
            )
            .await?;
        let mut pending = PendingNode {
            client: self.client.clone(),
            node: Some(node.clone()),
        };
        let name = node.rsplit('/').next().unwrap_or(&node).to_owned();
        let events = loop {
            // Subscribed before the check that grants the lease: a suspension right after it
            // reaches the lease.
            let events = self.client.session_events();
            // The count is read (and watched) before the leases: a change after this read
            // wakes the wait below.
            let (max_leases, count_changed) = self.limit().await?;
            // A read, safe to repeat: retried on connection loss and timeouts, as Curator's
            // retry loop does, rather than giving the lease up.
            let (children, watcher) = RetryPolicy::default()
                .retry_idempotent(|| self.client.get_children_and_watch(&self.leases))
                .await?;
            if !children.iter().any(|c| **c == *name) {
                return Ok(None);
            }
            if children.len() <= max_leases {
                break events;
            }
            match count_changed {
                Some(count_changed) => {
                    tokio::select! {
                        _ = watcher.changed() => {}
                        _ = count_changed.changed() => {}
                    }
                }
                None => {
                    let _ = watcher.changed().await;
                }
            }
        };
        let session = self.client.session().map(|s| s.id).unwrap_or_default();
        if stat.ephemeral_owner != session {
            return Ok(None);
        }
        pending.node = None;
        Ok(Some(MutexGuard::new(
            self.client.clone(),
            node,
            FencingToken(stat.czxid),
            session,
            self.policy,
            events,
        )))
    }
}
