//! The counting semaphore: Curator's `InterProcessSemaphoreV2` protocol and node layout, so
//! Rust and Java processes share one pool of leases.

use std::time::Duration;

use zk_client::{Client, CreateMode, CreateOptions, Parents, RetryPolicy};

use crate::error::Error;
use crate::guard::{FencingToken, LossPolicy, MutexGuard};
use crate::mutex::{Mutex, PendingNode};
use crate::retried::children;

/// How many times an acquisition starts over when its lease node vanishes while it waits.
const VANISHED_ATTEMPTS: usize = 3;

/// A semaphore of `max_leases` leases on a ZooKeeper path, with Curator's
/// `InterProcessSemaphoreV2` layout: a contender takes the mutex `<path>/locks` (Curator's
/// `InterProcessMutex` layout), creates its lease `<path>/leases/_c_<uuid>-lease-<sequence>`
/// (protected, ephemeral-sequential), waits while there are more than `max_leases` leases
/// (watching the children of `<path>/leases`), and lets the mutex go. All processes on the
/// path must agree on `max_leases`, as with Curator.
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
    max_leases: usize,
    policy: LossPolicy,
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
        let base = path.trim_end_matches('/');
        Ok(Semaphore {
            lock: Mutex::new(client.clone(), &format!("{base}/locks"))?,
            client,
            leases: format!("{base}/leases"),
            max_leases,
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
            // A read, safe to repeat: retried on connection loss and timeouts, as Curator's
            // retry loop does, rather than giving the lease up.
            let (children, watcher) = RetryPolicy::default()
                .retry_idempotent(|| self.client.get_children_and_watch(&self.leases))
                .await?;
            if !children.iter().any(|c| **c == *name) {
                return Ok(None);
            }
            if children.len() <= self.max_leases {
                break events;
            }
            let _ = watcher.changed().await;
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
