//! The operations: one method per ZooKeeper request, with paths validated and chrooted on the
//! way out and replies decoded (zero-copy for data) and un-chrooted on the way back.

use std::borrow::Cow;

use bytes::Bytes;
use jute::Utf8Bytes;
use zk_records::data::{Acl, ClientInfo, Stat};
use zk_records::proto::{
    DeleteRequest, ExistsRequestView, GetAclRequest, GetAllChildrenNumberRequest,
    GetChildren2RequestView, GetChildrenRequestView, GetDataRequestView, GetEphemeralsRequest,
    SetAclRequest, SetDataRequest, SyncRequest,
};
use zk_records::{Create2Request, CreateContainerRequest, WhoAmIRequest};

use super::create::{create_op, CreateOp, CreateOptions};
use super::handle::Client;
use super::watcher::OneshotWatcher;
use crate::error::Error;
use crate::message::Effect;
use crate::path::validate_path;
use crate::watch::{Registration, Sink, WatchKind};
use crate::watch_path::WatchPath;

/// A version to check, or any version.
fn version(v: Option<i32>) -> i32 {
    v.unwrap_or(-1)
}

impl Client {
    pub(super) fn server_path(&self, path: &str) -> Result<Utf8Bytes, Error> {
        self.server_path_view(path).map(Utf8Bytes::from)
    }

