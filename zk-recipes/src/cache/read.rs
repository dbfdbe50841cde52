//! Reading what the cache holds from the server: one node, or the whole scope walked with many
//! reads in flight at once. A read the server refuses (`NoAuth`: the node's ACL does not let
//! the client read it) is an answer, not a failure: the node is skipped and noted.

use std::collections::{BTreeSet, VecDeque};

use bytes::Bytes;
use tokio::task::JoinSet;
use zk_client::Client;

use super::store::{Entry, Found, Tree};
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

/// What the server answered a read of one node.
enum Reply {
    /// What was wanted.
    Read(Read),
    /// No such node.
    Missing,
    /// The client may not read the node (`NoAuth`); its stat when the cache keeps no data
    /// (`exists` needs no permission).
    Refused(Option<Entry>),
}

/// A walk's read in flight: the node, its depth, and what was read.
type WalkRead = Result<(String, usize, Reply), Error>;

/// The scope as a walk read it: the nodes, and the paths the server refused to read.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    pub(crate) tree: Tree,
    pub(crate) unreadable: BTreeSet<String>,
}

/// Reads one node's stat and, when the cache keeps data, its data.
pub(crate) async fn read_node(client: &Client, path: &str, data: bool) -> Result<Found, Error> {
    let want = Want {
        entry: true,
        children: false,
    };
    Ok(match read(client, path, data, want).await? {
        Reply::Read((Some(entry), _)) => Found::Node(entry),
        Reply::Read((None, _)) | Reply::Missing => Found::Missing,
        Reply::Refused(Some(entry)) => Found::Node(entry),
        Reply::Refused(None) => Found::Unreadable,
    })
}

/// Reads every node of the cache's scope (in path order, as the store holds them). Changes made
/// during the walk may or may not show: the watch set before it reports them. The children of
/// a node the client may not read are not listed, so the walk does not reach them.
pub(crate) async fn walk(config: &Config) -> Result<Walked, Error> {
    let mut walked = Walked::default();
    let mut pending: VecDeque<(String, usize)> = VecDeque::from([(config.path.clone(), 0)]);
    let mut reads: JoinSet<WalkRead> = JoinSet::new();
    loop {
        while reads.len() < WALK_IN_FLIGHT {
            let Some((path, depth)) = pending.pop_front() else {
                break;
            };
            let want = Want {
                entry: want_entry(config, &path, depth),
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
            return Ok(walked);
        };
        // A read task only ends early when the walk is dropped (the cache closed).
        let (path, depth, read) = joined.map_err(|_| zk_client::Error::Closed)??;
        let entry = match read {
            Reply::Read((entry, children)) => {
                for name in children {
                    pending.push_back((child_path(&path, &name), depth + 1));
                }
                entry
            }
            Reply::Missing => continue,
            Reply::Refused(entry) => {
                walked.unreadable.insert(path.clone());
                entry.filter(|_| want_entry(config, &path, depth))
            }
        };
        if let Some(entry) = entry {
            let tree = &mut walked.tree;
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

/// Whether the cache holds the node at `path`, `depth` levels below its path.
fn want_entry(config: &Config, path: &str, depth: usize) -> bool {
    config.scope.holds(depth) && config.admits(path)
}

/// `parent/name`.
pub(crate) fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// One node, in one round trip whatever is wanted (two when the server refuses to list a
/// node's children and the cache keeps no data: `exists` then reads its stat).
async fn read(client: &Client, path: &str, data: bool, want: Want) -> Result<Reply, Error> {
    let found = match (want.entry, want.children, data) {
        (false, false, _) => return Ok(Reply::Read((None, Vec::new()))),
        (false, true, _) => client.get_children(path).await.map(|c| (None, names(c))),
        (true, false, true) => client
            .get_data(path)
            .await
            .map(|(d, stat)| (Some(entry(stat, Some(d))), Vec::new())),
        (true, false, false) => match client.exists(path).await? {
            Some(stat) => Ok((Some(entry(stat, None)), Vec::new())),
            None => return Ok(Reply::Missing),
        },
        (true, true, false) => match client.get_children2(path).await {
            Err(zk_client::Error::NoAuth { .. }) => {
                return Ok(match client.exists(path).await? {
                    Some(stat) => Reply::Refused(Some(entry(stat, None))),
                    None => Reply::Missing,
                })
            }
            read => read.map(|(c, stat)| (Some(entry(stat, None)), names(c))),
        },
        (true, true, true) => return read_both(client, path).await,
    };
    match found {
        Ok(read) => Ok(Reply::Read(read)),
        Err(zk_client::Error::NoNode { .. }) => Ok(Reply::Missing),
        Err(zk_client::Error::NoAuth { .. }) => Ok(Reply::Refused(None)),
        Err(e) => Err(e.into()),
    }
}

/// Data, stat and children; the children are asked for only when the stat counts some (a
/// child created after the read is reported by the watch).
async fn read_both(client: &Client, path: &str) -> Result<Reply, Error> {
    let (data, stat) = match client.get_data(path).await {
        Ok(read) => read,
        Err(zk_client::Error::NoNode { .. }) => return Ok(Reply::Missing),
        Err(zk_client::Error::NoAuth { .. }) => return Ok(Reply::Refused(None)),
        Err(e) => return Err(e.into()),
    };
    let children = if stat.num_children == 0 {
        Vec::new()
    } else {
        match client.get_children(path).await {
            Ok(c) => names(c),
            // Deleted between the two reads: the watch reports it.
            Err(zk_client::Error::NoNode { .. }) => Vec::new(),
            // Its ACL changed between the two reads.
            Err(zk_client::Error::NoAuth { .. }) => return Ok(Reply::Refused(None)),
            Err(e) => return Err(e.into()),
        }
    };
    Ok(Reply::Read((Some(entry(stat, Some(data))), children)))
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
