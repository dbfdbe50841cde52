//! A tree cache (Curator's `CuratorCache`, kazoo's `TreeCache`): a local copy of a node and its
//! descendants, kept current by a persistent recursive watch, with a stream of
//! created/changed/deleted events.
//!
//! How it stays current: the watch is set before the first read, so every change after the
//! read is reported. A watch event carries no data, so each one makes the cache read the node
//! again and compare (a node is the same node while its `czxid` stays, changed when its
//! `mzxid` moved). A persistent watch restored after a reconnect reports nothing of what
//! changed while the client was away, and a new session has no watch at all: after either the
//! cache reads its whole scope again and reports the differences as events
//! ([`CacheState::Resyncing`] meanwhile), so missed changes are never silently lost.
//!
//! A node the client may not read (`NoAuth`) is skipped, as Curator's caches log such a read
//! and go on: it is not held, [`Cache::unreadable`] lists it, and the rest of the scope is
//! followed as usual.

mod events;
mod handle;
mod read;
mod shared;
mod store;
mod task;

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use zk_client::{Client, Stat};

use crate::error::Error;

pub use events::CacheEvents;
pub use handle::Cache;

/// The nodes a cache holds, relative to its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// The node and all its descendants (Curator's `CuratorCache`, kazoo's `TreeCache`).
    #[default]
    Tree,
    /// The node's children, not the node itself (Curator's `PathChildrenCache`). The watch is
    /// recursive all the same; events deeper down are ignored without a read.
    Children,
    /// The node alone (Curator's `NodeCache`), on a non-recursive persistent watch.
    Node,
}

impl Scope {
    /// Whether nodes `depth` levels below the cache's path are held.
    fn holds(self, depth: usize) -> bool {
        match self {
            Scope::Tree => true,
            Scope::Children => depth == 1,
            Scope::Node => depth == 0,
        }
    }

    /// Whether the children of nodes `depth` levels below the path are read.
    fn descends(self, depth: usize) -> bool {
        match self {
            Scope::Tree => true,
            Scope::Children => depth == 0,
            Scope::Node => false,
        }
    }
}

/// What a cache is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheState {
    /// Reading its scope for the first time: the contents are partial.
    Initializing,
    /// The contents are current (up to the latency of watch events).
    Live,
    /// The connection was lost or the session replaced: the contents may be stale until the
    /// scope is read again, which happens as soon as the client is connected; the differences
    /// then come as events.
    Resyncing,
    /// Closed ([`Cache::close`]), or stopped by a failure ([`Cache::failure`] says which).
    /// Nothing is held any more.
    Closed,
}

impl fmt::Display for CacheState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CacheState::Initializing => "initializing",
            CacheState::Live => "live",
            CacheState::Resyncing => "resyncing",
            CacheState::Closed => "closed",
        })
    }
}

/// A node as the cache holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedNode {
    /// Its path, relative to the client's chroot.
    pub path: String,
    /// Its stat when last read. The data fields (`mzxid`, `version`, `dataLength`) are
    /// current; the child fields (`numChildren`, `cversion`, `pzxid`) are as of the last read
    /// of the node, since a recursive watch reports no child changes.
    pub stat: Stat,
    /// Its data; `None` when the cache keeps no data ([`TreeCache::data`]).
    pub data: Option<Bytes>,
}

/// What a [`CacheEvents`] stream reports. Applied in order to an empty map, the node events
/// give the cache's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheEvent {
    /// A node appeared (or was there when the stream started).
    Created(CachedNode),
    /// A node's data changed (its `mzxid` moved).
    Changed {
        /// As it was.
        old: CachedNode,
        /// As it is.
        new: CachedNode,
    },
    /// A node went away (its descendants are reported first).
    Deleted(CachedNode),
    /// The cache's state changed (or, when the stream starts, what it is).
    State(CacheState),
    /// This stream fell more than its capacity behind ([`TreeCache::event_capacity`]) and
    /// skipped events: forget every node; the cache's contents follow as `Created` events.
    Reset,
}

/// A filter on paths: a node it rejects is neither held nor reported (its descendants are
/// still visited).
type Filter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A tree cache's settings; [`TreeCache::start`] starts one.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// use zk_recipes::{CacheEvent, TreeCache};
///
/// let cache = TreeCache::new(client, "/app/config")?.start();
/// cache.wait_live().await?;
/// if let Some(node) = cache.get("/app/config/feature-x") {
///     println!("feature-x = {:?}", node.data);
/// }
/// let mut events = cache.events();
/// while let Some(event) = events.next().await {
///     if let CacheEvent::Changed { new, .. } = event {
///         println!("{} is now {:?}", new.path, new.data);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TreeCache {
    config: Config,
}

