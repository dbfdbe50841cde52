//! `cargo xtask bench client`: the same workloads through zk-client (`zk-bench`), the Rust
//! peers (kezhuw's `zookeeper-client` and the `zookeeper` crate, `benches/client-peers`),
//! Apache's Java client (`zk-bench/java/JavaBench.java`, async API) and kazoo
//! (`zk-bench/python/kazoo_bench.py`, async API), one after the other against one local
//! ZooKeeper 3.8 whose data lives on tmpfs, in rounds; prints each scenario's median rounds
//! and zk-client's per-round ratios against every other client with their median, then the
//! memory taken by 100,000 registered watches in each Rust client.
//!
//! Needs `java`, `javac`, `/usr/share/java/zookeeper.jar` (`apt-get install -y zookeeper
//! default-jdk-headless`) and `/usr/bin/python3` with kazoo (`apt-get install -y
//! python3-kazoo`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::client_report::{median_round, median_table, parse_row, ratio_table, Row};
use super::peers;
use super::tools::{build_release, output, root, target_dir};

const CLIENT_JAR: &str = "/usr/share/java/zookeeper.jar";
/// A logging binding for the Java client (silences slf4j's "no binding" warning).
const SLF4J_NOP: &str = "/usr/share/java/slf4j-nop.jar";
const PYTHON: &str = "/usr/bin/python3";
/// Where the server keeps its data: fsync on a shared disk would swamp the write workloads.
const TMPFS: &str = "/dev/shm";

const USAGE: &str = "usage: cargo xtask bench client [--quick] [--rounds N] [--duration D] \
                     [--warmup D] [--only SCENARIO] [--no-java] [--no-kazoo] [--no-peers] \
                     [--no-floors] [--watches N] [--baseline ZK_BENCH_BINARY]";

/// One workload, run by every client with the same flags.
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) what: &'static str,
    pub(crate) flags: Vec<String>,
    /// Bytes per key node (`--value-size`, set up before the scenario).
    pub(crate) value_size: usize,
    /// kazoo takes part (it cannot keep up everywhere: see the notes).
    pub(crate) kazoo: bool,
    /// The Rust peers take part (closed-loop workloads only).
    pub(crate) peers: bool,
    /// The floors (`zk-bench --floor`, no client library) take part: fixed-rate `get` only.
    pub(crate) floors: bool,
}

