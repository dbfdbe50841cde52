//! Operations on paths and subtrees: create with the missing parents (Curator's
//! `creatingParentsIfNeeded`, kazoo's `ensure_path`) and recursive delete in `multi` batches
//! (zkCli's `deleteall -b`).

use bytes::Bytes;
use zk_records::data::{Acl, Stat};
use zk_records::CreateMode;

use super::create::CreateOptions;
use super::handle::Client;
use super::multi::Op;
use crate::error::Error;

/// How many times a create re-creates parents that vanish meanwhile (a container parent
/// reaped by the server, a concurrent recursive delete) before giving up.
const PARENT_ATTEMPTS: usize = 5;
/// How many times a recursive delete lists the tree again after a node gained children.
const DELETE_ATTEMPTS: usize = 5;
/// Most deletes in one `multi` of [`Client::delete_all`] (zkCli's `deleteall -b` default).
pub const DELETE_BATCH: usize = 1000;
/// Most path bytes in one `multi` of [`Client::delete_all`], well under the server's
/// `jute.maxbuffer` (1 MiB by default).
const DELETE_BATCH_BYTES: usize = 256 * 1024;

/// How the missing parents of a node are created.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parents {
    /// Create them as containers (deleted by the server once their last child is gone) rather
    /// than persistent nodes, like Curator's `creatingParentContainersIfNeeded`.
    pub containers: bool,
    /// Their ACL; `None`: open to anyone (`world:anyone:cdrwa`), whatever the ACL of the node
    /// being created, as Curator's `creatingParentsIfNeeded` gives parents its default ACL
    /// rather than the child's. Give the child's ACL here to have the parents share it.
    pub acl: Option<Vec<Acl>>,
}

impl Parents {
    /// Persistent parents open to anyone.
    pub fn persistent() -> Parents {
        Parents::default()
    }

    /// Container parents open to anyone.
    pub fn containers() -> Parents {
        Parents {
            containers: true,
            acl: None,
        }
    }

    /// Replaces the parents' ACL.
    pub fn with_acl(mut self, acl: Vec<Acl>) -> Parents {
        self.acl = Some(acl);
        self
    }

    /// The options each missing parent is created with (`CreateOptions::new` is open to
    /// anyone).
    fn options(&self) -> CreateOptions {
        let mode = if self.containers {
            CreateMode::Container
        } else {
            CreateMode::Persistent
        };
        let options = CreateOptions::new(mode);
        match &self.acl {
            Some(acl) => options.with_acl(acl.clone()),
            None => options,
        }
    }
}

/// The parent of a client path (`None` for `/` and paths without a slash).
pub(crate) fn parent_of(path: &str) -> Option<&str> {
    match path.rfind('/') {
        Some(0) if path.len() > 1 => Some("/"),
        Some(0) | None => None,
        Some(i) => Some(&path[..i]),
    }
}

/// `parent/name`, without doubling the slash under `/`.
pub(crate) fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

