//! The watch registry: every registered watch by server-side path, and the routing of server
//! notifications to watchers.
//!
//! Routing follows ZooKeeper's client (`ZKWatchManager`): data and exists watches fire on
//! creation, data change and deletion; child watches on child changes and deletion; a
//! persistent watch on every event of its node; a persistent recursive watch on every event
//! except child changes, for its node and all descendants. One-shot watches are removed when
//! they fire. Events are delivered in the order the server sent them.

use std::collections::HashMap;

use zk_records::{EventType, KeeperState, WatcherType};

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
        let still_needed = entries.iter().any(|e| e.kind.server_type() == kind);
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

    /// Removes every watch of the server-side type `kind` (or all, for `Any`) on `path`,
    /// telling each watcher with an event of type `removed`. Returns whether any was removed.
    pub(crate) fn remove_all(&mut self, path: &str, kind: WatcherType, client_path: &str) -> bool {
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
                    state: KeeperState::SyncConnected,
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

/// Persistent recursive watches see every node event except child-list changes.
fn recursive_hit(event: &WatchedEvent) -> bool {
    matches!(
        event.event_type,
        EventType::NodeCreated | EventType::NodeDataChanged | EventType::NodeDeleted
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch_slots::{SlotReceiver, Slots};
    use tokio::sync::mpsc;

    fn ev(t: EventType, path: &str) -> WatchedEvent {
        WatchedEvent {
            event_type: t,
            state: KeeperState::SyncConnected,
            path: path.into(),
            zxid: 1,
        }
    }

    fn oneshot_reg(reg: &mut Registry, id: u64, path: &str, kind: WatchKind) -> Rx {
        let (tx, rx) = std::sync::Arc::new(Slots::default()).open();
        reg.register(Registration {
            id,
            path: path.into(),
            kind,
            sink: Sink::Oneshot(Some(tx)),
        });
        Rx(rx)
    }

    /// A one-shot watcher's receiving end, read without waiting.
    struct Rx(SlotReceiver);

    impl Rx {
        fn try_recv(&mut self) -> Result<WatchedEvent, ()> {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            match self.0.poll_event(&mut cx) {
                std::task::Poll::Ready(r) => r,
                std::task::Poll::Pending => Err(()),
            }
        }
    }

    fn stream_reg(
        reg: &mut Registry,
        id: u64,
        path: &str,
        kind: WatchKind,
    ) -> mpsc::UnboundedReceiver<WatchedEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        reg.register(Registration {
            id,
            path: path.into(),
            kind,
            sink: Sink::Stream(tx),
        });
        rx
    }

    #[test]
    fn oneshot_fires_once_for_every_watcher_on_the_path() {
        let mut reg = Registry::default();
        let mut a = oneshot_reg(&mut reg, 1, "/a", WatchKind::Data);
        let mut b = oneshot_reg(&mut reg, 2, "/a", WatchKind::Data);
        let mut c = oneshot_reg(&mut reg, 3, "/a", WatchKind::Child);
        reg.dispatch("/a", &ev(EventType::NodeDataChanged, "/a"));
        assert_eq!(a.try_recv().unwrap().event_type, EventType::NodeDataChanged);
        assert_eq!(b.try_recv().unwrap().event_type, EventType::NodeDataChanged);
        assert!(
            c.try_recv().is_err(),
            "child watch not fired by a data change"
        );
        reg.dispatch("/a", &ev(EventType::NodeDeleted, "/a"));
        assert_eq!(c.try_recv().unwrap().event_type, EventType::NodeDeleted);
        assert!(reg.is_empty());
    }

    #[test]
    fn a_persistent_watch_whose_receiver_is_gone_waits_for_its_drop() {
        let mut reg = Registry::default();
        drop(stream_reg(&mut reg, 1, "/p", WatchKind::Persistent));
        // The event comes between the receiver's drop and the handle's `DropWatcher`.
        reg.dispatch("/p", &ev(EventType::NodeDataChanged, "/p"));
        assert_eq!(
            reg.remove(1, "/p"),
            Some(Unneeded {
                path: "/p".into(),
                kind: WatcherType::Any
            })
        );
        assert!(reg.is_empty());
    }

    #[test]
    fn persistent_and_recursive_routing() {
        let mut reg = Registry::default();
        let mut p = stream_reg(&mut reg, 1, "/a", WatchKind::Persistent);
        let mut r = stream_reg(&mut reg, 2, "/", WatchKind::PersistentRecursive);
        reg.dispatch("/a", &ev(EventType::NodeChildrenChanged, "/a"));
        reg.dispatch("/a/b", &ev(EventType::NodeCreated, "/a/b"));
        reg.dispatch("/a", &ev(EventType::NodeDataChanged, "/a"));
        assert_eq!(
            p.try_recv().unwrap().event_type,
            EventType::NodeChildrenChanged
        );
        assert_eq!(p.try_recv().unwrap().event_type, EventType::NodeDataChanged);
        assert!(p.try_recv().is_err());
        let got: Vec<_> = std::iter::from_fn(|| r.try_recv().ok()).collect();
        assert_eq!(
            got,
            [
                ev(EventType::NodeCreated, "/a/b"),
                ev(EventType::NodeDataChanged, "/a")
            ]
        );
        assert!(!reg.is_empty(), "persistent watches stay");
    }

    #[test]
    fn a_recursive_watch_gets_an_event_once_at_its_own_path_and_below() {
        let mut reg = Registry::default();
        let mut root = stream_reg(&mut reg, 1, "/", WatchKind::PersistentRecursive);
        let mut a = stream_reg(&mut reg, 2, "/a", WatchKind::PersistentRecursive);
        reg.dispatch("/", &ev(EventType::NodeDataChanged, "/"));
        reg.dispatch("/a", &ev(EventType::NodeDataChanged, "/a"));
        reg.dispatch("/a/b", &ev(EventType::NodeCreated, "/a/b"));
        let got: Vec<_> = std::iter::from_fn(|| root.try_recv().ok()).collect();
        assert_eq!(
            got,
            [
                ev(EventType::NodeDataChanged, "/"),
                ev(EventType::NodeDataChanged, "/a"),
                ev(EventType::NodeCreated, "/a/b")
            ]
        );
        let got: Vec<_> = std::iter::from_fn(|| a.try_recv().ok()).collect();
        assert_eq!(
            got,
            [
                ev(EventType::NodeDataChanged, "/a"),
                ev(EventType::NodeCreated, "/a/b")
            ]
        );
    }

    #[test]
    fn removal_reports_unneeded_server_watches() {
        let mut reg = Registry::default();
        let _a = oneshot_reg(&mut reg, 1, "/a", WatchKind::Data);
        let _b = oneshot_reg(&mut reg, 2, "/a", WatchKind::Exist);
        let _c = oneshot_reg(&mut reg, 3, "/a", WatchKind::Child);
        assert_eq!(
            reg.remove(1, "/a"),
            None,
            "the exists watch still needs the data watch"
        );
        assert_eq!(
            reg.remove(2, "/a"),
            Some(Unneeded {
                path: "/a".into(),
                kind: WatcherType::Data
            })
        );
        assert_eq!(reg.remove(2, "/a"), None, "already gone");
        assert!(reg.remove(3, "/a").is_some());
        assert!(reg.is_empty());
    }

    #[test]
    fn watched_paths_and_close_all() {
        let mut reg = Registry::default();
        let mut a = oneshot_reg(&mut reg, 1, "/a", WatchKind::Data);
        let _a2 = oneshot_reg(&mut reg, 2, "/a", WatchKind::Data);
        let _b = oneshot_reg(&mut reg, 3, "/b", WatchKind::Exist);
        let _c = stream_reg(&mut reg, 4, "/c", WatchKind::PersistentRecursive);
        let [data, exist, child, persistent, recursive] = reg.watched_paths();
        assert_eq!(data, ["/a"]);
        assert_eq!(exist, ["/b"]);
        assert!(child.is_empty() && persistent.is_empty());
        assert_eq!(recursive, ["/c"]);
        reg.close_all(KeeperState::Expired);
        assert_eq!(a.try_recv().unwrap().state, KeeperState::Expired);
        assert!(reg.is_empty());
    }

    #[test]
    fn remove_all_notifies_removed_watchers() {
        let mut reg = Registry::default();
        let mut a = oneshot_reg(&mut reg, 1, "/a", WatchKind::Data);
        let mut c = oneshot_reg(&mut reg, 2, "/a", WatchKind::Child);
        reg.remove_all("/a", WatcherType::Children, "/a");
        assert_eq!(
            c.try_recv().unwrap().event_type,
            EventType::ChildWatchRemoved
        );
        assert!(a.try_recv().is_err());
        reg.remove_all("/a", WatcherType::Any, "/a");
        assert_eq!(
            a.try_recv().unwrap().event_type,
            EventType::DataWatchRemoved
        );
        assert!(reg.is_empty());
    }
}
