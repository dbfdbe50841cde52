//! What the peer drivers share: `zk-bench`'s command line (the flags `cargo xtask bench
//! client` passes), the node names, the measured window and its tally, and the TSV rows.
//!
//! The histogram, the mix, the PRNG and the `/proc` readers are `zk-bench`'s own modules
//! (included by path in each binary), so every client's percentiles and CPU figures come from
//! the same code.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::hist::Histogram;
use crate::procfs;
use crate::workload::{parse_duration, Mix};

/// Parent of the key nodes (the children listed by `children` operations).
pub(crate) const KEYS: &str = "/zk-bench/k";
/// Parent of nodes created by `create` operations.
const CREATED: &str = "/zk-bench/c";
/// Parent of the nodes watched by `--watches`.
const WATCHED: &str = "/zk-bench/w";

/// The path of key `i`, as `zk-bench` names it.
fn key_path(i: usize) -> String {
    format!("{KEYS}/{i:07}")
}

/// The path of watched node `i`, as `zk-bench --watches` creates it.
pub(crate) fn watched_path(i: usize) -> String {
    format!("{WATCHED}/{i:07}")
}

/// The command line: `zk-bench`'s workload flags. Unknown flags and features the peers do not
/// drive (`--rate`, `--setup-only`) are errors, so a harness change cannot go unnoticed.
pub(crate) struct Args {
    pub(crate) server: String,
    pub(crate) server_pid: Option<u32>,
    pub(crate) sessions: usize,
    pub(crate) pipeline: usize,
    pub(crate) mix: Mix,
    pub(crate) value_size: usize,
    pub(crate) keys: usize,
    pub(crate) duration: Duration,
    pub(crate) warmup: Duration,
    pub(crate) count: Option<u64>,
    pub(crate) label: String,
    pub(crate) watches: Option<usize>,
}

impl Args {
    /// Parses the process's arguments; `label` names the client when `--label` is absent.
    pub(crate) fn parse(label: &str) -> Result<Args, String> {
        let mut a = Args {
            server: String::new(),
            server_pid: None,
            sessions: 1,
            pipeline: 1,
            mix: Mix::parse("read")?,
            value_size: 100,
            keys: 1000,
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(2),
            count: None,
            label: label.to_owned(),
            watches: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            if flag == "--tsv" {
                continue;
            }
            let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let num = |what: &str| -> Result<usize, String> {
                v.parse()
                    .map_err(|_| format!("{what}: expected a number, found `{v}`"))
            };
            match flag.as_str() {
                "--server" => a.server = v.clone(),
                "--server-pid" => a.server_pid = Some(num("--server-pid")? as u32),
                "--sessions" => a.sessions = num("--sessions")?,
                "--pipeline" => a.pipeline = num("--pipeline")?,
                "--mix" => a.mix = Mix::parse(&v)?,
                "--value-size" => a.value_size = num("--value-size")?,
                "--keys" => a.keys = num("--keys")?,
                "--duration" => a.duration = parse_duration(&v)?,
                "--warmup" => a.warmup = parse_duration(&v)?,
                "--count" => a.count = Some(num("--count")? as u64),
                "--label" => a.label = v.clone(),
                "--watches" => a.watches = Some(num("--watches")?),
                "--rate" if v.parse::<f64>() == Ok(0.0) => {}
                other => {
                    return Err(format!(
                        "unsupported argument `{other}` (the peer drivers run zk-bench's \
                         closed-loop workloads and --watches)"
                    ))
                }
            }
        }
        if a.server.is_empty() {
            return Err("--server HOST:PORT is required".into());
        }
        if a.sessions == 0 || a.pipeline == 0 || a.keys == 0 {
            return Err("--sessions, --pipeline and --keys must be at least 1".into());
        }
        Ok(a)
    }
}

/// The run's shared state: node names, the value written, the measured window.
pub(crate) struct Run {
    pub(crate) keys: Vec<String>,
    pub(crate) value: Vec<u8>,
    pub(crate) mix: Mix,
    prefix: String,
    seq: AtomicU64,
    created: Mutex<VecDeque<String>>,
    /// Operations started before this are warm-up.
    pub(crate) measure_start: Instant,
    /// Duration mode: operations finishing after this are not counted, and workers stop.
    pub(crate) measure_end: Option<Instant>,
    remaining: Option<AtomicI64>,
    stop: AtomicBool,
}

impl Run {
    /// The run for `args`, its warm-up starting now.
    pub(crate) fn new(args: &Args) -> Run {
        let measure_start = Instant::now() + args.warmup;
        Run {
            keys: (0..args.keys).map(key_path).collect(),
            value: vec![b'v'; args.value_size],
            mix: args.mix.clone(),
            prefix: format!("{CREATED}/{}-{}", args.label, std::process::id()),
            seq: AtomicU64::new(0),
            created: Mutex::new(VecDeque::new()),
            measure_start,
            measure_end: args.count.is_none().then(|| measure_start + args.duration),
            remaining: args.count.map(|c| AtomicI64::new(c as i64)),
            stop: AtomicBool::new(false),
        }
    }

