//! The node operations every recipe needs, retried on connection loss (both are idempotent)
//! and with a missing node taken as the answer, not as an error: a node's children, and a
//! delete; a create with a node already there as the answer; and a cleanup that runs to its end even when its caller stops waiting.

use std::future::Future;

use bytes::Bytes;
use tokio::task::JoinHandle;
use zk_client::{Client, CreateOptions, Parents, RetryPolicy};

use crate::error::Error;

/// The children of `path` (names relative to it), none when `path` does not exist.
pub(crate) async fn children(client: &Client, path: &str) -> Result<Vec<String>, zk_client::Error> {
    RetryPolicy::default()
        .retry_idempotent(|| async {
            match client.get_children(path).await {
                Ok(c) => Ok(c.iter().map(|c| c.to_string()).collect()),
                Err(zk_client::Error::NoNode { .. }) => Ok(Vec::new()),
                Err(e) => Err(e),
            }
        })
        .await
}

/// Creates `path` with `data` (its missing ancestors as `parents` says), retried on
/// connection loss; a node already at `path` is success. For nodes whose name is the
/// caller's alone (after a connection loss, `NodeExists` is its own create) or where any node
/// at the path will do (a barrier, a ready flag, a count's seed).
pub(crate) async fn create_if_absent(
    client: &Client,
    path: &str,
    data: Bytes,
    options: &CreateOptions,
    parents: &Parents,
) -> Result<(), zk_client::Error> {
    RetryPolicy::default()
        .retry_idempotent(|| async {
            match client
                .create_with_parents(path, data.clone(), options, parents)
                .await
            {
                Ok(_) | Err(zk_client::Error::NodeExists { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        })
        .await
}

/// Deletes `node` at any version; `NoNode` is success. Guaranteed, as Curator's
/// `guaranteed()` deletes are: while the session lives, a delete that keeps failing on
/// connection loss or timeouts waits for the next connection and tries again, so a node of
/// ours (a lock, a latch, a lease) never outlives an outage shorter than the session. It
/// ends when the node is gone, on an answer that is not transient, or with the session
/// (which takes an ephemeral node with it).
pub(crate) async fn delete_node(client: &Client, node: &str) -> Result<(), Error> {
    let mut states = client.state_watcher();
    loop {
        let result = RetryPolicy::default()
            .retry_idempotent(|| async {
                match client.delete(node, None).await {
                    Ok(()) | Err(zk_client::Error::NoNode { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            })
            .await;
        match result {
            Err(e) if e.is_retryable() => {
                tracing::debug!(%node, error = %e, "delete still failing; waiting for a connection");
                let state = states
                    .wait_for(|s| s.is_connected() || s.is_terminal())
                    .await;
                if state.is_none_or(|s| s.is_terminal()) {
                    return Err(Error::from(e));
                }
                // Connected again: a pause before the next round, so a server that times out
                // every request is not asked in a tight loop.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => return other.map_err(Error::from),
        }
    }
}

/// A cleanup (a delete that must happen) running in a task of its own: dropping it, or
/// cancelling [`Cleanup::wait`], does not stop the task, so a caller that stops waiting (a
/// timeout, a `select!`) still gets its node deleted, as Curator's guaranteed deletes do.
pub(crate) struct Cleanup(JoinHandle<Result<(), Error>>);

impl Cleanup {
    /// Starts `cleanup` on the current tokio runtime; `None` outside one (nothing could run
    /// it). A failure is logged with `what`, as nobody may be waiting to hear of it.
    pub(crate) fn spawn<F>(what: &'static str, cleanup: F) -> Option<Cleanup>
    where
        F: Future<Output = Result<(), Error>> + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        Some(Cleanup(runtime.spawn(async move {
            let result = cleanup.await;
            if let Err(e) = &result {
                tracing::warn!(error = %e, "could not delete the {what}");
            }
            result
        })))
    }

    /// Aborts `task` and starts `cleanup` once the task has ended, on the current tokio
    /// runtime (`None` outside one). Waiting for the aborted task matters on a multi-thread
    /// runtime: it may be running when aborted and put a node in place before it stops, and
    /// `cleanup`, called only then, sees that node.
    pub(crate) fn after_abort<T, C, F>(
        what: &'static str,
        task: JoinHandle<T>,
        cleanup: C,
    ) -> Option<Cleanup>
    where
        T: Send + 'static,
        C: FnOnce() -> F + Send + 'static,
        F: Future<Output = Result<(), Error>> + Send + 'static,
    {
        task.abort();
        Cleanup::spawn(what, async move {
            let _ = task.await;
            cleanup().await
        })
    }

    /// Waits for the cleanup and returns its result. A runtime shutting down meanwhile
    /// reads as the client being closed; a panic in the cleanup is resumed here.
    pub(crate) async fn wait(self) -> Result<(), Error> {
        match self.0.await {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(Error::Client(zk_client::Error::Closed)),
        }
    }
}

/// Starts deleting `node` as a [`Cleanup`] at once, not when first polled, and returns the
/// wait for it: cancelling or dropping the wait does not cancel the delete. Outside a tokio
/// runtime, the wait deletes in place.
pub(crate) fn delete_detached(
    client: &Client,
    node: &str,
    what: &'static str,
) -> impl Future<Output = Result<(), Error>> + Send + 'static {
    let (client, node) = (client.clone(), node.to_owned());
    let cleanup = Cleanup::spawn(what, {
        let (client, node) = (client.clone(), node.clone());
        async move { delete_node(&client, &node).await }
    });
    async move {
        match cleanup {
            Some(cleanup) => cleanup.wait().await,
            None => delete_node(&client, &node).await,
        }
    }
}
