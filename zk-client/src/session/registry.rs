//! The watch registry: every registered watch by server-side path, and the routing of server
//! notifications to watchers.
//!
//! Routing follows ZooKeeper's client (`ZKWatchManager`): data and exists watches fire on
//! creation, data change and deletion; child watches on child changes and deletion; a
//! persistent watch on every event of its node; a persistent recursive watch on every event
//! except child changes, for its node and all descendants. One-shot watches are removed when
//! they fire. Events are delivered in the order the server sent them.
//!
//! A server before 3.9 keeps one watch mode per session, path and side (data, child): a
//! one-shot watch set on a path with a persistent watch replaces it there (ZOOKEEPER-4466).
//! The registry says which persistent watch to ask for again ([`Registry::restore_after`]),
//! and a dropped one-shot watcher whose events a persistent watch on its path delivers
//! removes nothing on the server.

use std::collections::HashMap;

use zk_records::{AddWatchMode, EventType, KeeperState, WatcherType};

use smallvec::SmallVec;

use super::removals::Unneeded;
use crate::watch::{Registration, Sink, WatchKind, WatchedEvent};
use crate::watch_path::WatchPath;

/// A path's watches, the first one inline.
type Entries = SmallVec<[Entry; 1]>;

#[derive(Debug)]
struct Entry {
    id: u64,
    kind: WatchKind,
    sink: Sink,
}

/// All registered watches, by server-side path.
///
/// Memory per watch is what a client holding 100,000 of them pays, so a watch takes no small
/// allocation here: the key keeps a short path inline ([`WatchPath`]) and the first entry of
/// a path is inline too (most paths have one watch). The watcher's handle names its path
/// when dropped, so no index from id to path is needed. (Small allocations that live as long
/// as the watch also pin the freed memory of the requests around them: the process grows by
/// far more than their size.)
#[derive(Debug, Default)]
pub(crate) struct Registry {
    by_path: HashMap<WatchPath, Entries>,
    recursive_count: usize,
}

impl Registry {
    /// Adds a watch.
    pub(crate) fn register(&mut self, r: Registration) {
        if r.kind == WatchKind::PersistentRecursive {
            self.recursive_count += 1;
        }
        let entry = Entry {
            id: r.id,
            kind: r.kind,
            sink: r.sink,
        };
        self.by_path.entry(r.path).or_default().push(entry);
    }

    /// Whether no watch is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    /// Removes watcher `id` of server-side `path`, which was dropped. Returns the
    /// server-side watch to remove when no other watcher of the same server-side type
    /// remains on its path.
    pub(crate) fn remove(&mut self, id: u64, path: &str) -> Option<Unneeded> {
        let entries = self.by_path.get_mut(path)?;
        let at = entries.iter().position(|e| e.id == id)?;
        let removed = entries.remove(at);
        if removed.kind == WatchKind::PersistentRecursive {
            self.recursive_count -= 1;
        }
        let kind = removed.kind.server_type();
        // A persistent watch on the path delivers the removed one-shot's events too, and
        // a server before 3.9 would take its data or child part away with the removal.
        let still_needed = entries
            .iter()
            .any(|e| e.kind.server_type() == kind || covers(e.kind, removed.kind));
        let path_empty = entries.is_empty();
        if path_empty {
            self.by_path.remove(path);
        }
        let path = path.to_owned();
        if still_needed {
            return None;
        }
        if removed.kind.is_oneshot() {
            return Some(Unneeded { path, kind });
        }
        // Servers before 3.9 cannot remove persistent watches by type, only all of the
        // session's watches on the path (`Any`): safe once nothing else is watched there.
        // Otherwise ask by type, which newer servers understand and older ones refuse.
        Some(Unneeded {
            path,
            kind: if path_empty { WatcherType::Any } else { kind },
        })
    }

    /// The persistent watch on `path` to ask for again after a one-shot watch of kind
    /// `oneshot` is set there, for a server before 3.9: such a server keeps one mode per
    /// session, path and side (data or child), the last set, and `addWatch` sets both sides.
    /// A data side held by a recursive watch serves a persistent watch's data events too; a
    /// child side cannot serve both a persistent and a recursive watch on one path there, so
    /// a child one-shot beside both restores nothing (it then fires as it should).
    pub(crate) fn restore_after(&self, path: &str, oneshot: WatchKind) -> Option<AddWatchMode> {
        let entries = self.by_path.get(path)?;
        let has = |kind| entries.iter().any(|e: &Entry| e.kind == kind);
        let (persistent, recursive) = (
            has(WatchKind::Persistent),
            has(WatchKind::PersistentRecursive),
        );
        use WatchKind as K;
        match oneshot {
            K::Data | K::Exist if recursive => Some(AddWatchMode::PersistentRecursive),
            K::Data | K::Exist if persistent => Some(AddWatchMode::Persistent),
            K::Child if persistent && !recursive => Some(AddWatchMode::Persistent),
            _ => None,
        }
    }

