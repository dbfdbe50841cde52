//! The commands that may walk a tree: `ls [-R] [-s]` and `setacl [-R]`.

use clap::Args;
use zk_client::Error;

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::format;
use crate::nodes::parse_acls;

/// `ls`.
#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    /// The node and all its descendants, as full paths (sorted), one per line.
    #[arg(short = 'R', long, conflicts_with = "stat")]
    recursive: bool,
    /// One JSON object with the children (sorted) and the node's stat:
    /// `{"children": [...], "stat": {...}}`.
    #[arg(short, long)]
    stat: bool,
    /// The node's path.
    path: String,
}

/// `setacl`.
#[derive(Debug, Args)]
pub(crate) struct SetAclArgs {
    /// Set it on every descendant too, parents first, one request per node (not atomic:
    /// ZooKeeper's multi cannot carry setACL; a refusal stops it, and the message says how
    /// many nodes have the new ACL). Nodes that vanish meanwhile are skipped.
    #[arg(short = 'R', long)]
    recursive: bool,
    /// Only if the node's ACL version (`aversion`) is this one (else exit 5; -1: any
    /// version; not with -R).
    #[arg(
        short,
        long,
        conflicts_with = "recursive",
        allow_negative_numbers = true
    )]
    pub(crate) version: Option<i32>,
    /// The node's path.
    path: String,
    /// ACL entries `SCHEME:ID:PERMS`, one per argument (not zkCli's comma-separated list), as
    /// `create --acl` takes them (e.g. `world:anyone:r auth::cdrwa`).
    #[arg(required = true, value_name = "SCHEME:ID:PERMS")]
    acl: Vec<String>,
}

/// A child's path under `parent`.
fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// `root` and its descendants, every node after its parent; nodes that vanish while being
/// listed are left out, `NoNode` for `root` is reported.
async fn list_tree(s: &Session, root: &str) -> Result<Vec<String>, Failure> {
    let mut order = vec![root.to_owned()];
    let mut next = 0;
    while let Some(path) = order.get(next).cloned() {
        match s.call(s.client.get_children(&path)).await {
            Ok(children) => order.extend(children.iter().map(|c| child_path(&path, c))),
            Err(Error::NoNode { .. }) if next > 0 => {}
            Err(e) => return Err(e.into()),
        }
        next += 1;
    }
    Ok(order)
}

/// Prints `lines`, one per line.
fn print_lines(lines: &[String]) -> Result<(), Failure> {
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    format::write_stdout(out.as_bytes())
}

/// `ls`: children sorted, one per line; `-R`: every path of the tree; `-s`: JSON with the
/// stat.
pub(crate) async fn ls(s: &Session, a: &LsArgs) -> Result<u8, Failure> {
    if a.recursive {
        let mut paths = list_tree(s, &a.path).await?;
        paths.sort();
        print_lines(&paths)?;
    } else if a.stat {
        let (children, stat) = s.call(s.client.get_children2(&a.path)).await?;
        let mut names: Vec<String> = children.iter().map(|c| c.to_string()).collect();
        names.sort();
        let list: Vec<String> = names.iter().map(|n| format::json_str(n)).collect();
        let json = format!(
            "{{\"children\":[{}],\"stat\":{}}}",
            list.join(","),
            format::stat_json(&stat)
        );
        format::line(&json)?;
    } else {
        let children = s.call(s.client.get_children(&a.path)).await?;
        let mut names: Vec<String> = children.iter().map(|c| c.to_string()).collect();
        names.sort();
        print_lines(&names)?;
    }
    Ok(exit::OK)
}

/// `setacl [-R] [-v VERSION]`: replaces the ACL; prints nothing.
pub(crate) async fn setacl(s: &Session, a: &SetAclArgs) -> Result<u8, Failure> {
    let acl = parse_acls(&a.acl)?;
    if !a.recursive {
        s.call(s.client.set_acl(&a.path, &acl, a.version)).await?;
        return Ok(exit::OK);
    }
    // One request per node: ZooKeeper's `multi` cannot carry `setACL`, so -R is not atomic.
    let paths = list_tree(s, &a.path).await?;
    for (i, path) in paths.iter().enumerate() {
        match s.call(s.client.set_acl(path, &acl, None)).await {
            Ok(_) => {}
            Err(Error::NoNode { .. }) if i > 0 => {}
            Err(e) if i == 0 => return Err(e.into()),
            Err(e) => {
                return Err(Failure::Message(
                    exit::code_for(&e),
                    format!(
                        "{e}; setacl -R stopped there: the {i} nodes before it (of {}) have \
                         the new ACL, the others keep theirs",
                        paths.len()
                    ),
                ))
            }
        }
    }
    Ok(exit::OK)
}
