//! The cache's task: sets the watch, reads the scope, re-reads each node a watch event names,
//! and reads the whole scope again after a reconnect or a new session.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use zk_client::{AddWatchMode, EventType, PersistentWatcher, SessionEvent, SessionState};

use super::read::{read_node, walk};
use super::shared::Shared;
use super::store::{Found, Full};
use super::{CacheState, Config, Scope};
use crate::error::Error;

/// How many waiting watch events are handled together (their reads in flight at once).
const BATCH: usize = 256;
/// The first wait before reading again after a read failed without the connection being
/// reported lost (a request timeout); it doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// What the task knows about the session and its watch.
struct Run {
    config: Config,
    shared: Arc<Shared>,
    watcher: Option<PersistentWatcher>,
    /// The contents may be stale: read the scope again when connected.
    resync: bool,
    connected: bool,
    retry_at: Instant,
    retry_delay: Duration,
}

/// Follows the scope until the session ends for good or the cache overflows; closing the
/// cache aborts it (dropping the watcher removes the watch).
pub(crate) async fn run(config: Config, shared: Arc<Shared>) {
    // Subscribed before anything is read, so no transition after the first read is missed.
    let mut session = config.client.session_events();
    let connected = config.client.state().is_connected();
    let mut run = Run {
        config,
        shared,
        watcher: None,
        resync: true,
        connected,
        retry_at: Instant::now(),
        retry_delay: FIRST_RETRY,
    };
    let failure = loop {
        if run.resync && run.connected && Instant::now() >= run.retry_at {
            if let Err(e) = run.sync().await {
                match run.failed(e) {
                    Some(fatal) => break fatal,
                    None => continue,
                }
            }
        }
        let retry = run.resync && run.connected;
        tokio::select! {
            biased;
            event = session.next() => {
                if let Some(fatal) = run.session_event(event) {
                    break fatal;
                }
            }
            event = next_watch_event(&mut run.watcher) => {
                if let Err(e) = run.watch_event(event).await {
                    if let Some(fatal) = run.failed(e) {
                        break fatal;
                    }
                }
            }
            () = tokio::time::sleep_until(run.retry_at), if retry => {}
        }
    };
    // Dropping the watcher removes the server-side watch when nothing else needs it.
    drop(run.watcher.take());
    run.shared.finish(Some(failure));
}

/// The next event of the watch; pending forever without one.
async fn next_watch_event(
    watcher: &mut Option<PersistentWatcher>,
) -> Option<zk_client::WatchedEvent> {
    match watcher {
        Some(w) => w.next().await,
        None => std::future::pending().await,
    }
}

impl Run {
    /// Sets the watch if there is none, reads the scope and reports the differences.
    async fn sync(&mut self) -> Result<(), Error> {
        if self.shared.state() == CacheState::Live {
            self.shared.set_state(CacheState::Resyncing);
        }
        if self.watcher.is_none() {
            let mode = match self.config.scope {
                Scope::Node => AddWatchMode::Persistent,
                Scope::Tree | Scope::Children => AddWatchMode::PersistentRecursive,
            };
            self.watcher = Some(
                self.config
                    .client
                    .add_watch(&self.config.path, mode)
                    .await?,
            );
        }
        let fresh = walk(&self.config).await?;
        self.shared
            .publish(|store, events| store.replace_all(fresh.tree, fresh.unreadable, events))
            .map_err(|Full| self.full())?;
        self.resync = false;
        self.retry_delay = FIRST_RETRY;
        self.shared.set_state(CacheState::Live);
        Ok(())
    }

    /// A session transition; the error that ends the cache, if it is final.
    fn session_event(&mut self, event: Option<SessionEvent>) -> Option<Error> {
        match event {
            Some(SessionEvent::Connected { .. }) => {
                self.connected = true;
                self.retry_at = Instant::now();
            }
            Some(SessionEvent::Disconnected { .. }) => self.suspend(),
            Some(SessionEvent::Expired { .. }) => {
                // The old session's watch is gone: a new session needs a new one.
                self.watcher = None;
                self.suspend();
            }
            Some(SessionEvent::AuthFailed { reason }) => {
                return Some(Error::Client(zk_client::Error::AuthFailed { reason }))
            }
            Some(SessionEvent::Closed) => {
                return Some(Error::Client(terminal_error(self.config.client.state())))
            }
            None => return Some(Error::Client(terminal_error(self.config.client.state()))),
            Some(_) => {}
        }
        None
    }

