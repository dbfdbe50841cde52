//! The node commands: create, get, set, stat, rm, exists, acl, whoami, sync, count, config
//! (`ls` and `setacl`, which walk trees, are in `tree.rs`).

use std::time::Duration;

use clap::Args;
use zk_client::{CreateMode, CreateOptions, Error, Parents};

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::format;

/// A command that takes only a path.
#[derive(Debug, Args)]
pub(crate) struct PathArg {
    /// The node's path (relative to the chroot).
    pub(crate) path: String,
}

/// `get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// Print one JSON object with the data and the stat instead of the raw data:
    /// `{"data": TEXT, "stat": {...}}` (`dataHex` instead of `data` when not UTF-8).
    #[arg(short, long)]
    stat: bool,
    /// The node's path.
    path: String,
}

/// `create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// Ephemeral: deleted when the session ends (that is, when this command exits).
    #[arg(short, long, conflicts_with_all = ["container", "ttl"])]
    ephemeral: bool,
    /// Sequential: the server appends a 10-digit counter to the name.
    #[arg(short, long, conflicts_with = "container")]
    sequential: bool,
    /// Container: deleted by the server once its last child is gone.
    #[arg(short, long, conflicts_with = "ttl")]
    container: bool,
    /// Time to live in milliseconds: deleted when unchanged and childless for that long
    /// (the server needs `zookeeper.extendedTypesEnabled=true`).
    #[arg(short, long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) ttl: Option<u64>,
    /// ACL entry `SCHEME:ID:PERMS` (repeat --acl for each entry, not zkCli's comma-separated
    /// list; default world:anyone:cdrwa; PERMS: letters of `cdrwa`, or `-` for none), e.g.
    /// `auth::cdrwa` for the --auth identities, `world:anyone:r`.
    #[arg(long = "acl", value_name = "SCHEME:ID:PERMS")]
    acl: Vec<String>,
    /// Create missing parents first, as persistent nodes open to anyone (world:anyone:cdrwa;
    /// --acl is the node's only, as with Curator's creatingParentsIfNeeded); one that another
    /// client creates meanwhile is fine.
    #[arg(short, long)]
    parents: bool,
    /// The node's path (for -s, the prefix of the name).
    path: String,
    /// The data (`-`: read stdin). Default: empty.
    pub(crate) data: Option<String>,
}

/// `set`.
#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// The node's path.
    path: String,
    /// The new data (`-`: read stdin).
    pub(crate) data: String,
    /// Only if the node's data version is this one (else exit 5; -1: any version).
    #[arg(short, long, allow_negative_numbers = true)]
    pub(crate) version: Option<i32>,
}

/// `rm`.
#[derive(Debug, Args)]
pub(crate) struct RmArgs {
    /// Delete the node's descendants first (children before parents, in batched multis).
    #[arg(short, long)]
    recursive: bool,
    /// Only if the node's data version is this one (else exit 5; -1: any version; not with
    /// -r).
    #[arg(
        short,
        long,
        conflicts_with = "recursive",
        allow_negative_numbers = true
    )]
    pub(crate) version: Option<i32>,
    /// The node's path.
    path: String,
}

/// Parses `--acl`-style entries (`SCHEME:ID:PERMS`) as a usage error when one is malformed.
pub(crate) fn parse_acls(entries: &[String]) -> Result<Vec<zk_client::Acl>, Failure> {
    entries
        .iter()
        .map(|s| format::parse_acl(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::usage)
}

/// The data argument's bytes: the text itself, or stdin for `-`.
pub(crate) fn read_data(arg: Option<&str>) -> Result<Vec<u8>, Failure> {
    match arg {
        None => Ok(Vec::new()),
        Some("-") => crate::stdin::read(),
        Some(text) => Ok(text.as_bytes().to_vec()),
    }
}

fn create_options(a: &CreateArgs) -> Result<CreateOptions, Failure> {
    let mode = match (a.ephemeral, a.sequential, a.container, a.ttl.is_some()) {
        (_, _, true, _) => CreateMode::Container,
        (false, false, false, true) => CreateMode::PersistentWithTtl,
        (false, true, false, true) => CreateMode::PersistentSequentialWithTtl,
        (true, true, false, false) => CreateMode::EphemeralSequential,
        (true, false, false, false) => CreateMode::Ephemeral,
        (false, true, false, false) => CreateMode::PersistentSequential,
        (false, false, false, false) => CreateMode::Persistent,
        (true, _, false, true) => return Err(Failure::usage("-t/--ttl cannot be ephemeral")),
    };
    let mut options = CreateOptions::new(mode);
    if let Some(ms) = a.ttl {
        options = options.with_ttl(Duration::from_millis(ms));
    }
    if !a.acl.is_empty() {
        options = options.with_acl(parse_acls(&a.acl)?);
    }
    Ok(options)
}

/// `create [-p]`: prints the created path.
pub(crate) async fn create(s: &Session, a: &CreateArgs, data: Vec<u8>) -> Result<u8, Failure> {
    let options = create_options(a)?;
    let created = if a.parents {
        let parents = Parents::persistent();
        let created = s
            .client
            .create_with_parents(&a.path, data, &options, &parents);
        s.call(created).await.map(|(path, _)| path)
    } else {
        s.call(s.client.create(&a.path, data, &options)).await
    };
    let path = match created {
        Err(e @ Error::NoNode { .. }) => return Err(missing_parent(s, a, e).await),
        created => created?,
    };
    format::line(&path)?;
    Ok(exit::OK)
}

/// A `create` that failed with NONODE, which names the path asked for: the failure names
/// what is missing instead. That is the chroot when it does not exist (`-p` creates parents
/// below it, not its own); else, without `-p`, the parent.
async fn missing_parent(s: &Session, a: &CreateArgs, error: Error) -> Failure {
    if let Some(chroot) = s.client.chroot().as_str() {
        if let Ok(None) = s.call(s.client.exists("/")).await {
            return Failure::Message(exit::NO_NODE, chroot_missing_message(&a.path, chroot));
        }
    }
    if a.parents {
        error.into()
    } else {
        Failure::Message(exit::NO_NODE, parent_missing_message(&a.path))
    }
}

/// The message for a create under a chroot that does not exist.
fn chroot_missing_message(path: &str, chroot: &str) -> String {
    format!(
        "cannot create {path}: the chroot {chroot} does not exist (create it first, connecting \
         without the chroot)"
    )
}

/// The message for a create without `-p` whose parent does not exist.
fn parent_missing_message(path: &str) -> String {
    let parent = match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((parent, _)) => parent,
    };
    format!(
        "cannot create {path}: the parent node {parent} does not exist (`create -p` creates \
         missing parents)"
    )
}

