//! Encode/decode throughput for representative ZooKeeper records (shapes from zookeeper.jute).
//!
//! `cargo bench -p jute-runtime --bench codec`; figures go to BENCHMARKS.md.
#![allow(missing_docs, non_snake_case)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use jute::bytes::{Bytes, BytesMut};
use jute::Jute;

#[derive(Jute, Clone, Default)]
struct Stat {
    czxid: i64,
    mzxid: i64,
    ctime: i64,
    mtime: i64,
    version: i32,
    cversion: i32,
    aversion: i32,
    ephemeralOwner: i64,
    dataLength: i32,
    numChildren: i32,
    pzxid: i64,
}

#[derive(Jute, Clone)]
struct GetDataResponse {
    data: Bytes,
    stat: Stat,
}

#[derive(Jute, Clone)]
struct GetDataResponseVec {
    data: Vec<u8>,
    stat: Stat,
}

#[derive(Jute, Clone)]
struct SetWatches {
    relativeZxid: i64,
    dataWatches: Vec<String>,
    existWatches: Vec<String>,
    childWatches: Vec<String>,
}

fn stat() -> Stat {
    Stat {
        czxid: 0x1_0000_0001,
        mzxid: 0x1_0000_0002,
        ctime: 1_700_000_000_000,
        mtime: 1_700_000_000_123,
        version: 3,
        cversion: 1,
        aversion: 0,
        ephemeralOwner: 0x1234_5678_9abc,
        dataLength: 1024,
        numChildren: 2,
        pzxid: 0x1_0000_0003,
    }
}

fn bench_record<T: Jute>(c: &mut Criterion, name: &str, value: &T) {
    let bytes = Bytes::from(jute::to_vec(value));
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut buf = BytesMut::with_capacity(bytes.len());
    group.bench_function("encode", |b| {
        b.iter(|| {
            buf.clear();
            black_box(value).encode(&mut buf);
            black_box(&buf);
        })
    });
    group.bench_function("decode_slice", |b| {
        b.iter(|| {
            jute::from_slice::<T>(black_box(&bytes))
                .map(black_box)
                .is_ok()
        })
    });
    group.bench_function("decode_bytes", |b| {
        b.iter(|| {
            jute::from_bytes::<T>(black_box(bytes.clone()))
                .map(black_box)
                .is_ok()
        })
    });
    group.finish();
}

fn codec(c: &mut Criterion) {
    bench_record(c, "Stat", &stat());
    let data: Vec<u8> = (0..1024u32).map(|i| i as u8).collect();
    bench_record(
        c,
        "GetDataResponse_1KiB_Bytes",
        &GetDataResponse {
            data: Bytes::from(data.clone()),
            stat: stat(),
        },
    );
    bench_record(
        c,
        "GetDataResponse_1KiB_Vec",
        &GetDataResponseVec { data, stat: stat() },
    );
    let paths: Vec<String> = (0..1000)
        .map(|i| format!("/services/app/instance-{i:06}"))
        .collect();
    bench_record(
        c,
        "SetWatches_1000_paths",
        &SetWatches {
            relativeZxid: 0x1_0000_0042,
            dataWatches: paths.clone(),
            existWatches: Vec::new(),
            childWatches: paths[..100].to_vec(),
        },
    );
}

criterion_group!(benches, codec);
criterion_main!(benches);
