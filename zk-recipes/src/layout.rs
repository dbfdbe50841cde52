//! Lock node layouts: names and sort order as Apache Curator (or, as an option, Python's
//! kazoo) writes them, so that Rust and Java (or Python) contenders on one path queue in one
//! line.

use zk_client::{random_uuid, strip_protected, Parents, PROTECTED_PREFIX};

/// Whose node layout a lock uses. All contenders on a path must use the same one: each
/// layout ignores or mis-sorts the other's nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Apache Curator's `InterProcessMutex`: `<path>/_c_<uuid>-lock-<sequence>`, parents
    /// created as containers, every child sorted by what follows its last `lock-`.
    #[default]
    Curator,
    /// kazoo's `Lock`: `<path>/<uuid hex>__lock__<sequence>`, parents persistent
    /// (`ensure_path`), contenders the children ending in `__lock__` and 10 digits, sorted
    /// by that sequence.
    Kazoo,
}

/// The lock name of kazoo's `Lock` (`_NODE_NAME`), between the contender's UUID and the
/// sequence.
pub const KAZOO_LOCK_NAME: &str = "__lock__";

impl Layout {
    /// A new contender's node name before the sequence, and the unique prefix that finds it
    /// again after a connection loss. kazoo's layout has exclusive locks only.
    pub(crate) fn new_name(self, kind: Kind) -> (String, String) {
        match (self, kind) {
            (Layout::Kazoo, Kind::Exclusive) => {
                let unique = format!("{}{KAZOO_LOCK_NAME}", random_uuid().replace('-', ""));
                (unique.clone(), unique)
            }
            _ => {
                let unique = format!("{PROTECTED_PREFIX}{}-", random_uuid());
                let name = format!("{unique}{}", kind.curator_name());
                (unique, name)
            }
        }
    }

    /// How missing parents of the lock path are created.
    pub(crate) fn parents(self) -> Parents {
        match self {
            Layout::Curator => Parents::containers(),
            Layout::Kazoo => Parents::persistent(),
        }
    }

    /// The contenders among a lock path's children, in queue order (the holder first), for
    /// an exclusive lock.
    pub fn contenders(self, children: Vec<String>) -> Vec<String> {
        self.contenders_of(children, Kind::Exclusive)
    }

    /// The contenders of a lock of `kind`, in queue order.
    pub(crate) fn contenders_of(self, mut children: Vec<String>, kind: Kind) -> Vec<String> {
        match (self, kind) {
            (Layout::Kazoo, Kind::Exclusive) => {
                children.retain(|c| kazoo_key(c).is_some());
                children.sort_by(|a, b| kazoo_key(a).cmp(&kazoo_key(b)));
                children
            }
            (_, Kind::Exclusive) => {
                sort_children(&mut children, CURATOR_LOCK_NAME);
                children
            }
            // Curator's SortingLockInternalsDriver: the key after `__READ__`, then after
            // `__WRIT__`.
            _ => {
                children.sort_by(|a, b| rw_key(a).cmp(rw_key(b)));
                children
            }
        }
    }
}

/// What a lock node stands for: an exclusive lock, or a side of a read-write lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A mutex (`lock-`).
    Exclusive,
    /// A reader of Curator's `InterProcessReadWriteLock` (`__READ__`).
    Read,
    /// A writer of Curator's `InterProcessReadWriteLock` (`__WRIT__`).
    Write,
}

/// The lock name of the readers of Curator's `InterProcessReadWriteLock`.
pub const CURATOR_READ_NAME: &str = "__READ__";
/// The lock name of the writers of Curator's `InterProcessReadWriteLock`.
pub const CURATOR_WRITE_NAME: &str = "__WRIT__";

impl Kind {
    fn curator_name(self) -> &'static str {
        match self {
            Kind::Exclusive => CURATOR_LOCK_NAME,
            Kind::Read => CURATOR_READ_NAME,
            Kind::Write => CURATOR_WRITE_NAME,
        }
    }

    /// Whether the contender at `ours` in the queue `sorted` holds the lock (`None`), or the
    /// index of the node it waits for: the one just before it for an exclusive lock or a
    /// writer, the first writer before it for a reader (Curator's drivers).
    pub(crate) fn turn(self, sorted: &[String], ours: usize) -> Option<usize> {
        match self {
            Kind::Exclusive | Kind::Write => ours.checked_sub(1),
            Kind::Read => sorted[..ours.min(sorted.len())]
                .iter()
                .position(|n| n.contains(CURATOR_WRITE_NAME)),
        }
    }

    /// Whether a node of the queue belongs to this side (Curator's `getParticipantNodes` of
    /// a read or write lock lists its own side only).
    pub(crate) fn owns(self, name: &str) -> bool {
        match self {
            Kind::Exclusive => true,
            Kind::Read | Kind::Write => name.contains(self.curator_name()),
        }
    }
}

/// The sort key of a read-write lock node (Curator's `SortingLockInternalsDriver`).
pub(crate) fn rw_key(name: &str) -> &str {
    sort_key(sort_key(name, CURATOR_READ_NAME), CURATOR_WRITE_NAME)
}

/// kazoo's sort key of a contender (what its regex `__lock__(-?\d{10})$` captures), `None`
/// for a child that is not a contender.
fn kazoo_key(name: &str) -> Option<&str> {
    let digits_at = name.len().checked_sub(10)?;
    let digits = name.get(digits_at..)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let head = &name[..digits_at];
    let (head, key_at) = match head.strip_suffix('-') {
        Some(h) => (h, digits_at - 1),
        None => (head, digits_at),
    };
    head.ends_with(KAZOO_LOCK_NAME).then(|| &name[key_at..])
}

