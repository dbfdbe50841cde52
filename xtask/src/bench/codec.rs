//! `cargo xtask bench codec [--quick] [--only NAME]`: Rust and Apache's Java codec side by side.
//!
//! Builds `codec-bench`'s `codec-table` in release mode and runs it (it writes each record's
//! bytes to `target/codec-bench/fixtures` and times memcpy, encode and decode), compiles
//! `benches/codec-vs-java/java/CodecBench.java` with `javac` against the Debian jar and runs it
//! on the same bytes with the same method (warm-up, then the median of timed batches), and
//! prints Markdown tables with the ratios and whether the targets were met. Needs `java`,
//! `javac` and `/usr/share/java/zookeeper-jute.jar` (`apt-get install -y zookeeper
//! default-jdk-headless`).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use super::tools::{build_release, output, root, target_dir};

const JAR: &str = "/usr/share/java/zookeeper-jute.jar";

/// Each record's timings: name -> columns after the name.
type Rows = Vec<(String, Vec<String>)>;

/// The command line, and the timing method both sides share.
struct Options {
    /// Only this record.
    only: Option<String>,
    /// Warm-up per operation, in ms.
    warm_up_ms: &'static str,
    /// One timed batch, in ms.
    batch_ms: &'static str,
    /// Timed batches (the median is reported).
    batches: &'static str,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
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
        Ok(Options {
            only,
            warm_up_ms,
            batch_ms,
            batches,
        })
    }
}

/// Runs `cargo xtask bench codec ARGS`.
#[allow(clippy::print_stdout)] // the tables are the command's output
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let o = Options::parse(args)?;
    let work = target_dir().join("codec-bench");
    let fixtures = work.join("fixtures");
    let rust = time_rust(&o, &fixtures)?;
    let java: HashMap<String, Vec<String>> = time_java(&o, &fixtures, &work.join("classes"))?
        .into_iter()
        .collect();
    let java_of = |name: &str| java.get(name).cloned().unwrap_or_default();
    print_table(&rust, &java_of);
    print_zero_copy_table(&rust, &java_of);
    let verdict = targets(&rust, &java_of);
    println!("\n{verdict}");
    Ok(())
}

/// Runs `codec-table`, which writes the fixtures and times the Rust side.
#[allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr
fn time_rust(o: &Options, fixtures: &Path) -> Result<Rows, String> {
    let codec_table = build_release("codec-bench", "codec-table")?;
    let mut cmd = Command::new(codec_table);
    cmd.arg("--out").arg(fixtures).args([
        "--warm-up-ms",
        o.warm_up_ms,
        "--batch-ms",
        o.batch_ms,
        "--batches",
        o.batches,
    ]);
    if let Some(name) = &o.only {
        cmd.args(["--only", name]);
    }
    eprintln!("timing Rust (warm-up {} ms per operation)...", o.warm_up_ms);
    Ok(rows(&output(&mut cmd)?))
}

/// Compiles `CodecBench.java` into `classes` and times the Java side on the fixtures.
#[allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr
fn time_java(o: &Options, fixtures: &Path, classes: &Path) -> Result<Rows, String> {
    if !Path::new(JAR).exists() {
        return Err(format!(
            "{JAR} is missing: `apt-get install -y zookeeper default-jdk-headless`"
        ));
    }
    std::fs::create_dir_all(classes).map_err(|e| format!("{}: {e}", classes.display()))?;
    output(
        Command::new("javac")
            .arg("-d")
            .arg(classes)
            .args(["-cp", JAR])
            .arg(root().join("benches/codec-vs-java/java/CodecBench.java")),
    )?;
    let classpath = format!("{}:{JAR}", classes.display());
    let mut cmd = Command::new("java");
    cmd.args(["-cp", &classpath, "CodecBench"])
        .arg(fixtures)
        .args([o.warm_up_ms, o.batch_ms, o.batches]);
    if let Some(name) = &o.only {
        cmd.arg(name);
    }
    eprintln!("timing Java (warm-up {} ms per operation)...", o.warm_up_ms);
    Ok(rows(&output(&mut cmd)?))
}

/// The main table: every operation of both sides per record, and the Java/Rust ratios.
#[allow(clippy::print_stdout)] // the tables are the command's output
fn print_table(rust: &Rows, java_of: &impl Fn(&str) -> Vec<String>) {
    println!(
        "| record | bytes | memcpy | alloc+copy | Rust enc | Rust dec `&[u8]` | Rust dec `Bytes` \
         | Rust dec view | Java enc | Java dec stream | Java dec ByteBuffer | enc Java/Rust \
         | dec Java/Rust `&[u8]` | dec Java/Rust `Bytes` | dec Java/Rust view |"
    );
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (name, r) in rust {
        let j = java_of(name);
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
}

/// The zero-copy encoder against the copying one and Java's.
#[allow(clippy::print_stdout)] // the tables are the command's output
fn print_zero_copy_table(rust: &Rows, java_of: &impl Fn(&str) -> Vec<String>) {
    println!(
        "\nZero-copy encode (`Jute::encode_chunks` into a reused `jute::Chunks`: buffers and \
         strings of 4 KiB or more are shared, not copied, for a vectored write):\n"
    );
    println!("| record | Rust enc | Rust enc zero-copy | Java enc | enc Java/Rust zero-copy |");
    println!("|---|--:|--:|--:|--:|");
    for (name, r) in rust {
        let j = java_of(name);
        let (enc, chunks, jenc) = (num(r, 3), num(r, 7), num(&j, 0));
        println!(
            "| {name} | {} | {} | {} | {:.1}x |",
            ns(enc),
            ns(chunks),
            ns(jenc),
            jenc / chunks
        );
    }
}

/// The targets, stated once per run: each record's best Rust encoder and decoder against
/// Java's best, at least 3x faster.
fn targets(rust: &Rows, java_of: &impl Fn(&str) -> Vec<String>) -> String {
    let mut below = (Vec::new(), Vec::new());
    for (name, r) in rust {
        let j = java_of(name);
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
    format!(
        "Targets (best Rust vs best Java, at least 3x): encode {}; decode {}.",
        verdict(&below.0),
        verdict(&below.1)
    )
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
