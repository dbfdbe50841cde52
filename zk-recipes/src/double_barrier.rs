//! A double barrier (Curator's `DistributedDoubleBarrier`): N members enter together and
//! leave together.

use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;
use zk_client::{Client, CreateOptions, OneshotWatcher, Parents, RetryPolicy};

use crate::error::Error;
use crate::mutex::PendingNode;
use crate::retried::{children, create_if_absent, delete_detached, delete_node};

/// The node whose creation lets the members in (Curator's name).
pub const READY_NODE: &str = "ready";

/// A double barrier on `path` for `members` members, with Curator's
/// `DistributedDoubleBarrier` layout: each member is an ephemeral `<path>/<uuid>` node; the
/// member that finds `members` of them creates `<path>/ready`, which lets everyone in. To
/// leave, members delete their nodes, the lowest last (each waits on the lowest, the lowest
/// on the highest), so that nobody leaves before everyone is done.
///
/// Entering is cancellable: a member whose `enter` future is dropped, or ends in an error,
/// before everyone is in withdraws its node (deleted in the background), so that it is not
/// counted as a member nor waited for when the others leave.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// let barrier = zk_recipes::DoubleBarrier::new(client, "/app/barriers/round-7", 3)?;
/// barrier.enter().await?; // returns once 3 members have entered
/// // ... the round's work ...
/// barrier.leave().await?; // returns once all 3 have left
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DoubleBarrier {
    client: Client,
    path: String,
    members: usize,
    /// This member's node name (a random UUID, as Curator's).
    name: String,
}

impl DoubleBarrier {
    /// A member of the double barrier on `path` for `members` members (at least 1).
    pub fn new(client: Client, path: &str, members: usize) -> Result<DoubleBarrier, Error> {
        zk_client::validate_path(path, false)?;
        if members == 0 {
            return Err(zk_client::Error::InvalidArgument(format!(
                "double barrier {path}: expected at least 1 member, found 0"
            ))
            .into());
        }
        Ok(DoubleBarrier {
            client,
            path: path.to_owned(),
            members,
            name: zk_client::random_uuid(),
        })
    }

    /// This member's node.
    pub fn node(&self) -> String {
        self.child(&self.name)
    }

    /// Enters: waits until `members` members have entered.
    pub async fn enter(&self) -> Result<(), Error> {
        self.enter_until(None).await.map(|_| ())
    }

    /// Like [`DoubleBarrier::enter`], for at most `timeout`: whether everyone entered. A
    /// member that gives up withdraws its node (Curator's leaves it).
    pub async fn enter_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        self.enter_until(Some(Instant::now() + timeout)).await
    }

    /// Leaves: deletes this member's node and waits until every member has left.
    pub async fn leave(&self) -> Result<(), Error> {
        self.leave_until(None).await.map(|_| ())
    }

    /// Like [`DoubleBarrier::leave`], for at most `timeout`: whether everyone left.
    pub async fn leave_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        self.leave_until(Some(Instant::now() + timeout)).await
    }

    async fn enter_until(&self, deadline: Option<Instant>) -> Result<bool, Error> {
        let node = self.node();
        // Withdraws our member node if this future is dropped or fails before we are in.
        let mut pending = PendingNode {
            client: self.client.clone(),
            node: Some(node.clone()),
        };
        // The name is ours alone: after a connection loss, `NodeExists` is our own create.
        create_if_absent(
            &self.client,
            &node,
            Bytes::new(),
            &CreateOptions::ephemeral(),
            &Parents::containers(),
        )
        .await?;
        let entered = self.wait_ready(deadline).await?;
        pending.node = None;
        if !entered {
            delete_detached(&self.client, &node, "double barrier member node").await?;
        }
        Ok(entered)
    }

    /// Waits until `<path>/ready` exists, or creates it once `members` members are there:
    /// false when the deadline passed first.
    async fn wait_ready(&self, deadline: Option<Instant>) -> Result<bool, Error> {
        let ready = self.child(READY_NODE);
        loop {
            let (stat, watcher) = RetryPolicy::default()
                .retry_idempotent(|| self.client.exists_and_watch(&ready))
                .await?;
            if stat.is_some() {
                return Ok(true);
            }
            if self.members_now().await?.len() >= self.members {
                create_if_absent(
                    &self.client,
                    &ready,
                    Bytes::new(),
                    &CreateOptions::persistent(),
                    &Parents::persistent(),
                )
                .await?;
                return Ok(true);
            }
            if !wait(watcher, deadline).await? {
                return Ok(false);
            }
        }
    }

    async fn leave_until(&self, deadline: Option<Instant>) -> Result<bool, Error> {
        let mut ours_should_exist = true;
        let done = loop {
            let members = self.members_now().await?;
            if members.is_empty() {
                break true;
            }
            let ours = members.iter().position(|m| *m == self.name);
            if ours.is_none() && ours_should_exist {
                return Err(Error::MemberVanished { node: self.node() });
            }
            if members.len() == 1 {
                if ours_should_exist {
                    delete_node(&self.client, &self.node()).await?;
                }
                break true;
            }
            // The lowest waits for the highest; the others leave and wait for the lowest.
            let watched = self.child(if ours == Some(0) {
                &members[members.len() - 1]
            } else {
                &members[0]
            });
            let (stat, watcher) = RetryPolicy::default()
                .retry_idempotent(|| self.client.exists_and_watch(&watched))
                .await?;
            if ours != Some(0) && ours_should_exist {
                delete_node(&self.client, &self.node()).await?;
                ours_should_exist = false;
            }
            if stat.is_some() && !wait(watcher, deadline).await? {
                break false;
            }
        };
        delete_node(&self.client, &self.child(READY_NODE)).await?;
        Ok(done)
    }

    /// The members' node names now, sorted (`ready` left out).
    async fn members_now(&self) -> Result<Vec<String>, Error> {
        let mut names = children(&self.client, &self.path).await?;
        names.retain(|n| n != READY_NODE);
        names.sort();
        Ok(names)
    }

    fn child(&self, name: &str) -> String {
        format!("{}/{name}", self.path.trim_end_matches('/'))
    }
}

/// Waits for the watch to fire; false when the deadline passed first.
async fn wait(watcher: OneshotWatcher, deadline: Option<Instant>) -> Result<bool, Error> {
    match deadline {
        None => {
            watcher.changed().await?;
            Ok(true)
        }
        Some(at) => match tokio::time::timeout_at(at, watcher.changed()).await {
            Ok(event) => event.map(|_| true).map_err(Error::from),
            Err(_) => Ok(false),
        },
    }
}
