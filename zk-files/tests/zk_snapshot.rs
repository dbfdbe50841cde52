//! The snapshot reader on minimal hand-made snapshots: streamed decompression (damage after
//! a prefix, a gzip bomb), and the sections after the tree.

use zk_testkit::files as handmade;

use std::io::Write as _;

use handmade::{digest_section, last_zxid_section, seal, snapshot_tree};
use jute::Limits;
use zk_files::{LimitReached, SnapItem, SnapshotReader};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn read(bytes: &[u8], max_decompressed: u64) -> (Vec<SnapItem>, usize) {
    let mut reader =
        SnapshotReader::from_reader(bytes, Limits::default(), max_decompressed).unwrap();
    let items: Vec<SnapItem> = reader.by_ref().collect();
    (items, reader.peak_buffered())
}

fn nodes(items: &[SnapItem]) -> usize {
    items
        .iter()
        .filter(|i| matches!(i, SnapItem::Node(_)))
        .count()
}

/// `count` nodes with 100 bytes of data each.
fn many_nodes(count: usize) -> Vec<u8> {
    let paths: Vec<String> = (0..count).map(|i| format!("/n{i:06}")).collect();
    let data: Vec<Vec<u8>> = (0..count)
        .map(|i| (0..100).map(|j| ((i * 31 + j * 7) % 251) as u8).collect())
        .collect();
    let nodes: Vec<(&str, &[u8])> = paths
        .iter()
        .zip(&data)
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let mut snap = snapshot_tree(&nodes);
    seal(&mut snap);
    digest_section(&mut snap, 5, 77);
    snap
}

