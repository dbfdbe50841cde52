//! Re-registering watches after a reconnect: the watched paths split into `SetWatches`
//! (opcode 101) or `SetWatches2` (opcode 105) requests small enough for the server.
//!
//! Like ZooKeeper's own client, each batch holds paths totalling about
//! [`SET_WATCHES_MAX_LENGTH`] bytes (128 KiB), far below the server's 1 MiB `jute.maxbuffer`,
//! so any number of watches can be restored. A batch that carries no persistent watch uses
//! the older `SetWatches` request, which every server understands; only batches with
//! persistent or persistent recursive watches need `SetWatches2` (servers 3.6 and later).

use jute::Utf8Bytes;
use zk_records::proto::{SetWatches, SetWatches2};

/// The path bytes per batch (ZooKeeper's `ClientCnxn.SET_WATCHES_MAX_LENGTH`).
pub(crate) const SET_WATCHES_MAX_LENGTH: usize = 128 * 1024;

/// One batch: a `SetWatches` (opcode 101) or `SetWatches2` (opcode 105) record.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Batch {
    /// One-shot watches only.
    V1(SetWatches),
    /// With persistent watches.
    V2(SetWatches2),
}

/// Splits the watched paths (`[data, exist, child, persistent, persistent recursive]`, as
/// [`crate::watch::Registry::watched_paths`] lists them) into batches relative to
/// `relative_zxid`. A batch is closed before a path would take it past `max_len` bytes
/// (a single longer path gets a batch of its own).
pub(crate) fn batches(lists: [Vec<String>; 5], relative_zxid: i64, max_len: usize) -> Vec<Batch> {
    let mut out = Vec::new();
    let mut current: [Vec<Utf8Bytes>; 5] = Default::default();
    let mut size = 0usize;
    for (slot, paths) in lists.into_iter().enumerate() {
        for path in paths {
            // 4 bytes of length prefix per string on the wire.
            let len = path.len() + 4;
            if size > 0 && size + len > max_len {
                out.push(encode(std::mem::take(&mut current), relative_zxid));
                size = 0;
            }
            size += len;
            // Takes over the `String`'s buffer: no copy.
            current[slot].push(Utf8Bytes::from(path));
        }
    }
    if size > 0 {
        out.push(encode(current, relative_zxid));
    }
    out
}

fn encode(lists: [Vec<Utf8Bytes>; 5], relative_zxid: i64) -> Batch {
    let [data_watches, exist_watches, child_watches, persistent_watches, persistent_recursive_watches] =
        lists;
    if persistent_watches.is_empty() && persistent_recursive_watches.is_empty() {
        Batch::V1(SetWatches {
            relative_zxid,
            data_watches,
            exist_watches,
            child_watches,
        })
    } else {
        Batch::V2(SetWatches2 {
            relative_zxid,
            data_watches,
            exist_watches,
            child_watches,
            persistent_watches,
            persistent_recursive_watches,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(prefix: &str, n: usize, len: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let mut p = format!("/{prefix}{i}-");
                while p.len() < len {
                    p.push('x');
                }
                p
            })
            .collect()
    }

    #[test]
    fn nothing_to_watch_means_no_request() {
        assert!(batches(Default::default(), 7, SET_WATCHES_MAX_LENGTH).is_empty());
    }

    #[test]
    fn oneshot_watches_use_set_watches_and_keep_every_path() {
        let data = paths("d", 3, 10);
        let exist = paths("e", 2, 10);
        let child = paths("c", 1, 10);
        let b = batches(
            [data.clone(), exist.clone(), child.clone(), vec![], vec![]],
            42,
            SET_WATCHES_MAX_LENGTH,
        );
        assert_eq!(b.len(), 1);
        let Batch::V1(r) = &b[0] else { panic!("{b:?}") };
        let r = r.clone();
        assert_eq!(r.relative_zxid, 42);
        assert_eq!(r.data_watches, data);
        assert_eq!(r.exist_watches, exist);
        assert_eq!(r.child_watches, child);
    }

    #[test]
    fn large_sets_are_split_under_the_limit_and_persistent_batches_use_set_watches2() {
        // 2,000 paths of 600 bytes: 1.2 MB, more than the server's 1 MiB frame limit.
        let data = paths("d", 1000, 600);
        let persistent = paths("p", 1000, 600);
        let b = batches(
            [data.clone(), vec![], vec![], persistent.clone(), vec![]],
            9,
            SET_WATCHES_MAX_LENGTH,
        );
        assert!(b.len() >= 9, "{} batches", b.len());
        let (mut got_data, mut got_persistent) = (Vec::new(), Vec::new());
        for batch in &b {
            let len = match batch {
                Batch::V1(r) => {
                    got_data.extend(r.data_watches.iter().cloned());
                    jute::Jute::encoded_len(r)
                }
                Batch::V2(r) => {
                    assert!(!r.persistent_watches.is_empty());
                    got_data.extend(r.data_watches.iter().cloned());
                    got_persistent.extend(r.persistent_watches.iter().cloned());
                    jute::Jute::encoded_len(r)
                }
            };
            assert!(len <= SET_WATCHES_MAX_LENGTH + 64, "{len}");
        }
        assert_eq!(got_data, data, "every path once, in order");
        assert_eq!(got_persistent, persistent);
        assert!(
            matches!(b[0], Batch::V1(_)),
            "data-only batches stay on opcode 101"
        );
    }

    #[test]
    fn an_oversized_path_gets_its_own_batch() {
        let big = "/".to_owned() + &"b".repeat(200);
        let b = batches(
            [
                vec!["/a".into(), big, "/c".into()],
                vec![],
                vec![],
                vec![],
                vec![],
            ],
            0,
            100,
        );
        assert_eq!(b.len(), 3);
    }
}
