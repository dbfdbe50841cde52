//! The transaction log reader on minimal hand-made logs: the layouts real servers write in
//! configurations the real-server tests do not start (see
//! `zk-cli/tests/testsuite/zk_files.rs`), and damage placed exactly. ZooKeeper 3.9 writes logs in 3.8's layout (`Util.marshallTxnEntry`
//! and the entry framing of `FileTxnLog.append` are unchanged at branch-3.9; what changed is
//! how the writer tracks file sizes), so these entries stand for both.

use zk_testkit::files as handmade;

use handmade::{entry, log_header, string, txn};
use zk_files::{json, LimitReached, LogItem, Txn, TxnBody, TxnLogReader};

fn read(file: &[u8]) -> Vec<LogItem> {
    TxnLogReader::new(file).unwrap().collect()
}

fn txns(items: &[LogItem]) -> Vec<&zk_files::TxnEntry> {
    items
        .iter()
        .filter_map(|i| match i {
            LogItem::Txn(t) => Some(&**t),
            _ => None,
        })
        .collect()
}

#[test]
fn close_session_without_body_but_with_digest() {
    // zookeeper.closeSessionTxn.enabled=false: header + digest, no CloseSessionTxn.
    let mut file = log_header();
    file.extend(entry(&txn(0x55, 1, -11, &[], Some(0x1234_5678_9abc))));
    // A CloseSessionTxn of exactly a digest's size (one 4-byte path), no digest: a body.
    let mut body = 1i32.to_be_bytes().to_vec();
    body.extend(string("/abc"));
    file.extend(entry(&txn(0x56, 2, -11, &body, None)));
    // The usual 3.8 layout: body and digest.
    let mut body = 1i32.to_be_bytes().to_vec();
    body.extend(string("/e"));
    file.extend(entry(&txn(0x57, 3, -11, &body, Some(9))));
    file.resize(file.len() + 100, 0);
    let items = read(&file);
    let t = txns(&items);
    assert_eq!(t.len(), 3, "{items:#?}");
    assert_eq!(t[0].body, TxnBody::None);
    assert_eq!(
        json::to_string(t[0].digest.as_ref().unwrap()),
        r#"{"version":2,"treeDigest":20015998343868}"#
    );
    assert!(t[0].trailing.is_empty());
    assert!(matches!(&t[1].body, TxnBody::Record(Txn::CloseSession(_))));
    assert_eq!(t[1].digest, None);
    assert!(matches!(&t[2].body, TxnBody::Record(Txn::CloseSession(_))));
    assert!(t[2].digest.is_some());
    assert!(matches!(items.last(), Some(LogItem::End { .. })));
}