    /// A fresh path for a `create`.
    pub(crate) fn next_create(&self) -> String {
        format!(
            "{}-{}",
            self.prefix,
            self.seq.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Remembers a created node for a later `delete`.
    pub(crate) fn created(&self, path: String) {
        if let Ok(mut q) = self.created.lock() {
            q.push_back(path);
        }
    }

    /// The oldest created node not yet deleted.
    pub(crate) fn victim(&self) -> Option<String> {
        self.created.lock().ok().and_then(|mut q| q.pop_front())
    }

    /// Whether workers must stop.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Tells the workers to stop.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Accounts one finished operation started at `start`, as `zk-bench`'s workers do;
    /// `false` when the worker must stop.
    pub(crate) fn finish(
        &self,
        tally: &mut Tally,
        start: Instant,
        outcome: Result<(), String>,
    ) -> bool {
        let done = Instant::now();
        if self.measure_end.is_some_and(|end| done > end) {
            return false;
        }
        if start < self.measure_start {
            return true;
        }
        if let Some(remaining) = &self.remaining {
            if remaining.fetch_sub(1, Ordering::Relaxed) <= 0 {
                self.stop();
                return false;
            }
        }
        match outcome {
            Ok(()) => {
                tally
                    .hist
                    .record(done.duration_since(start).as_nanos() as u64);
                tally.last_done = tally.last_done.max(Some(done));
            }
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(e);
            }
        }
        true
    }
}

/// What one worker measured.
#[derive(Default)]
pub(crate) struct Tally {
    hist: Histogram,
    errors: u64,
    first_error: Option<String>,
    last_done: Option<Instant>,
}

impl Tally {
    /// Adds another worker's tally.
    pub(crate) fn merge(&mut self, other: Tally) {
        self.hist.merge(&other.hist);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.last_done = self.last_done.max(other.last_done);
    }
}

/// CPU time of this process and of the server at one instant.
pub(crate) struct CpuReading {
    own: Option<Duration>,
    server: Option<Duration>,
}

impl CpuReading {
    /// Reads both clocks now.
    pub(crate) fn now(server_pid: Option<u32>) -> CpuReading {
        CpuReading {
            own: procfs::cpu_time("self"),
            server: server_pid.and_then(|p| procfs::cpu_time(&p.to_string())),
        }
    }
}

/// The header and row `zk-bench --tsv` prints, for the window from `run.measure_start` to
/// `end` (the window's end, or the last completion in count mode).
pub(crate) fn report(
    label: &str,
    run: &Run,
    tally: &Tally,
    cpu: (CpuReading, CpuReading),
) -> String {
    if let Some(e) = &tally.first_error {
        eprintln!("{} operations failed; the first: {e}", tally.errors);
    }
    let end = run
        .measure_end
        .or(tally.last_done)
        .unwrap_or_else(Instant::now);
    let elapsed = end
        .saturating_duration_since(run.measure_start)
        .as_secs_f64();
    let ops = tally.hist.count();
    let per_op = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) if ops > 0 => b.saturating_sub(a).as_secs_f64() * 1e6 / ops as f64,
        _ => f64::NAN,
    };
    let us = |q: f64| tally.hist.quantile(q) as f64 / 1000.0;
    format!(
        "client\tops\tops_per_s\tp50_us\tp99_us\tp999_us\tclient_cpu_us_per_op\t\
         server_cpu_us_per_op\terrors\n{label}\t{ops}\t{:.1}\t{:.1}\t{:.1}\t{:.1}\t{:.2}\t{:.2}\t{}",
        ops as f64 / elapsed.max(1e-9),
        us(0.5),
        us(0.99),
        us(0.999),
        per_op(cpu.0.own, cpu.1.own),
        per_op(cpu.0.server, cpu.1.server),
        tally.errors
    )
}

/// Resident memory now, for `--watches`.
pub(crate) fn rss() -> Result<u64, String> {
    procfs::rss_bytes().ok_or_else(|| "cannot read VmRSS from /proc/self/status".to_owned())
}

/// The row `zk-bench --watches` prints.
pub(crate) fn watch_report(n: usize, before: u64, after: u64, took: Duration) -> String {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let delta = after.saturating_sub(before);
    format!(
        "watches\t{n}\trss_before_mib\t{:.1}\trss_after_mib\t{:.1}\tdelta_mib\t{:.1}\t\
         bytes_per_watch\t{:.0}\tregister_s\t{:.2}",
        mib(before),
        mib(after),
        mib(delta),
        delta as f64 / n.max(1) as f64,
        took.as_secs_f64(),
    )
}