impl Client {
    /// Creates a node like [`Client::create2`], first creating whichever of its ancestors are
    /// missing, as `parents` says (persistent or container nodes). Ancestors that exist, or
    /// that others create meanwhile, are left as they are. Returns the created path and its
    /// stat.
    ///
    /// The ACL of `options` is the node's only: the parents are open to anyone
    /// (`world:anyone:cdrwa`) unless `parents` gives them an ACL ([`Parents::with_acl`]), as
    /// Curator's `creatingParentsIfNeeded` gives them its ACL provider's default rather than
    /// the child's. (A child's ACL that withholds `CREATE` on the parents would otherwise stop
    /// the create of the next level.)
    ///
    /// ```no_run
    /// # async fn demo(zk: zk_client::Client) -> Result<(), zk_client::Error> {
    /// use zk_client::{CreateMode, CreateOptions, Parents};
    ///
    /// let (path, _stat) = zk
    ///     .create_with_parents(
    ///         "/app/locks/job-7/lock-",
    ///         Vec::new(),
    ///         &CreateOptions::new(CreateMode::EphemeralSequential),
    ///         &Parents::containers(),
    ///     )
    ///     .await?;
    /// # let _ = path; Ok(()) }
    /// ```
    pub async fn create_with_parents(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
        parents: &Parents,
    ) -> Result<(String, Stat), Error> {
        let data = data.into();
        let mut last = None;
        for _ in 0..PARENT_ATTEMPTS {
            match self.create2(path, data.clone(), options).await {
                Err(e @ Error::NoNode { .. }) => {
                    // The root is never created: under a chroot it is the chroot itself,
                    // and a chroot that does not exist is an error, not a parent to make.
                    let Some(parent) = parent_of(path).filter(|p| *p != "/") else {
                        return Err(e);
                    };
                    last = Some(e);
                    self.create_ancestors(parent, &parents.options()).await?;
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::NoNode {
            path: path.to_owned(),
        }))
    }

    /// Makes sure `path` and all its ancestors exist (kazoo's `ensure_path`), creating the
    /// missing ones as `parents` says (open to anyone unless `parents` gives an ACL). Safe to
    /// repeat: nodes that exist are left as they are.
    pub async fn ensure_path(&self, path: &str, parents: &Parents) -> Result<(), Error> {
        crate::path::validate_path(path, false)?;
        if path == "/" {
            return Ok(());
        }
        self.create_ancestors(path, &parents.options()).await
    }

    /// Creates `path` and its missing ancestors with `options`, bottom-up: the node is tried
    /// first, and only a `NoNode` sends us one level up.
    async fn create_ancestors(&self, path: &str, options: &CreateOptions) -> Result<(), Error> {
        // A stack of nodes to create, the next one on top; a `NoNode` pushes the parent.
        let mut pending = vec![path];
        // Bounds the work when parents keep vanishing (reaped containers, concurrent deletes).
        let mut steps = 4 * path.matches('/').count() + 16;
        while let Some(&current) = pending.last() {
            steps = steps.saturating_sub(1);
            match self.create(current, Bytes::new(), options).await {
                Ok(_) | Err(Error::NodeExists { .. }) => {
                    pending.pop();
                }
                Err(e @ Error::NoNode { .. }) => match parent_of(current) {
                    Some(parent) if parent != "/" && steps > 0 => pending.push(parent),
                    _ => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Deletes `path` and everything under it, in [`multi`](Client::multi) transactions of
    /// up to 1000 deletes, children before parents (zkCli's `deleteall -b`). Nodes that others
    /// delete meanwhile are skipped; a node that gains children meanwhile makes the tree be
    /// listed again (a few times, then [`Error::NotEmpty`]). [`Error::NoNode`] when `path`
    /// does not exist when first listed. Deleting `/` is refused (its children can be
    /// deleted one by one).
    ///
    /// Not atomic as a whole: a failure part-way leaves the nodes of the batches not yet sent.
    /// Safe to repeat (for example with [`crate::RetryPolicy::retry_idempotent`]).
    pub async fn delete_all(&self, path: &str) -> Result<(), Error> {
        crate::path::validate_path(path, false)?;
        if path == "/" {
            return Err(Error::InvalidArgument(
                "refusing to delete the root node".into(),
            ));
        }
        let mut last = None;
        for attempt in 0..DELETE_ATTEMPTS {
            let order = match self.list_tree(path).await {
                Ok(order) => order,
                Err(Error::NoNode { .. }) if attempt > 0 => return Ok(()),
                Err(e) => return Err(e),
            };
            match self
                .delete_batches(order.iter().rev().map(String::as_str))
                .await
            {
                Ok(()) => return Ok(()),
                Err(e @ Error::NotEmpty { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::NotEmpty {
            path: path.to_owned(),
        }))
    }

    /// `root` and its descendants, breadth-first (every node after its parent). Nodes that
    /// vanish while being listed are left out; `NoNode` for `root` is reported.
    async fn list_tree(&self, root: &str) -> Result<Vec<String>, Error> {
        let mut order = vec![root.to_owned()];
        let mut next = 0;
        while let Some(path) = order.get(next).cloned() {
            match self.get_children(&path).await {
                Ok(children) => order.extend(children.iter().map(|c| child_path(&path, c))),
                Err(Error::NoNode { .. }) if next > 0 => {}
                Err(e) => return Err(e),
            }
            next += 1;
        }
        Ok(order)
    }

    /// Deletes `paths` in order, in `multi` batches; a delete that fails with `NoNode` is
    /// dropped from its batch and the batch sent again. `NotEmpty` is returned as is.
    async fn delete_batches<'a>(&self, paths: impl Iterator<Item = &'a str>) -> Result<(), Error> {
        let mut batch: Vec<Op> = Vec::new();
        let mut bytes = 0;
        for path in paths {
            batch.push(Op::delete(path, None));
            bytes += path.len() + 16;
            if batch.len() >= DELETE_BATCH || bytes >= DELETE_BATCH_BYTES {
                self.delete_batch(std::mem::take(&mut batch)).await?;
                bytes = 0;
            }
        }
        self.delete_batch(batch).await
    }

    async fn delete_batch(&self, mut batch: Vec<Op>) -> Result<(), Error> {
        while !batch.is_empty() {
            match self.multi(&batch).await {
                Ok(_) => return Ok(()),
                Err(Error::Multi { index, source }) => match *source {
                    Error::NoNode { .. } if index < batch.len() => {
                        batch.remove(index);
                    }
                    e => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_children() {
        assert_eq!(parent_of("/"), None);
        assert_eq!(parent_of("/a"), Some("/"));
        assert_eq!(parent_of("/a/b"), Some("/a"));
        assert_eq!(parent_of("/a/b/lock-"), Some("/a/b"));
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
    }

    #[test]
    fn parent_options() {
        let open = zk_records::open_acl_unsafe();
        let p = Parents::containers().options();
        assert_eq!(p.mode, CreateMode::Container);
        assert_eq!(p.acl, open);
        assert_eq!(Parents::persistent().options().acl, open);
        let p = Parents::persistent().with_acl(vec![]).options();
        assert_eq!(p.mode, CreateMode::Persistent);
        assert!(p.acl.is_empty());
    }
}
