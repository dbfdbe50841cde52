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

use std::path::PathBuf;
use std::process::Command;

use super::tools::{build_release, output, root};

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

/// The command line: rounds per contender count, and each run's measured window and warm-up.
struct Options {
    rounds: usize,
    duration_ms: u64,
    warmup_ms: u64,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut o = Options {
            rounds: 3,
            duration_ms: 5000,
            warmup_ms: 2000,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || it.next().cloned().ok_or_else(|| USAGE.to_owned());
            match arg.as_str() {
                "--quick" => (o.rounds, o.duration_ms, o.warmup_ms) = (1, 2000, 1000),
                "--rounds" => o.rounds = value()?.parse().map_err(|_| USAGE.to_owned())?,
                "--duration" => o.duration_ms = value()?.parse().map_err(|_| USAGE.to_owned())?,
                "--warmup" => o.warmup_ms = value()?.parse().map_err(|_| USAGE.to_owned())?,
                _ => return Err(USAGE.into()),
            }
        }
        Ok(o)
    }
}

/// The three harnesses, ready to run.
struct Harnesses {
    /// `zk-lock-bench`.
    rust: PathBuf,
    java: PathBuf,
    classpath: String,
    java_source: PathBuf,
    kazoo_script: PathBuf,
}

impl Harnesses {
    /// Builds `zk-lock-bench` and finds Java, Curator and kazoo.
    fn find() -> Result<Harnesses, String> {
        let root = root();
        let rust = build_release("zk-bench", "zk-lock-bench")?;
        let java =
            zk_testkit::java_binary().ok_or("java not found (apt-get install -y zookeeper)")?;
        let classpath = zk_testkit::curator_classpath().map_err(|e| e.to_string())?;
        output(Command::new(PYTHON).args(["-c", "import kazoo"]))
            .map_err(|e| format!("{e}\nkazoo is missing: `apt-get install -y python3-kazoo`"))?;
        Ok(Harnesses {
            rust,
            java,
            classpath,
            java_source: root.join("zk-bench/java/CuratorLockBench.java"),
            kazoo_script: root.join("zk-bench/python/kazoo_lock_bench.py"),
        })
    }

    /// Runs the harness of client `label` with the arguments every harness takes (connect
    /// string, lock path, contenders, warm-up ms, duration ms, label); its acquisitions per
    /// second.
    fn rate(&self, label: &str, common: &[String; 6]) -> Result<f64, String> {
        let stdout = match label {
            "zk-recipes" => {
                let flags = [
                    "--server",
                    "--path",
                    "--contenders",
                    "--warmup-ms",
                    "--duration-ms",
                    "--label",
                ];
                let mut cmd = Command::new(&self.rust);
                for (flag, value) in flags.iter().zip(common) {
                    cmd.arg(flag).arg(value);
                }
                output(&mut cmd)?
            }
            "curator" => output(
                Command::new(&self.java)
                    .args(["-Xmx512m", "-cp", &self.classpath])
                    .arg(&self.java_source)
                    .args(common),
            )?,
            _ => output(Command::new(PYTHON).arg(&self.kazoo_script).args(common))?,
        };
        parse_rate(&stdout)
    }
}

/// Runs `cargo xtask bench locks ARGS`.
#[allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let o = Options::parse(args)?;
    let harnesses = Harnesses::find()?;
    let server = zk_testkit::ZkServer::start().map_err(|e| e.to_string())?;
    let cs = server.connect_string();
    eprintln!("ZooKeeper on {cs}");
    let rates = measure(&o, &harnesses, &cs)?;
    drop(server);
    print_table(&o, &rates);
    Ok(())
}

/// Every client's rate per contender count, one per round: `rates[contenders index][client
/// index]`.
#[allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr
fn measure(o: &Options, harnesses: &Harnesses, cs: &str) -> Result<Vec<Vec<Vec<f64>>>, String> {
    let mut rates = vec![vec![Vec::new(); CLIENTS.len()]; CONTENDERS.len()];
    for (ci, &n) in CONTENDERS.iter().enumerate() {
        for round in 0..o.rounds {
            for k in 0..CLIENTS.len() {
                // Alternate the order between rounds, so no client always runs first.
                let i = if round % 2 == 0 {
                    k
                } else {
                    CLIENTS.len() - 1 - k
                };
                let label = CLIENTS[i];
                // A fresh lock path per run: no leftover node of an earlier run in the queue.
                let common = [
                    cs.to_owned(),
                    format!("/lock-bench/{label}-{n}-{round}"),
                    n.to_string(),
                    o.warmup_ms.to_string(),
                    o.duration_ms.to_string(),
                    label.to_owned(),
                ];
                eprintln!("{n} contenders, round {}: {label}...", round + 1);
                let rate = harnesses.rate(label, &common)?;
                eprintln!("  {rate:.0} acquisitions/s");
                rates[ci][i].push(rate);
            }
        }
    }
    Ok(rates)
}

/// The Markdown table: each client's median rate and the medians of the per-round ratios.
#[allow(clippy::print_stdout)] // the table is the command's output
fn print_table(o: &Options, rates: &[Vec<Vec<f64>>]) {
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
        "\nMedian of {} round(s), {} ms measured after a {} ms warm-up; \
         each contender its own session, acquire / add 1 to an in-memory counter / release; \
         ratios are medians of the per-round ratios (higher is better for Rust).",
        o.rounds, o.duration_ms, o.warmup_ms
    );
}
