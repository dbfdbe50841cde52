//! The Rust half of `cargo xtask bench codec`: writes each record's bytes to a directory (for
//! the Java harness) and prints, per record, tab-separated median ns/op of: memcpy of the same
//! bytes into a reused buffer, alloc + copy into a new `Vec`, encode into a reused `BytesMut`,
//! decode from `&[u8]`, decode from `Bytes`.
//!
//! Usage: `codec-table [--out DIR] [--warm-up-ms N] [--batch-ms N] [--batches N] [--only NAME]`
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use codec_bench::{cases, Method};

fn main() -> Result<(), String> {
    let mut method = Method::default();
    let mut out = None;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        let ms = |v: String| {
            v.parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|e| e.to_string())
        };
        match arg.as_str() {
            "--out" => out = Some(value()?),
            "--only" => only = Some(value()?),
            "--warm-up-ms" => method.warm_up = ms(value()?)?,
            "--batch-ms" => method.batch = ms(value()?)?,
            "--batches" => method.batches = value()?.parse().map_err(|e| format!("{e}"))?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    println!(
        "record\tbytes\tmemcpy\talloc_copy\tencode\tdecode_slice\tdecode_bytes\tdecode_view\tencode_chunks"
    );
    for case in cases() {
        if only.as_deref().is_some_and(|o| o != case.name) {
            continue;
        }
        let bytes = case.bytes.clone();
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).map_err(|e| format!("{dir}: {e}"))?;
            let path = format!("{dir}/{}.bin", case.name);
            std::fs::write(&path, &bytes).map_err(|e| format!("{path}: {e}"))?;
        }
        if !case.decode_slice(&bytes)
            || !case.decode_bytes(bytes.clone())
            || !case.decode_view(&bytes)
        {
            return Err(format!("{}: does not decode", case.name));
        }
        let mut dst = vec![0u8; bytes.len()];
        let memcpy = method.measure(|| {
            dst.copy_from_slice(black_box(&bytes));
            black_box(&mut dst);
        });
        let alloc_copy = method.measure(|| {
            black_box(black_box(&bytes[..]).to_vec());
        });
        let mut buf = BytesMut::with_capacity(bytes.len());
        let encode = method.measure(|| {
            buf.clear();
            case.encode(&mut buf);
            black_box(&mut buf);
        });
        if buf[..] != bytes[..] {
            return Err(format!("{}: encode is not deterministic", case.name));
        }
        let decode_slice = method.measure(|| {
            black_box(case.decode_slice(black_box(&bytes)));
        });
        let decode_bytes = method.measure(|| {
            black_box(case.decode_bytes(black_box(bytes.clone())));
        });
        let decode_view = method.measure(|| {
            black_box(case.decode_view(black_box(&bytes)));
        });
        let mut chunks = jute::Chunks::new();
        let encode_chunks = method.measure(|| {
            chunks.clear();
            case.encode_chunks(&mut chunks);
            black_box(&mut chunks);
        });
        if chunks.len() != bytes.len() {
            return Err(format!(
                "{}: chunked encoding has another length",
                case.name
            ));
        }
        println!(
            "{}\t{}\t{memcpy:.1}\t{alloc_copy:.1}\t{encode:.1}\t{decode_slice:.1}\t{decode_bytes:.1}\t{decode_view:.1}\t{encode_chunks:.1}",
            case.name,
            bytes.len()
        );
    }
    Ok(())
}
