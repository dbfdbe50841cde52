//! `zk export PATH [FILE]`: a subtree (data, ACLs, modes) as one JSON document (see
//! `treedoc.rs`), walked breadth first, the requests of each level pipelined.
//!
//! Every node is exported as `persistent`: containers and TTL nodes look persistent to
//! clients (see `treedoc::Mode`). What is left out: ephemeral nodes (they belong to a live session, and an import's
//! one-command session would lose them at once), and without a chroot ZooKeeper's own
//! `/zookeeper` subtree (configuration and quotas). A node whose digest ACL entries the
//! server shows redacted (`user:x`, to sessions without ADMIN permission on the node) fails
//! the export with exit code 7 rather than writing an ACL that would lock everyone out. The walk reads each node on its own, so
//! a tree that changes meanwhile is exported as each node was when read; nodes that vanish
//! meanwhile are left out.

use clap::Args;
use zk_client::{Client, Error};

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::format;
use crate::treedoc::{self, Mode, Node};

/// `export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The subtree's root.
    pub(crate) path: String,
    /// Where to write the document (`-`: stdout).
    #[arg(default_value = "-")]
    pub(crate) file: String,
}

/// ZooKeeper's own subtree, left out of exports made without a chroot.
const SYSTEM: &str = "/zookeeper";

/// `export`: writes the document.
pub(crate) async fn run(s: &Session, a: &ExportArgs) -> Result<u8, Failure> {
    let nodes = collect(s, &a.path).await?;
    let text = treedoc::to_json(&nodes);
    if a.file == "-" {
        format::write_stdout(text.as_bytes())?;
    } else {
        std::fs::write(&a.file, text)
            .map_err(|e| Failure::Message(exit::GENERIC, format!("writing {}: {e}", a.file)))?;
    }
    Ok(exit::OK)
}

/// The nodes of the subtree at `root`, paths relative to it, read level by level with the
/// requests of a level pipelined ([`Session::pipelined`]).
pub(crate) async fn collect(s: &Session, root: &str) -> Result<Vec<Node>, Failure> {
    let skip_system = s.client.chroot().as_str().is_none();
    let mut level = vec![root.to_owned()];
    let mut nodes = Vec::new();
    while !level.is_empty() {
        let base = root.to_owned();
        let read = s
            .pipelined(level.clone(), |zk, path| {
                let base = base.clone();
                async move { read(&zk, &base, &path).await }
            })
            .await;
        let mut next = Vec::new();
        for (path, result) in level.iter().zip(read) {
            let (node, children) = match result {
                Ok(read) => read,
                Err(Error::NoNode { .. }) if path != root => continue,
                Err(e) => return Err(e.into()),
            };
            match node {
                Some(node) => nodes.push(node),
                None if path == root => {
                    return Err(Failure::usage(format!(
                        "{root} is an ephemeral node: it cannot be exported"
                    )))
                }
                None => continue,
            }
            for child in children {
                let child = treedoc::join(path, &format!("/{child}"));
                if !(skip_system && child == SYSTEM) {
                    next.push(child);
                }
            }
        }
        level = next;
    }
    Ok(nodes)
}

/// Whether `acl` is a digest entry whose hash the server replaced by `x` (it does so for
/// sessions without ADMIN permission on the node): importing it would lock everyone out.
fn redacted(acl: &zk_client::Acl) -> bool {
    acl.id.scheme == "digest" && acl.id.id.ends_with(":x")
}

/// One node and its children's names; `None` for an ephemeral node (which has no children).
async fn read(zk: &Client, root: &str, path: &str) -> Result<(Option<Node>, Vec<String>), Error> {
    // The three reads travel together; an ephemeral node's ACL and (no) children go unused.
    let (data, acl, children) =
        tokio::join!(zk.get_data(path), zk.get_acl(path), zk.get_children(path));
    let (data, stat) = data?;
    if stat.ephemeral_owner != 0 {
        return Ok((None, Vec::new()));
    }
    let (acl, _) = acl?;
    if acl.iter().any(redacted) {
        return Err(Error::NoAuth {
            path: format!(
                "{path}: the server hides the password hashes of its digest ACL entries from \
                 sessions without ADMIN permission on it; authenticate as a user with it (or as \
                 the super user) to export them"
            ),
        });
    }
    let children = children?.iter().map(|c| c.to_string()).collect();
    let rel = if path == root {
        "/"
    } else if root == "/" {
        path
    } else {
        &path[root.len()..]
    };
    let node = Node {
        path: rel.to_owned(),
        // Containers and TTL nodes look persistent to clients (see `Mode`).
        mode: Mode::Persistent,
        acl,
        data: data.to_vec(),
    };
    Ok((Some(node), children))
}
