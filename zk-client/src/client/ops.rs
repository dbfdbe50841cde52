//! The operations: one method per ZooKeeper request, with paths validated and chrooted on the
//! way out and replies decoded (zero-copy for data) and un-chrooted on the way back.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use jute::Utf8Bytes;
use tokio::sync::{mpsc, oneshot};
use zk_records::data::{Acl, ClientInfo, Stat};
use zk_records::proto::{
    AddWatchRequest, CheckWatchesRequest, CreateRequest, CreateTtlRequest, DeleteRequest,
    ExistsRequestView, GetAclRequest, GetAllChildrenNumberRequest, GetChildren2RequestView,
    GetChildrenRequestView, GetDataRequestView, GetEphemeralsRequest, RemoveWatchesRequest,
    SetAclRequest, SetDataRequest, SyncRequest,
};
use zk_records::{
    AddWatchMode, Create2Request, CreateContainerRequest, CreateMode, MultiOp, WatcherType,
    WhoAmIRequest,
};

use super::handle::Client;
use super::watcher::{OneshotWatcher, PersistentWatcher};
use crate::error::Error;
use crate::message::Effect;
use crate::path::validate_path;
use crate::watch::{Registration, Sink, WatchKind};

/// The node holding the ensemble configuration (never chrooted).
pub const CONFIG_NODE: &str = "/zookeeper/config";
/// Largest TTL the server accepts (`EphemeralType.TTL`'s 40-bit limit), in milliseconds.
pub const MAX_TTL_MS: i64 = (1 << 40) - 1;

/// How to create a node: mode, ACL, and for TTL modes the time to live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOptions {
    /// The creation mode.
    pub mode: CreateMode,
    /// The ACL (must not be empty). Default: open to anyone (`world:anyone`, all permissions).
    pub acl: Vec<Acl>,
    /// Time to live for `PersistentWithTtl` / `PersistentSequentialWithTtl` (required there,
    /// refused elsewhere).
    pub ttl: Option<Duration>,
}

impl CreateOptions {
    /// Options for `mode` with the open ACL.
    pub fn new(mode: CreateMode) -> CreateOptions {
        CreateOptions {
            mode,
            acl: zk_records::open_acl_unsafe(),
            ttl: None,
        }
    }

    /// A persistent node with the open ACL.
    pub fn persistent() -> CreateOptions {
        CreateOptions::new(CreateMode::Persistent)
    }

    /// An ephemeral node with the open ACL.
    pub fn ephemeral() -> CreateOptions {
        CreateOptions::new(CreateMode::Ephemeral)
    }

    /// Replaces the ACL.
    pub fn with_acl(mut self, acl: Vec<Acl>) -> CreateOptions {
        self.acl = acl;
        self
    }

    /// Sets the time to live (TTL modes only).
    pub fn with_ttl(mut self, ttl: Duration) -> CreateOptions {
        self.ttl = Some(ttl);
        self
    }

    /// Checks the options and returns the TTL in milliseconds, if any.
    fn ttl_ms(&self) -> Result<Option<i64>, Error> {
        let ttl_mode = matches!(
            self.mode,
            CreateMode::PersistentWithTtl | CreateMode::PersistentSequentialWithTtl
        );
        match (ttl_mode, self.ttl) {
            (true, Some(ttl)) => {
                let ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
                if ms <= 0 || ms > MAX_TTL_MS {
                    Err(Error::InvalidArgument(format!(
                        "TTL must be between 1 ms and {MAX_TTL_MS} ms, got {ttl:?}"
                    )))
                } else {
                    Ok(Some(ms))
                }
            }
            (true, None) => Err(Error::InvalidArgument(format!("{} needs a TTL", self.mode))),
            (false, Some(_)) => Err(Error::InvalidArgument(format!(
                "{} takes no TTL",
                self.mode
            ))),
            (false, None) => Ok(None),
        }
    }
}

/// A version to check, or any version.
fn version(v: Option<i32>) -> i32 {
    v.unwrap_or(-1)
}

