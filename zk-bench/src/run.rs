//! Running a workload: setup of the key nodes, the workers (closed loop or open loop at a
//! rate), measurement of latency and CPU, the watch-memory mode, and the report.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use zk_client::{Client, CreateOptions, Error, Op, TlsConfig};

use crate::hist::Histogram;
use crate::pace::Pacer;
use crate::workload::{Mix, OpKind, Rng};
use crate::{floor, pace, procfs, Args};

/// Root of everything this tool creates.
pub(crate) const ROOT: &str = "/zk-bench";
/// Parent of the key nodes.
const KEYS: &str = "/zk-bench/k";
/// Parent of nodes created by `create` operations.
const CREATED: &str = "/zk-bench/c";
/// Parent of the nodes watched by `--watches`.
const WATCHED: &str = "/zk-bench/w";
/// Creates per `multi` during setup.
const MULTI_BATCH: usize = 500;

/// The path of key `i` (the Java and Python harnesses use the same names).
pub(crate) fn key_path(i: usize) -> String {
    format!("{KEYS}/{i:07}")
}

fn watched_path(i: usize) -> String {
    format!("{WATCHED}/{i:07}")
}

/// Runs the command line.
pub(crate) async fn main(args: Args) -> Result<(), String> {
    let mix = Mix::parse(&args.mix)?;
    if args.sessions == 0 || args.pipeline == 0 || args.keys == 0 {
        return Err("--sessions, --pipeline and --keys must be at least 1".into());
    }
    if args.rate != 0.0 {
        pace::interval(args.rate)?;
    }
    if args.floor.is_some() {
        floor::check(&args)?;
    }
    // Keep a local server alive until the end of the run.
    let (_local, connect, server_pid) = if args.local {
        let s = zk_testkit::ZkServer::start().map_err(|e| e.to_string())?;
        let pid = s.pid().and_then(procfs::find_java).or(s.pid());
        let cs = s.connect_string();
        eprintln!("started ZooKeeper on {cs} (pid {pid:?})");
        (Some(s), cs, pid)
    } else {
        let cs = args
            .server
            .clone()
            .ok_or("give --server HOST:PORT or --local")?;
        let pid = args.server_pid.map(|p| procfs::find_java(p).unwrap_or(p));
        (None, cs, pid)
    };

    let tls = args.tls_ca.as_deref();
    let setup_client = connect_one(&connect, tls).await?;
    setup(&setup_client, &args).await?;
    if args.setup_only {
        let _ = setup_client.close().await;
        return Ok(());
    }
    if let Some(n) = args.watches {
        let report = watch_memory(&setup_client, n).await?;
        println!("{report}");
        let _ = setup_client.close().await;
        // Dropping 100k watchers would unregister them one by one; the process ends here.
        return Ok(());
    }
    let _ = setup_client.close().await;

    let report = match args.floor {
        Some(floor) => floor::run(floor, &args, &connect, server_pid).await?,
        None => workload(&args, mix, &connect, server_pid).await?,
    };
    if args.tsv {
        println!("{}", Report::TSV_HEADER);
        println!("{}", report.tsv());
    } else {
        println!("{}", Report::HEADER);
        println!("{report}");
    }
    Ok(())
}

async fn connect_one(connect: &str, tls_ca: Option<&Path>) -> Result<Client, String> {
    let mut builder = Client::builder();
    if let Some(ca) = tls_ca {
        builder = builder.tls(TlsConfig::new().ca_file(ca));
    }
    builder
        .session_timeout(Duration::from_secs(30))
        // Listing a parent of 100,000 nodes (`--watches`, run again on the same server) is a
        // reply of ~1.1 MB, over the default limit of `jute.maxbuffer` (as for Java's client
        // without `-Djute.maxbuffer`).
        .max_reply_len(64 << 20)
        .connect(connect)
        .await
        .map_err(|e| format!("connecting to {connect}: {e}"))
}

/// Creates `path` unless it exists.
async fn ensure(client: &Client, path: &str) -> Result<(), String> {
    match client
        .create(path, Vec::new(), &CreateOptions::persistent())
        .await
    {
        Ok(_) | Err(Error::NodeExists { .. }) => Ok(()),
        Err(e) => Err(format!("creating {path}: {e}")),
    }
}

