//! `zk import FILE PATH [--overwrite]`: the document of `zk export` (see `treedoc.rs`)
//! created under PATH, in `multi` transactions.
//!
//! The existence check pipelines its requests ([`Session::pipelined`]).
//!
//! How atomic it is: nothing is written unless every node is new (or `--overwrite`); missing
//! parents of PATH (persistent, open ACL) and the nodes are created parents first in `multi`
//! batches of at most [`BATCH_OPS`] operations and about [`BATCH_BYTES`] bytes, so a document
//! that fits in one batch is imported entirely or not at all. A larger one is imported batch
//! by batch: when a batch fails, it is rolled back, the batches before it stay, and the
//! message says how far it got. With `--overwrite`, an existing node's data is replaced in
//! the batch; its ACL, when it differs, right after the batch commits (ZooKeeper's `multi`
//! cannot carry `setACL`), and its mode stays what it is.

use std::collections::HashSet;
use std::io::Read;

use clap::Args;
use zk_client::{CreateMode, CreateOptions, Error, Op};

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::treedoc::{self, Mode, Node};

/// At most this many operations per `multi`.
pub(crate) const BATCH_OPS: usize = 1000;
/// About this many bytes per `multi` (half the server's default `jute.maxbuffer`).
pub(crate) const BATCH_BYTES: usize = 512 * 1024;

/// `import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The document `zk export` wrote (`-`: stdin).
    pub(crate) file: String,
    /// Where the document's root goes (created, with missing parents).
    pub(crate) path: String,
    /// Replace the data and ACLs of nodes that already exist (nodes not in the document
    /// are left alone).
    #[arg(long)]
    pub(crate) overwrite: bool,
}

/// One planned write: the operation, and for an existing node the ACL to set after its
/// batch commits.
struct Planned {
    op: Op,
    acl_after: Option<Vec<zk_client::Acl>>,
    size: usize,
}

/// Reads and checks the document (before connecting: a slow producer must not eat into the
/// session, and a bad document needs no server).
pub(crate) fn read_document(file: &str) -> Result<Vec<Node>, Failure> {
    let mut text = String::new();
    let read = if file == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(file).map(|t| text = t)
    };
    read.map_err(|e| Failure::Message(exit::GENERIC, format!("reading {file}: {e}")))?;
    treedoc::from_json(&text).map_err(|e| Failure::usage(format!("{file}: {e}")))
}

/// `import`: creates the nodes; prints nothing.
pub(crate) async fn run(s: &Session, a: &ImportArgs, nodes: Vec<Node>) -> Result<u8, Failure> {
    zk_client::validate_path(&a.path, false).map_err(|e| Failure::usage(e.to_string()))?;
    let targets: Vec<String> = nodes
        .iter()
        .map(|n| treedoc::join(&a.path, &n.path))
        .collect();
    let found = s
        .pipelined(targets.clone(), |zk, target| async move {
            zk.exists(&target).await
        })
        .await;
    let mut existing = Vec::new();
    for (target, stat) in targets.into_iter().zip(found) {
        if stat?.is_some() {
            existing.push(target);
        }
    }
    if let (Some(first), false) = (existing.first(), a.overwrite) {
        return Err(Failure::Message(
            exit::NODE_EXISTS,
            format!(
                "{first} already exists ({} of the document's {} nodes do); nothing was \
                 imported (--overwrite replaces their data and ACLs)",
                existing.len(),
                nodes.len()
            ),
        ));
    }
    let existing: HashSet<String> = existing.into_iter().collect();
    let mut plan = missing_parents(s, &a.path).await?;
    for n in nodes {
        let target = treedoc::join(&a.path, &n.path);
        plan.push(planned(n, target, &existing)?);
    }
    apply(s, plan).await
}

/// Creates of the ancestors of `path` that do not exist, top down.
async fn missing_parents(s: &Session, path: &str) -> Result<Vec<Planned>, Failure> {
    let mut missing = Vec::new();
    let mut parent = treedoc::parent_of(path);
    while parent != "/" && s.call(s.client.exists(parent)).await?.is_none() {
        missing.push(parent.to_owned());
        parent = treedoc::parent_of(parent);
    }
    Ok(missing
        .into_iter()
        .rev()
        .map(|p| Planned {
            size: p.len() + 64,
            op: Op::create(&p, Vec::new(), CreateOptions::persistent()),
            acl_after: None,
        })
        .collect())
}