#[test]
fn damaged_gzip_prints_what_came_before_and_names_the_offsets() {
    let snap = many_nodes(20_000);
    let mut gz = gzip(&snap);
    let (items, _) = read(&gz, u64::MAX);
    assert_eq!(nodes(&items), 20_001);
    assert!(matches!(
        items.last(),
        Some(SnapItem::End { trailing: 0, .. })
    ));

    // Cut in the middle: the decompressor's error, after every node before the cut.
    let (items, _) = read(&gz[..gz.len() / 2], u64::MAX);
    let before = nodes(&items);
    assert!(
        before > 1000 && before < 20_001,
        "{before} nodes before the damage"
    );
    match items.last() {
        Some(SnapItem::Error {
            offset,
            message,
            limit: None,
        }) => {
            assert!(*offset > 0 && *offset < snap.len(), "{offset}");
            assert!(
                message.contains("cannot decompress gzip data (compressed input read up to byte"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }

    // Flipped bytes: deflate may decode them into other bytes (the CRC at the member's end
    // comes too late), then the parse fails; either way the nodes before are read.
    let middle = gz.len() / 2;
    for b in &mut gz[middle..middle + 64] {
        *b ^= 0x5a;
    }
    let (items, _) = read(&gz, u64::MAX);
    let before = nodes(&items);
    assert!(
        before > 1000 && before < 20_001,
        "{before} nodes before the damage"
    );
    match items.last() {
        Some(SnapItem::Error { offset, .. }) => assert!(*offset < snap.len(), "{offset}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_gzip_bomb_is_refused_at_the_limit_with_bounded_memory() {
    // A valid start, then 64 gzip members of 1 MiB of zeros each: zeros read as nodes with
    // an empty path, empty data and a zero stat, so only the size limit stops them.
    let mut snap = snapshot_tree(&[]);
    snap.truncate(snap.len() - 5); // no end of the tree
    let mut file = gzip(&snap);
    let member = gzip(&vec![0; 1 << 20]);
    for _ in 0..64 {
        file.extend_from_slice(&member);
    }
    assert!(file.len() < 200_000, "{} bytes", file.len());
    let (items, peak) = read(&file, 16 << 20);
    assert!(nodes(&items) > 100_000);
    // Everything up to the limit is read; the error names where the data ends.
    assert!(
        matches!(
            items.last(),
            Some(SnapItem::Error {
                limit: Some(LimitReached::DecompressedSize),
                offset,
                ..
            }) if *offset == 16 << 20
        ),
        "{:?}",
        items.last()
    );
    assert!(peak <= 1 << 20, "{peak} bytes buffered at once");
}

#[test]
fn a_large_plain_snapshot_is_read_through_a_small_window() {
    let snap = many_nodes(50_000);
    assert!(snap.len() > 8 << 20);
    let (items, peak) = read(&snap, u64::MAX);
    assert_eq!(nodes(&items), 50_001);
    assert!(peak <= 1 << 20, "{peak} bytes buffered at once");
    assert!(items.iter().any(
        |i| matches!(i, SnapItem::Seal { stored, computed, .. } if *stored == i64::from(*computed))
    ));
}

#[test]
fn bytes_after_a_complete_snapshot_are_trailing_bytes() {
    // A 3.8 snapshot (tree, seal, digest, seal), then 5 stray bytes: not a truncated section.
    let mut snap = snapshot_tree(&[("/a", b"x")]);
    seal(&mut snap);
    digest_section(&mut snap, 5, 77);
    let end = snap.len();
    snap.extend([1, 2, 3, 4, 5]);
    let (items, _) = read(&snap, u64::MAX);
    assert!(
        matches!(items.last(), Some(SnapItem::End { offset, trailing: 5 }) if *offset == end),
        "{items:?}"
    );
    assert!(!items.iter().any(|i| matches!(i, SnapItem::Error { .. })));
    // The same after the tree's seal alone (digests disabled), with more bytes than a digest.
    let mut snap = snapshot_tree(&[("/a", b"x")]);
    seal(&mut snap);
    let end = snap.len();
    snap.extend([0xee; 40]);
    let (items, _) = read(&snap, u64::MAX);
    assert!(
        matches!(items.last(), Some(SnapItem::End { offset, trailing: 40 }) if *offset == end),
        "{items:?}"
    );
}

#[test]
fn a_node_cut_short_is_named_with_its_field() {
    let snap = snapshot_tree(&[("/a", b"hello"), ("/b", b"world")]);
    let b_at = snap.len() - 5 - (4 + 2 + 4 + 5 + 8 + 60);
    let error = |cut: usize| match read(&snap[..cut], u64::MAX).0.last() {
        Some(SnapItem::Error {
            offset, message, ..
        }) => (*offset, message.clone()),
        other => panic!("{other:?}"),
    };
    // In the data of /b: the node, the field, the offset of its length.
    let (offset, message) = error(b_at + 6 + 6);
    assert_eq!(offset, b_at + 6);
    assert!(
        message.contains("node 3 (/b): DataNode.data: at byte"),
        "{message}"
    );
    // In its stat.
    let (_, message) = error(b_at + 6 + 9 + 8 + 20);
    assert!(
        message.contains("node 3 (/b): DataNode.stat.ctime: at byte"),
        "{message}"
    );
    // In its path: the node is counted, its path is not known yet.
    let (offset, message) = error(b_at + 3);
    assert_eq!(offset, b_at);
    assert!(message.contains("node 3: path: at byte"), "{message}");
}

/// What ZooKeeper 3.9 writes after the tree (FileSnap.serialize at branch-3.9): the tree's
/// seal; with digests enabled (the default) the `ZxidDigest` and a seal; with
/// `zookeeper.serializeLastProcessedZxid.enabled` (the default) `long lastProcessedZxid` and
/// a seal. No 3.9 server is installable here (Debian has 3.8), so these files are built by
/// hand after 3.9's FileSnap, DataTree.serializeLastProcessedZxid and SnapStream.sealStream.
fn snapshot_3_9(digest: bool, last_zxid: bool) -> Vec<u8> {
    let mut snap = snapshot_tree(&[("/a", b"x"), ("/a/b", b"")]);
    seal(&mut snap);
    if digest {
        digest_section(&mut snap, 0x1_0000_0005, 77);
    }
    if last_zxid {
        last_zxid_section(&mut snap, 0x1_0000_0007);
    }
    snap
}

fn kinds(items: &[SnapItem]) -> Vec<&'static str> {
    items
        .iter()
        .filter(|i| {
            !matches!(
                i,
                SnapItem::Session { .. } | SnapItem::Acl { .. } | SnapItem::Node(_)
            )
        })
        .map(|i| match i {
            SnapItem::Seal {
                stored, computed, ..
            } => {
                assert_eq!(*stored, i64::from(*computed), "every seal matches");
                "seal"
            }
            SnapItem::Digest {
                zxid,
                version,
                digest,
            } => {
                assert_eq!((*zxid, *version, *digest), (0x1_0000_0005, 2, 77));
                "digest"
            }
            SnapItem::LastProcessedZxid(zxid) => {
                assert_eq!(*zxid, 0x1_0000_0007);
                "lastProcessedZxid"
            }
            SnapItem::End { trailing: 0, .. } => "end",
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn zookeeper_3_9_snapshots_in_every_configuration_and_compression() {
    let cases = [
        (
            true,
            true,
            &["seal", "digest", "seal", "lastProcessedZxid", "seal", "end"][..],
        ),
        (
            false,
            true,
            &["seal", "lastProcessedZxid", "seal", "end"][..],
        ),
        (true, false, &["seal", "digest", "seal", "end"][..]),
        (false, false, &["seal", "end"][..]),
    ];
    for (digest, last_zxid, want) in cases {
        let snap = snapshot_3_9(digest, last_zxid);
        for (name, file) in [
            ("plain", snap.clone()),
            ("gz", gzip(&snap)),
            ("snappy", handmade::snappy_java_literals(&snap)),
        ] {
            let (items, _) = read(&file, u64::MAX);
            assert_eq!(nodes(&items), 3, "{name} {digest} {last_zxid}");
            assert_eq!(
                kinds(&items),
                want,
                "{name}, digest {digest}, last zxid {last_zxid}"
            );
        }
    }
    // Bytes after 3.9's last section are trailing bytes.
    let mut snap = snapshot_3_9(true, true);
    snap.extend([9; 21]);
    let (items, _) = read(&snap, u64::MAX);
    assert!(
        matches!(items.last(), Some(SnapItem::End { trailing: 21, .. })),
        "{items:?}"
    );
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn valid() -> Vec<u8> {
        let mut snap = snapshot_tree(&[("/a", b"x"), ("/a/b", b"yy")]);
        seal(&mut snap);
        digest_section(&mut snap, 5, 77);
        last_zxid_section(&mut snap, 6);
        snap
    }

    proptest! {
        #[test]
        fn damaged_snapshots_never_panic_and_end_once(
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in any::<usize>(),
            wrap in 0..3u8,
        ) {
            let mut snap = valid();
            for (at, x) in flips {
                let n = snap.len();
                snap[at % n] ^= x | 1;
            }
            snap.truncate(cut % (snap.len() + 1));
            let file = match wrap {
                0 => snap,
                1 => gzip(&snap),
                _ => handmade::snappy_java_literals(&snap),
            };
            let opened =
                SnapshotReader::from_reader(&file[..], Limits::default(), 1 << 20);
            if let Ok(reader) = opened {
                let items: Vec<SnapItem> = reader.collect();
                let ends = items
                    .iter()
                    .filter(|i| matches!(i, SnapItem::End { .. } | SnapItem::Error { .. }))
                    .count();
                prop_assert_eq!(ends, 1);
                let last_ends = matches!(
                    items.last(),
                    Some(SnapItem::End { .. } | SnapItem::Error { .. })
                );
                prop_assert!(last_ends, "{:?}", items.last());
            }
        }
    }
}
