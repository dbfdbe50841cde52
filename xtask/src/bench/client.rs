//! `cargo xtask bench client`: the same workloads through zk-client (`zk-bench`), Apache's Java
//! client (`zk-bench/java/JavaBench.java`, async API) and kazoo (`zk-bench/python/
//! kazoo_bench.py`, async API), one after the other against one local ZooKeeper 3.8, in
//! rounds; prints one Markdown table (the median round of each client: by throughput, or by p99
//! at a fixed rate) with the zk-client/Java ratios (median of the per-round ratios), then the
//! memory taken by 100,000 registered watches.
//!
//! Needs `java`, `javac`, `/usr/share/java/zookeeper.jar` (`apt-get install -y zookeeper
//! default-jdk-headless`) and `/usr/bin/python3` with kazoo (`apt-get install -y
//! python3-kazoo`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{build_release, output, root, target_dir};

const CLIENT_JAR: &str = "/usr/share/java/zookeeper.jar";
/// A logging binding for the Java client (silences slf4j's "no binding" warning).
const SLF4J_NOP: &str = "/usr/share/java/slf4j-nop.jar";
const PYTHON: &str = "/usr/bin/python3";

const USAGE: &str = "usage: cargo xtask bench client [--quick] [--rounds N] [--duration D] \
                     [--warmup D] [--only SCENARIO] [--no-java] [--no-kazoo] [--no-floors] \
                     [--watches N] [--baseline ZK_BENCH_BINARY]";

/// One workload, run by every client with the same flags.
struct Scenario {
    name: &'static str,
    what: &'static str,
    flags: Vec<String>,
    /// kazoo takes part (it cannot keep up everywhere: see the notes).
    kazoo: bool,
    /// The floors (`zk-bench --floor`, no client library) take part: fixed-rate `get` only.
    floors: bool,
}

/// The floors' labels, `floor-` and their `zk-bench --floor` value: the same requests written
/// onto a socket in four thread structures, so the clients' CPU per operation at a fixed rate
/// can be read against what the OS alone costs.
const FLOORS: [&str; 4] = [
    "floor-blocking",
    "floor-tokio-one-task",
    "floor-tokio-two-tasks",
    "floor-caller-writes",
];

fn flags(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// A measured row: the tab-separated fields of the harnesses' last line.
#[derive(Clone)]
struct Row {
    client: String,
    ops_per_s: f64,
    p50: f64,
    p99: f64,
    p999: f64,
    cpu: f64,
    server_cpu: f64,
    errors: String,
}

fn parse_row(stdout: &str) -> Result<Row, String> {
    let line = stdout
        .lines()
        .last()
        .ok_or_else(|| format!("no result row in {stdout:?}"))?;
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() < 9 {
        return Err(format!("bad result row {line:?}"));
    }
    let n = |i: usize| f[i].parse::<f64>().unwrap_or(f64::NAN);
    Ok(Row {
        client: f[0].to_owned(),
        ops_per_s: n(2),
        p50: n(3),
        p99: n(4),
        p999: n(5),
        cpu: n(6),
        server_cpu: n(7),
        errors: f[8].to_owned(),
    })
}

/// The first `java` process among `root` and its descendants (the launcher's `sh` wrapper
/// runs Java as a child).
fn find_java(root: u32) -> Option<u32> {
    let comm = |p: u32| std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        if comm(p).trim() == "java" {
            return Some(p);
        }
        let children =
            std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
        frontier.extend(
            children
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok()),
        );
    }
    None
}

/// The median round: by throughput in closed loop, by p99 at a fixed rate (where every round
/// has the same throughput).
fn median_round(rows: &mut [Row], fixed_rate: bool) -> Option<Row> {
    if fixed_rate {
        rows.sort_by(|a, b| a.p99.total_cmp(&b.p99));
    } else {
        rows.sort_by(|a, b| a.ops_per_s.total_cmp(&b.ops_per_s));
    }
    rows.get(rows.len() / 2).cloned()
}