    /// The validated server-side path, borrowed from `path` when there is no chroot: for the
    /// requests sent as borrowed views (`GetDataRequestView`, ...), whose encoding copies it
    /// straight into the request, with no allocation of its own.
    pub(super) fn server_path_view<'a>(&self, path: &'a str) -> Result<Cow<'a, str>, Error> {
        validate_path(path, false)?;
        Ok(self.inner.chroot.prepend(path))
    }

    fn client_path(&self, server_path: Utf8Bytes) -> String {
        self.inner.chroot.strip(&server_path).into_owned()
    }

    async fn create_raw(
        &self,
        path: &str,
        data: Bytes,
        options: &CreateOptions,
        stat: bool,
    ) -> Result<(String, Option<Stat>), Error> {
        let server_path = self.inner.chroot.prepend(path).into_owned();
        let op = create_op(path, server_path, data, options, stat)?;
        // Large node data is written from `data` itself, not copied.
        let created = match op {
            CreateOp::Plain(r) => {
                let r = self.request(&r, path).await?;
                return Ok((self.client_path(r.path), None));
            }
            CreateOp::WithStat(r) => self.request(&Create2Request(r), path).await?,
            CreateOp::Container(r) => self.request(&CreateContainerRequest(r), path).await?,
            CreateOp::Ttl(r) => self.request(&r, path).await?,
        };
        Ok((self.client_path(created.path), Some(created.stat)))
    }

    /// Creates a node and returns its path (with the sequence number, for sequential modes).
    pub async fn create(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
    ) -> Result<String, Error> {
        Ok(self.create_raw(path, data.into(), options, false).await?.0)
    }

    /// Creates a node and returns its path and stat (`create2`).
    pub async fn create2(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
    ) -> Result<(String, Stat), Error> {
        let (path_out, stat) = self.create_raw(path, data.into(), options, true).await?;
        let stat = stat.ok_or_else(|| Error::Protocol("create2 reply without a stat".into()))?;
        Ok((path_out, stat))
    }

    /// Deletes a node, if its version matches (`None`: any version).
    pub async fn delete(&self, path: &str, version_: Option<i32>) -> Result<(), Error> {
        validate_path(path, false)?;
        // Deleting "/" is refused by the server; never turn it into deleting the chroot.
        let server_path = if path == "/" {
            path.to_owned()
        } else {
            self.inner.chroot.prepend(path).into_owned()
        };
        let request = DeleteRequest {
            path: server_path.into(),
            version: version(version_),
        };
        self.request(&request, path).await
    }

    async fn exists_inner(
        &self,
        path: &str,
        watch: Option<Registration>,
    ) -> Result<Option<Stat>, Error> {
        let request = ExistsRequestView {
            path: self.server_path_view(path)?,
            watch: watch.is_some(),
        };
        let effect = Effect::watch(watch, true);
        match self.request_with(&request, effect, path).await {
            Ok(r) => Ok(Some(r.stat)),
            Err(Error::NoNode { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The node's stat, or `None` if it does not exist.
    pub async fn exists(&self, path: &str) -> Result<Option<Stat>, Error> {
        self.exists_inner(path, None).await
    }

    /// Like [`Client::exists`], leaving a one-shot watch that fires when the node is created,
    /// changed or deleted.
    pub async fn exists_and_watch(
        &self,
        path: &str,
    ) -> Result<(Option<Stat>, OneshotWatcher), Error> {
        let (registration, watcher) = self.oneshot(path, WatchKind::Data)?;
        let stat = self.exists_inner(path, Some(registration)).await?;
        Ok((stat, watcher))
    }

    async fn get_data_inner(
        &self,
        path: &str,
        watch: Option<Registration>,
    ) -> Result<(Bytes, Stat), Error> {
        let request = GetDataRequestView {
            path: self.server_path_view(path)?,
            watch: watch.is_some(),
        };
        let effect = Effect::watch(watch, false);
        let r = self.request_with(&request, effect, path).await?;
        Ok((r.data.unwrap_or_default(), r.stat))
    }

    /// The node's data (sharing the receive buffer, not copied) and stat.
    pub async fn get_data(&self, path: &str) -> Result<(Bytes, Stat), Error> {
        self.get_data_inner(path, None).await
    }

    /// Like [`Client::get_data`], leaving a one-shot watch for a data change or deletion.
    pub async fn get_data_and_watch(
        &self,
        path: &str,
    ) -> Result<(Bytes, Stat, OneshotWatcher), Error> {
        let (registration, watcher) = self.oneshot(path, WatchKind::Data)?;
        let (data, stat) = self.get_data_inner(path, Some(registration)).await?;
        Ok((data, stat, watcher))
    }

    /// Replaces the node's data if its version matches (`None`: any version); returns the new
    /// stat.
    pub async fn set_data(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        version_: Option<i32>,
    ) -> Result<Stat, Error> {
        let request = SetDataRequest {
            path: self.server_path(path)?,
            data: Some(data.into()),
            version: version(version_),
        };
        Ok(self.request(&request, path).await?.stat)
    }

    async fn children_inner(
        &self,
        path: &str,
        watch: Option<Registration>,
    ) -> Result<Vec<Utf8Bytes>, Error> {
        let request = GetChildrenRequestView {
            path: self.server_path_view(path)?,
            watch: watch.is_some(),
        };
        let effect = Effect::watch(watch, false);
        Ok(self.request_with(&request, effect, path).await?.children)
    }

    /// The names of the node's children (unordered).
    pub async fn get_children(&self, path: &str) -> Result<Vec<Utf8Bytes>, Error> {
        self.children_inner(path, None).await
    }

    /// Like [`Client::get_children`], leaving a one-shot watch for a change of the child list
    /// or deletion of the node.
    pub async fn get_children_and_watch(
        &self,
        path: &str,
    ) -> Result<(Vec<Utf8Bytes>, OneshotWatcher), Error> {
        let (registration, watcher) = self.oneshot(path, WatchKind::Child)?;
        let children = self.children_inner(path, Some(registration)).await?;
        Ok((children, watcher))
    }

    async fn children2_inner(
        &self,
        path: &str,
        watch: Option<Registration>,
    ) -> Result<(Vec<Utf8Bytes>, Stat), Error> {
        let request = GetChildren2RequestView {
            path: self.server_path_view(path)?,
            watch: watch.is_some(),
        };
        let effect = Effect::watch(watch, false);
        let r = self.request_with(&request, effect, path).await?;
        Ok((r.children, r.stat))
    }

    /// The children's names and the node's stat (`getChildren2`).
    pub async fn get_children2(&self, path: &str) -> Result<(Vec<Utf8Bytes>, Stat), Error> {
        self.children2_inner(path, None).await
    }

    /// Like [`Client::get_children2`], leaving a one-shot watch for a change of the child list
    /// or deletion of the node.
    pub async fn get_children2_and_watch(
        &self,
        path: &str,
    ) -> Result<(Vec<Utf8Bytes>, Stat, OneshotWatcher), Error> {
        let (registration, watcher) = self.oneshot(path, WatchKind::Child)?;
        let (children, stat) = self.children2_inner(path, Some(registration)).await?;
        Ok((children, stat, watcher))
    }

    /// The number of descendants of the node (not counting itself).
    pub async fn get_all_children_number(&self, path: &str) -> Result<i32, Error> {
        let request = GetAllChildrenNumberRequest {
            path: self.server_path(path)?,
        };
        Ok(self.request(&request, path).await?.total_number)
    }

    /// The node's ACL and stat.
    pub async fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, Stat), Error> {
        let request = GetAclRequest {
            path: self.server_path(path)?,
        };
        let r = self.request(&request, path).await?;
        Ok((r.acl, r.stat))
    }

    /// Replaces the node's ACL if its ACL version matches (`None`: any); returns the new stat.
    pub async fn set_acl(
        &self,
        path: &str,
        acl: &[Acl],
        aversion: Option<i32>,
    ) -> Result<Stat, Error> {
        if acl.is_empty() {
            return Err(Error::InvalidAcl {
                path: path.to_owned(),
            });
        }
        let request = SetAclRequest {
            path: self.server_path(path)?,
            acl: acl.to_vec(),
            version: version(aversion),
        };
        Ok(self.request(&request, path).await?.stat)
    }

    /// Waits until the server this client talks to has caught up with the leader for `path`.
    pub async fn sync(&self, path: &str) -> Result<(), Error> {
        let request = SyncRequest {
            path: self.server_path(path)?,
        };
        self.request(&request, path).await.map(drop)
    }

    /// The paths of this session's ephemeral nodes whose path starts with `prefix` (a string
    /// prefix; `/` for all), relative to the chroot.
    pub async fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let request = GetEphemeralsRequest {
            prefix_path: self.server_path(prefix)?,
        };
        let r = self.request(&request, prefix).await?;
        let chroot = self.inner.chroot.as_str();
        Ok(r.ephemerals
            .into_iter()
            // The server matches a string prefix: "/app" also matches "/apple".
            .filter(|p| {
                chroot.is_none_or(|root| {
                    p.strip_prefix(root)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                })
            })
            .map(|p| self.client_path(p))
            .collect())
    }

    /// The identities this session is authenticated as.
    pub async fn who_am_i(&self) -> Result<Vec<ClientInfo>, Error> {
        Ok(self.request(&WhoAmIRequest, "").await?.client_info)
    }

    /// A one-shot watcher and its registration.
    pub(super) fn oneshot(
        &self,
        path: &str,
        kind: WatchKind,
    ) -> Result<(Registration, OneshotWatcher), Error> {
        let server_path = WatchPath::new(&self.server_path_view(path)?);
        let id = self.next_watch_id();
        let (tx, rx) = self.inner.watch_slots.open();
        Ok((
            Registration {
                id,
                path: server_path.clone(),
                kind,
                sink: Sink::Oneshot(Some(tx)),
            },
            OneshotWatcher::new(id, server_path, rx, self.commands()),
        ))
    }
}
