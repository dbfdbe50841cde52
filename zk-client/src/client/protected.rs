//! Protected creates (Curator's `withProtection`): the node's name starts with `_c_<uuid>-`,
//! so that after a `ConnectionLoss` the client finds the node it may have created instead of
//! leaving a ghost (an ephemeral node nobody knows it owns) or creating a duplicate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use zk_records::data::Stat;

use super::create::CreateOptions;
use super::handle::Client;
use super::tree::{child_path, parent_of, Parents};
use crate::error::Error;
use crate::path::validate_path;
use crate::retry::RetryPolicy;
use crate::session::hosts::Rng;

/// The first characters of a protected node's name (Curator's `ProtectedUtils`).
pub const PROTECTED_PREFIX: &str = "_c_";
/// Length of `_c_<uuid>-`: the prefix, a UUID in its 36-character canonical text, a `-`.
const PROTECTED_PREFIX_LEN: usize = 3 + 36 + 1;

/// How a protected create retries after a `ConnectionLoss`: up to 10 runs of "look for the
/// node, create it if absent".
const PROTECTED_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 10,
    base: Duration::from_millis(50),
    max_backoff: Duration::from_secs(2),
};

/// A random (version 4) UUID in canonical text, as Java's `UUID.randomUUID().toString()`
/// writes it: 36 lowercase characters, `8-4-4-4-12` hex digits.
pub fn random_uuid() -> String {
    let mut rng = Rng::new();
    let hi = (rng.next_u64() & !0xf000) | 0x4000; // version 4
    let lo = (rng.next_u64() & !(0b11 << 62)) | (0b10 << 62); // IETF variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// Whether `name` is a canonical UUID text (hex digits, hyphens at 8, 13, 18, 23).
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Whether a node name starts with a protected prefix (`_c_<uuid>-` and more after it).
pub fn is_protected(name: &str) -> bool {
    protected_id(name).is_some()
}

/// The UUID of a protected node's name, or `None` if it is not protected.
pub fn protected_id(name: &str) -> Option<&str> {
    let id = name.get(PROTECTED_PREFIX.len()..PROTECTED_PREFIX_LEN - 1)?;
    (name.len() > PROTECTED_PREFIX_LEN
        && name.starts_with(PROTECTED_PREFIX)
        && name.as_bytes()[PROTECTED_PREFIX_LEN - 1] == b'-'
        && is_uuid(id))
    .then_some(id)
}

/// A node name without its protected prefix (the name itself if it has none): Curator's
/// `ProtectedUtils.normalize`.
pub fn strip_protected(name: &str) -> &str {
    if is_protected(name) {
        &name[PROTECTED_PREFIX_LEN..]
    } else {
        name
    }
}

/// Deletes the node of an unfinished protected create (given up, or its future dropped) in
/// the background, like Curator's `FindAndDeleteProtectedNodeInBackground`.
struct Cleanup {
    client: Client,
    parent: String,
    prefix: String,
    armed: bool,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (client, parent, prefix) = (
            self.client.clone(),
            std::mem::take(&mut self.parent),
            std::mem::take(&mut self.prefix),
        );
        runtime.spawn(async move {
            let result = RetryPolicy::default()
                .retry_idempotent(|| async {
                    if let Some(name) = client.find_child(&parent, &prefix).await? {
                        match client.delete(&child_path(&parent, &name), None).await {
                            Ok(()) | Err(Error::NoNode { .. }) => {}
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = result {
                tracing::warn!(%parent, %prefix, error = %e, "could not delete an abandoned protected node");
            }
        });
    }
}

fn root_error(path: &str) -> Error {
    Error::InvalidPath {
        path: path.to_owned(),
        reason: "the root cannot be created".into(),
    }
}

impl Client {
    /// Creates a node whose name gets a unique protected prefix, `_c_<uuid>-` as Apache
    /// Curator writes it (so Curator recognises it): `/locks/lock-` in ephemeral-sequential
    /// mode becomes `/locks/_c_1f0e...-lock-0000000007`. Returns the path and stat.
    ///
    /// When the create fails with [`Error::ConnectionLoss`] or [`Error::Timeout`] (it may
    /// have run), the client waits for the connection, lists the parent (after a `sync`) for
    /// a child with its prefix, and returns that node if it finds one; otherwise it creates
    /// again. An ephemeral node found but owned by another session (the session expired and
    /// was re-created meanwhile) is deleted and created again in this session. So a
    /// connection loss neither leaves a ghost nor creates a duplicate. When the create is
    /// given up (errors, ten tries) or its future is dropped before it finishes, a
    /// background task deletes the node if it was created.
    ///
    /// `parents`: create the missing parents too (see [`Client::create_with_parents`]).
    ///
    /// ```no_run
    /// # async fn demo(zk: zk_client::Client) -> Result<(), zk_client::Error> {
    /// use zk_client::{CreateMode, CreateOptions, Parents};
    ///
    /// let (me, stat) = zk
    ///     .create_protected(
    ///         "/app/lock/lock-",
    ///         Vec::new(),
    ///         &CreateOptions::new(CreateMode::EphemeralSequential),
    ///         Some(&Parents::containers()),
    ///     )
    ///     .await?;
    /// assert!(zk_client::is_protected(me.rsplit('/').next().unwrap_or_default()));
    /// # let _ = stat; Ok(()) }
    /// ```
    pub async fn create_protected(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
        parents: Option<&Parents>,
    ) -> Result<(String, Stat), Error> {
        validate_path(path, options.mode.is_sequential())?;
        let Some((parent, name)) = path.rsplit_once('/') else {
            return Err(root_error(path));
        };
        let prefix = format!("{PROTECTED_PREFIX}{}-", random_uuid());
        let parent = if parent.is_empty() { "/" } else { parent };
        let protected = child_path(parent, &format!("{prefix}{name}"));
        self.create_with_unique_prefix(&protected, &prefix, data, options, parents)
            .await
    }

    /// [`Client::create_protected`] with a unique name prefix of the caller's choosing, for
    /// layouts other than Curator's (kazoo's lock nodes start with `<uuid hex>__lock__`):
    /// `path`'s last segment must start with `unique`, which no other create may use. After
    /// a connection loss the node is looked for by that prefix, as `create_protected` does.
    pub async fn create_with_unique_prefix(
        &self,
        path: &str,
        unique: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
        parents: Option<&Parents>,
    ) -> Result<(String, Stat), Error> {
        validate_path(path, options.mode.is_sequential())?;
        let (parent, name) = match (parent_of(path), path.rsplit_once('/')) {
            (Some(parent), Some((_, name))) => (parent, name),
            _ => return Err(root_error(path)),
        };
        if unique.is_empty() || !name.starts_with(unique) {
            return Err(Error::InvalidArgument(format!(
                "the name of {path} must start with the unique prefix {unique:?}"
            )));
        }
        let data = data.into();
        let ephemeral = options.mode.is_ephemeral();
        let mut cleanup = Cleanup {
            client: self.clone(),
            parent: parent.to_owned(),
            prefix: unique.to_owned(),
            armed: true,
        };
        let mut first = true;
        // Whether a create may have run without our knowing its outcome.
        let maybe_created = AtomicBool::new(false);
        let result = PROTECTED_RETRY
            .retry_idempotent(|| {
                let again = !std::mem::replace(&mut first, false);
                let (data, maybe_created) = (data.clone(), &maybe_created);
                async move {
                    if again {
                        if let Some(found) = self.find_protected(parent, unique, ephemeral).await? {
                            return Ok(found);
                        }
                    }
                    let created = match parents {
                        Some(p) => self.create_with_parents(path, data, options, p).await,
                        None => self.create2(path, data, options).await,
                    };
                    if created.as_ref().is_err_and(Error::may_have_run) {
                        maybe_created.store(true, Ordering::Relaxed);
                    }
                    created
                }
            })
            .await;
        // Kept armed (the node is looked for and deleted) only when a create may have run
        // unseen; a future dropped midway never gets here and stays armed.
        cleanup.armed = result.is_err() && maybe_created.load(Ordering::Relaxed);
        result
    }

    /// The name of `parent`'s child that starts with `prefix`, if any (after a `sync`, so
    /// that a follower has caught up with a create still being committed).
    async fn find_child(&self, parent: &str, prefix: &str) -> Result<Option<String>, Error> {
        match self.sync(parent).await {
            Ok(()) | Err(Error::NoNode { .. }) => {}
            Err(e) => return Err(e),
        }
        match self.get_children(parent).await {
            Ok(children) => Ok(children
                .iter()
                .find(|c| c.starts_with(prefix))
                .map(|c| c.to_string())),
            Err(Error::NoNode { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The node a protected create may have made, with its stat: `None` when absent, or
    /// when ephemeral and owned by another session (then deleted).
    async fn find_protected(
        &self,
        parent: &str,
        prefix: &str,
        ephemeral: bool,
    ) -> Result<Option<(String, Stat)>, Error> {
        let Some(name) = self.find_child(parent, prefix).await? else {
            return Ok(None);
        };
        let path = child_path(parent, &name);
        let Some(stat) = self.exists(&path).await? else {
            return Ok(None);
        };
        let session = self.session().map(|s| s.id);
        if ephemeral && Some(stat.ephemeral_owner) != session {
            tracing::info!(%path, owner = stat.ephemeral_owner, "protected node of an earlier session: deleting it");
            match self.delete(&path, Some(stat.version)).await {
                Ok(()) | Err(Error::NoNode { .. }) => {}
                Err(e) => return Err(e),
            }
            return Ok(None);
        }
        Ok(Some((path, stat)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_canonical_and_distinct() {
        let a = random_uuid();
        let b = random_uuid();
        assert_ne!(a, b);
        for u in [&a, &b] {
            assert!(is_uuid(u), "{u}");
            assert_eq!(u.as_bytes()[14], b'4', "version 4: {u}");
            assert!(matches!(u.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "{u}");
            assert_eq!(u.to_lowercase(), *u);
        }
    }

    #[test]
    fn protected_names_as_curator() {
        let name = "_c_53345f98-9423-4e0c-a7b5-9f819e3ec2e1-lock-0000000001";
        assert!(is_protected(name));
        assert_eq!(
            protected_id(name),
            Some("53345f98-9423-4e0c-a7b5-9f819e3ec2e1")
        );
        assert_eq!(strip_protected(name), "lock-0000000001");
        // Nothing after the prefix, a bad UUID, no prefix: not protected.
        assert!(!is_protected("_c_53345f98-9423-4e0c-a7b5-9f819e3ec2e1-"));
        assert!(!is_protected(
            "_c_53345f98-9423-4e0c-a7b5-9f819e3ec2eX-lock-"
        ));
        assert!(!is_protected("lock-0000000001"));
        assert!(!is_protected("_c_é"));
        assert_eq!(strip_protected("lock-1"), "lock-1");
    }
}