/// Creates the missing nodes among `paths` (in `multi` batches, several at a time) with
/// `data`.
async fn create_missing(
    client: &Client,
    parent: &str,
    paths: Vec<String>,
    data: Bytes,
) -> Result<usize, String> {
    let existing: std::collections::HashSet<String> = client
        .get_children(parent)
        .await
        .map_err(|e| format!("listing {parent}: {e}"))?
        .into_iter()
        .map(|c| format!("{parent}/{c}"))
        .collect();
    let missing: Vec<String> = paths
        .into_iter()
        .filter(|p| !existing.contains(p))
        .collect();
    let n = missing.len();
    let mut batches = missing.chunks(MULTI_BATCH);
    let mut running = JoinSet::new();
    loop {
        while running.len() < 8 {
            let Some(batch) = batches.next() else { break };
            let ops: Vec<Op> = batch
                .iter()
                .map(|p| Op::create(p, data.clone(), CreateOptions::persistent()))
                .collect();
            let c = client.clone();
            running.spawn(async move { c.multi(&ops).await });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        done.map_err(|e| format!("setup task: {e}"))?
            .map_err(|e| format!("creating nodes under {parent}: {e}"))?;
    }
    Ok(n)
}

/// Creates the root, the key nodes (with `--value-size` bytes) and the parents.
async fn setup(client: &Client, args: &Args) -> Result<(), String> {
    for p in [ROOT, KEYS, CREATED, WATCHED] {
        ensure(client, p).await?;
    }
    let value = Bytes::from(vec![b'x'; args.value_size]);
    let created = create_missing(
        client,
        KEYS,
        (0..args.keys).map(key_path).collect(),
        value.clone(),
    )
    .await?;
    // Keys from an earlier run may hold another size: rewrite them, pipelined.
    let (data, _) = client
        .get_data(&key_path(0))
        .await
        .map_err(|e| format!("reading {}: {e}", key_path(0)))?;
    if data.len() != args.value_size {
        let mut running = JoinSet::new();
        for i in 0..args.keys {
            let c = client.clone();
            let v = value.clone();
            running.spawn(async move { c.set_data(&key_path(i), v, None).await });
            if running.len() >= 256 {
                if let Some(r) = running.join_next().await {
                    r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
                }
            }
        }
        while let Some(r) = running.join_next().await {
            r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
        }
    }
    if created > 0 {
        eprintln!("setup: created {created} key nodes");
    }
    Ok(())
}

/// State shared by the workers of a run.
struct Shared {
    mix: Mix,
    keys: Vec<String>,
    value: Bytes,
    label: String,
    /// Operations started before this are warm-up.
    measure_start: Instant,
    /// Duration mode: operations finishing after this are not counted, and workers stop.
    measure_end: Option<Instant>,
    /// Count mode: operations still to measure.
    remaining: Option<AtomicI64>,
    stop: AtomicBool,
    /// Open loop: the lanes waiting for a slot and the slots waiting for a lane.
    arrivals: Option<Mutex<Arrivals>>,
    /// Unique suffixes for created nodes.
    seq: AtomicU64,
    /// Nodes created by this run, deleted by `delete` operations.
    created: Mutex<VecDeque<String>>,
}

/// Open loop: what the dispatcher thread and the lanes share. A slot goes to an idle lane
/// (woken through its own channel); with every lane busy it waits here, and the next lane to
/// finish takes it (its latency counts from the scheduled time).
#[derive(Default)]
struct Arrivals {
    /// Lanes (by number) waiting on their channel.
    idle: Vec<usize>,
    /// Slots no lane was free for, oldest first.
    late: VecDeque<Instant>,
}

/// What one worker measured.
#[derive(Default)]
struct WorkerResult {
    hist: Histogram,
    errors: u64,
    first_error: Option<String>,
    last_done: Option<Instant>,
}

/// Runs the timed workload and reports.
async fn workload(
    args: &Args,
    mix: Mix,
    connect: &str,
    server_pid: Option<u32>,
) -> Result<Report, String> {
    let mut clients = Vec::with_capacity(args.sessions);
    for _ in 0..args.sessions {
        clients.push(connect_one(connect, args.tls_ca.as_deref()).await?);
    }
    let now = Instant::now();
    let measure_start = now + args.warmup;
    let lanes = args.sessions * args.pipeline;
    // Open loop: one channel per lane, the senders for the dispatcher thread (started below,
    // once `shared` exists).
    let (lane_tx, mut lane_rx): (Vec<_>, Vec<_>) = if args.rate > 0.0 {
        (0..lanes).map(|_| mpsc::unbounded_channel()).unzip()
    } else {
        (Vec::new(), Vec::new())
    };
    let shared = Arc::new(Shared {
        mix,
        keys: (0..args.keys).map(key_path).collect(),
        value: Bytes::from(vec![b'v'; args.value_size]),
        label: format!("{}-{}", args.label, std::process::id()),
        measure_start,
        measure_end: args.count.is_none().then(|| measure_start + args.duration),
        remaining: args.count.map(|c| AtomicI64::new(c as i64)),
        stop: AtomicBool::new(false),
        arrivals: (args.rate > 0.0).then(|| Mutex::new(Arrivals::default())),
        seq: AtomicU64::new(0),
        created: Mutex::new(VecDeque::new()),
    });
    let mut workers = JoinSet::new();
    let mut lane_rx = lane_rx.drain(..);
    for (s, client) in clients.iter().enumerate() {
        for w in 0..args.pipeline {
            let lane = s * args.pipeline + w;
            let slots = lane_rx.next().map(|rx| (lane, rx));
            workers.spawn(worker(
                client.clone(),
                shared.clone(),
                lane as u64 + 1,
                slots,
            ));
        }
    }
    let dispatcher_stop = if args.rate > 0.0 {
        let stop = Arc::new(AtomicBool::new(false));
        let pacer = Pacer::new(now.into_std(), args.rate)?;
        let (flag, shared) = (stop.clone(), shared.clone());
        std::thread::spawn(move || dispatch(&shared, lane_tx, pacer, &flag));
        Some(stop)
    } else {
        None
    };
    tokio::time::sleep_until(measure_start).await;
    let cpu0 = procfs::cpu_time("self");
    let server_cpu0 = server_pid.and_then(|p| procfs::cpu_time(&p.to_string()));
    let mut cpu_end = None;
    if let Some(end) = shared.measure_end {
        tokio::time::sleep_until(end).await;
        cpu_end = Some((
            procfs::cpu_time("self"),
            server_pid.and_then(|p| procfs::cpu_time(&p.to_string())),
            end,
        ));
        shared.stop.store(true, Ordering::Relaxed);
    }
    let mut total = WorkerResult::default();
    let stop_dispatcher = || {
        if let Some(flag) = &dispatcher_stop {
            flag.store(true, Ordering::Relaxed);
        }
    };
    if shared.measure_end.is_some() {
        stop_dispatcher();
    }
    while let Some(r) = workers.join_next().await {
        let r = r.map_err(|e| format!("worker: {e}"))?;
        total.hist.merge(&r.hist);
        total.errors += r.errors;
        if total.first_error.is_none() {
            total.first_error = r.first_error;
        }
        total.last_done = total.last_done.max(r.last_done);
        // Count mode: the first lane to finish means the count is reached.
        stop_dispatcher();
    }
    let (cpu1, server_cpu1, end) = match cpu_end {
        Some(c) => c,
        None => (
            procfs::cpu_time("self"),
            server_pid.and_then(|p| procfs::cpu_time(&p.to_string())),
            total.last_done.unwrap_or_else(Instant::now),
        ),
    };
    for c in &clients {
        let _ = c.close().await;
    }
    if let Some(e) = &total.first_error {
        eprintln!("{} operations failed; the first: {e}", total.errors);
    }
    Ok(Report {
        label: args.label.clone(),
        elapsed: end.saturating_duration_since(measure_start),
        errors: total.errors,
        client_cpu: cpu_diff(cpu0, cpu1),
        server_cpu: cpu_diff(server_cpu0, server_cpu1),
        hist: total.hist,
    })
}

/// The open-loop arrival process (a thread, as in the Java and Python harnesses, so start times
/// are as precise as the OS sleeps rather than tokio's millisecond timer): hands each slot's
/// start time ([`Pacer::next`]) to an idle lane. When every lane is busy, slots queue in
/// [`Arrivals::late`] and their latency counts from the scheduled time.
///
/// Each lane has its own channel, so a slot wakes exactly the lane that runs it (lanes sharing
/// one receiver behind an async mutex cost a second task wake-up per slot: the mutex's next
/// waiter).
fn dispatch(
    shared: &Shared,
    lanes: Vec<mpsc::UnboundedSender<Instant>>,
    mut pacer: Pacer,
    stop: &AtomicBool,
) {
    let Some(arrivals) = &shared.arrivals else {
        return;
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let start = pacer.next();
        let idle = match arrivals.lock() {
            Ok(mut a) => {
                let lane = a.idle.pop();
                if lane.is_none() {
                    a.late.push_back(start);
                }
                lane
            }
            Err(_) => break,
        };
        if let Some(tx) = idle.and_then(|lane| lanes.get(lane)) {
            if tx.send(start).is_err() {
                break;
            }
        }
    }
    // Dropping the senders ends the lanes that wait for a slot.
}

/// One closed-loop (or open-loop) lane: at most one request outstanding. Open loop: `slots` is
/// the lane's number and the channel the dispatcher wakes it through.
async fn worker(
    client: Client,
    shared: Arc<Shared>,
    seed: u64,
    mut slots: Option<(usize, mpsc::UnboundedReceiver<Instant>)>,
) -> WorkerResult {
    let mut rng = Rng::new(seed);
    let mut result = WorkerResult::default();
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        let start = match (&shared.arrivals, &mut slots) {
            (Some(arrivals), Some((lane, rx))) => {
                // A slot that waited for a free lane, or else wait for the dispatcher.
                let late = match arrivals.lock() {
                    Ok(mut a) => {
                        let late = a.late.pop_front();
                        if late.is_none() {
                            a.idle.push(*lane);
                        }
                        late
                    }
                    Err(_) => break,
                };
                match late {
                    Some(start) => start,
                    None => match rx.recv().await {
                        Some(start) => start,
                        None => break,
                    },
                }
            }
            _ => Instant::now(),
        };
        let kind = shared.mix.pick(&mut rng);
        let outcome = one_op(&client, &shared, kind, &mut rng).await;
        let done = Instant::now();
        if let Some(end) = shared.measure_end {
            if done > end {
                break;
            }
        }
        if start < shared.measure_start {
            continue;
        }
        if let Some(remaining) = &shared.remaining {
            if remaining.fetch_sub(1, Ordering::Relaxed) <= 0 {
                shared.stop.store(true, Ordering::Relaxed);
                break;
            }
        }
        match outcome {
            Ok(()) => {
                result
                    .hist
                    .record(done.duration_since(start).as_nanos() as u64);
                result.last_done = Some(done);
            }
            Err(e) => {
                result.errors += 1;
                result
                    .first_error
                    .get_or_insert_with(|| format!("{kind:?}: {e}"));
            }
        }
    }
    result
}

