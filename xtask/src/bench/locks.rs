//! `cargo xtask bench locks`: lock contention, acquisitions per second with 2, 8 and 32
//! contenders (each its own session) on one lock, through `zk_recipes::Mutex`
//! (`zk-lock-bench`), Curator's `InterProcessMutex` (`zk-bench/java/CuratorLockBench.java`,
//! run in source-file mode with Debian's Curator jars) and kazoo's `Lock`
//! (`zk-bench/python/kazoo_lock_bench.py`), one after the other against one local ZooKeeper,
//! in rounds with the order alternating; prints one Markdown table (the median round of each)
//! with the Rust/Curator and Rust/kazoo ratios (medians of the per-round ratios).
//!
//! Needs `java` and Curator (`apt-get install -y libcurator-recipes-java`) and
//! `/usr/bin/python3` with kazoo (`apt-get install -y python3-kazoo`).

use std::process::Command;

use super::{build_release, output, root};

const PYTHON: &str = "/usr/bin/python3";
const CONTENDERS: [usize; 3] = [2, 8, 32];
const CLIENTS: [&str; 3] = ["zk-recipes", "curator", "kazoo"];
const USAGE: &str = "usage: cargo xtask bench locks [--quick] [--rounds N] [--duration MS] \
                     [--warmup MS]";

/// The acquisitions per second in a harness's last line (`client, contenders, acquisitions,
/// acq_per_s`).
fn parse_rate(stdout: &str) -> Result<f64, String> {
    stdout
        .lines()
        .last()
        .and_then(|line| line.split('\t').nth(3))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no result row in {stdout:?}"))
}

/// The median of `v` (NaN when empty).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs `cargo xtask bench locks ARGS`.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let (mut rounds, mut duration_ms, mut warmup_ms) = (3usize, 5000u64, 2000u64);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| USAGE.to_owned());
        match arg.as_str() {
            "--quick" => (rounds, duration_ms, warmup_ms) = (1, 2000, 1000),
            "--rounds" => rounds = value()?.parse().map_err(|_| USAGE.to_owned())?,
            "--duration" => duration_ms = value()?.parse().map_err(|_| USAGE.to_owned())?,
            "--warmup" => warmup_ms = value()?.parse().map_err(|_| USAGE.to_owned())?,
            _ => return Err(USAGE.into()),
        }
    }
    let root = root();
    let rust = build_release("zk-bench", "zk-lock-bench")?;
    let java = zk_testkit::java_binary().ok_or("java not found (apt-get install -y zookeeper)")?;
    let classpath = zk_testkit::curator_classpath().map_err(|e| e.to_string())?;
    let java_source = root.join("zk-bench/java/CuratorLockBench.java");
    let kazoo_script = root.join("zk-bench/python/kazoo_lock_bench.py");
    output(Command::new(PYTHON).args(["-c", "import kazoo"]))
        .map_err(|e| format!("{e}\nkazoo is missing: `apt-get install -y python3-kazoo`"))?;

    let server = zk_testkit::ZkServer::start().map_err(|e| e.to_string())?;
    let cs = server.connect_string();
    eprintln!("ZooKeeper on {cs}");

    // rates[contenders index][client index] = one rate per round.
    let mut rates = vec![vec![Vec::new(); CLIENTS.len()]; CONTENDERS.len()];
    for (ci, &n) in CONTENDERS.iter().enumerate() {
        for round in 0..rounds {
            for k in 0..CLIENTS.len() {
                // Alternate the order between rounds, so no client always runs first.
                let i = if round % 2 == 0 {
                    k
                } else {
                    CLIENTS.len() - 1 - k
                };
                let label = CLIENTS[i];
                // A fresh lock path per run: no leftover node of an earlier run in the queue.
                let path = format!("/lock-bench/{label}-{n}-{round}");
                let common = [
                    cs.clone(),
                    path,
                    n.to_string(),
                    warmup_ms.to_string(),
                    duration_ms.to_string(),
                    label.to_owned(),
                ];
                eprintln!("{n} contenders, round {}: {label}...", round + 1);
                let stdout = match label {
                    "zk-recipes" => output(Command::new(&rust).args([
                        "--server",
                        &common[0],
                        "--path",
                        &common[1],
                        "--contenders",
                        &common[2],
                        "--warmup-ms",
                        &common[3],
                        "--duration-ms",
                        &common[4],
                        "--label",
                        &common[5],
                    ]))?,
                    "curator" => output(
                        Command::new(&java)
                            .args(["-Xmx512m", "-cp", &classpath])
                            .arg(&java_source)
                            .args(&common),
                    )?,
                    _ => output(Command::new(PYTHON).arg(&kazoo_script).args(&common))?,
                };
                let rate = parse_rate(&stdout)?;
                eprintln!("  {rate:.0} acquisitions/s");
                rates[ci][i].push(rate);
            }
        }
    }
    drop(server);

    println!(
        "| contenders | zk-recipes acq/s | Curator acq/s | kazoo acq/s | Rust/Curator | Rust/kazoo |"
    );
    println!("|--:|--:|--:|--:|--:|--:|");
    for (ci, &n) in CONTENDERS.iter().enumerate() {
        let per_round = |other: usize| {
            median(
                rates[ci][0]
                    .iter()
                    .zip(&rates[ci][other])
                    .map(|(r, o)| r / o)
                    .collect(),
            )
        };
        println!(
            "| {n} | {:.0} | {:.0} | {:.0} | {:.2}x | {:.2}x |",
            median(rates[ci][0].clone()),
            median(rates[ci][1].clone()),
            median(rates[ci][2].clone()),
            per_round(1),
            per_round(2),
        );
    }
    println!(
        "\nMedian of {rounds} round(s), {duration_ms} ms measured after a {warmup_ms} ms warm-up; \
         each contender its own session, acquire / add 1 to an in-memory counter / release; \
         ratios are medians of the per-round ratios (higher is better for Rust)."
    );
    Ok(())
}