fn planned(n: Node, target: String, existing: &HashSet<String>) -> Result<Planned, Failure> {
    let size = target.len()
        + n.data.len()
        + n.acl
            .iter()
            .map(|a| a.id.scheme.len() + a.id.id.len() + 16)
            .sum::<usize>()
        + 64;
    if existing.contains(&target) {
        return Ok(Planned {
            op: Op::set_data(&target, n.data, None),
            acl_after: Some(n.acl),
            size,
        });
    }
    let options = match n.mode {
        Mode::Persistent => CreateOptions::new(CreateMode::Persistent),
        Mode::Container => CreateOptions::new(CreateMode::Container),
        Mode::Ttl(ms) => CreateOptions::new(CreateMode::PersistentWithTtl)
            .with_ttl(std::time::Duration::from_millis(ms)),
    };
    Ok(Planned {
        op: Op::create(&target, n.data, options.with_acl(n.acl)),
        acl_after: None,
        size,
    })
}

/// Splits the plan into batches of at most [`BATCH_OPS`] operations and about
/// [`BATCH_BYTES`] bytes (a larger single operation goes alone).
fn batches(plan: Vec<Planned>) -> Vec<Vec<Planned>> {
    let mut out: Vec<Vec<Planned>> = Vec::new();
    let mut bytes = 0;
    for p in plan {
        let full = out
            .last()
            .is_none_or(|b| b.len() >= BATCH_OPS || bytes + p.size > BATCH_BYTES);
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += p.size;
        if let Some(last) = out.last_mut() {
            last.push(p);
        }
    }
    out
}

/// Runs the batches in order; stops at the first that fails, saying how far it got.
async fn apply(s: &Session, plan: Vec<Planned>) -> Result<u8, Failure> {
    let total = plan.len();
    let batches = batches(plan);
    let count = batches.len();
    let mut done = 0;
    for (i, batch) in batches.into_iter().enumerate() {
        let ops: Vec<Op> = batch.iter().map(|p| p.op.clone()).collect();
        if let Err(e) = s.call(s.client.multi(&ops)).await {
            let applied = if i == 0 {
                "nothing was imported".to_owned()
            } else {
                format!("the {done} operations of the batches before it stay applied")
            };
            let rolled = match e {
                Error::ConnectionLoss | Error::Timeout { .. } => "may or may not have been applied",
                _ => "was rolled back",
            };
            return Err(Failure::Message(
                exit::code_for(&e),
                format!("import failed: batch {} of {count} ({} of {total} operations) {rolled}: {e}; {applied}", i + 1, ops.len()),
            ));
        }
        done += ops.len();
        for p in &batch {
            if let (Some(acl), Op::SetData { path, .. }) = (&p.acl_after, &p.op) {
                set_acl_if_changed(s, path, acl).await?;
            }
        }
    }
    Ok(exit::OK)
}

/// Sets `path`'s ACL to `acl` unless it already is.
async fn set_acl_if_changed(
    s: &Session,
    path: &str,
    acl: &[zk_client::Acl],
) -> Result<(), Failure> {
    let (current, _) = s.call(s.client.get_acl(path)).await?;
    if current != acl {
        s.call(s.client.set_acl(path, acl, None))
            .await
            .map_err(|e| {
                Failure::Message(
                    exit::code_for(&e),
                    format!("import: the data of {path} was replaced, setting its ACL failed: {e}"),
                )
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(sizes: &[usize]) -> Vec<Planned> {
        sizes
            .iter()
            .map(|&size| Planned {
                op: Op::check("/x", 0),
                acl_after: None,
                size,
            })
            .collect()
    }

    #[test]
    fn batches_are_bounded_by_count_and_bytes() {
        let lens = |b: Vec<Vec<Planned>>| b.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(lens(batches(plan(&[100; 2500]))), [1000, 1000, 500]);
        let big = BATCH_BYTES / 2 + 1;
        assert_eq!(lens(batches(plan(&[big, big, big]))), [1, 1, 1]);
        assert_eq!(lens(batches(plan(&[BATCH_BYTES * 2, 10]))), [1, 1]);
        assert!(batches(Vec::new()).is_empty());
    }
}