/// The lock name of Curator's `InterProcessMutex` (`LOCK_NAME`): nodes are
/// `<path>/_c_<uuid>-lock-<sequence>`.
pub const CURATOR_LOCK_NAME: &str = "lock-";

/// The sort key of a lock node name: what follows the last occurrence of `lock_name`
/// (Curator's `StandardLockInternalsDriver.fixForSorting`), the whole name when it has none.
/// For `_c_<uuid>-lock-0000000007` it is `0000000007`: the 10-digit sequence, so the order
/// of the keys as strings is the order of creation.
pub fn sort_key<'a>(name: &'a str, lock_name: &str) -> &'a str {
    match name.rfind(lock_name) {
        Some(i) => &name[i + lock_name.len()..],
        None => name,
    }
}

/// `children` sorted as Curator sorts lock nodes (by [`sort_key`], a stable sort).
pub fn sort_children(children: &mut [String], lock_name: &str) {
    children.sort_by(|a, b| sort_key(a, lock_name).cmp(sort_key(b, lock_name)));
}

/// The sequence number ZooKeeper appended to a sequential node's name (its last 10 digits),
/// if it has one.
pub fn sequence(name: &str) -> Option<i64> {
    let digits = name.get(name.len().checked_sub(10)?..)?;
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// A lock node name without Curator's protected prefix: `lock-0000000007`.
pub fn plain_name(name: &str) -> &str {
    strip_protected(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_by_sequence_whatever_the_uuid() {
        let mut c: Vec<String> = [
            "_c_ffffffff-9423-4e0c-a7b5-9f819e3ec2e1-lock-0000000003",
            "_c_00000000-9423-4e0c-a7b5-9f819e3ec2e1-lock-0000000010",
            "_c_80000000-9423-4e0c-a7b5-9f819e3ec2e1-lock-0000000001",
            "lock-0000000002",
        ]
        .map(String::from)
        .to_vec();
        sort_children(&mut c, CURATOR_LOCK_NAME);
        let seqs: Vec<_> = c.iter().filter_map(|n| sequence(n)).collect();
        assert_eq!(seqs, [1, 2, 3, 10]);
        assert_eq!(sort_key("other", CURATOR_LOCK_NAME), "other");
        assert_eq!(
            plain_name("_c_80000000-9423-4e0c-a7b5-9f819e3ec2e1-lock-0000000001"),
            "lock-0000000001"
        );
        assert_eq!(sequence("lock-"), None);
        assert_eq!(sequence("x"), None);
    }

    #[test]
    fn a_writers_read_node_sorts_with_its_write_node() {
        let w = |n: u32| format!("_c_00000000-0000-4000-8000-000000000000-__WRIT__{n:010}");
        let r = |n: u32| format!("_c_ffffffff-0000-4000-8000-000000000000-__READ__{n:010}");
        // The read node of the holder of w(5) is r(5): a reader queued after the write lock
        // (r(6)) shares with it once w(5) goes, a writer (w(7)) waits for both.
        let q = Layout::Curator.contenders_of(vec![w(7), r(6), r(5)], Kind::Read);
        assert_eq!(q, [r(5), r(6), w(7)]);
        assert_eq!(Kind::Read.turn(&q, 1), None);
        assert_eq!(Kind::Write.turn(&q, 2), Some(1));
        assert_eq!(rw_key(&w(5)), rw_key(&r(5)));
    }

    #[test]
    fn kazoo_contenders() {
        let c: Vec<String> = [
            "b6f3e0c1d2a94b5c8d7e6f5a4b3c2d1e__lock__0000000004",
            "00000000000000000000000000000000__lock__0000000002",
            "ffffffffffffffffffffffffffffffff__rlock__0000000001",
            "not-a-contender",
            "y__lock__-000000001",
            "x__lock__-0000000001",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            Layout::Kazoo.contenders(c),
            [
                "x__lock__-0000000001",
                "00000000000000000000000000000000__lock__0000000002",
                "b6f3e0c1d2a94b5c8d7e6f5a4b3c2d1e__lock__0000000004",
            ]
        );
        let (unique, name) = Layout::Kazoo.new_name(Kind::Exclusive);
        assert_eq!(unique.len(), 32 + KAZOO_LOCK_NAME.len());
        assert_eq!(unique, name);
        let (unique, name) = Layout::Curator.new_name(Kind::Exclusive);
        assert!(zk_client::is_protected(&format!("{name}0000000001")));
        assert!(name.starts_with(&unique) && name.ends_with("-lock-"));
    }

    #[test]
    fn read_write_turns_as_curator() {
        let w = |n: u32| format!("_c_00000000-0000-4000-8000-000000000000-__WRIT__{n:010}");
        let r = |n: u32| format!("_c_ffffffff-0000-4000-8000-000000000000-__READ__{n:010}");
        let q = Layout::Curator.contenders_of(vec![w(3), r(1), r(4), r(2), w(5)], Kind::Read);
        assert_eq!(q, [r(1), r(2), w(3), r(4), w(5)]);
        // Readers before the first writer hold together; a reader after it waits for it.
        assert_eq!(Kind::Read.turn(&q, 0), None);
        assert_eq!(Kind::Read.turn(&q, 1), None);
        assert_eq!(Kind::Read.turn(&q, 3), Some(2));
        // A writer waits for whoever is just before it.
        assert_eq!(Kind::Write.turn(&q, 2), Some(1));
        assert_eq!(Kind::Write.turn(&q, 4), Some(3));
        assert!(Kind::Read.owns(&r(1)) && !Kind::Read.owns(&w(3)));
        let (_, name) = Layout::Kazoo.new_name(Kind::Write);
        assert!(
            name.ends_with("-__WRIT__"),
            "read-write locks are Curator's: {name}"
        );
    }
}