impl Scenario {
    fn fixed_rate(&self) -> bool {
        self.flags.iter().any(|f| f == "--rate")
    }
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

pub(crate) fn flags(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn scenarios() -> Vec<Scenario> {
    let s = |name, what, f: &[&str], value_size, kazoo, peers, floors| Scenario {
        name,
        what,
        flags: flags(f),
        value_size,
        kazoo,
        peers,
        floors,
    };
    vec![
        s(
            "get-pipelined",
            "1 session, 64 outstanding getData of 1 KiB values, 1,000 keys",
            &[
                "--sessions",
                "1",
                "--pipeline",
                "64",
                "--mix",
                "read",
                "--value-size",
                "1024",
            ],
            1024,
            true,
            true,
            false,
        ),
        s(
            "get-sequential",
            "1 session, one getData of a 1 KiB value at a time (latency)",
            &[
                "--sessions",
                "1",
                "--pipeline",
                "1",
                "--mix",
                "read",
                "--value-size",
                "1024",
            ],
            1024,
            true,
            true,
            false,
        ),
        s(
            "create-delete",
            "1 session, 64 outstanding: create of a 100-byte node or delete of one (50/50)",
            &["--sessions", "1", "--pipeline", "64", "--mix", "churn"],
            100,
            true,
            true,
            false,
        ),
        s(
            "children-1000",
            "1 session, 16 outstanding getChildren of a node with 1,000 children",
            &["--sessions", "1", "--pipeline", "16", "--mix", "children"],
            100,
            true,
            true,
            false,
        ),
        s(
            "mixed",
            "4 sessions x 16 outstanding, get=80,set=10,create=5,delete=5",
            &["--sessions", "4", "--pipeline", "16", "--mix", "mixed"],
            100,
            true,
            true,
            false,
        ),
        s(
            "watch-churn",
            "1 session x 16: getData+watch, setData, notification (one op)",
            &["--sessions", "1", "--pipeline", "16", "--mix", "watch"],
            100,
            true,
            true,
            false,
        ),
        s(
            "get-rate",
            "1 session, getData at an equal open-loop rate of 4,000 ops/s (at most 100 \
             outstanding)",
            &[
                "--sessions",
                "1",
                "--pipeline",
                "100",
                "--mix",
                "read",
                "--rate",
                "4000",
            ],
            100,
            true,
            false,
            true,
        ),
    ]
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
    pub(crate) fn command(&self) -> Command {
        match self {
            Runner::ZkBench(bin, floor) => {
                let mut c = Command::new(bin);
                if let Some(floor) = floor {
                    c.args(["--floor", floor]);
                }
                c
            }
            Runner::Peer(bin) => Command::new(bin),
            Runner::Java(classpath, properties) => {
                let mut c = Command::new("java");
                c.arg("-Xmx512m")
                    .args(properties.iter().map(|p| format!("-D{p}")))
                    .args(["-cp", classpath, "JavaBench"]);
                c
            }
            Runner::Kazoo(script) => {
                let mut c = Command::new(PYTHON);
                c.arg(script);
                c
            }
        }
    }
}

/// Command-line options.
pub(crate) struct Options {
    rounds: usize,
    pub(crate) duration: String,
    pub(crate) warmup: String,
    only: Option<String>,
    java: bool,
    kazoo: bool,
    peers: bool,
    floors: bool,
    watches: usize,
    /// Another build of zk-bench (an earlier commit's) run as client `baseline`, for a before
    /// and after in one run.
    baseline: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        rounds: 3,
        duration: "5s".into(),
        warmup: "3s".into(),
        only: None,
        java: true,
        kazoo: true,
        peers: true,
        floors: true,
        watches: 100_000,
        baseline: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| USAGE.to_owned());
        match arg.as_str() {
            "--quick" => {
                o.rounds = 1;
                o.duration = "1s".into();
                o.warmup = "1s".into();
                o.watches = 10_000;
            }
            "--rounds" => o.rounds = value()?.parse().map_err(|_| USAGE.to_owned())?,
            "--duration" => o.duration = value()?,
            "--warmup" => o.warmup = value()?,
            "--only" => o.only = Some(value()?),
            "--no-java" => o.java = false,
            "--no-kazoo" => o.kazoo = false,
            "--no-peers" => o.peers = false,
            "--no-floors" => o.floors = false,
            "--watches" => o.watches = value()?.parse().map_err(|_| USAGE.to_owned())?,
            "--baseline" => o.baseline = Some(PathBuf::from(value()?)),
            _ => return Err(USAGE.into()),
        }
    }
    Ok(o)
}

/// Compiles `JavaBench.java`; the class path to run it with.
#[allow(clippy::print_stderr)]
fn compile_java() -> Result<String, String> {
    let classes = target_dir().join("zk-bench").join("classes");
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
            .arg(root().join("zk-bench/java/JavaBench.java")),
    )?;
    Ok(format!("{}:{CLIENT_JAR}:{SLF4J_NOP}", classes.display()))
}