    /// Removes every watch of the server-side type `kind` (or all, for `Any`) on `path`,
    /// telling each watcher with a `*WatchRemoved` event in `state`: `SyncConnected`, or
    /// `Disconnected` for a removal made without a server (Java's `ClientCnxn.queueEvent`).
    /// Returns whether any was removed.
    pub(crate) fn remove_all(
        &mut self,
        path: &str,
        kind: WatcherType,
        client_path: &str,
        state: KeeperState,
    ) -> bool {
        use WatcherType as T;
        let Some(entries) = self.by_path.get_mut(path) else {
            return false;
        };
        let before = entries.len();
        let mut kept = Entries::with_capacity(entries.len());
        for mut e in entries.drain(..) {
            let t = e.kind.server_type();
            // `Any` removes every watch on the path, persistent ones included (as servers
            // before 3.9 do).
            let matches = kind == T::Any || t == kind;
            if matches {
                let event_type = match t {
                    T::Children => EventType::ChildWatchRemoved,
                    T::Data => EventType::DataWatchRemoved,
                    _ => EventType::PersistentWatchRemoved,
                };
                e.sink.send(WatchedEvent {
                    event_type,
                    state,
                    path: client_path.to_owned(),
                    zxid: -1,
                });
                if e.kind == WatchKind::PersistentRecursive {
                    self.recursive_count -= 1;
                }
            } else {
                kept.push(e);
            }
        }
        let removed = kept.len() < before;
        if kept.is_empty() {
            self.by_path.remove(path);
        } else {
            *entries = kept;
        }
        removed
    }

    /// Routes a notification for server-side `path`; `event.path` is already the client path.
    pub(crate) fn dispatch(&mut self, path: &str, event: &WatchedEvent) {
        use EventType as E;
        let wanted = |kind: WatchKind| match event.event_type {
            E::NodeCreated | E::NodeDataChanged => matches!(
                kind,
                WatchKind::Data | WatchKind::Exist | WatchKind::Persistent
            ),
            E::NodeChildrenChanged => matches!(kind, WatchKind::Child | WatchKind::Persistent),
            E::NodeDeleted => kind != WatchKind::PersistentRecursive,
            _ => false,
        };
        if let Some(entries) = self.by_path.get_mut(path) {
            entries.retain_mut(|e| {
                let hit = wanted(e.kind)
                    || e.kind == WatchKind::PersistentRecursive && recursive_hit(event);
                if !hit {
                    return true;
                }
                // A persistent watch whose receiver is gone stays until its handle's drop
                // reaches the session (`DropWatcher`, sent right after): that removal is
                // what tells the server to stop sending its events.
                e.sink.send(event.clone());
                !e.kind.is_oneshot()
            });
            if entries.is_empty() {
                self.by_path.remove(path);
            }
        }
        if self.recursive_count > 0 && recursive_hit(event) {
            // The strict ancestors only: the path's own watches had the event above (the
            // root has none).
            let mut ancestor = path;
            while ancestor != "/" {
                let Some(at) = ancestor.rfind('/') else {
                    break;
                };
                ancestor = if at == 0 { "/" } else { &ancestor[..at] };
                if let Some(entries) = self.by_path.get_mut(ancestor) {
                    for e in entries.iter_mut() {
                        if e.kind == WatchKind::PersistentRecursive {
                            e.sink.send(event.clone());
                        }
                    }
                }
            }
        }
    }

    /// The paths to re-register after reconnecting, as `SetWatches2` wants them:
    /// data, exist, child, persistent, persistent recursive.
    pub(crate) fn watched_paths(&self) -> [Vec<String>; 5] {
        let mut out: [Vec<String>; 5] = Default::default();
        for (path, entries) in &self.by_path {
            let mut seen = [false; 5];
            for e in entries {
                let slot = match e.kind {
                    WatchKind::Data => 0,
                    WatchKind::Exist => 1,
                    WatchKind::Child => 2,
                    WatchKind::Persistent => 3,
                    WatchKind::PersistentRecursive => 4,
                };
                if !seen[slot] {
                    seen[slot] = true;
                    out[slot].push(path.to_string());
                }
            }
        }
        out
    }

    /// Ends every watch with a final session event (expired, auth failed, closed).
    pub(crate) fn close_all(&mut self, state: KeeperState) {
        for (_, entries) in self.by_path.drain() {
            for mut e in entries {
                e.sink.send(WatchedEvent {
                    event_type: EventType::None,
                    state,
                    path: String::new(),
                    zxid: -1,
                });
            }
        }
        self.recursive_count = 0;
    }
}

/// Whether a watch of kind `persistent` on a path gets every event a one-shot watch of kind
/// `oneshot` on the same path waits for.
fn covers(persistent: WatchKind, oneshot: WatchKind) -> bool {
    use WatchKind as K;
    match persistent {
        K::Persistent => oneshot.is_oneshot(),
        K::PersistentRecursive => matches!(oneshot, K::Data | K::Exist),
        _ => false,
    }
}

/// Persistent recursive watches see every node event except child-list changes.
fn recursive_hit(event: &WatchedEvent) -> bool {
    matches!(
        event.event_type,
        EventType::NodeCreated | EventType::NodeDataChanged | EventType::NodeDeleted
    )
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