    /// The connection is gone: the contents may go stale.
    fn suspend(&mut self) {
        self.connected = false;
        self.resync = true;
        if self.shared.state() == CacheState::Live {
            self.shared.set_state(CacheState::Resyncing);
        }
    }

    /// A watch event: re-reads its node and those of every event already waiting, in path
    /// order (parents before their descendants, whatever order the events came in: a parent
    /// created again is applied before the children created under it).
    async fn watch_event(&mut self, event: Option<zk_client::WatchedEvent>) -> Result<(), Error> {
        let Some(first) = event else {
            // The watch ended (its session expired, or watches were not restored after a
            // reconnect): set it again and read everything.
            self.watcher = None;
            self.resync = true;
            return Ok(());
        };
        let mut paths = BTreeSet::new();
        let mut next = Some(first);
        while let Some(event) = next.take() {
            match event.event_type {
                EventType::NodeCreated | EventType::NodeDataChanged | EventType::NodeDeleted
                    if self.config.holds(&event.path) =>
                {
                    paths.insert(event.path);
                }
                EventType::None => {
                    // The session ended under the watch: the session events say what next.
                    self.watcher = None;
                    self.resync = true;
                    break;
                }
                _ => {}
            }
            if paths.len() < BATCH {
                next = self.watcher.as_mut().and_then(|w| w.try_next());
            }
        }
        if self.resync {
            // Everything is read again anyway.
            return Ok(());
        }
        self.refresh(paths).await
    }

    /// Reads `paths` (all at once) and applies the reads in order.
    async fn refresh(&mut self, paths: BTreeSet<String>) -> Result<(), Error> {
        let mut reads = tokio::task::JoinSet::new();
        for (i, path) in paths.iter().enumerate() {
            let client = self.config.client.clone();
            let (path, data) = (path.clone(), self.config.data);
            reads.spawn(async move { (i, read_node(&client, &path, data).await) });
        }
        let mut results: Vec<_> = (0..paths.len()).map(|_| None).collect();
        while let Some(joined) = reads.join_next().await {
            let (i, read) = joined.map_err(|_| zk_client::Error::Closed)?;
            results[i] = Some(read?);
        }
        for (path, read) in paths.iter().zip(results) {
            let read = read.unwrap_or(Found::Missing);
            self.shared
                .publish(|store, events| store.apply(path, read, events))
                .map_err(|Full| self.full())?;
        }
        Ok(())
    }

    /// Handles a failed read; the error if it is final. (A read the server refuses for lack of
    /// permission is no failure: the node is skipped, see [`Found::Unreadable`].)
    fn failed(&mut self, e: Error) -> Option<Error> {
        // A lost connection or a slow reply passes; so does an expired session, which either
        // is re-created (then read again) or ends the session events (then final).
        let retryable = e
            .client_error()
            .is_some_and(|c| c.is_retryable() || *c == zk_client::Error::SessionExpired);
        if !retryable {
            return Some(e);
        }
        tracing::debug!(error = %e, "tree cache: read failed, reading everything again");
        self.resync = true;
        self.retry_at = Instant::now() + self.retry_delay;
        self.retry_delay = (self.retry_delay * 2).min(MAX_RETRY);
        if self.shared.state() == CacheState::Live {
            self.shared.set_state(CacheState::Resyncing);
        }
        None
    }

    fn full(&self) -> Error {
        Error::CacheFull {
            path: self.config.path.clone(),
            limit: self.config.max_nodes,
        }
    }
}

/// The error for a session that ended in `state`.
fn terminal_error(state: SessionState) -> zk_client::Error {
    match state {
        SessionState::Expired => zk_client::Error::SessionExpired,
        SessionState::AuthFailed => zk_client::Error::AuthFailed {
            reason: "the session's authentication failed".to_owned(),
        },
        _ => zk_client::Error::Closed,
    }
}