#[test]
fn entries_over_the_limit_are_flagged_and_read_with_a_larger_limit() {
    // A server run with -Djute.maxbuffer=4194304 logs a 3 MiB setData.
    let data: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
    let mut file = log_header();
    file.extend(entry(&txn(
        1,
        1,
        5,
        &handmade::set_data("/big", &data),
        Some(1),
    )));
    file.extend(entry(&txn(
        1,
        2,
        5,
        &handmade::set_data("/s", b"x"),
        Some(2),
    )));
    let items: Vec<LogItem> = TxnLogReader::new(&file).unwrap().collect();
    match &items[0] {
        LogItem::Corrupt {
            offset: 16,
            message,
            limit: Some(LimitReached::ItemLength),
        } => assert!(message.contains("limit"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(txns(&items).len(), 1, "the next entry is still read");

    let limits = jute::Limits {
        max_len: 4 << 20,
        ..jute::Limits::default()
    };
    let items: Vec<LogItem> = TxnLogReader::with_limits(&file, limits).unwrap().collect();
    let t = txns(&items);
    assert_eq!(
        t.len(),
        2,
        "{:?}",
        items.iter().map(json::to_string).collect::<Vec<_>>()
    );
    match &t[0].body {
        TxnBody::Record(Txn::SetData(txn)) => assert_eq!(txn.data.as_deref(), Some(&data[..])),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_zero_length_with_entries_after_it_is_damage() {
    let mut file = log_header();
    let set = |zxid| {
        entry(&txn(
            1,
            zxid,
            5,
            &handmade::set_data("/a", b"v"),
            Some(zxid),
        ))
    };
    file.extend(set(1));
    let gap = file.len();
    file.extend([0; 512]); // a zeroed sector
    let after = file.len();
    file.extend(set(2));
    file.extend(set(3));
    file.resize(file.len() + 1000, 0);
    let items = read(&file);
    assert_eq!(txns(&items).len(), 3, "{items:#?}");
    match &items[1] {
        LogItem::Corrupt {
            offset, message, ..
        } => {
            assert_eq!(*offset, gap);
            assert!(
                message.contains("an entry length of 0")
                    && message.contains(&format!("at offset {after}")),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        items.last(),
        Some(LogItem::End { padding: 1000, .. })
    ));
}

#[test]
fn resynchronising_costs_work_linear_in_the_file() {
    // After a broken first entry, a candidate entry every 16 bytes: high checksum half zero,
    // a length that reaches one shared end-of-record byte, a checksum that never matches.
    // Checksumming each candidate in full would sum about n²/32 bytes (8 GiB for this
    // 1 MiB region); the range checksums sum each byte once plus a bounded amount per
    // candidate.
    const REGION: usize = 1 << 20;
    let mut file = log_header();
    file.extend(1i64.to_be_bytes());
    file.extend(0x7fff_ffffi32.to_be_bytes()); // does not fit: resynchronise
    let start = file.len();
    let end = start + REGION;
    while file.len() + 16 <= end {
        let q = file.len();
        file.extend(1i64.to_be_bytes());
        file.extend(((end - q - 12) as i32).to_be_bytes());
        file.extend([0xab; 4]);
    }
    file.resize(end, 0xab);
    file.push(b'B');
    let valid = file.len();
    file.extend(entry(&txn(
        1,
        1,
        5,
        &handmade::set_data("/a", b"v"),
        Some(1),
    )));
    file.resize(file.len() + 100, 0);

    let mut reader = TxnLogReader::new(&file).unwrap();
    let items: Vec<LogItem> = reader.by_ref().collect();
    match &items[0] {
        LogItem::Corrupt {
            offset, message, ..
        } => {
            assert_eq!(*offset, 16);
            assert!(message.contains(&format!("at offset {valid}")), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        txns(&items).len(),
        1,
        "the entry after the crafted region is read"
    );
    let summed = reader.bytes_checksummed();
    assert!(
        summed <= 4 * file.len() as u64,
        "{summed} bytes checksummed for a {}-byte file",
        file.len()
    );
}

#[test]
fn op_names_are_apache_s() {
    // CreateTTLTxn: path, data, acl (empty), parentCVersion, ttl.
    let mut body = string("/ttl");
    body.extend(1i32.to_be_bytes());
    body.push(b'x');
    body.extend(0i32.to_be_bytes());
    body.extend(3i32.to_be_bytes());
    body.extend(60_000i64.to_be_bytes());
    let mut file = log_header();
    file.extend(entry(&txn(1, 1, 21, &body, Some(1))));
    let items = read(&file);
    let json = json::to_string(&items[0]);
    assert!(json.contains(r#""op":"createTtl""#), "{json}");
    assert!(json.contains(r#""record":"CreateTTLTxn""#), "{json}");
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn damaged_logs_never_panic_and_only_go_forward(
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in any::<usize>(),
        ) {
            let mut file = log_header();
            for zxid in 1..6 {
                file.extend(entry(&txn(1, zxid, 5, &handmade::set_data("/a", b"value"), Some(zxid))));
            }
            file.resize(file.len() + 64, 0);
            for (at, x) in flips {
                let n = file.len() - 16;
                file[16 + at % n] ^= x | 1;
            }
            file.truncate(16 + cut % (file.len() - 15));
            let mut reader = TxnLogReader::new(&file).unwrap();
            let items: Vec<LogItem> = reader.by_ref().collect();
            let offsets: Vec<usize> = items
                .iter()
                .filter_map(|i| match i {
                    LogItem::Txn(t) => Some(t.offset),
                    _ => None,
                })
                .collect();
            prop_assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{:?}", offsets);
            prop_assert!(reader.bytes_checksummed() <= 66 * file.len() as u64);
        }
    }
}

#[test]
fn zookeeper_3_9_logs() {
    // Built by hand after branch-3.9's FileTxnLog.append (FileHeader, then checksum, length,
    // Request.getSerializeData() = Util.marshallTxnEntry(header, txn, digest), 'B') and
    // FilePadding (zeros): no 3.9 server is installable here (Debian has 3.8).
    let mut file = log_header();
    // createSession: CreateSessionTxn { int timeOut }.
    file.extend(entry(&txn(9, 1, -10, &30_000i32.to_be_bytes(), Some(1))));
    // multi: MultiTxn { vector<Txn { int type; buffer data }> } holding a setData and a delete.
    let set = handmade::set_data("/a", b"v");
    let del = string("/b");
    let mut multi = 2i32.to_be_bytes().to_vec();
    for (op, data) in [(5i32, &set), (2, &del)] {
        multi.extend(op.to_be_bytes());
        multi.extend((data.len() as i32).to_be_bytes());
        multi.extend_from_slice(data);
    }
    file.extend(entry(&txn(9, 2, 14, &multi, Some(2))));
    // closeSession: CloseSessionTxn { vector<ustring> paths2Delete } and the digest.
    let mut close = 1i32.to_be_bytes().to_vec();
    close.extend(string("/eph"));
    file.extend(entry(&txn(9, 3, -11, &close, Some(3))));
    file.resize(file.len() + 4096, 0);
    let items = read(&file);
    let t = txns(&items);
    let ops: Vec<Option<&str>> = t.iter().map(|t| zk_files::op_name(t.op_type())).collect();
    assert_eq!(
        ops,
        [Some("createSession"), Some("multi"), Some("closeSession")],
        "{items:#?}"
    );
    match &t[1].body {
        TxnBody::Multi(subs) => {
            assert_eq!(subs.len(), 2);
            assert!(subs.iter().all(|s| s.body.is_ok()), "{subs:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(t
        .iter()
        .all(|t| t.digest.is_some() && t.trailing.is_empty()));
    assert!(matches!(
        items.last(),
        Some(LogItem::End { padding: 4096, .. })
    ));
}

#[test]
fn a_large_log_is_read_in_bounded_memory() {
    // 40 MiB of entries, one damaged in the middle, and 8 MiB of padding, read from a
    // `Read + Seek` input: the reader holds an entry and a read-ahead (or, resynchronising,
    // two stretches of at most one entry's limit), not the file.
    let mut file = log_header();
    let mut n = 0i64;
    let mut damaged = 0;
    while file.len() < 40 << 20 {
        n += 1;
        if n == 20_000 {
            damaged = file.len() + 20;
        }
        file.extend(entry(&txn(
            1,
            n,
            5,
            &handmade::set_data("/a", &[7u8; 1000]),
            Some(n),
        )));
    }
    file[damaged] ^= 0x55;
    file.resize(file.len() + (8 << 20), 0);
    let mut reader =
        TxnLogReader::from_reader(std::io::Cursor::new(&file[..]), jute::Limits::default())
            .unwrap();
    let items: Vec<LogItem> = reader.by_ref().collect();
    assert_eq!(txns(&items).len() as i64, n - 1);
    assert!(
        matches!(items[19_999], LogItem::Corrupt { .. }),
        "{:?}",
        items[19_999]
    );
    assert!(matches!(items.last(), Some(LogItem::End { padding, .. }) if *padding == 8 << 20));
    let bound = 4 * (reader.max_entry_len() + 13) + (64 << 10);
    assert!(
        reader.peak_buffered() <= bound && reader.peak_buffered() < file.len() / 3,
        "held {} bytes of a {}-byte file",
        reader.peak_buffered(),
        file.len()
    );
}

#[test]
fn a_multi_is_read_with_the_reader_s_limits() {
    // A server run with -Djute.maxbuffer=4194304 logs a multi holding a 3 MiB setData: a
    // reader given that limit reads the sub-transaction too, as it reads a lone setData.
    let data: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
    let set = handmade::set_data("/big", &data);
    let mut multi = 1i32.to_be_bytes().to_vec();
    multi.extend(5i32.to_be_bytes());
    multi.extend((set.len() as i32).to_be_bytes());
    multi.extend_from_slice(&set);
    let mut file = log_header();
    file.extend(entry(&txn(1, 1, 14, &multi, Some(1))));
    let limits = jute::Limits {
        max_len: 4 << 20,
        ..jute::Limits::default()
    };
    let items: Vec<LogItem> = TxnLogReader::with_limits(&file, limits).unwrap().collect();
    let t = txns(&items);
    assert_eq!(t.len(), 1, "{items:?}");
    match &t[0].body {
        TxnBody::Multi(subs) => match &subs[..] {
            [sub] => match &sub.body {
                Ok(Txn::SetData(txn)) => assert_eq!(txn.data.as_deref(), Some(&data[..])),
                Ok(other) => panic!("{other:?}"),
                Err((message, _)) => panic!("{message}"),
            },
            other => panic!("{} sub-transactions", other.len()),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn many_damaged_entries_cost_work_linear_in_the_file() {
    // Every other entry has a bad end-of-record byte: each search for the next intact entry
    // finds it a few bytes on, and sums no more than those bytes (a search that summed the
    // whole stretch it may look at, megabytes, for each damaged entry would sum the file
    // thousands of times over).
    let mut file = log_header();
    let mut zxid = 0;
    while file.len() < 256 << 10 {
        zxid += 1;
        let mut e = entry(&txn(
            1,
            zxid,
            5,
            &handmade::set_data("/a", b"v"),
            Some(zxid),
        ));
        if zxid % 2 == 1 {
            *e.last_mut().unwrap() = b'C';
        }
        file.extend(e);
    }
    file.resize(file.len() + 100, 0);
    let read_bytes = std::cell::Cell::new(0);
    let input = CountingReads {
        inner: std::io::Cursor::new(&file[..]),
        count: &read_bytes,
    };
    let mut reader = TxnLogReader::from_reader(input, jute::Limits::default()).unwrap();
    let items: Vec<LogItem> = reader.by_ref().collect();
    assert_eq!(txns(&items).len() as i64, zxid / 2);
    let summed = reader.bytes_checksummed();
    assert!(
        summed <= 4 * file.len() as u64,
        "{summed} bytes checksummed for a {}-byte file",
        file.len()
    );
    // Nor does each search read the input again from where it starts.
    assert!(
        read_bytes.get() <= 4 * file.len(),
        "{} bytes read from a {}-byte file",
        read_bytes.get(),
        file.len()
    );
}

/// A `Read + Seek` input that counts the bytes read from it.
struct CountingReads<'a, R> {
    inner: R,
    count: &'a std::cell::Cell<usize>,
}

impl<R: std::io::Read> std::io::Read for CountingReads<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n);
        Ok(n)
    }
}

impl<R: std::io::Seek> std::io::Seek for CountingReads<'_, R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn a_length_that_reaches_a_later_entry_s_end_loses_no_entry() {
    // Entries 128 bytes apart (115 transaction bytes): flipping bit 7 of the first entry's
    // length makes it end exactly at the second entry's 'B'. Its checksum does not match, and
    // the second entry, intact, is still read.
    let mut file = log_header();
    for zxid in 1..=5 {
        let txn = txn(
            1,
            zxid,
            5,
            &handmade::set_data("/a", &[b'v'; 57]),
            Some(zxid),
        );
        assert_eq!(txn.len(), 115);
        file.extend(entry(&txn));
    }
    file.resize(file.len() + 256, 0);
    file[16 + 11] ^= 0x80;
    let items = read(&file);
    match &items[0] {
        LogItem::Corrupt {
            offset: 16,
            message,
            ..
        } => assert!(
            message.contains("checksum mismatch")
                && message.contains("resuming at the next valid entry, at offset 144"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    let zxids: Vec<i64> = txns(&items).iter().map(|t| t.header.zxid).collect();
    assert_eq!(zxids, [2, 3, 4, 5], "{items:#?}");
    assert!(matches!(items.last(), Some(LogItem::End { .. })));
}
