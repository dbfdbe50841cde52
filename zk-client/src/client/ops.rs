//! The operations: one method per ZooKeeper request, with paths validated and chrooted on the
//! way out and replies decoded (zero-copy for data) and un-chrooted on the way back.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use jute::Utf8Bytes;
use tokio::sync::{mpsc, oneshot};
use zk_records::data::{Acl, ClientInfo, Stat};
use zk_records::proto::{
    AddWatchRequest, CheckWatchesRequest, Create2Response, CreateRequest, CreateResponse,
    CreateTtlRequest, DeleteRequest, ExistsRequestView, GetAclRequest, GetAclResponse,
    GetAllChildrenNumberRequest, GetAllChildrenNumberResponse, GetChildren2RequestView,
    GetChildren2Response, GetChildrenRequestView, GetChildrenResponse, GetDataRequestView,
    GetDataResponse, GetEphemeralsRequest, GetEphemeralsResponse, RemoveWatchesRequest,
    SetAclRequest, SetAclResponse, SetDataRequest, SetDataResponse, SyncRequest, SyncResponse,
    WhoAmIResponse,
};
use zk_records::{AddWatchMode, CreateMode, ErrorCode, OpCode, WatcherType};

use super::handle::Client;
use super::watcher::{OneshotWatcher, PersistentWatcher};
use crate::error::Error;
use crate::message::{Effect, Reply};
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

/// Turns a reply into its body, or the error for `path`.
fn ok_body(reply: Reply, path: &str) -> Result<Bytes, Error> {
    if reply.err != 0 {
        Err(Error::from_server(reply.err, path))
    } else {
        Ok(reply.body)
    }
}

/// A create request, in the form the server wants for its mode.
pub(crate) enum CreateRecord {
    Plain(CreateRequest),
    Ttl(CreateTtlRequest),
}

