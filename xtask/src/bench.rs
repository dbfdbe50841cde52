//! `cargo xtask bench codec [--quick] [--only NAME]`: Rust and Apache's Java codec side by side;
//! `cargo xtask bench client [--quick] [--rounds N] [--duration D] [--only SCENARIO]`: zk-client,
//! the Rust peers (`peers.rs`), Apache's Java client and kazoo against one local ZooKeeper,
//! side by side (see `client.rs` below this module);
//! `cargo xtask bench locks [--quick] [--rounds N] [--duration MS] [--warmup MS]`: lock
//! contention through zk-recipes, Curator and kazoo (see `locks.rs`);
//! `cargo xtask bench cache [--nodes N] [--size BYTES]`: the memory of a tree cache (see
//! `cache.rs`).
//!
//! Builds `codec-bench`'s `codec-table` in release mode and runs it (it writes each record's
//! bytes to `target/codec-bench/fixtures` and times memcpy, encode and decode), compiles
//! `benches/codec-vs-java/java/CodecBench.java` with `javac` against the Debian jar and runs it
//! on the same bytes with the same method (warm-up, then the median of timed batches), and
//! prints one Markdown table with the ratios. Needs `java`, `javac` and
//! `/usr/share/java/zookeeper-jute.jar` (`apt-get install -y zookeeper default-jdk-headless`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod cache;
mod client;
mod client_report;
mod client_scenarios;
mod client_tls;
mod locks;
mod machine;
mod peers;

const JAR: &str = "/usr/share/java/zookeeper-jute.jar";

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("codec") => codec(&args[1..]),
        Some("client") => client::run(&args[1..]),
        Some("locks") => locks::run(&args[1..]),
        Some("cache") => cache::run(&args[1..]),
        _ => Err("usage: cargo xtask bench codec [--quick] [--only NAME] | \
                  bench client [--quick] [--rounds N] [--duration D] [--only SCENARIO] \
                  [--no-kazoo] [--no-java] [--no-peers] | \
                  bench locks [--quick] [--rounds N] [--duration MS] [--warmup MS] | \
                  bench cache [--nodes N] [--size BYTES]"
            .to_owned()),
    }
}

/// The workspace's target directory (`CARGO_TARGET_DIR` when set).
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Builds `bin` of `package` in release mode; its path.
#[allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr
pub(crate) fn build_release(package: &str, bin: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building {bin} (release)...");
    output(Command::new(&cargo).current_dir(root()).args([
        "build",
        "--quiet",
        "--release",
        "-p",
        package,
        "--bin",
        bin,
    ]))?;
    Ok(target_dir().join("release").join(bin))
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs `cmd`, failing with its stderr; returns its stdout.
pub(crate) fn output(cmd: &mut Command) -> Result<String, String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{shown} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{shown}: {e}"))
}

/// Tab-separated rows keyed by their first column (the header row is skipped).
fn rows(tsv: &str) -> Vec<(String, Vec<String>)> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t').map(str::to_owned);
            Some((cols.next()?, cols.collect()))
        })
        .collect()
}

fn num(cols: &[String], i: usize) -> f64 {
    cols.get(i).and_then(|c| c.parse().ok()).unwrap_or(f64::NAN)
}

