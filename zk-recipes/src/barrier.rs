//! A barrier (Curator's `DistributedBarrier`): processes wait while a node exists, until
//! whoever set it removes it.

use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;
use zk_client::{Client, CreateOptions, Parents, RetryPolicy};

use crate::error::Error;
use crate::retried::{create_if_absent, delete_node};

/// A barrier on the node at `path`, with Curator's `DistributedBarrier` layout: the barrier
/// is up while the node exists. [`Barrier::set`] creates it (missing parents as containers),
/// [`Barrier::remove`] deletes it, and [`Barrier::wait`] returns once it is gone.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// let barrier = zk_recipes::Barrier::new(client, "/app/barriers/deploy")?;
/// barrier.set().await?;
/// // ... elsewhere, workers call barrier.wait().await? ...
/// barrier.remove().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Barrier {
    client: Client,
    path: String,
}

impl Barrier {
    /// A barrier on `path`.
    pub fn new(client: Client, path: &str) -> Result<Barrier, Error> {
        zk_client::validate_path(path, false)?;
        Ok(Barrier {
            client,
            path: path.to_owned(),
        })
    }

    /// Raises the barrier (creates the node, retried across connection losses; already up is
    /// fine).
    pub async fn set(&self) -> Result<(), Error> {
        create_if_absent(
            &self.client,
            &self.path,
            Bytes::new(),
            &CreateOptions::persistent(),
            &Parents::containers(),
        )
        .await?;
        Ok(())
    }

    /// Lowers the barrier (deletes the node; already down is fine).
    pub async fn remove(&self) -> Result<(), Error> {
        delete_node(&self.client, &self.path).await
    }

    /// Whether the barrier is up.
    pub async fn is_set(&self) -> Result<bool, Error> {
        let stat = RetryPolicy::default()
            .retry_idempotent(|| self.client.exists(&self.path))
            .await?;
        Ok(stat.is_some())
    }

    /// Waits until the barrier is down (at once if it is).
    pub async fn wait(&self) -> Result<(), Error> {
        self.wait_until(None).await.map(|_| ())
    }

    /// Like [`Barrier::wait`], for at most `timeout`: whether the barrier came down.
    pub async fn wait_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        self.wait_until(Some(Instant::now() + timeout)).await
    }

    async fn wait_until(&self, deadline: Option<Instant>) -> Result<bool, Error> {
        loop {
            let (stat, watcher) = RetryPolicy::default()
                .retry_idempotent(|| self.client.exists_and_watch(&self.path))
                .await?;
            if stat.is_none() {
                return Ok(true);
            }
            // Any event (deleted, or the session's end, which the next `exists` reports)
            // means looking again.
            match deadline {
                None => drop(watcher.changed().await?),
                Some(at) => match tokio::time::timeout_at(at, watcher.changed()).await {
                    Ok(event) => drop(event?),
                    Err(_) => return Ok(false),
                },
            }
        }
    }
}