impl CreateRecord {
    /// Validates and builds the request for server-side path `server_path`. `stat` selects
    /// `create2` for plain modes (containers and TTL nodes always answer with a stat).
    pub(crate) fn build(
        path: &str,
        server_path: String,
        data: Bytes,
        options: &CreateOptions,
        stat: bool,
    ) -> Result<(OpCode, CreateRecord), Error> {
        validate_path(path, options.mode.is_sequential())?;
        if options.acl.is_empty() {
            return Err(Error::InvalidAcl {
                path: path.to_owned(),
            });
        }
        let ttl = options.ttl_ms()?;
        let flags = options.mode.flag();
        if let Some(ttl) = ttl {
            return Ok((
                OpCode::CreateTtl,
                CreateRecord::Ttl(CreateTtlRequest {
                    path: server_path.into(),
                    data: Some(data),
                    acl: options.acl.clone(),
                    flags,
                    ttl,
                }),
            ));
        }
        let op = if options.mode == CreateMode::Container {
            OpCode::CreateContainer
        } else if stat {
            OpCode::Create2
        } else {
            OpCode::Create
        };
        Ok((
            op,
            CreateRecord::Plain(CreateRequest {
                path: server_path.into(),
                data: Some(data),
                acl: options.acl.clone(),
                flags,
            }),
        ))
    }

    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        use jute::Jute;
        match self {
            CreateRecord::Plain(r) => r.encode(out),
            CreateRecord::Ttl(r) => r.encode(out),
        }
    }
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
        let (op, record) = CreateRecord::build(path, server_path, data, options, stat)?;
        // Through `call`: large node data is written from `data` itself, not copied.
        let reply = match &record {
            CreateRecord::Plain(r) => self.call(op, r, Effect::None).await?,
            CreateRecord::Ttl(r) => self.call(op, r, Effect::None).await?,
        };
        let body = ok_body(reply, path)?;
        if op == OpCode::Create {
            let r: CreateResponse = jute::from_bytes(body)?;
            Ok((self.client_path(r.path), None))
        } else {
            let r: Create2Response = jute::from_bytes(body)?;
            Ok((self.client_path(r.path), Some(r.stat)))
        }
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
        let reply = self.call(OpCode::Delete, &request, Effect::None).await?;
        ok_body(reply, path).map(drop)
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
        let reply = self.call(OpCode::Exists, &request, effect).await?;
        if reply.err == ErrorCode::NoNode.code() {
            return Ok(None);
        }
        let body = ok_body(reply, path)?;
        Ok(Some(jute::from_bytes::<Stat>(body)?))
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
        let reply = self.call(OpCode::GetData, &request, effect).await?;
        let r: GetDataResponse = jute::from_bytes(ok_body(reply, path)?)?;
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
        let reply = self.call(OpCode::SetData, &request, Effect::None).await?;
        let r: SetDataResponse = jute::from_bytes(ok_body(reply, path)?)?;
        Ok(r.stat)
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
        let reply = self.call(OpCode::GetChildren, &request, effect).await?;
        let r: GetChildrenResponse = jute::from_bytes(ok_body(reply, path)?)?;
        Ok(r.children)
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
        let reply = self
            .call(OpCode::GetChildren2, &request, Effect::None)
            .await?;
        let r: GetChildren2Response = jute::from_bytes(ok_body(reply, path)?)?;
        Ok((r.children, r.stat))
    }

    /// The number of descendants of the node (not counting itself).
    pub async fn get_all_children_number(&self, path: &str) -> Result<i32, Error> {
        let request = GetAllChildrenNumberRequest {
            path: self.server_path(path)?,
        };
        let reply = self
            .call(OpCode::GetAllChildrenNumber, &request, Effect::None)
            .await?;
        let r: GetAllChildrenNumberResponse = jute::from_bytes(ok_body(reply, path)?)?;
        Ok(r.total_number)
    }

    /// The node's ACL and stat.
    pub async fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, Stat), Error> {
        let request = GetAclRequest {
            path: self.server_path(path)?,
        };
        let reply = self.call(OpCode::GetAcl, &request, Effect::None).await?;
        let r: GetAclResponse = jute::from_bytes(ok_body(reply, path)?)?;
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
        let reply = self.call(OpCode::SetAcl, &request, Effect::None).await?;
        let r: SetAclResponse = jute::from_bytes(ok_body(reply, path)?)?;
        Ok(r.stat)
    }

    /// Waits until the server this client talks to has caught up with the leader for `path`.
    pub async fn sync(&self, path: &str) -> Result<(), Error> {
        let request = SyncRequest {
            path: self.server_path(path)?,
        };
        let reply = self.call(OpCode::Sync, &request, Effect::None).await?;
        let _: SyncResponse = jute::from_bytes(ok_body(reply, path)?)?;
        Ok(())
    }

    /// The paths of this session's ephemeral nodes whose path starts with `prefix` (a string
    /// prefix; `/` for all), relative to the chroot.
    pub async fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let request = GetEphemeralsRequest {
            prefix_path: self.server_path(prefix)?,
        };
        let reply = self
            .call(OpCode::GetEphemerals, &request, Effect::None)
            .await?;
        let r: GetEphemeralsResponse = jute::from_bytes(ok_body(reply, prefix)?)?;
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
        let reply = self
            .call_raw(OpCode::WhoAmI, Vec::new(), Effect::None)
            .await?;
        let r: WhoAmIResponse = jute::from_bytes(ok_body(reply, "")?)?;
        Ok(r.client_info)
    }

    /// The ensemble configuration (the data of `/zookeeper/config`, read outside the chroot).
    pub async fn get_config(&self) -> Result<(Bytes, Stat), Error> {
        let request = GetDataRequestView {
            path: Cow::Borrowed(CONFIG_NODE),
            watch: false,
        };
        let reply = self.call(OpCode::GetData, &request, Effect::None).await?;
        let r: GetDataResponse = jute::from_bytes(ok_body(reply, CONFIG_NODE)?)?;
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
        let reply = self.call(OpCode::AddWatch, &request, effect).await?;
        ok_body(reply, path)?;
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
        let reply = self.call(OpCode::RemoveWatches, &request, effect).await?;
        ok_body(reply, path).map(drop)
    }

    /// Asks the server whether a watch of `kind` is set on `path` for this session;
    /// [`Error::NoWatcher`] when not. Servers before 3.9 only know `Data`, `Children` and
    /// `Any` (a persistent watch counts as both data and child watch there).
    pub async fn check_watches(&self, path: &str, kind: WatcherType) -> Result<(), Error> {
        let request = CheckWatchesRequest {
            path: self.server_path(path)?,
            r#type: kind.code(),
        };
        let reply = self
            .call(OpCode::CheckWatches, &request, Effect::None)
            .await?;
        ok_body(reply, path).map(drop)
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

    #[test]
    fn create_record_choice() {
        let data = Bytes::from_static(b"d");
        let p = |o: &CreateOptions, stat| {
            CreateRecord::build("/a", "/r/a".into(), data.clone(), o, stat).map(|(op, _)| op)
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
        assert!(CreateRecord::build("/q/", "/q/".into(), Bytes::new(), &o, false).is_ok());
        assert!(CreateRecord::build(
            "/q/",
            "/q/".into(),
            Bytes::new(),
            &CreateOptions::persistent(),
            false
        )
        .is_err());
    }
}
