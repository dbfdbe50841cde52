//! Reading what the cache holds from the server: one node, or the whole scope walked with many
//! reads in flight at once.

use std::collections::VecDeque;

use bytes::Bytes;
use tokio::task::JoinSet;
use zk_client::Client;

use super::store::{Entry, Tree};
use super::Config;
use crate::error::Error;

/// How many node reads a walk keeps in flight (the client pipelines them on its connection).
const WALK_IN_FLIGHT: usize = 64;

/// What to read of a node.
#[derive(Debug, Clone, Copy)]
struct Want {
    /// Its stat (and data, if the cache keeps data).
    entry: bool,
    /// Its children's names.
    children: bool,
}

/// A node as read: its entry (if wanted) and its children's names (if wanted).
type Read = (Option<Entry>, Vec<String>);

/// A walk's read in flight: the node, its depth, and what was read.
type WalkRead = Result<(String, usize, Option<Read>), Error>;

/// Reads one node's stat and, when the cache keeps data, its data. `None`: no such node.
pub(crate) async fn read_node(
    client: &Client,
    path: &str,
    data: bool,
) -> Result<Option<Entry>, Error> {
    let want = Want {
        entry: true,
        children: false,
    };
    Ok(read(client, path, data, want)
        .await?
        .and_then(|(entry, _)| entry))
}

/// Reads every node of the cache's scope (in path order, as the store holds them). Changes made
/// during the walk may or may not show: the watch set before it reports them.
pub(crate) async fn walk(config: &Config) -> Result<Tree, Error> {
    let mut tree = Tree::new();
    let mut pending: VecDeque<(String, usize)> = VecDeque::from([(config.path.clone(), 0)]);
    let mut reads: JoinSet<WalkRead> = JoinSet::new();
    loop {
        while reads.len() < WALK_IN_FLIGHT {
            let Some((path, depth)) = pending.pop_front() else {
                break;
            };
            let want = Want {
                entry: config.scope.holds(depth) && config.admits(&path),
                children: config.scope.descends(depth),
            };
            let client = config.client.clone();
            let data = config.data;
            reads.spawn(async move {
                let read = read(&client, &path, data, want).await?;
                Ok((path, depth, read))
            });
        }
        let Some(joined) = reads.join_next().await else {
            return Ok(tree);
        };
        // A read task only ends early when the walk is dropped (the cache closed).
        let (path, depth, read) = joined.map_err(|_| zk_client::Error::Closed)??;
        let Some((entry, children)) = read else {
            continue;
        };
        for name in children {
            pending.push_back((child_path(&path, &name), depth + 1));
        }
        if let Some(entry) = entry {
            if tree.len() >= config.max_nodes {
                return Err(Error::CacheFull {
                    path: config.path.clone(),
                    limit: config.max_nodes,
                });
            }
            tree.insert(path, entry);
        }
    }
}

/// `parent/name`.
pub(crate) fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// One node, in one round trip whatever is wanted. `None`: no such node.
async fn read(client: &Client, path: &str, data: bool, want: Want) -> Result<Option<Read>, Error> {
    let found = match (want.entry, want.children, data) {
        (false, false, _) => return Ok(Some((None, Vec::new()))),
        (false, true, _) => client.get_children(path).await.map(|c| (None, names(c))),
        (true, false, true) => client
            .get_data(path)
            .await
            .map(|(d, stat)| (Some(entry(stat, Some(d))), Vec::new())),
        (true, false, false) => match client.exists(path).await? {
            Some(stat) => Ok((Some(entry(stat, None)), Vec::new())),
            None => return Ok(None),
        },
        (true, true, false) => client
            .get_children2(path)
            .await
            .map(|(c, stat)| (Some(entry(stat, None)), names(c))),
        (true, true, true) => return read_both(client, path).await,
    };
    match found {
        Ok(read) => Ok(Some(read)),
        Err(zk_client::Error::NoNode { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Data, stat and children; the children are asked for only when the stat counts some (a
/// child created after the read is reported by the watch).
async fn read_both(client: &Client, path: &str) -> Result<Option<Read>, Error> {
    let (data, stat) = match client.get_data(path).await {
        Ok(read) => read,
        Err(zk_client::Error::NoNode { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let children = if stat.num_children == 0 {
        Vec::new()
    } else {
        match client.get_children(path).await {
            Ok(c) => names(c),
            // Deleted between the two reads: the watch reports it.
            Err(zk_client::Error::NoNode { .. }) => Vec::new(),
            Err(e) => return Err(e.into()),
        }
    };
    Ok(Some((Some(entry(stat, Some(data))), children)))
}

fn names(children: Vec<zk_client::Utf8Bytes>) -> Vec<String> {
    children.iter().map(|c| c.to_string()).collect()
}

/// An entry holding a copy of the data: the reply's bytes share the connection's read
/// buffer, which a long-lived slice would keep alive whole.
fn entry(stat: zk_client::Stat, data: Option<Bytes>) -> Entry {
    Entry {
        stat,
        data: data.map(|d| Bytes::copy_from_slice(&d)),
    }
}