async fn one_op(
    client: &Client,
    shared: &Shared,
    kind: OpKind,
    rng: &mut Rng,
) -> Result<(), Error> {
    let key = &shared.keys[rng.below(shared.keys.len())];
    match kind {
        OpKind::Get => client.get_data(key).await.map(drop),
        OpKind::Exists => client.exists(key).await.map(drop),
        OpKind::Children => client.get_children(KEYS).await.map(drop),
        OpKind::Set => client
            .set_data(key, shared.value.clone(), None)
            .await
            .map(drop),
        OpKind::Create => create(client, shared).await,
        OpKind::Delete => {
            let victim = shared.created.lock().ok().and_then(|mut q| q.pop_front());
            match victim {
                Some(path) => client.delete(&path, None).await,
                None => create(client, shared).await,
            }
        }
        OpKind::Watch => {
            let (_, _, watcher) = client.get_data_and_watch(key).await?;
            client.set_data(key, shared.value.clone(), None).await?;
            watcher.changed().await.map(drop)
        }
    }
}

async fn create(client: &Client, shared: &Shared) -> Result<(), Error> {
    let n = shared.seq.fetch_add(1, Ordering::Relaxed);
    let path = format!("{CREATED}/{}-{n}", shared.label);
    client
        .create(&path, shared.value.clone(), &CreateOptions::persistent())
        .await?;
    if let Ok(mut q) = shared.created.lock() {
        q.push_back(path);
    }
    Ok(())
}

