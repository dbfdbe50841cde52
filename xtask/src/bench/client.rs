//! `cargo xtask bench client`: the same workloads through zk-client (`zk-bench`), the Rust
//! peers (kezhuw's `zookeeper-client` and the `zookeeper` crate, `benches/client-peers`),
//! Apache's Java client (`zk-bench/java/JavaBench.java`, async API) and kazoo
//! (`zk-bench/python/kazoo_bench.py`, async API), one after the other against one local
//! ZooKeeper 3.8 whose data lives on tmpfs, in rounds; prints each scenario's median rounds
//! and zk-client's per-round ratios against every other client with their median, then the
//! memory taken by 100,000 registered watches in each Rust client, then every target against
//! every peer with its verdict (`client_targets`).
//!
//! Needs `java`, `javac`, `/usr/share/java/zookeeper.jar` (`apt-get install -y zookeeper
//! default-jdk-headless`) and `/usr/bin/python3` with kazoo (`apt-get install -y
//! python3-kazoo`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::client_rotation::{
    bench_server_options, find_java, rotate, scenario_report, RunShape, Runner, ServerWatch, PYTHON,
};
use super::client_scenarios::{flags, scenarios, FLOORS};
use super::client_targets::{targets_table, Measured};
use super::peers;
use super::tools::{build_release, output, root, target_dir};

const CLIENT_JAR: &str = "/usr/share/java/zookeeper.jar";
/// A logging binding for the Java client (silences slf4j's "no binding" warning).
const SLF4J_NOP: &str = "/usr/share/java/slf4j-nop.jar";
/// Where the server keeps its data: fsync on a shared disk would swamp the write workloads.
const TMPFS: &str = "/dev/shm";

const USAGE: &str = "usage: cargo xtask bench client [--quick] [--rounds N] [--duration D] \
                     [--warmup D] [--server-warmup D] [--only SCENARIO] [--no-java] \
                     [--no-kazoo] [--no-peers] [--no-floors] [--no-pin] [--watches N] \
                     [--baseline ZK_BENCH_BINARY]";

/// Command-line options.
struct Options {
    shape: RunShape,
    /// How long the server is warmed up (per kind of load) before the first scenario.
    server_warmup: String,
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
        shape: RunShape {
            rounds: 5,
            duration: "4s".into(),
            warmup: "2s".into(),
            pin: true,
        },
        server_warmup: "10s".into(),
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
                o.shape.rounds = 1;
                o.shape.duration = "1s".into();
                o.shape.warmup = "1s".into();
                o.server_warmup = "2s".into();
                o.watches = 10_000;
            }
            "--rounds" => o.shape.rounds = value()?.parse().map_err(|_| USAGE.to_owned())?,
            "--duration" => o.shape.duration = value()?,
            "--warmup" => o.shape.warmup = value()?,
            "--server-warmup" => o.server_warmup = value()?,
            "--only" => o.only = Some(value()?),
            "--no-java" => o.java = false,
            "--no-kazoo" => o.kazoo = false,
            "--no-peers" => o.peers = false,
            "--no-floors" => o.floors = false,
            "--no-pin" => o.shape.pin = false,
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
    let server =
        zk_testkit::ZkServer::start_with(bench_server_options()).map_err(|e| e.to_string())?;
    let pid = server
        .pid()
        .and_then(find_java)
        .ok_or("cannot find the server's java process")?;
    let cs = server.connect_string();
    eprintln!(
        "ZooKeeper on {cs}, java pid {pid}, data in {}",
        server.dir().display()
    );

    let watch = ServerWatch::new(pid, &o.shape)?;
    warm_server(&zk_bench, &cs, &o.server_warmup)?;
    let mut scenarios = scenarios();
    if let Some(name) = &o.only {
        scenarios.retain(|s| s.name == name);
        if scenarios.is_empty() && name != super::client_tls::NAME {
            return Err(format!("no scenario `{name}`"));
        }
    }
    // Each scenario's section goes out as soon as it is measured; the targets table at the end.
    let mut measured = Vec::new();
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
            v.extend(flags(&[
                "--duration",
                &o.shape.duration,
                "--warmup",
                &o.shape.warmup,
            ]));
            v.extend(flags(&["--label", label, "--tsv"]));
            v.extend_from_slice(&sc.flags);
            v
        };
        let results = rotate(sc.name, &clients, o.shape.rounds, &common, &watch)?;
        println!("{}", scenario_report(sc, &results, "zk-client"));
        measured.push(Measured {
            name: sc.name,
            fixed_rate: sc.fixed_rate(),
            results,
        });
    }
    if o.only
        .as_deref()
        .is_none_or(|name| name == super::client_tls::NAME)
    {
        println!("{}", super::client_tls::section(&zk_bench, &o.shape)?);
    }
    println!(
        "Median of {} round(s) (by throughput; by p99 at a fixed rate); {} measured after a {} \
         warm-up; each client's own /proc/self/stat and the server's /proc/{pid}/stat \
         (utime+stime) over the measured window. Server data on {TMPFS} (tmpfs). {}",
        o.shape.rounds,
        o.shape.duration,
        o.shape.warmup,
        match &watch.cpus {
            Some(split) => format!(
                "The server on CPU {}, the clients on CPU {} (`--no-pin`: both anywhere).",
                split.server, split.clients
            ),
            None => "The server and the clients on any CPU.".to_owned(),
        }
    );
    // RSS after the watches (MiB) by client, for the targets table.
    let mut memory: Vec<(String, f64)> = Vec::new();
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
            let (line, rss_after) = watch_memory(label, &bin, &cs, o.watches)?;
            println!("\n{line}");
            memory.extend(rss_after.map(|mib| (label.to_owned(), mib)));
        }
    }
    drop(server);
    println!(
        "\n### Targets (issue 22): zk-client against every peer\n\n{}",
        targets_table("zk-client", &measured, o.watches, &memory)
    );
    Ok(())
}

/// Runs every kind of request against a fresh server for `duration` before anything is
/// measured: a production JVM compiles its hot paths with C2 during the first tens of
/// thousands of requests, and the first client measured would otherwise pay for it.
#[allow(clippy::print_stderr)]
fn warm_server(zk_bench: &Path, cs: &str, duration: &str) -> Result<(), String> {
    eprintln!("warming the server up for {duration}...");
    for mix in ["mixed", "children"] {
        output(Command::new(zk_bench).args([
            "--server",
            cs,
            "--setup-only",
            "--value-size",
            "1024",
        ]))?;
        output(Command::new(zk_bench).args(flags(&[
            "--server",
            cs,
            "--duration",
            duration,
            "--warmup",
            "0s",
            "--sessions",
            "4",
            "--pipeline",
            "16",
            "--mix",
            mix,
        ])))?;
    }
    Ok(())
}

/// Registers `watches` one-shot watches with one client and describes its memory; also its
/// RSS after (MiB), when the row has it.
#[allow(clippy::print_stderr)]
fn watch_memory(
    label: &str,
    bin: &Path,
    cs: &str,
    watches: usize,
) -> Result<(String, Option<f64>), String> {
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
    let line = format!(
        "{label} with {watches} one-shot data watches registered: RSS {} MiB before, {} MiB \
         after ({} MiB, {} bytes per watch; registered in {} s).",
        get("rss_before_mib"),
        get("rss_after_mib"),
        get("delta_mib"),
        get("bytes_per_watch"),
        get("register_s"),
    );
    Ok((line, get("rss_after_mib").parse().ok()))
}
