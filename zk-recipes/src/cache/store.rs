//! The cache's contents: nodes by path, and the rules that turn a fresh read of a node (or of
//! the whole tree) into created/changed/deleted events.
//!
//! A node is identified by its path and its `czxid`: a node deleted and created again under
//! the same path is a different node (a `Deleted` then a `Created`), even when both happen
//! between two reads. The old node's cached descendants go with it, but not those created
//! after the new node (a larger `czxid`): they are the new node's, read before it. A node
//! changed when its `mzxid` moved. Applying the same read twice yields no second event, so
//! every path can be re-read as often as needed.
//!
//! The store also notes the paths whose last read the server refused (`NoAuth`): such a node
//! is not held, and the rest of the tree is followed as usual.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use bytes::Bytes;
use zk_client::Stat;

use super::{CacheEvent, CachedNode};

/// What the cache keeps of a node (the path is the map's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) stat: Stat,
    /// `None` when the cache keeps no data.
    pub(crate) data: Option<Bytes>,
}

impl Entry {
    pub(crate) fn node(&self, path: &str) -> CachedNode {
        CachedNode {
            path: path.to_owned(),
            stat: self.stat.clone(),
            data: self.data.clone(),
        }
    }
}

/// Where a change's events go: built only when some stream listens (a cache nobody follows
/// builds none, which matters for the first read of a large tree).
#[derive(Debug)]
pub(crate) struct Events {
    pub(crate) list: Vec<CacheEvent>,
    wanted: bool,
}

impl Events {
    pub(crate) fn new(wanted: bool) -> Events {
        Events {
            list: Vec::new(),
            wanted,
        }
    }

    fn push(&mut self, make: impl FnOnce() -> CacheEvent) {
        if self.wanted {
            self.list.push(make());
        }
    }
}

/// A tree read fresh, to compare with what the cache holds.
pub(crate) type Tree = BTreeMap<String, Entry>;

/// What a read of one node found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// The node as read.
    Node(Entry),
    /// No such node.
    Missing,
    /// The server refused the read (`NoAuth`): the client may not read the node.
    Unreadable,
}

/// Every cached node, by path, at most `limit` of them, and the paths the client may not read.
#[derive(Debug)]
pub(crate) struct Store {
    nodes: Tree,
    unreadable: BTreeSet<String>,
    limit: usize,
}

/// The store would exceed its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full;

impl Store {
    pub(crate) fn new(limit: usize) -> Store {
        Store {
            nodes: Tree::new(),
            unreadable: BTreeSet::new(),
            limit,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn get(&self, path: &str) -> Option<CachedNode> {
        self.nodes.get(path).map(|e| e.node(path))
    }

    /// Every node, in path order (parents before their children).
    pub(crate) fn nodes(&self) -> impl Iterator<Item = CachedNode> + '_ {
        self.nodes.iter().map(|(p, e)| e.node(p))
    }

    /// The names of the cached children of `path`, sorted.
    pub(crate) fn children(&self, path: &str) -> Vec<String> {
        let prefix = descendant_prefix(path);
        self.nodes
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter_map(|(p, _)| {
                let name = &p[prefix.len()..];
                (!name.contains('/')).then(|| name.to_owned())
            })
            .collect()
    }

    /// The paths whose last read the server refused, sorted.
    pub(crate) fn unreadable(&self) -> Vec<String> {
        self.unreadable.iter().cloned().collect()
    }

    /// Applies a fresh read of `path`.
    pub(crate) fn apply(
        &mut self,
        path: &str,
        read: Found,
        events: &mut Events,
    ) -> Result<(), Full> {
        let read = match read {
            Found::Node(entry) => Some(entry),
            Found::Missing => None,
            Found::Unreadable => {
                self.skip(path, events);
                return Ok(());
            }
        };
        self.unreadable.remove(path);
        match (self.nodes.get(path), read) {
            (None, None) => Ok(()),
            (Some(_), None) => {
                self.remove_subtree(path, |_| false, events);
                Ok(())
            }
            (Some(old), Some(new)) if old.stat.czxid != new.stat.czxid => {
                // Descendants created after the new node are its own: they stay.
                let czxid = new.stat.czxid;
                let kept = self.remove_subtree(path, |below| below.stat.czxid > czxid, events);
                self.insert_new(path, new, events)?;
                self.restore(kept, events);
                Ok(())
            }
            (Some(_), Some(new)) => {
                self.update(path, new, events);
                Ok(())
            }
            (None, Some(new)) => self.insert_new(path, new, events),
        }
    }

    /// Notes that the client may not read `path`; a node held there leaves the cache (its
    /// descendants have reads of their own, and stay).
    fn skip(&mut self, path: &str, events: &mut Events) {
        if self.unreadable.insert(path.to_owned()) {
            tracing::warn!(
                path,
                "tree cache: not authorized to read the node, skipping it"
            );
        }
        if self.nodes.contains_key(path) {
            let kept = self.remove_subtree(path, |_| true, events);
            self.restore(kept, events);
        }
    }

    /// Replaces the contents with `fresh` (a tree read after the cache may have missed
    /// changes): deletions first, children before their parents, then creations and changes
    /// in path order, parents before their children.
    /// `unreadable` replaces the paths noted as unreadable.
    pub(crate) fn replace_all(
        &mut self,
        mut fresh: Tree,
        unreadable: BTreeSet<String>,
        events: &mut Events,
    ) -> Result<(), Full> {
        if fresh.len() > self.limit {
            return Err(Full);
        }
        for path in unreadable.difference(&self.unreadable) {
            tracing::warn!(
                path,
                "tree cache: not authorized to read the node, skipping it"
            );
        }
        self.unreadable = unreadable;
        let gone: Vec<String> = self
            .nodes
            .iter()
            .rev()
            .filter(|(p, old)| {
                fresh
                    .get(*p)
                    .is_none_or(|new| new.stat.czxid != old.stat.czxid)
            })
            .map(|(p, _)| p.clone())
            .collect();
        for path in gone {
            if let Some(old) = self.nodes.remove(&path) {
                events.push(|| CacheEvent::Deleted(old.node(&path)));
            }
        }
        let old = std::mem::take(&mut self.nodes);
        for (path, new) in std::mem::take(&mut fresh) {
            match old.get(&path) {
                None => events.push(|| CacheEvent::Created(new.node(&path))),
                Some(prev) if prev.stat.mzxid != new.stat.mzxid => {
                    events.push(|| CacheEvent::Changed {
                        old: prev.node(&path),
                        new: new.node(&path),
                    })
                }
                Some(_) => {}
            }
            self.nodes.insert(path, new);
        }
        Ok(())
    }

    /// Removes every node (the cache closed).
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.unreadable.clear();
    }

