//! How a [`PersistentNode`] is put in place and taken away: one create per mode (protected,
//! sequential, fixed path), retried until it succeeds, and never leaving a ghost node after a
//! `ConnectionLoss` or a cancelled create.

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use zk_client::{Client, Error as ClientError, RetryPolicy};

use super::{NodeStatus, PersistentNode};
use crate::error::Error;
use crate::retried::delete_node;

/// The first pause after a failed create (doubled up to [`MAX_PAUSE`]).
const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// The longest pause between failed creates.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Creates the node, retrying until it is in place (its path), or `None` when the client is
/// gone for good. Errors that do not go away by themselves are published in the status.
pub(crate) async fn create(
    spec: &PersistentNode,
    data: &watch::Receiver<Bytes>,
    status: &watch::Sender<NodeStatus>,
) -> Option<String> {
    let mut pause = FIRST_PAUSE;
    loop {
        let bytes = data.borrow().clone();
        match attempt(spec, bytes).await {
            Ok(path) => {
                tracing::debug!(%path, "kept node in place");
                status.send_modify(|s| {
                    s.path = Some(path.clone());
                    s.creations += 1;
                    s.error = None;
                });
                return Some(path);
            }
            Err(e) if e.is_terminal() => {
                if !recreated(&spec.client).await {
                    status.send_modify(|s| s.error = Some(e.into()));
                    return None;
                }
            }
            Err(e) => {
                if !e.is_transient() {
                    tracing::warn!(node = %spec.path, error = %e, "cannot create a kept node; trying again");
                    status.send_modify(|s| s.error = Some(e.into()));
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
    }
}

/// One create in the node's mode; its path.
async fn attempt(spec: &PersistentNode, data: Bytes) -> Result<String, ClientError> {
    let client = &spec.client;
    if spec.protected {
        let (path, _) = client
            .create_protected(&spec.path, data, &spec.options, spec.parents.as_ref())
            .await?;
        return Ok(path);
    }
    match create_fixed(spec, data.clone()).await {
        Ok(path) => Ok(path),
        // Ephemeral sequential without protection: the node a lost create made is among
        // this session's ephemeral nodes.
        Err(e) if e.may_have_run() && spec.options.mode.is_sequential() => {
            match own_sequential(spec).await?.pop() {
                Some(path) => Ok(path),
                None => Err(e),
            }
        }
        // A fixed path already taken by a node that must not be adopted (a service
        // registration, and the node is persistent or another session's): deleted and
        // created again, as Curator's ServiceDiscoveryImpl.internalRegisterService does. A
        // node there again is left to the next attempt.
        Err(ClientError::NodeExists { .. })
            if !spec.options.mode.is_sequential() && foreign(spec).await? =>
        {
            match client.delete(&spec.path, None).await {
                Ok(()) | Err(ClientError::NoNode { .. }) => {}
                Err(e) => return Err(e),
            }
            create_fixed(spec, data).await
        }
        // A fixed path already taken (by us before a lost reply, an earlier session, another
        // process): taken over with our data, as Curator's PersistentNode does.
        Err(ClientError::NodeExists { .. }) if !spec.options.mode.is_sequential() => {
            client.set_data(&spec.path, data, None).await?;
            Ok(spec.path.clone())
        }
        Err(e) => Err(e),
    }
}

/// One create at the spec's path (the prefix, for sequential modes), with its parents if
/// asked; the node's path.
async fn create_fixed(spec: &PersistentNode, data: Bytes) -> Result<String, ClientError> {
    let client = &spec.client;
    let created = match &spec.parents {
        Some(parents) => {
            client
                .create_with_parents(&spec.path, data, &spec.options, parents)
                .await
        }
        None => client.create2(&spec.path, data, &spec.options).await,
    };
    created.map(|(path, _)| path)
}

/// Whether the node at the spec's fixed path is one to replace rather than adopt: the spec
/// asks for it ([`PersistentNode::replacing_foreign`]) for an ephemeral node, and the node is
/// persistent or another session's ephemeral node. A node gone meanwhile is not.
async fn foreign(spec: &PersistentNode) -> Result<bool, ClientError> {
    if !spec.replace_foreign || !spec.options.mode.is_ephemeral() {
        return Ok(false);
    }
    let session = spec.client.session().map(|s| s.id);
    Ok(match spec.client.exists(&spec.path).await? {
        Some(stat) => Some(stat.ephemeral_owner) != session,
        None => false,
    })
}

/// This session's ephemeral nodes named `<path><10-digit sequence>`, in sequence order.
async fn own_sequential(spec: &PersistentNode) -> Result<Vec<String>, ClientError> {
    let mut found: Vec<String> = spec
        .client
        .get_ephemerals(&spec.path)
        .await?
        .into_iter()
        .filter(|p| {
            p.strip_prefix(spec.path.as_str())
                .is_some_and(|seq| seq.len() == 10 && seq.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Deletes the node (`path`, where it was last in place) and whatever a create cut short may
/// have left: this session's node at a fixed path, or its unprotected sequential nodes.
/// Protected creates cut short are cleaned up by the client itself.
pub(crate) async fn remove(spec: &PersistentNode, path: Option<String>) -> Result<(), Error> {
    let client = &spec.client;
    if let Some(path) = &path {
        delete_node(client, path).await?;
    }
    if spec.protected || !spec.options.mode.is_ephemeral() {
        return Ok(());
    }
    let leftovers = if spec.options.mode.is_sequential() {
        RetryPolicy::default()
            .retry_idempotent(|| own_sequential(spec))
            .await?
    } else if path.is_none() {
        let stat = RetryPolicy::default()
            .retry_idempotent(|| client.exists(&spec.path))
            .await?;
        let session = client.session().map(|s| s.id);
        match stat {
            Some(stat) if Some(stat.ephemeral_owner) == session => vec![spec.path.clone()],
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    for leftover in leftovers {
        delete_node(client, &leftover).await?;
    }
    Ok(())
}

/// After a terminal error: whether the client goes on with a new session (waits for it).
pub(crate) async fn recreated(client: &Client) -> bool {
    client
        .state_watcher()
        .wait_for(|s| s.is_connected())
        .await
        .is_some()
}
