//! Criterion benchmarks of encode and decode on the real `zk_records` types, for developers:
//! `cargo bench -p codec-bench --bench codec` (add `-- Stat` to filter). The side-by-side table
//! with Java comes from `cargo xtask bench codec` instead.
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn codec(c: &mut Criterion) {
    for case in codec_bench::cases() {
        let bytes = case.bytes.clone();
        let mut group = c.benchmark_group(case.name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        let mut dst = vec![0u8; bytes.len()];
        group.bench_function("memcpy", |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&bytes));
                black_box(&mut dst);
            })
        });
        let mut buf = BytesMut::with_capacity(bytes.len());
        group.bench_function("encode", |b| {
            b.iter(|| {
                buf.clear();
                case.encode(&mut buf);
                black_box(&mut buf);
            })
        });
        group.bench_function("decode_slice", |b| {
            b.iter(|| case.decode_slice(black_box(&bytes)))
        });
        group.bench_function("decode_view", |b| {
            b.iter(|| case.decode_view(black_box(&bytes)))
        });
        group.bench_function("decode_bytes", |b| {
            b.iter(|| case.decode_bytes(black_box(bytes.clone())))
        });
        group.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
