//! A shared counter (Curator's `SharedCount`): an `i32` in a node as 4 big-endian bytes,
//! changed by versioned compare-and-set, with a stream of its changes.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zk_client::{
    AddWatchMode, Client, CreateOptions, EventType, OneshotWatcher, Parents, PersistentWatcher,
    RetryPolicy, SessionEvent, Stat,
};

use crate::error::Error;
use crate::retried::create_if_absent;

/// A value of the count and the node version it was read at (Curator's `VersionedValue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VersionedCount {
    /// The count.
    pub value: i32,
    /// The node's data version: what [`SharedCount::try_set`] compares.
    pub version: i32,
    /// The zxid of the change that wrote it (orders values in time).
    pub mzxid: i64,
}

/// A counter shared by processes, on the node at `path`, as Curator's `SharedCount` keeps it
/// (4 big-endian bytes), so Rust and Java share one.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// let count = zk_recipes::SharedCount::new(client, "/app/epoch", 0).await?;
/// let seen = count.get().await?;
/// if count.try_set(&seen, seen.value + 1).await?.is_none() {
///     println!("someone else changed it first");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SharedCount {
    client: Client,
    path: String,
}

impl SharedCount {
    /// The count at `path`, created with `seed` (and missing parents, as containers) if there
    /// is none yet.
    pub async fn new(client: Client, path: &str, seed: i32) -> Result<SharedCount, Error> {
        zk_client::validate_path(path, false)?;
        // Safe to repeat: after a connection loss, `NodeExists` may be our own create.
        create_if_absent(
            &client,
            path,
            to_bytes(seed).into(),
            &CreateOptions::persistent(),
            &Parents::containers(),
        )
        .await?;
        Ok(SharedCount {
            client,
            path: path.to_owned(),
        })
    }

    /// The count's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Reads the count (retried on connection loss and timeouts).
    pub async fn get(&self) -> Result<VersionedCount, Error> {
        let (data, stat) = RetryPolicy::default()
            .retry_idempotent(|| self.client.get_data(&self.path))
            .await?;
        versioned(&self.path, &data, &stat)
    }

    /// Reads the count and leaves a one-shot watch on its node, on the count's own client
    /// (retried on connection loss and timeouts): what a semaphore limited by the count
    /// decides with and wakes on.
    pub(crate) async fn get_and_watch(&self) -> Result<(VersionedCount, OneshotWatcher), Error> {
        let (data, stat, watcher) = RetryPolicy::default()
            .retry_idempotent(|| self.client.get_data_and_watch(&self.path))
            .await?;
        Ok((versioned(&self.path, &data, &stat)?, watcher))
    }

    /// Sets the count, whatever it was (retried on connection loss and timeouts: writing the
    /// same value again is harmless).
    pub async fn set(&self, value: i32) -> Result<VersionedCount, Error> {
        let stat = RetryPolicy::default()
            .retry_idempotent(|| self.client.set_data(&self.path, to_bytes(value), None))
            .await?;
        Ok(VersionedCount {
            value,
            version: stat.version,
            mzxid: stat.mzxid,
        })
    }