/// ns with a sensible precision.
fn ns(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} µs", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0} ns")
    } else {
        format!("{v:.1} ns")
    }
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn codec(args: &[String]) -> Result<(), String> {
    let mut quick = false;
    let mut only = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => only = Some(it.next().ok_or("--only needs a record name")?.clone()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    // Same method on both sides: warm-up per operation, batch length, number of batches.
    let (warm_up_ms, batch_ms, batches) = if quick {
        ("300", "10", "7")
    } else {
        ("3000", "20", "15")
    };

    let root = root();
    let work = target_dir().join("codec-bench");
    let fixtures = work.join("fixtures");
    let classes = work.join("classes");
    let codec_table = build_release("codec-bench", "codec-table")?;
    let mut rust_cmd = Command::new(codec_table);
    rust_cmd.arg("--out").arg(&fixtures).args([
        "--warm-up-ms",
        warm_up_ms,
        "--batch-ms",
        batch_ms,
        "--batches",
        batches,
    ]);
    if let Some(name) = &only {
        rust_cmd.args(["--only", name]);
    }
    eprintln!("timing Rust (warm-up {warm_up_ms} ms per operation)...");
    let rust = rows(&output(&mut rust_cmd)?);

    if !Path::new(JAR).exists() {
        return Err(format!(
            "{JAR} is missing: `apt-get install -y zookeeper default-jdk-headless`"
        ));
    }
    std::fs::create_dir_all(&classes).map_err(|e| format!("{}: {e}", classes.display()))?;
    output(
        Command::new("javac")
            .arg("-d")
            .arg(&classes)
            .args(["-cp", JAR])
            .arg(root.join("benches/codec-vs-java/java/CodecBench.java")),
    )?;
    let classpath = format!("{}:{JAR}", classes.display());
    let mut java_cmd = Command::new("java");
    java_cmd
        .args(["-cp", &classpath, "CodecBench"])
        .arg(&fixtures)
        .args([warm_up_ms, batch_ms, batches]);
    if let Some(name) = &only {
        java_cmd.arg(name);
    }
    eprintln!("timing Java (warm-up {warm_up_ms} ms per operation)...");
    let java: HashMap<String, Vec<String>> = rows(&output(&mut java_cmd)?).into_iter().collect();

    println!(
        "| record | bytes | memcpy | alloc+copy | Rust enc | Rust dec `&[u8]` | Rust dec `Bytes` \
         | Rust dec view | Java enc | Java dec stream | Java dec ByteBuffer | enc Java/Rust \
         | dec Java/Rust `&[u8]` | dec Java/Rust `Bytes` | dec Java/Rust view |"
    );
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (name, r) in &rust {
        let j = java.get(name).cloned().unwrap_or_default();
        let (memcpy, alloc_copy, enc, dec_slice, dec_bytes, dec_view) = (
            num(r, 1),
            num(r, 2),
            num(r, 3),
            num(r, 4),
            num(r, 5),
            num(r, 6),
        );
        let (jenc, jstream, jbuf) = (num(&j, 0), num(&j, 1), num(&j, 2));
        let jdec = jstream.min(jbuf);
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1}x | {:.1}x | {:.1}x | {:.1}x |",
            r.first().map_or("?", String::as_str),
            ns(memcpy),
            ns(alloc_copy),
            ns(enc),
            ns(dec_slice),
            ns(dec_bytes),
            ns(dec_view),
            ns(jenc),
            ns(jstream),
            ns(jbuf),
            jenc / enc,
            jdec / dec_slice,
            jdec / dec_bytes,
            jdec / dec_view,
        );
    }
    println!(
        "\nRatios are Java ns / Rust ns (higher is better for Rust); decode ratios use the faster \
         of Java's two decoders."
    );
    println!(
        "\nZero-copy encode (`Jute::encode_chunks` into a reused `jute::Chunks`: buffers and \
         strings of 4 KiB or more are shared, not copied, for a vectored write):\n"
    );
    println!("| record | Rust enc | Rust enc zero-copy | Java enc | enc Java/Rust zero-copy |");
    println!("|---|--:|--:|--:|--:|");
    for (name, r) in &rust {
        let j = java.get(name).cloned().unwrap_or_default();
        let (enc, chunks, jenc) = (num(r, 3), num(r, 7), num(&j, 0));
        println!(
            "| {name} | {} | {} | {} | {:.1}x |",
            ns(enc),
            ns(chunks),
            ns(jenc),
            jenc / chunks
        );
    }
    // The targets, stated once per run: each record's best Rust encoder and decoder against
    // Java's best, at least 3x faster.
    let mut below = (Vec::new(), Vec::new());
    for (name, r) in &rust {
        let j = java.get(name).cloned().unwrap_or_default();
        let enc = num(r, 3).min(num(r, 7));
        let dec = num(r, 4).min(num(r, 5)).min(num(r, 6));
        let (enc_ratio, dec_ratio) = (num(&j, 0) / enc, num(&j, 1).min(num(&j, 2)) / dec);
        if enc_ratio.is_nan() || enc_ratio < 3.0 {
            below.0.push(format!("{name} ({enc_ratio:.1}x)"));
        }
        if dec_ratio.is_nan() || dec_ratio < 3.0 {
            below.1.push(format!("{name} ({dec_ratio:.1}x)"));
        }
    }
    let verdict = |missed: &[String]| match missed {
        [] => "met for every record".to_owned(),
        _ => format!("missed for {}", missed.join(", ")),
    };
    println!(
        "
Targets (best Rust vs best Java, at least 3x): encode {}; decode {}.",
        verdict(&below.0),
        verdict(&below.1)
    );
    Ok(())
}