/// `get`: the raw data, nothing added; with `-s`, data and stat as JSON.
pub(crate) async fn get(s: &Session, a: &GetArgs) -> Result<u8, Failure> {
    let (data, stat) = s.call(s.client.get_data(&a.path)).await?;
    if a.stat {
        format::line(&format::data_and_stat_json(&data, &stat))?;
    } else {
        format::write_stdout(&data)?;
    }
    Ok(exit::OK)
}

/// `config`: the ensemble configuration as JSON (`--raw`: as the server holds it).
pub(crate) async fn config(s: &Session, raw: bool) -> Result<u8, Failure> {
    if raw {
        let (data, _) = s.call(s.client.get_config()).await?;
        format::write_stdout(&data)?;
    } else {
        let (config, _) = s.call(s.client.ensemble_config()).await?;
        format::line(&format::config_json(&config))?;
    }
    Ok(exit::OK)
}

/// `sync`: waits until the server has caught up with the leader for the path.
pub(crate) async fn sync(s: &Session, path: &str) -> Result<u8, Failure> {
    s.call(s.client.sync(path)).await?;
    Ok(exit::OK)
}

/// `count`: the number of descendants (`getAllChildrenNumber`).
pub(crate) async fn count(s: &Session, path: &str) -> Result<u8, Failure> {
    let n = s.call(s.client.get_all_children_number(path)).await?;
    format::line(&n.to_string())?;
    Ok(exit::OK)
}

/// `set`.
pub(crate) async fn set(s: &Session, a: &SetArgs, data: Vec<u8>) -> Result<u8, Failure> {
    s.call(s.client.set_data(&a.path, data, a.version)).await?;
    Ok(exit::OK)
}

/// `stat`: one JSON object.
pub(crate) async fn stat(s: &Session, path: &str) -> Result<u8, Failure> {
    match s.call(s.client.exists(path)).await? {
        Some(stat) => {
            format::line(&format::stat_json(&stat))?;
            Ok(exit::OK)
        }
        None => Err(Error::NoNode {
            path: path.to_owned(),
        }
        .into()),
    }
}

/// `exists`: 0 or 1, silently.
pub(crate) async fn exists(s: &Session, path: &str) -> Result<u8, Failure> {
    Ok(match s.call(s.client.exists(path)).await? {
        Some(_) => exit::OK,
        None => exit::GENERIC,
    })
}

/// `rm [-r]`.
pub(crate) async fn rm(s: &Session, a: &RmArgs) -> Result<u8, Failure> {
    if a.path == "/" {
        return Err(Failure::usage("refusing to delete the root node"));
    }
    if a.recursive {
        // Batched `multi` deletes, tolerating concurrent changes; each request is bounded by
        // the client's request timeout (`--timeout`), not the whole tree.
        s.client.delete_all(&a.path).await?;
    } else {
        s.call(s.client.delete(&a.path, a.version)).await?;
    }
    Ok(exit::OK)
}

/// `acl`: `PERMS SCHEME:ID` lines.
pub(crate) async fn acl(s: &Session, path: &str) -> Result<u8, Failure> {
    let (acl, _) = s.call(s.client.get_acl(path)).await?;
    let mut out = String::new();
    for entry in &acl {
        out.push_str(&format::acl_line(entry));
        out.push('\n');
    }
    format::write_stdout(out.as_bytes())?;
    Ok(exit::OK)
}

/// `whoami`: a JSON array.
pub(crate) async fn whoami(s: &Session) -> Result<u8, Failure> {
    let infos = s.call(s.client.who_am_i()).await?;
    format::line(&format::whoami_json(&infos))?;
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_is_missing() {
        assert_eq!(
            chroot_missing_message("/x", "/app/prod"),
            "cannot create /x: the chroot /app/prod does not exist (create it first, \
             connecting without the chroot)"
        );
        assert_eq!(
            parent_missing_message("/a/b"),
            "cannot create /a/b: the parent node /a does not exist (`create -p` creates \
             missing parents)"
        );
        assert!(parent_missing_message("/a").contains("the parent node / does not exist"));
    }
}