    fn insert_new(&mut self, path: &str, new: Entry, events: &mut Events) -> Result<(), Full> {
        if self.nodes.len() >= self.limit {
            return Err(Full);
        }
        events.push(|| CacheEvent::Created(new.node(path)));
        self.nodes.insert(path.to_owned(), new);
        Ok(())
    }

    fn update(&mut self, path: &str, new: Entry, events: &mut Events) {
        let Some(slot) = self.nodes.get_mut(path) else {
            return;
        };
        if slot.stat.mzxid != new.stat.mzxid {
            let old = std::mem::replace(slot, new);
            events.push(|| CacheEvent::Changed {
                old: old.node(path),
                new: slot.node(path),
            });
        } else {
            // Only the child counters moved (a persistent recursive watch reports no child
            // changes): kept current, without an event.
            *slot = new;
        }
    }

    /// Removes `path` and its cached descendants, children before parents (so that no node is
    /// reported deleted before its descendants); returns the descendants `keep` accepts, for
    /// [`Store::restore`].
    fn remove_subtree(
        &mut self,
        path: &str,
        keep: impl Fn(&Entry) -> bool,
        events: &mut Events,
    ) -> Vec<(String, Entry)> {
        let prefix = descendant_prefix(path);
        let below: Vec<String> = self
            .nodes
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .collect();
        let mut kept = Vec::new();
        for p in below.into_iter().rev() {
            if let Some(old) = self.nodes.remove(&p) {
                events.push(|| CacheEvent::Deleted(old.node(&p)));
                if keep(&old) {
                    kept.push((p, old));
                }
            }
        }
        if let Some(old) = self.nodes.remove(path) {
            events.push(|| CacheEvent::Deleted(old.node(path)));
        }
        kept
    }

    /// Puts back descendants [`Store::remove_subtree`] kept, parents before children, each
    /// reported created again. No more nodes than were held before: within the limit.
    fn restore(&mut self, kept: Vec<(String, Entry)>, events: &mut Events) {
        for (p, entry) in kept.into_iter().rev() {
            events.push(|| CacheEvent::Created(entry.node(&p)));
            self.nodes.insert(p, entry);
        }
    }
}

