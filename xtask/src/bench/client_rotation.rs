//! The rotation of `cargo xtask bench client`: how each client is run, the benchmark's
//! server, running every client in alternating rounds while watching the server and the
//! machine, and one scenario's report.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;

use super::client_report::{median_round, median_table, parse_row, ratio_table, Row};
use super::client_scenarios::Scenario;
use super::cpu_split::CpuSplit;
use super::machine::{thread_switches, CpuTimes};
use super::tools::output;
use zk_bench_harness::workload::parse_duration;

/// The Python that runs kazoo's harness (Debian's, with `python3-kazoo`).
pub(crate) const PYTHON: &str = "/usr/bin/python3";

/// How many rounds, how long each client runs in each (`zk-bench`'s `--warmup` and
/// `--duration`), and whether the server and the clients get CPUs of their own.
pub(crate) struct RunShape {
    pub(crate) rounds: usize,
    pub(crate) duration: String,
    pub(crate) warmup: String,
    pub(crate) pin: bool,
}

/// How one client of the rotation is run.
pub(crate) enum Runner {
    /// A `zk-bench` binary (this build, or `--baseline`), optionally as a floor.
    ZkBench(PathBuf, Option<&'static str>),
    /// A peer driver of `benches/client-peers`.
    Peer(PathBuf),
    /// `JavaBench` on this class path, with these `-D` system properties.
    Java(String, Vec<String>),
    Kazoo(PathBuf),
}

impl Runner {
    /// The command that runs this client, on the clients' CPUs of `cpus` if given.
    pub(crate) fn command(&self, cpus: Option<&CpuSplit>) -> Command {
        let new = |program: &OsStr| match cpus {
            Some(split) => split.client(program),
            None => Command::new(program),
        };
        match self {
            Runner::ZkBench(bin, floor) => {
                let mut c = new(bin.as_os_str());
                if let Some(floor) = floor {
                    c.args(["--floor", floor]);
                }
                c
            }
            Runner::Peer(bin) => new(bin.as_os_str()),
            Runner::Java(classpath, properties) => {
                let mut c = new(OsStr::new("java"));
                c.arg("-Xmx512m")
                    .args(properties.iter().map(|p| format!("-D{p}")))
                    .args(["-cp", classpath, "JavaBench"]);
                c
            }
            Runner::Kazoo(script) => {
                let mut c = new(OsStr::new(PYTHON));
                c.arg(script);
                c
            }
        }
    }
}

/// The benchmarks' server: a production JVM (C2, the default collector, Debian's heap), so
/// that its cost per request is what users' servers pay, not a test server's.
pub(crate) fn bench_server_options() -> zk_testkit::ServerOptions {
    zk_testkit::ServerOptions {
        jvm: zk_testkit::Jvm::Production,
        ..zk_testkit::ServerOptions::default()
    }
}

/// The server process a rotation watches, how long each run lasts (warm-up and measured
/// window: the server's thread switches are counted over both), and the CPUs of the server
/// and of the clients when they are split.
pub(crate) struct ServerWatch {
    pub(crate) pid: u32,
    pub(crate) run_seconds: f64,
    pub(crate) cpus: Option<CpuSplit>,
}

impl ServerWatch {
    /// The server `pid` under runs of `o`'s warm-up and duration; with `o.pin` on a machine of
    /// two CPUs or more, the server confined to its share of them.
    #[allow(clippy::print_stderr)]
    pub(crate) fn new(pid: u32, o: &RunShape) -> Result<ServerWatch, String> {
        let run = parse_duration(&o.warmup)? + parse_duration(&o.duration)?;
        let cpus = if o.pin {
            CpuSplit::of_this_machine()
        } else {
            None
        };
        if let Some(split) = &cpus {
            split.pin_server(pid)?;
            eprintln!(
                "server on CPU {}, clients on CPU {}",
                split.server, split.clients
            );
        }
        Ok(ServerWatch {
            pid,
            run_seconds: run.as_secs_f64(),
            cpus,
        })
    }
}

/// Runs every client `rounds` times, the order alternating between rounds so no client always
/// runs first; each client's rows by round.
#[allow(clippy::print_stderr)]
pub(crate) fn rotate(
    scenario: &str,
    clients: &[(String, Runner)],
    rounds: usize,
    common: &dyn Fn(&str) -> Vec<String>,
    server: &ServerWatch,
) -> Result<Vec<(String, Vec<Row>)>, String> {
    let mut results: Vec<(String, Vec<Row>)> = clients
        .iter()
        .map(|(l, _)| (l.clone(), Vec::new()))
        .collect();
    let n = clients.len();
    for round in 0..rounds {
        for k in 0..n {
            let i = if round % 2 == 0 { k } else { n - 1 - k };
            let (label, runner) = &clients[i];
            eprintln!("{scenario} round {}: {label}...", round + 1);
            let before = (CpuTimes::now(), thread_switches(server.pid));
            let mut row = parse_row(&output(
                runner.command(server.cpus.as_ref()).args(common(label)),
            )?)?;
            row.machine = before.0.shares_until(&CpuTimes::now());
            if let (Some(a), Some(b)) = (before.1, thread_switches(server.pid)) {
                row.server_switches = (b - a) as f64 / (row.ops_per_s * server.run_seconds);
            }
            eprintln!(
                "  {:.0} ops/s, p99 {:.0} µs, client {:.1} µs/op, server {:.1} µs/op, \
                 {:.1} switches/op, steal {:.0}%",
                row.ops_per_s,
                row.p99,
                row.cpu,
                row.server_cpu,
                row.server_switches,
                row.machine.steal
            );
            results[i].1.push(row);
        }
    }
    Ok(results)
}

/// One scenario's section: its median rounds and the ratios of client `ours` against the
/// others.
pub(crate) fn scenario_report(sc: &Scenario, results: &[(String, Vec<Row>)], ours: &str) -> String {
    let medians: Vec<Row> = results
        .iter()
        .filter_map(|(_, rows)| median_round(rows, sc.fixed_rate()))
        .collect();
    format!(
        "### {}: {}\n\n{}\n{ours} against each client: median of the per-round ratios (the \
         rounds' own in brackets; below 1 is better for {ours} except throughput)\n\n{}\n",
        sc.name,
        sc.what,
        median_table(sc.name, &medians),
        ratio_table(ours, results)
    )
}

/// The first `java` process among `root` and its descendants (the launcher's `sh` wrapper
/// runs Java as a child).
pub(crate) fn find_java(root: u32) -> Option<u32> {
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
