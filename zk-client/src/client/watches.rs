//! The watch operations: persistent watches, removing and checking watches (with Java's
//! `local` flag), and the ensemble configuration, read and watched outside the chroot.

use std::borrow::Cow;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use zk_records::data::Stat;
use zk_records::proto::{
    AddWatchRequest, CheckWatchesRequest, GetDataRequestView, RemoveWatchesRequest,
};
use zk_records::{AddWatchMode, WatcherType};

use super::handle::Client;
use super::watcher::{OneshotWatcher, PersistentWatcher};
use crate::config::EnsembleConfig;
use crate::error::Error;
use crate::message::{Command, Effect};
use crate::path::CONFIG_NODE;
use crate::watch::{Registration, Sink, WatchKind};
use crate::watch_path::WatchPath;

impl Client {
    async fn get_config_inner(&self, watch: Option<Registration>) -> Result<(Bytes, Stat), Error> {
        let request = GetDataRequestView {
            path: Cow::Borrowed(CONFIG_NODE),
            watch: watch.is_some(),
        };
        let effect = Effect::watch(watch, false);
        let r = self.request_with(&request, effect, CONFIG_NODE).await?;
        Ok((r.data.unwrap_or_default(), r.stat))
    }

    /// The ensemble configuration: the data of [`CONFIG_NODE`], read outside the chroot
    /// (parse it with [`EnsembleConfig::parse_bytes`], or call [`Client::ensemble_config`]).
    pub async fn get_config(&self) -> Result<(Bytes, Stat), Error> {
        self.get_config_inner(None).await
    }

    /// The ensemble configuration, parsed, and the stat of [`CONFIG_NODE`]. A standalone
    /// server's configuration has no members. Fails with [`Error::EnsembleConfig`] when the
    /// data does not parse.
    pub async fn ensemble_config(&self) -> Result<(EnsembleConfig, Stat), Error> {
        let (data, stat) = self.get_config().await?;
        Ok((EnsembleConfig::parse_bytes(&data)?, stat))
    }

    /// Like [`Client::get_config`], leaving a one-shot watch that fires when the
    /// configuration changes (a reconfiguration). Works through a chroot too: the watch is on
    /// [`CONFIG_NODE`] itself, and its event carries that path.
    pub async fn get_config_and_watch(&self) -> Result<(Bytes, Stat, OneshotWatcher), Error> {
        let id = self.next_watch_id();
        let (tx, rx) = self.inner.watch_slots.open();
        let path = WatchPath::new(CONFIG_NODE);
        let registration = Registration {
            id,
            path: path.clone(),
            kind: WatchKind::Data,
            sink: Sink::Oneshot(Some(tx)),
        };
        let watcher = OneshotWatcher::new(id, path, rx, self.commands());
        let (data, stat) = self.get_config_inner(Some(registration)).await?;
        Ok((data, stat, watcher))
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
        let shared_path = WatchPath::new(&server_path);
        let watcher = PersistentWatcher::new(id, shared_path.clone(), rx, self.commands());
        let request = AddWatchRequest {
            path: server_path.clone(),
            mode: mode.code(),
        };
        let effect = Effect::Register {
            registration: Registration {
                id,
                path: shared_path,
                kind,
                sink: Sink::Stream(tx),
            },
            exists: false,
        };
        self.request_with(&request, effect, path).await?;
        Ok(watcher)
    }

    /// Removes every watch of `kind` on `path`, on the server and in this client; the removed
    /// watchers receive a `*WatchRemoved` event. Fails with [`Error::NoWatcher`] when this
    /// client has no watcher of `kind` there, whatever the server removed (as Java's client).
    /// `Data` and `Children` leave a persistent watch on the path as it is (servers before 3.9
    /// count it as both; the client asks for it again). `Any` removes every kind, persistent
    /// watches included; servers before 3.9 refuse the `Persistent*` kinds
    /// (`MARSHALLINGERROR`): use `Any` there.
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

    /// Like [`Client::remove_watches`] with Java's `local` flag: when the server cannot be
    /// asked (no connection now, or the request fails, connection loss included), the local
    /// watchers of `kind` on `path` are removed all the same and receive their
    /// `*WatchRemoved` event; the call then succeeds if there was any. A watch removed while
    /// disconnected is not restored on the next connection, so the server forgets it too.
    pub async fn remove_watches_locally(&self, path: &str, kind: WatcherType) -> Result<(), Error> {
        let server_path = self.server_path_view(path)?.into_owned();
        let failure = if self.state().is_connected() {
            match self.remove_watches(path, kind).await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            }
        } else {
            Error::NoWatcher {
                path: path.to_owned(),
            }
        };
        let (reply, removed) = oneshot::channel();
        self.commands()
            .send(Command::RemoveLocal {
                path: server_path,
                kind,
                client_path: path.to_owned(),
                reply,
            })
            .map_err(|_| Error::Closed)?;
        match removed.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(failure),
            Err(_) => Err(Error::Closed),
        }
    }
}
