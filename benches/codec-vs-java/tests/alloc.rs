//! Allocation counts for decoding the comparison's records, with a counting global allocator
//! (`stats_alloc`, so this file stays free of `unsafe`). In its own test binary so that the
//! allocator affects no other test. Decoding a `Stat` or a `ReplyHeader` must not allocate.
#![allow(clippy::print_stdout)]

use std::alloc::System;

use bytes::Bytes;
use jute::Jute;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use zk_records::data::Stat;
use zk_records::proto::ReplyHeader;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (including reallocations) made while `f` runs.
fn allocations(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let stats = region.change();
    stats.allocations + stats.reallocations
}

fn decode_slice<T: Jute>(bytes: &[u8]) -> usize {
    allocations(|| {
        let value = jute::from_slice::<T>(bytes).unwrap();
        std::mem::forget(std::hint::black_box(value));
    })
}

/// The counter is process-wide, so everything is measured in this one test: no other test
/// thread of this binary can allocate meanwhile.
#[test]
fn allocations_while_decoding() {
    decoding_stat_does_not_allocate();
    decoding_reply_header_does_not_allocate();
    allocation_counts_of_the_other_records();
}

fn decoding_stat_does_not_allocate() {
    let bytes = jute::to_vec(&codec_bench::stat());
    assert_eq!(decode_slice::<Stat>(&bytes), 0);
    // Cloning a `Bytes` made from a `Vec` allocates its shared header once: do it outside.
    let input = Bytes::from(bytes).clone();
    let n = allocations(|| {
        let value = jute::from_bytes::<Stat>(input).unwrap();
        std::hint::black_box(value);
    });
    assert_eq!(n, 0);
}

fn decoding_reply_header_does_not_allocate() {
    let bytes = jute::to_vec(&codec_bench::reply_header());
    assert_eq!(decode_slice::<ReplyHeader>(&bytes), 0);
    // Cloning a `Bytes` made from a `Vec` allocates its shared header once: do it outside.
    let input = Bytes::from(bytes).clone();
    let n = allocations(|| {
        let value = jute::from_bytes::<ReplyHeader>(input).unwrap();
        std::hint::black_box(value);
    });
    assert_eq!(n, 0);
}

/// Reports (and bounds) the allocations of every record of the comparison: one per owned
/// string or copied buffer and one per vector, none per `Bytes` field decoded from `Bytes`,
/// and for views only the vectors.
fn allocation_counts_of_the_other_records() {
    println!(
        "record\tdecode from &[u8]\tdecode from Bytes\tdecode view\tencode into presized BytesMut"
    );
    for case in codec_bench::cases() {
        let bytes = case.bytes.clone();
        let slice = allocations(|| assert!(case.decode_slice(&bytes)));
        let input = bytes.clone();
        let shared = allocations(|| assert!(case.decode_bytes(input)));
        let view = allocations(|| assert!(case.decode_view(&bytes)));
        let mut buf = bytes::BytesMut::with_capacity(bytes.len());
        let encode = allocations(|| case.encode(&mut buf));
        println!("{}\t{slice}\t{shared}\t{view}\t{encode}", case.name);
        assert_eq!(encode, 0, "{}: encoding into a presized buffer", case.name);
        assert!(shared <= slice, "{}", case.name);
        // A view allocates only its vectors (one per vector, none per string or buffer).
        assert!(
            view <= shared,
            "{}: {view} allocations for a view",
            case.name
        );
    }
}