/// `path/` (`/` for the root): what every descendant's path starts with.
fn descendant_prefix(path: &str) -> String {
    if path == "/" {
        "/".to_owned()
    } else {
        format!("{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(czxid: i64, mzxid: i64, data: &str) -> Entry {
        Entry {
            stat: Stat {
                czxid,
                mzxid,
                ..Stat::default()
            },
            data: Some(Bytes::copy_from_slice(data.as_bytes())),
        }
    }

    fn kinds(events: &[CacheEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                CacheEvent::Created(n) => format!("+{}", n.path),
                CacheEvent::Changed { new, .. } => format!("~{}", new.path),
                CacheEvent::Deleted(n) => format!("-{}", n.path),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_read_creates_changes_and_deletes_once() {
        let mut s = Store::new(10);
        let mut ev = Events::new(true);
        s.apply("/a", Found::Node(entry(1, 1, "x")), &mut ev)
            .unwrap();
        s.apply("/a", Found::Node(entry(1, 1, "x")), &mut ev)
            .unwrap();
        s.apply("/a", Found::Node(entry(1, 2, "y")), &mut ev)
            .unwrap();
        s.apply("/a", Found::Missing, &mut ev).unwrap();
        s.apply("/a", Found::Missing, &mut ev).unwrap();
        assert_eq!(kinds(&ev.list), ["+/a", "~/a", "-/a"]);
    }

    #[test]
    fn a_node_created_again_is_deleted_then_created_with_its_descendants() {
        let mut s = Store::new(10);
        let mut ev = Events::new(true);
        s.apply("/a", Found::Node(entry(1, 1, "")), &mut ev)
            .unwrap();
        s.apply("/a/b", Found::Node(entry(2, 2, "")), &mut ev)
            .unwrap();
        s.apply("/a-b", Found::Node(entry(3, 3, "")), &mut ev)
            .unwrap();
        ev.list.clear();
        s.apply("/a", Found::Node(entry(9, 9, "")), &mut ev)
            .unwrap();
        assert_eq!(kinds(&ev.list), ["-/a/b", "-/a", "+/a"]);
        assert_eq!(s.children("/"), ["a", "a-b"]);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn replacing_the_tree_reports_the_differences_in_order() {
        let mut s = Store::new(10);
        let mut ev = Events::new(true);
        for (p, c) in [("/r", 1), ("/r/a", 2), ("/r/a/x", 3), ("/r/b", 4)] {
            s.apply(p, Found::Node(entry(c, c, "")), &mut ev).unwrap();
        }
        ev.list.clear();
        let fresh: Tree = [
            ("/r", entry(1, 1, "")),
            ("/r/b", entry(4, 7, "")),
            ("/r/c", entry(8, 8, "")),
        ]
        .into_iter()
        .map(|(p, e)| (p.to_owned(), e))
        .collect();
        s.replace_all(fresh, BTreeSet::new(), &mut ev).unwrap();
        assert_eq!(kinds(&ev.list), ["-/r/a/x", "-/r/a", "~/r/b", "+/r/c"]);
    }

    #[test]
    fn the_limit_holds() {
        let mut s = Store::new(1);
        let mut ev = Events::new(true);
        s.apply("/a", Found::Node(entry(1, 1, "")), &mut ev)
            .unwrap();
        assert_eq!(
            s.apply("/b", Found::Node(entry(2, 2, "")), &mut ev),
            Err(Full)
        );
        let two: Tree = [("/a", entry(1, 1, "")), ("/b", entry(2, 2, ""))]
            .into_iter()
            .map(|(p, e)| (p.to_owned(), e))
            .collect();
        assert_eq!(s.replace_all(two, BTreeSet::new(), &mut ev), Err(Full));
    }

    #[test]
    fn a_child_read_before_its_recreated_parent_stays() {
        let mut s = Store::new(10);
        let mut ev = Events::new(true);
        for (p, c) in [("/p", 1), ("/p/c", 2), ("/p/old", 3)] {
            s.apply(p, Found::Node(entry(c, c, "")), &mut ev).unwrap();
        }
        ev.list.clear();
        // Both deleted and created again; the child's read is applied first.
        s.apply("/p/c", Found::Node(entry(11, 11, "new")), &mut ev)
            .unwrap();
        s.apply("/p", Found::Node(entry(10, 10, "")), &mut ev)
            .unwrap();
        assert_eq!(s.children("/p"), ["c"]);
        assert_eq!(s.get("/p/c").unwrap().stat.czxid, 11);
        // No node is reported deleted before its descendants.
        assert_eq!(
            kinds(&ev.list),
            ["-/p/c", "+/p/c", "-/p/old", "-/p/c", "-/p", "+/p", "+/p/c"]
        );
    }

    #[test]
    fn an_unreadable_node_is_noted_and_leaves_its_descendants() {
        let mut s = Store::new(10);
        let mut ev = Events::new(true);
        for (p, c) in [("/r", 1), ("/r/a", 2), ("/r/a/x", 3), ("/r/b", 4)] {
            s.apply(p, Found::Node(entry(c, c, "")), &mut ev).unwrap();
        }
        ev.list.clear();
        s.apply("/r/a", Found::Unreadable, &mut ev).unwrap();
        s.apply("/r/c", Found::Unreadable, &mut ev).unwrap();
        assert_eq!(kinds(&ev.list), ["-/r/a/x", "-/r/a", "+/r/a/x"]);
        assert_eq!(s.unreadable(), ["/r/a", "/r/c"]);
        assert!(s.get("/r/a").is_none() && s.get("/r/a/x").is_some());
        // Read again (allowed now, or gone): no longer noted.
        s.apply("/r/a", Found::Node(entry(2, 5, "")), &mut ev)
            .unwrap();
        s.apply("/r/c", Found::Missing, &mut ev).unwrap();
        assert!(s.unreadable().is_empty());
        assert!(s.get("/r/a").is_some());
        // A walk's list replaces the notes.
        let fresh: Tree = [("/r", entry(1, 1, ""))]
            .into_iter()
            .map(|(p, e)| (p.to_owned(), e))
            .collect();
        let refused = BTreeSet::from(["/r/b".to_owned()]);
        s.replace_all(fresh, refused, &mut ev).unwrap();
        assert_eq!(s.unreadable(), ["/r/b"]);
        s.clear();
        assert!(s.unreadable().is_empty());
    }
}