/// Runs `cargo xtask bench client ARGS`.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut rounds = 3usize;
    let mut duration = "5s".to_owned();
    let mut warmup = "3s".to_owned();
    let mut only: Option<String> = None;
    let (mut java, mut kazoo, mut floors) = (true, true, true);
    let mut watches = 100_000usize;
    // Another build of zk-bench (an earlier commit's) run as client `baseline`, for a before
    // and after in one run.
    let mut baseline: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| USAGE.to_owned());
        match arg.as_str() {
            "--quick" => {
                rounds = 1;
                duration = "1s".into();
                warmup = "1s".into();
                watches = 10_000;
            }
            "--rounds" => rounds = value()?.parse().map_err(|_| USAGE.to_owned())?,
            "--duration" => duration = value()?,
            "--warmup" => warmup = value()?,
            "--only" => only = Some(value()?),
            "--no-java" => java = false,
            "--no-kazoo" => kazoo = false,
            "--no-floors" => floors = false,
            "--watches" => watches = value()?.parse().map_err(|_| USAGE.to_owned())?,
            "--baseline" => baseline = Some(PathBuf::from(value()?)),
            _ => return Err(USAGE.into()),
        }
    }
    let root = root();
    let zk_bench = build_release("zk-bench", "zk-bench")?;
    let classes = target_dir().join("zk-bench").join("classes");
    if java {
        if !Path::new(CLIENT_JAR).exists() {
            return Err(format!(
                "{CLIENT_JAR} is missing: `apt-get install -y zookeeper default-jdk-headless`"
            ));
        }
        std::fs::create_dir_all(&classes).map_err(|e| format!("{}: {e}", classes.display()))?;
        eprintln!("compiling JavaBench.java...");
        output(
            Command::new("javac")
                .arg("-d")
                .arg(&classes)
                .args(["-cp", CLIENT_JAR])
                .arg(root.join("zk-bench/java/JavaBench.java")),
        )?;
    }
    let kazoo_script = root.join("zk-bench/python/kazoo_bench.py");
    if kazoo {
        output(Command::new(PYTHON).args(["-c", "import kazoo"])).map_err(|e| {
            format!("{e}\nkazoo is missing: `apt-get install -y python3-kazoo` (or --no-kazoo)")
        })?;
    }

    let server = zk_testkit::ZkServer::start().map_err(|e| e.to_string())?;
    let pid = server
        .pid()
        .and_then(find_java)
        .ok_or("cannot find the server's java process")?;
    let cs = server.connect_string();
    eprintln!("ZooKeeper on {cs}, java pid {pid}");
    output(Command::new(&zk_bench).args(["--server", &cs, "--setup-only"]))?;

    let mut scenarios = vec![
        Scenario {
            name: "get-pipelined",
            what: "1 session, 100 outstanding getData, 100-byte values, 1,000 keys",
            flags: flags(&["--sessions", "1", "--pipeline", "100", "--mix", "read"]),
            kazoo: true,
            floors: false,
        },
        Scenario {
            name: "get-rate",
            what: "the same at an equal open-loop rate of 4,000 ops/s (at most 100 outstanding)",
            flags: flags(&[
                "--sessions",
                "1",
                "--pipeline",
                "100",
                "--mix",
                "read",
                "--rate",
                "4000",
            ]),
            kazoo: true,
            floors: true,
        },
        Scenario {
            name: "mixed",
            what: "4 sessions x 16 outstanding, get=80,set=10,create=5,delete=5",
            flags: flags(&["--sessions", "4", "--pipeline", "16", "--mix", "mixed"]),
            kazoo: true,
            floors: false,
        },
        Scenario {
            name: "watch-churn",
            what: "1 session x 16: getData+watch, setData, notification (one op)",
            flags: flags(&["--sessions", "1", "--pipeline", "16", "--mix", "watch"]),
            kazoo: true,
            floors: false,
        },
    ];
    if let Some(name) = &only {
        scenarios.retain(|s| s.name == name);
        if scenarios.is_empty() {
            return Err(format!("no scenario `{name}`"));
        }
    }

    let common = |flags: &[String], label: &str| -> Vec<String> {
        let mut v = vec![
            "--server".to_owned(),
            cs.clone(),
            "--server-pid".to_owned(),
            pid.to_string(),
            "--duration".to_owned(),
            duration.clone(),
            "--warmup".to_owned(),
            warmup.clone(),
            "--label".to_owned(),
            label.to_owned(),
            "--tsv".to_owned(),
        ];
        v.extend_from_slice(flags);
        v
    };
    let java_classpath = format!("{}:{CLIENT_JAR}:{SLF4J_NOP}", classes.display());

    let mut table = Vec::new();
    for sc in &scenarios {
        let mut results: Vec<(&str, Vec<Row>)> = vec![("zk-client", Vec::new())];
        if baseline.is_some() {
            results.push(("baseline", Vec::new()));
        }
        if java {
            results.push(("java", Vec::new()));
        }
        if kazoo && sc.kazoo {
            results.push(("kazoo", Vec::new()));
        }
        if floors && sc.floors {
            results.extend(FLOORS.iter().map(|label| (*label, Vec::new())));
        }
        for round in 0..rounds {
            // Alternate the order between rounds, so no client always runs first.
            let n = results.len();
            for k in 0..n {
                let i = if round % 2 == 0 { k } else { n - 1 - k };
                let label = results[i].0;
                let args = common(&sc.flags, label);
                eprintln!("{} round {}: {label}...", sc.name, round + 1);
                let floor = label.strip_prefix("floor-");
                let stdout = match (label, floor) {
                    (_, Some(floor)) => {
                        output(Command::new(&zk_bench).args(&args).args(["--floor", floor]))?
                    }
                    ("zk-client", None) => output(Command::new(&zk_bench).args(&args))?,
                    ("baseline", None) => match &baseline {
                        Some(bin) => output(Command::new(bin).args(&args))?,
                        None => return Err("no --baseline binary".into()),
                    },
                    ("java", None) => output(
                        Command::new("java")
                            .args(["-Xmx512m", "-cp", &java_classpath, "JavaBench"])
                            .args(&args),
                    )?,
                    _ => output(Command::new(PYTHON).arg(&kazoo_script).args(&args))?,
                };
                let row = parse_row(&stdout)?;
                eprintln!(
                    "  {:.0} ops/s, p99 {:.0} µs, client {:.1} µs/op, server {:.1} µs/op",
                    row.ops_per_s, row.p99, row.cpu, row.server_cpu
                );
                results[i].1.push(row);
            }
        }
        // Ratios per round (both clients measured minutes apart at most), then their median.
        let paired_with = |label: &str, reference: &str, f: &dyn Fn(&Row) -> f64| -> f64 {
            let (Some(r), Some(j)) = (
                results.iter().find(|(l, _)| *l == label),
                results.iter().find(|(l, _)| *l == reference),
            ) else {
                return f64::NAN;
            };
            let mut v: Vec<f64> = r.1.iter().zip(&j.1).map(|(a, b)| f(a) / f(b)).collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let paired = |label: &str, f: &dyn Fn(&Row) -> f64| paired_with(label, "java", f);
        let against_baseline = [
            paired_with("zk-client", "baseline", &|r| r.ops_per_s),
            paired_with("zk-client", "baseline", &|r| r.cpu),
            paired_with("zk-client", "baseline", &|r| r.p99),
        ];
        let ratios = [
            paired("zk-client", &|r| r.ops_per_s),
            paired("zk-client", &|r| r.cpu),
            paired("zk-client", &|r| r.p99),
        ];
        let floor_ratios: Vec<(&str, f64)> = FLOORS
            .iter()
            .filter(|label| results.iter().any(|(l, _)| l == *label))
            .map(|label| (*label, paired(label, &|r| r.cpu)))
            .collect();
        let medians: Vec<Row> = results
            .iter_mut()
            .filter_map(|(_, rows)| median_round(rows, sc.flags.iter().any(|f| f == "--rate")))
            .collect();
        table.push((sc, medians, ratios, floor_ratios, against_baseline));
    }

    println!(
        "| scenario | client | ops/s | p50 µs | p99 µs | p99.9 µs | client CPU µs/op | \
         server CPU µs/op | errors |"
    );
    println!("|---|---|--:|--:|--:|--:|--:|--:|--:|");
    for (sc, rows, ..) in &table {
        for r in rows {
            println!(
                "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {:.1} | {} |",
                sc.name, r.client, r.ops_per_s, r.p50, r.p99, r.p999, r.cpu, r.server_cpu, r.errors
            );
        }
    }
    println!();
    for (sc, _, [ops, cpu, p99], floor_ratios, [b_ops, b_cpu, b_p99]) in &table {
        println!("- {}: {}", sc.name, sc.what);
        if baseline.is_some() {
            println!(
                "  zk-client / baseline, median of the per-round ratios: throughput \
                 {b_ops:.2}x, client CPU per op {b_cpu:.2}x, p99 {b_p99:.2}x"
            );
        }
        if java {
            println!(
                "  zk-client / Java, median of the per-round ratios: throughput {ops:.2}x, \
                 client CPU per op {cpu:.2}x, p99 {p99:.2}x"
            );
            if !floor_ratios.is_empty() {
                let list: Vec<String> = floor_ratios
                    .iter()
                    .map(|(label, r)| format!("{label} {r:.2}x"))
                    .collect();
                println!(
                    "  floors / Java, client CPU per op, median of the per-round ratios (the same \
                     requests with no client library, one at a time: what the OS alone costs \
                     in each thread structure): {}",
                    list.join(", ")
                );
            }
        }
    }
    println!(
        "\nMedian of {rounds} round(s) (by throughput; by p99 at a fixed rate); {duration} \
         measured after a {warmup} \
         warm-up; each client's own /proc/self/stat and the server's /proc/{pid}/stat \
         (utime+stime) over the measured window."
    );

    if watches > 0 {
        let mut binaries = vec![("zk-client", zk_bench.clone())];
        binaries.extend(baseline.iter().map(|bin| ("baseline", bin.clone())));
        for (label, bin) in binaries {
            eprintln!("{label}: registering {watches} watches...");
            let out = output(Command::new(&bin).args([
                "--server",
                &cs,
                "--watches",
                &watches.to_string(),
            ]))?;
            let line = out.lines().last().unwrap_or_default();
            let f: Vec<&str> = line.split('\t').collect();
            let get = |key: &str| {
                f.iter()
                    .position(|x| *x == key)
                    .and_then(|i| f.get(i + 1))
                    .copied()
                    .unwrap_or("?")
            };
            println!(
                "\n{label} with {watches} one-shot data watches registered: RSS {} MiB before, \
                 {} MiB after ({} MiB, {} bytes per watch; registered in {} s).",
                get("rss_before_mib"),
                get("rss_after_mib"),
                get("delta_mib"),
                get("bytes_per_watch"),
                get("register_s"),
            );
        }
    }
    drop(server);
    Ok(())
}