    /// Sets the count to `value` if it is still as `previous` was read (its version):
    /// the new value, or `None` when someone changed it meanwhile (read it again and retry).
    /// A `previous` at version -1, ZooKeeper's "any version", is refused with
    /// `InvalidArgument` (Curator's `IllegalTrySetVersionException`): it would write blindly.
    pub async fn try_set(
        &self,
        previous: &VersionedCount,
        value: i32,
    ) -> Result<Option<VersionedCount>, Error> {
        if previous.version == ANY_VERSION {
            return Err(zk_client::Error::InvalidArgument(format!(
                "shared count {}: a compare-and-set needs the version read, not -1 (any)",
                self.path
            ))
            .into());
        }
        let set = self
            .client
            .set_data(&self.path, to_bytes(value), Some(previous.version))
            .await;
        match set {
            Ok(stat) => Ok(Some(VersionedCount {
                value,
                version: stat.version,
                mzxid: stat.mzxid,
            })),
            Err(zk_client::Error::BadVersion { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Changes the count with `f` by compare-and-set, reading again until no one else
    /// changed it in between: the value written.
    pub async fn update(&self, mut f: impl FnMut(i32) -> i32) -> Result<VersionedCount, Error> {
        loop {
            let seen = self.get().await?;
            if let Some(done) = self.try_set(&seen, f(seen.value)).await? {
                return Ok(done);
            }
        }
    }

    /// A stream of the count's values: the value now, then each new value as it is written
    /// (a reader that falls behind gets the latest, not every one). Values read again after a
    /// reconnect or a new session are reported if they changed meanwhile.
    pub async fn changes(&self) -> Result<CountChanges, Error> {
        let events = self.client.session_events();
        let watcher = self
            .client
            .add_watch(&self.path, AddWatchMode::Persistent)
            .await?;
        let (tx, rx) = mpsc::channel(CHANGES_CAPACITY);
        let task = tokio::spawn(follow(self.clone(), watcher, events, tx));
        Ok(CountChanges { rx, task })
    }
}

/// The version ZooKeeper's `setData` takes as "whatever the version".
const ANY_VERSION: i32 = -1;

/// How many values a [`CountChanges`] reader may fall behind before the count's task waits
/// (and then reads the latest value).
const CHANGES_CAPACITY: usize = 16;

/// The values of a [`SharedCount`] as they change ([`SharedCount::changes`]); a
/// [`futures_core::Stream`]. Ends when the session ends for good.
#[derive(Debug)]
pub struct CountChanges {
    rx: mpsc::Receiver<VersionedCount>,
    task: JoinHandle<()>,
}

impl CountChanges {
    /// The next value; `None` once the session has ended for good.
    pub async fn next(&mut self) -> Option<VersionedCount> {
        self.rx.recv().await
    }
}

impl Stream for CountChanges {
    type Item = VersionedCount;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<VersionedCount>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for CountChanges {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How long the follower waits before trying again a read or a watch that failed while
/// connected (a request timeout, say).
const RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// Follows the count: reads it on every watch event and after every (re)connection, and
/// sends each value newer than the last sent; sets the watch again after a new session.
async fn follow(
    count: SharedCount,
    watcher: PersistentWatcher,
    mut events: zk_client::SessionEvents,
    tx: mpsc::Sender<VersionedCount>,
) {
    let mut watcher = Some(watcher);
    let mut last = i64::MIN;
    let mut read = true;
    let mut connected = count.client.state().is_connected();
    loop {
        if connected && watcher.is_none() {
            watcher = count
                .client
                .add_watch(&count.path, AddWatchMode::Persistent)
                .await
                .ok();
            read |= watcher.is_some();
        }
        if read && connected {
            if let Ok(value) = count.get().await {
                read = false;
                if value.mzxid > last {
                    last = value.mzxid;
                    if tx.send(value).await.is_err() {
                        return;
                    }
                }
            }
        }
        let retry = connected && (read || watcher.is_none());
        tokio::select! {
            event = next_event(&mut watcher) => match event {
                Some(e) if e.event_type != EventType::None => read = true,
                // The session ended under the watch: set it again once connected.
                _ => watcher = None,
            },
            event = events.next() => match event {
                Some(SessionEvent::Connected { .. }) => {
                    connected = true;
                    read = true;
                }
                Some(SessionEvent::Disconnected { .. } | SessionEvent::Expired { .. }) => {
                    connected = false;
                }
                Some(_) => {}
                None => return,
            },
            () = tokio::time::sleep(RETRY), if retry => {}
        }
    }
}

async fn next_event(watcher: &mut Option<PersistentWatcher>) -> Option<zk_client::WatchedEvent> {
    match watcher {
        Some(w) => w.next().await,
        None => std::future::pending().await,
    }
}

/// Curator's encoding: 4 bytes, big-endian.
fn to_bytes(value: i32) -> Vec<u8> {
    value.to_be_bytes().to_vec()
}

fn versioned(path: &str, data: &[u8], stat: &Stat) -> Result<VersionedCount, Error> {
    let bytes: [u8; 4] = data.try_into().map_err(|_| Error::NotACount {
        path: path.to_owned(),
        len: data.len(),
    })?;
    Ok(VersionedCount {
        value: i32::from_be_bytes(bytes),
        version: stat.version,
        mzxid: stat.mzxid,
    })
}
