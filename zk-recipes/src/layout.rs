//! Lock node layouts: names and sort order as Apache Curator writes them, so that Rust and
//! Java contenders on one path queue in one line.

use zk_client::strip_protected;

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
}
