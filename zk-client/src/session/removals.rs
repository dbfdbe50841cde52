//! Server-side watches no watcher needs any more, queued for `removeWatches` a few at a time.

use std::collections::hash_map::Entry as MapEntry;
use std::collections::{HashMap, VecDeque};

use zk_records::WatcherType;

/// A server-side watch no client watcher needs any more: worth a `removeWatches`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unneeded {
    pub(crate) path: String,
    pub(crate) kind: zk_records::WatcherType,
}

/// Server-side watches that no watcher needs any more, removed a few at a time: a burst of
/// dropped watchers must not queue thousands of `removeWatches` ahead of the application's
/// requests or of a close. A close, or a new connection (whose `SetWatches` leaves them out),
/// makes them moot; a new watch on the same path cancels its removal, which would otherwise
/// reach the server after it.
#[derive(Debug, Default)]
pub(crate) struct DeferredRemovals {
    /// Paths in the order their first removal was deferred (cancelled ones are skipped).
    order: VecDeque<String>,
    kinds: HashMap<String, Vec<WatcherType>>,
}

impl DeferredRemovals {
    /// Defers a removal.
    pub(crate) fn push(&mut self, unneeded: Unneeded) {
        match self.kinds.entry(unneeded.path) {
            MapEntry::Occupied(mut e) => {
                if !e.get().contains(&unneeded.kind) {
                    e.get_mut().push(unneeded.kind);
                }
            }
            MapEntry::Vacant(e) => {
                self.order.push_back(e.key().clone());
                e.insert(vec![unneeded.kind]);
            }
        }
    }

    /// A watch on `path` is being set: its deferred removals must not follow it.
    #[inline]
    pub(crate) fn cancel(&mut self, path: &str) {
        if !self.kinds.is_empty() {
            self.kinds.remove(path);
        }
    }

    /// The oldest deferred removal.
    pub(crate) fn pop(&mut self) -> Option<Unneeded> {
        while let Some(path) = self.order.front() {
            let Some(kinds) = self.kinds.get_mut(path) else {
                self.order.pop_front();
                continue;
            };
            let Some(kind) = kinds.pop() else {
                self.kinds.remove(path);
                continue;
            };
            if !kinds.is_empty() {
                return Some(Unneeded {
                    path: path.clone(),
                    kind,
                });
            }
            self.kinds.remove(path);
            let path = self.order.pop_front()?;
            return Some(Unneeded { path, kind });
        }
        None
    }

    /// Forgets every deferred removal.
    pub(crate) fn clear(&mut self) {
        self.order.clear();
        self.kinds.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_removals_come_out_in_order_once_and_cancel_per_path() {
        let u = |path: &str, kind| Unneeded {
            path: path.into(),
            kind,
        };
        let mut d = DeferredRemovals::default();
        d.push(u("/a", WatcherType::Data));
        d.push(u("/b", WatcherType::Children));
        d.push(u("/a", WatcherType::Children));
        d.push(u("/a", WatcherType::Data));
        d.push(u("/c", WatcherType::Any));
        d.cancel("/b");
        let mut got = Vec::new();
        while let Some(x) = d.pop() {
            got.push((x.path, x.kind));
        }
        assert_eq!(
            got,
            [
                ("/a".to_owned(), WatcherType::Children),
                ("/a".to_owned(), WatcherType::Data),
                ("/c".to_owned(), WatcherType::Any)
            ]
        );
        d.push(u("/b", WatcherType::Data));
        d.cancel("/b");
        d.push(u("/b", WatcherType::Children));
        assert_eq!(d.pop(), Some(u("/b", WatcherType::Children)));
        assert_eq!(d.pop(), None);
        d.push(u("/x", WatcherType::Data));
        d.clear();
        assert_eq!(d.pop(), None);
    }
}