/// Runs `cargo xtask bench client ARGS`.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let zk_bench = build_release("zk-bench", "zk-bench")?;
    let peer_dir = if o.peers { Some(peers::build()?) } else { None };
    let java_classpath = if o.java { Some(compile_java()?) } else { None };
    let kazoo_script = root().join("zk-bench/python/kazoo_bench.py");
    if o.kazoo {
        output(Command::new(PYTHON).args(["-c", "import kazoo"])).map_err(|e| {
            format!("{e}\nkazoo is missing: `apt-get install -y python3-kazoo` (or --no-kazoo)")
        })?;
    }
    // The server's data directory on tmpfs (zk-testkit makes it under the temporary dir).
    if Path::new(TMPFS).is_dir() {
        std::env::set_var("TMPDIR", TMPFS);
    }
    let server = zk_testkit::ZkServer::start().map_err(|e| e.to_string())?;
    let pid = server
        .pid()
        .and_then(find_java)
        .ok_or("cannot find the server's java process")?;
    let cs = server.connect_string();
    eprintln!(
        "ZooKeeper on {cs}, java pid {pid}, data in {}",
        server.dir().display()
    );

    let mut scenarios = scenarios();
    if let Some(name) = &o.only {
        scenarios.retain(|s| s.name == name);
        if scenarios.is_empty() && name != super::client_tls::NAME {
            return Err(format!("no scenario `{name}`"));
        }
    }
    // Each scenario's section goes out as soon as it is measured.
    for sc in &scenarios {
        output(Command::new(&zk_bench).args([
            "--server",
            &cs,
            "--setup-only",
            "--value-size",
            &sc.value_size.to_string(),
        ]))?;
        let mut clients: Vec<(String, Runner)> =
            vec![("zk-client".into(), Runner::ZkBench(zk_bench.clone(), None))];
        if let Some(bin) = &o.baseline {
            clients.push(("baseline".into(), Runner::ZkBench(bin.clone(), None)));
        }
        if let (Some(dir), true) = (&peer_dir, sc.peers) {
            for (label, bin) in peers::PEERS {
                clients.push((label.into(), Runner::Peer(dir.join(bin))));
            }
        }
        if let Some(cp) = &java_classpath {
            clients.push(("java".into(), Runner::Java(cp.clone(), Vec::new())));
        }
        if o.kazoo && sc.kazoo {
            clients.push(("kazoo".into(), Runner::Kazoo(kazoo_script.clone())));
        }
        if o.floors && sc.floors {
            for label in FLOORS {
                let floor = label.strip_prefix("floor-");
                clients.push((label.into(), Runner::ZkBench(zk_bench.clone(), floor)));
            }
        }
        let common = |label: &str| -> Vec<String> {
            let mut v = flags(&["--server", &cs, "--server-pid", &pid.to_string()]);
            v.extend(flags(&["--duration", &o.duration, "--warmup", &o.warmup]));
            v.extend(flags(&["--label", label, "--tsv"]));
            v.extend_from_slice(&sc.flags);
            v
        };
        let results = rotate(sc.name, &clients, o.rounds, &common)?;
        println!("{}", scenario_report(sc, &results, "zk-client"));
    }
    if o.only
        .as_deref()
        .is_none_or(|name| name == super::client_tls::NAME)
    {
        println!("{}", super::client_tls::section(&zk_bench, &o, o.rounds)?);
    }
    println!(
        "Median of {} round(s) (by throughput; by p99 at a fixed rate); {} measured after a {} \
         warm-up; each client's own /proc/self/stat and the server's /proc/{pid}/stat \
         (utime+stime) over the measured window. Server data on {TMPFS} (tmpfs).",
        o.rounds, o.duration, o.warmup
    );
    if o.watches > 0 {
        // A first run creates the watched nodes, so no measured process pays for that.
        eprintln!("creating {} nodes to watch...", o.watches);
        output(Command::new(&zk_bench).args([
            "--server",
            &cs,
            "--watches",
            &o.watches.to_string(),
        ]))?;
        let mut binaries = vec![("zk-client", zk_bench.clone())];
        binaries.extend(o.baseline.iter().map(|bin| ("baseline", bin.clone())));
        if let Some(dir) = &peer_dir {
            binaries.extend(peers::PEERS.iter().map(|(l, b)| (*l, dir.join(b))));
        }
        for (label, bin) in binaries {
            println!("\n{}", watch_memory(label, &bin, &cs, o.watches)?);
        }
    }
    drop(server);
    Ok(())
}

/// Runs every client `rounds` times, the order alternating between rounds so no client always
/// runs first; each client's rows by round.
#[allow(clippy::print_stderr)]
pub(crate) fn rotate(
    scenario: &str,
    clients: &[(String, Runner)],
    rounds: usize,
    common: &dyn Fn(&str) -> Vec<String>,
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
            let row = parse_row(&output(runner.command().args(common(label)))?)?;
            eprintln!(
                "  {:.0} ops/s, p99 {:.0} µs, client {:.1} µs/op, server {:.1} µs/op",
                row.ops_per_s, row.p99, row.cpu, row.server_cpu
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

/// Registers `watches` one-shot watches with one client and describes its memory.
#[allow(clippy::print_stderr)]
fn watch_memory(label: &str, bin: &Path, cs: &str, watches: usize) -> Result<String, String> {
    eprintln!("{label}: registering {watches} watches...");
    let out = output(Command::new(bin).args(["--server", cs, "--watches", &watches.to_string()]))?;
    let line = out.lines().last().unwrap_or_default();
    let f: Vec<&str> = line.split('\t').collect();
    let get = |key: &str| {
        f.iter()
            .position(|x| *x == key)
            .and_then(|i| f.get(i + 1))
            .copied()
            .unwrap_or("?")
    };
    Ok(format!(
        "{label} with {watches} one-shot data watches registered: RSS {} MiB before, {} MiB \
         after ({} MiB, {} bytes per watch; registered in {} s).",
        get("rss_before_mib"),
        get("rss_after_mib"),
        get("delta_mib"),
        get("bytes_per_watch"),
        get("register_s"),
    ))
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