/// A create request, as the operation the server wants for the mode.
#[derive(Debug)]
pub(crate) enum CreateOp {
    /// `create`: answered with the path.
    Plain(CreateRequest),
    /// `create2`: answered with the path and stat.
    WithStat(CreateRequest),
    /// `createContainer`: answered with the path and stat.
    Container(CreateRequest),
    /// `createTTL`: answered with the path and stat.
    Ttl(CreateTtlRequest),
}

impl From<CreateOp> for MultiOp {
    fn from(op: CreateOp) -> MultiOp {
        match op {
            CreateOp::Plain(r) => MultiOp::Create(r),
            CreateOp::WithStat(r) => MultiOp::Create2(r),
            CreateOp::Container(r) => MultiOp::CreateContainer(r),
            CreateOp::Ttl(r) => MultiOp::CreateTtl(r),
        }
    }
}

/// Validates a create and builds its request for server-side path `server_path`: `create`
/// (or `create2` when `stat` is asked for), `createContainer`, `createTTL`.
pub(crate) fn create_op(
    path: &str,
    server_path: String,
    data: Bytes,
    options: &CreateOptions,
    stat: bool,
) -> Result<CreateOp, Error> {
    validate_path(path, options.mode.is_sequential())?;
    if options.acl.is_empty() {
        return Err(Error::InvalidAcl {
            path: path.to_owned(),
        });
    }
    let flags = options.mode.flag();
    if let Some(ttl) = options.ttl_ms()? {
        return Ok(CreateOp::Ttl(CreateTtlRequest {
            path: server_path.into(),
            data: Some(data),
            acl: options.acl.clone(),
            flags,
            ttl,
        }));
    }
    let request = CreateRequest {
        path: server_path.into(),
        data: Some(data),
        acl: options.acl.clone(),
        flags,
    };
    Ok(if options.mode == CreateMode::Container {
        CreateOp::Container(request)
    } else if stat {
        CreateOp::WithStat(request)
    } else {
        CreateOp::Plain(request)
    })
}

impl Client {
    fn server_path(&self, path: &str) -> Result<Utf8Bytes, Error> {
        self.server_path_view(path).map(Utf8Bytes::from)
    }