/// What the cache's task and reads need.
#[derive(Clone)]
pub(crate) struct Config {
    client: Client,
    path: String,
    scope: Scope,
    data: bool,
    filter: Option<Filter>,
    max_nodes: usize,
    event_capacity: usize,
}

impl Config {
    /// Whether the filter admits `path`.
    fn admits(&self, path: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| f(path))
    }

    /// How many levels `path` is below the cache's path; `None` when not under it.
    fn depth(&self, path: &str) -> Option<usize> {
        if path == self.path {
            return Some(0);
        }
        let rest = if self.path == "/" {
            path.strip_prefix('/')?
        } else {
            path.strip_prefix(self.path.as_str())?.strip_prefix('/')?
        };
        Some(rest.split('/').count())
    }

    /// Whether the cache holds `path` (scope and filter).
    fn holds(&self, path: &str) -> bool {
        self.depth(path).is_some_and(|d| self.scope.holds(d)) && self.admits(path)
    }
}

impl fmt::Debug for TreeCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct("TreeCache")
            .field("path", &c.path)
            .field("scope", &c.scope)
            .field("data", &c.data)
            .field("filter", &c.filter.is_some())
            .field("max_nodes", &c.max_nodes)
            .field("event_capacity", &c.event_capacity)
            .finish()
    }
}

/// The default [`TreeCache::max_nodes`].
pub const DEFAULT_MAX_NODES: usize = 1_000_000;
/// The default [`TreeCache::event_capacity`].
pub const DEFAULT_EVENT_CAPACITY: usize = 4096;

impl TreeCache {
    /// A cache of `path` and all its descendants, with their data.
    pub fn new(client: Client, path: &str) -> Result<TreeCache, Error> {
        zk_client::validate_path(path, false)?;
        Ok(TreeCache {
            config: Config {
                client,
                path: path.to_owned(),
                scope: Scope::Tree,
                data: true,
                filter: None,
                max_nodes: DEFAULT_MAX_NODES,
                event_capacity: DEFAULT_EVENT_CAPACITY,
            },
        })
    }

    /// Which nodes to hold (default: [`Scope::Tree`]).
    pub fn scope(mut self, scope: Scope) -> TreeCache {
        self.config.scope = scope;
        self
    }

    /// Whether to keep the nodes' data (default: true). Without it only stats are kept and
    /// read (`exists`, `getChildren2`), and [`CachedNode::data`] is `None`.
    pub fn data(mut self, keep: bool) -> TreeCache {
        self.config.data = keep;
        self
    }

    /// Holds only the nodes whose path `filter` accepts; the others are neither read for
    /// data nor reported (their descendants are still visited).
    pub fn filter(mut self, filter: impl Fn(&str) -> bool + Send + Sync + 'static) -> TreeCache {
        self.config.filter = Some(Arc::new(filter));
        self
    }

    /// At most this many nodes (default [`DEFAULT_MAX_NODES`]): a cache that would hold more
    /// stops with [`Error::CacheFull`] rather than grow without bound. Each node's data is
    /// bounded by the server's `jute.maxbuffer` (1 MiB by default).
    pub fn max_nodes(mut self, max: usize) -> TreeCache {
        self.config.max_nodes = max;
        self
    }

    /// How many events each [`CacheEvents`] stream may fall behind (default
    /// [`DEFAULT_EVENT_CAPACITY`]) before it is reset ([`CacheEvent::Reset`]): a slow reader
    /// costs bounded memory and never slows the cache.
    pub fn event_capacity(mut self, capacity: usize) -> TreeCache {
        self.config.event_capacity = capacity.max(1);
        self
    }

    /// Starts the cache: sets the watch, reads the scope and follows it in a background task
    /// (on the current tokio runtime) until closed. [`Cache::wait_live`] waits for the first
    /// read to complete.
    pub fn start(self) -> Cache {
        Cache::start(self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_depths() {
        assert!(Scope::Tree.holds(3) && Scope::Tree.descends(3));
        assert!(!Scope::Children.holds(0) && Scope::Children.holds(1) && !Scope::Children.holds(2));
        assert!(Scope::Children.descends(0) && !Scope::Children.descends(1));
        assert!(Scope::Node.holds(0) && !Scope::Node.descends(0));
    }
}