/// Registers `n` one-shot data watches (`exists` with a watch on existing nodes) and reports
/// resident memory before and after.
async fn watch_memory(client: &Client, n: usize) -> Result<String, String> {
    let started = Instant::now();
    // Listing 100,000 children to find the missing ones would leave its buffers in this
    // process's heap before the measurement: skip it when every node is there (the xtask
    // creates them in a run of its own first).
    let present = client
        .exists(WATCHED)
        .await
        .map_err(|e| format!("exists {WATCHED}: {e}"))?
        .map_or(0, |stat| stat.num_children);
    if usize::try_from(present).unwrap_or(0) < n {
        let created = create_missing(
            client,
            WATCHED,
            (0..n).map(watched_path).collect(),
            Bytes::new(),
        )
        .await?;
        eprintln!(
            "watches: {created} nodes created in {:.1?}",
            started.elapsed()
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = procfs::rss_bytes().ok_or("cannot read VmRSS from /proc/self/status")?;
    let started = Instant::now();
    let mut watchers = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let mut batch = JoinSet::new();
        for j in i..(i + 1000).min(n) {
            let c = client.clone();
            batch.spawn(async move { c.exists_and_watch(&watched_path(j)).await });
        }
        while let Some(r) = batch.join_next().await {
            let (stat, w) = r
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("exists_and_watch: {e}"))?;
            if stat.is_none() {
                return Err("a watched node is missing".into());
            }
            watchers.push(w);
        }
        i += 1000;
    }
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = procfs::rss_bytes().ok_or("cannot read VmRSS")?;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let delta = after.saturating_sub(before);
    Ok(format!(
        "watches\t{n}\trss_before_mib\t{:.1}\trss_after_mib\t{:.1}\tdelta_mib\t{:.1}\t\
         bytes_per_watch\t{:.0}\tregister_s\t{:.2}",
        mib(before),
        mib(after),
        mib(delta),
        delta as f64 / n.max(1) as f64,
        took.as_secs_f64(),
    ))
}

