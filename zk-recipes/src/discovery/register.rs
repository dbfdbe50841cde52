//! Putting an instance's node in place and taking it away, per service type.

use std::future::Future;

use zk_client::{CreateMode, CreateOptions, Parents, RetryPolicy};

use super::instance::{ServiceInstance, ServiceType};
use super::ServiceDiscovery;
use crate::error::Error;
use crate::node::{KeptNode, PersistentNode};
use crate::retried::delete_detached;

/// Creates the instance's node; for dynamic types, the node that keeps it in place.
pub(super) async fn put(
    discovery: &ServiceDiscovery,
    instance: &ServiceInstance,
) -> Result<Option<KeptNode>, Error> {
    let path = discovery.path_for_instance(&instance.name, &instance.id);
    let data = instance.to_json(discovery.with_enabled);
    let mode = match instance.service_type {
        Some(ServiceType::Dynamic) => CreateMode::Ephemeral,
        Some(ServiceType::DynamicSequential) => CreateMode::EphemeralSequential,
        Some(ServiceType::Static | ServiceType::Permanent) => {
            put_persistent(discovery, &path, data).await?;
            return Ok(None);
        }
        None => {
            return Err(Error::InvalidInstance {
                id: instance.id.clone(),
                reason: "expected a service type to register it as, found none".into(),
            })
        }
    };
    // A node at the path that is not ours (persistent, or another session's) is replaced,
    // not adopted: it would outlive this registration, or go with a session not ours.
    let node = PersistentNode::new(discovery.client.clone(), &path, mode, data)?
        .replacing_foreign()
        .start();
    match node.wait_created(discovery.register_timeout).await {
        Ok(_) => Ok(Some(node)),
        Err(e) => {
            let _ = node.close().await;
            Err(e)
        }
    }
}

/// A persistent node at `path` with `data`: one already there is deleted and created again
/// (as Curator does, so that watchers of the service see the registration).
async fn put_persistent(
    discovery: &ServiceDiscovery,
    path: &str,
    data: Vec<u8>,
) -> Result<(), Error> {
    let client = &discovery.client;
    let options = CreateOptions::new(CreateMode::Persistent);
    let parents = Parents::containers();
    RetryPolicy::default()
        .retry_idempotent(|| async {
            for _ in 0..2 {
                match client
                    .create_with_parents(path, data.clone(), &options, &parents)
                    .await
                {
                    Ok(_) => return Ok(()),
                    Err(zk_client::Error::NodeExists { .. }) => {
                        match client.delete(path, None).await {
                            Ok(()) | Err(zk_client::Error::NoNode { .. }) => {}
                            Err(e) => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(zk_client::Error::NodeExists {
                path: path.to_owned(),
            })
        })
        .await?;
    Ok(())
}

/// Starts deleting a registered instance's node (stops keeping it, for dynamic types) in a
/// task of its own, at once, and returns the wait for it: cancelling or dropping the wait
/// does not cancel the delete (a dropped [`KeptNode`] deletes its node too).
pub(super) fn withdraw(
    discovery: &ServiceDiscovery,
    instance: ServiceInstance,
    node: Option<KeptNode>,
) -> impl Future<Output = Result<(), Error>> + Send + 'static {
    let delete = node.is_none().then(|| {
        let path = discovery.path_for_instance(&instance.name, &instance.id);
        delete_detached(&discovery.client, &path, "service instance node")
    });
    async move {
        match (node, delete) {
            (Some(node), _) => node.close().await,
            (None, Some(delete)) => delete.await,
            (None, None) => Ok(()),
        }
    }
}