    /// The validated server-side path, borrowed from `path` when there is no chroot: for the
    /// requests sent as borrowed views (`GetDataRequestView`, ...), whose encoding copies it
    /// straight into the request, with no allocation of its own.
    fn server_path_view<'a>(&self, path: &'a str) -> Result<Cow<'a, str>, Error> {
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

    /// The children's names and the node's stat (`getChildren2`).
    pub async fn get_children2(&self, path: &str) -> Result<(Vec<Utf8Bytes>, Stat), Error> {
        let request = GetChildren2RequestView {
            path: self.server_path_view(path)?,
            watch: false,
        };
        let r = self.request(&request, path).await?;
        Ok((r.children, r.stat))
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

    /// The ensemble configuration (the data of `/zookeeper/config`, read outside the chroot).
    pub async fn get_config(&self) -> Result<(Bytes, Stat), Error> {
        let request = GetDataRequestView {
            path: Cow::Borrowed(CONFIG_NODE),
            watch: false,
        };
        let r = self.request(&request, CONFIG_NODE).await?;
        Ok((r.data.unwrap_or_default(), r.stat))
    }

    /// Adds a persistent watch on `path` (and, for `PersistentRecursive`, all its
    /// descendants). It stays until the watcher is dropped or removed.
    pub async fn add_watch(
        &self,
        path: &str,
        mode: AddWatchMode,
    ) -> Result<PersistentWatcher, Error> {
        let server_path = self.server_path(path)?;
        let id = self.next_watch_id();
        let (tx, rx) = mpsc::unbounded_channel();
        let kind = match mode {
            AddWatchMode::Persistent => WatchKind::Persistent,
            AddWatchMode::PersistentRecursive => WatchKind::PersistentRecursive,
        };
        let watcher = PersistentWatcher::new(id, rx, self.commands());
        let request = AddWatchRequest {
            path: server_path.clone(),
            mode: mode.code(),
        };
        let effect = Effect::Register {
            registration: Registration {
                id,
                path: server_path.to_string(),
                kind,
                sink: Sink::Stream(tx),
            },
            exists: false,
        };
        self.request_with(&request, effect, path).await?;
        Ok(watcher)
    }

    /// Removes every watch of `kind` on `path`, on the server and in this client; the removed
    /// watchers receive a `*WatchRemoved` event. Fails with [`Error::NoWatcher`] when there
    /// is none. `Any` removes every kind, persistent watches included; servers before 3.9
    /// refuse the `Persistent*` kinds (`MARSHALLINGERROR`): use `Any` there.
    pub async fn remove_watches(&self, path: &str, kind: WatcherType) -> Result<(), Error> {
        let server_path = self.server_path(path)?;
        let request = RemoveWatchesRequest {
            path: server_path.clone(),
            r#type: kind.code(),
        };
        let effect = Effect::RemoveAll {
            path: server_path.to_string(),
            kind,
            client_path: path.to_owned(),
        };
        self.request_with(&request, effect, path).await
    }

    /// Asks the server whether a watch of `kind` is set on `path` for this session;
    /// [`Error::NoWatcher`] when not. Servers before 3.9 only know `Data`, `Children` and
    /// `Any` (a persistent watch counts as both data and child watch there).
    pub async fn check_watches(&self, path: &str, kind: WatcherType) -> Result<(), Error> {
        let request = CheckWatchesRequest {
            path: self.server_path(path)?,
            r#type: kind.code(),
        };
        self.request(&request, path).await
    }

    /// A one-shot watcher and its registration.
    fn oneshot(
        &self,
        path: &str,
        kind: WatchKind,
    ) -> Result<(Registration, OneshotWatcher), Error> {
        let server_path = self.server_path_view(path)?.into_owned();
        let id = self.next_watch_id();
        let (tx, rx) = oneshot::channel();
        Ok((
            Registration {
                id,
                path: server_path,
                kind,
                sink: Sink::Oneshot(Some(tx)),
            },
            OneshotWatcher::new(id, rx, self.commands()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk_records::OpCode;

    #[test]
    fn create_record_choice() {
        let data = Bytes::from_static(b"d");
        let p = |o: &CreateOptions, stat| {
            create_op("/a", "/r/a".into(), data.clone(), o, stat)
                .map(|op| MultiOp::from(op).op_code())
        };
        assert_eq!(p(&CreateOptions::persistent(), false), Ok(OpCode::Create));
        assert_eq!(p(&CreateOptions::persistent(), true), Ok(OpCode::Create2));
        assert_eq!(
            p(&CreateOptions::new(CreateMode::Container), false),
            Ok(OpCode::CreateContainer)
        );
        let ttl =
            CreateOptions::new(CreateMode::PersistentWithTtl).with_ttl(Duration::from_secs(1));
        assert_eq!(p(&ttl, false), Ok(OpCode::CreateTtl));
        assert!(matches!(
            p(&CreateOptions::new(CreateMode::PersistentWithTtl), false),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            p(
                &CreateOptions::persistent().with_ttl(Duration::from_secs(1)),
                false
            ),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            p(&CreateOptions::persistent().with_acl(vec![]), false),
            Err(Error::InvalidAcl { .. })
        ));
        let zero = CreateOptions::new(CreateMode::PersistentWithTtl).with_ttl(Duration::ZERO);
        assert!(p(&zero, false).is_err());
    }

    #[test]
    fn sequential_paths_may_end_with_slash() {
        let o = CreateOptions::new(CreateMode::PersistentSequential);
        assert!(create_op("/q/", "/q/".into(), Bytes::new(), &o, false).is_ok());
        assert!(create_op(
            "/q/",
            "/q/".into(),
            Bytes::new(),
            &CreateOptions::persistent(),
            false
        )
        .is_err());
    }
}