/// CPU time spent between two readings of one clock, when both could be read.
pub(crate) fn cpu_diff(before: Option<Duration>, after: Option<Duration>) -> Option<Duration> {
    Some(after?.saturating_sub(before?))
}

/// The result of a run.
pub(crate) struct Report {
    pub(crate) label: String,
    /// The measured window.
    pub(crate) elapsed: Duration,
    pub(crate) errors: u64,
    /// This process's CPU time over the window.
    pub(crate) client_cpu: Option<Duration>,
    /// The server's CPU time over the window.
    pub(crate) server_cpu: Option<Duration>,
    /// Latency of the operations that succeeded.
    pub(crate) hist: Histogram,
}

impl Report {
    const HEADER: &'static str = "client         ops      ops/s      p50 µs    p99 µs  p99.9 µs  \
                                  client CPU µs/op  server CPU µs/op  errors";
    const TSV_HEADER: &'static str = "client\tops\tops_per_s\tp50_us\tp99_us\tp999_us\t\
                                      client_cpu_us_per_op\tserver_cpu_us_per_op\terrors";

    fn ops(&self) -> u64 {
        self.hist.count()
    }

    fn rate(&self) -> f64 {
        self.ops() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn per_op(&self, cpu: Option<Duration>) -> f64 {
        match cpu {
            Some(c) if self.ops() > 0 => c.as_secs_f64() * 1e6 / self.ops() as f64,
            _ => f64::NAN,
        }
    }

    fn us(&self, q: f64) -> f64 {
        self.hist.quantile(q) as f64 / 1000.0
    }

    fn tsv(&self) -> String {
        format!(
            "{}\t{}\t{:.1}\t{:.1}\t{:.1}\t{:.1}\t{:.2}\t{:.2}\t{}",
            self.label,
            self.ops(),
            self.rate(),
            self.us(0.5),
            self.us(0.99),
            self.us(0.999),
            self.per_op(self.client_cpu),
            self.per_op(self.server_cpu),
            self.errors
        )
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<12} {:>8} {:>10.0} {:>9.0} {:>9.0} {:>9.0} {:>17.2} {:>17.2} {:>7}",
            self.label,
            self.ops(),
            self.rate(),
            self.us(0.5),
            self.us(0.99),
            self.us(0.999),
            self.per_op(self.client_cpu),
            self.per_op(self.server_cpu),
            self.errors
        )
    }
}
