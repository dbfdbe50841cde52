//! What the two peer drivers share beyond `zk-bench-harness` (the histogram, the mix, the
//! node names, the measured window and the rows, which `zk-bench` uses too, so every client's
//! percentiles and CPU figures come from the same code): `zk-bench`'s command line as the
//! peers take it, the run's shared state, and the TSV output.

use std::time::{Duration, Instant};

use zk_bench_harness::measure::{Tally, Window};
use zk_bench_harness::nodes::{key_path, Created};
use zk_bench_harness::procfs::CpuReading;
use zk_bench_harness::report::Report;
use zk_bench_harness::workload::{parse_duration, Mix};

/// The command line: `zk-bench`'s workload flags. Unknown flags and features the peers do not
/// drive (`--rate`, `--setup-only`) are errors, so a harness change cannot go unnoticed.
pub struct Args {
    /// `--server`: the connect string.
    pub server: String,
    /// `--server-pid`: the server's process, for its CPU time.
    pub server_pid: Option<u32>,
    /// `--sessions`.
    pub sessions: usize,
    /// `--pipeline`: outstanding requests per session.
    pub pipeline: usize,
    /// `--mix`.
    pub mix: Mix,
    /// `--value-size`: bytes written by `set` and `create`.
    pub value_size: usize,
    /// `--keys`: the key nodes read and written.
    pub keys: usize,
    /// `--duration`: the measured window.
    pub duration: Duration,
    /// `--warmup`.
    pub warmup: Duration,
    /// `--count`: measure this many operations instead of a duration.
    pub count: Option<u64>,
    /// `--label`: the client's name in the row.
    pub label: String,
    /// `--watches`: register this many watches instead of running a workload.
    pub watches: Option<usize>,
}

impl Args {
    /// Parses the process's arguments; `label` names the client when `--label` is absent.
    pub fn parse(label: &str) -> Result<Args, String> {
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
pub struct Run {
    /// The key nodes' paths.
    pub keys: Vec<String>,
    /// The data `set` and `create` write.
    pub value: Vec<u8>,
    /// The operation mix.
    pub mix: Mix,
    /// Names for `create`, and the created nodes `delete` takes.
    pub created: Created,
    /// When operations count; whether lanes must stop.
    pub window: Window,
}

impl Run {
    /// The run for `args`, its warm-up starting now.
    pub fn new(args: &Args) -> Run {
        Run {
            keys: (0..args.keys).map(key_path).collect(),
            value: vec![b'v'; args.value_size],
            mix: args.mix.clone(),
            created: Created::new(&args.label),
            window: Window::new(Instant::now(), args.warmup, args.duration, args.count),
        }
    }
}

/// The header and row `zk-bench --tsv` prints for what the lanes measured (`tally`), with
/// the CPU clocks read when the window opened and when it ended; failures go to stderr.
pub fn report(label: &str, run: &Run, tally: Tally, cpu: (CpuReading, CpuReading)) -> String {
    if let Some(failures) = tally.failures() {
        eprintln!("{failures}");
    }
    let end = run.window.end_for(&tally);
    let report = Report::measured(label.to_owned(), &run.window, tally, cpu, end);
    format!("{}\n{}", Report::TSV_HEADER, report.tsv())
}
