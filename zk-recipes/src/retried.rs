//! The node operations every recipe needs, retried on connection loss (both are idempotent)
//! and with a missing node taken as the answer, not as an error: a node's children, and a
//! delete.

use zk_client::{Client, RetryPolicy};

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

/// Deletes `node` at any version; `NoNode` is success.
pub(crate) async fn delete_node(client: &Client, node: &str) -> Result<(), Error> {
    RetryPolicy::default()
        .retry_idempotent(|| async {
            match client.delete(node, None).await {
                Ok(()) | Err(zk_client::Error::NoNode { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(Error::from)
}
