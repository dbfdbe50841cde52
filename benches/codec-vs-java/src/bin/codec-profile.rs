//! Runs one operation of one record a fixed number of times, for instruction counts under
//! `valgrind --tool=callgrind` or `perf stat -e instructions` (subtract a run with 0 iterations).
//!
//! Usage: `codec-profile NAME encode|decode_slice|decode_bytes|decode_view ITERATIONS`
#![allow(clippy::print_stdout)]

use std::hint::black_box;

use bytes::BytesMut;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, op, iters] = args.as_slice() else {
        return Err(
            "usage: codec-profile NAME encode|decode_slice|decode_bytes|decode_view ITERATIONS"
                .into(),
        );
    };
    let iters: u64 = iters.parse().map_err(|e| format!("{e}"))?;
    let case = codec_bench::cases()
        .into_iter()
        .find(|c| c.name == name)
        .ok_or(format!("no record named {name}"))?;
    let bytes = case.bytes.clone();
    let _ = bytes.clone(); // promote the shared header outside the loop
    let mut buf = BytesMut::with_capacity(bytes.len());
    for _ in 0..iters {
        match op.as_str() {
            "encode" => {
                buf.clear();
                case.encode(&mut buf);
                black_box(&mut buf);
            }
            "decode_slice" => {
                black_box(case.decode_slice(black_box(&bytes)));
            }
            "decode_view" => {
                black_box(case.decode_view(black_box(&bytes)));
            }
            "decode_bytes" => {
                black_box(case.decode_bytes(black_box(bytes.clone())));
            }
            other => return Err(format!("unknown operation {other}")),
        }
    }
    Ok(())
}
