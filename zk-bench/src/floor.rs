//! Floors for the open-loop `get` workload: the same `getData` requests at the same rate,
//! written straight onto a socket by a few lines of code instead of a client library. What
//! such a run costs per operation is what the OS takes for one request per round trip in that
//! thread structure (sleeps, wake-ups, loopback TCP) before any client does anything; it
//! puts the clients' figures at a fixed rate in proportion.
//!
//! Each floor paces its slots with the harness's own [`Pacer`]: a slot not yet due counts from
//! the wake-up, a late one from its scheduled time. Unlike the clients, a floor keeps one
//! request at a time in flight (`caller-writes`: as many as the slots ask for), reads only
//! the reply header, and runs on the current-thread runtime only.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::time::Duration;

use bytes::BufMut;
use jute::Jute;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use zk_records::proto::{ConnectRequest, ConnectResponse, GetDataRequestView, ReplyHeader};
use zk_records::OpCode;

use crate::hist::Histogram;
use crate::pace::Pacer;
use crate::run::{cpu_diff, key_path, Report};
use crate::workload::Rng;
use crate::{procfs, Args};

/// Which thread structure a floor run has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Floor {
    /// One thread sleeps until the slot, writes the request and blocks reading the reply: two
    /// wake-ups per operation, no runtime.
    Blocking,
    /// The harness's structure with the least possible async client: the dispatcher thread
    /// hands each slot to one tokio task, which writes the request and awaits the reply
    /// (three wake-ups over two threads, as for zk-client).
    TokioOneTask,
    /// As [`Floor::TokioOneTask`], but the socket belongs to a second task, as in any client
    /// that multiplexes callers over one connection: the lane sends the request through a
    /// channel and awaits the reply on a oneshot (zk-client's structure, with no client).
    TokioTwoTasks,
    /// The dispatcher thread writes each request itself and a tokio task reads the replies:
    /// two wake-ups over two threads, the least a client writing from the caller's thread
    /// could reach.
    CallerWrites,
}

/// Refuses flags a floor cannot honour: it is one session of getData at a fixed rate, on the
/// current-thread runtime (with worker threads, each wake-up would also cross to the thread
/// blocked in `block_on`, which the thread structures above do not have).
pub(crate) fn check(args: &Args) -> Result<(), String> {
    if args.rate > 0.0
        && args.sessions == 1
        && args.threads <= 1
        && matches!(args.mix.as_str(), "read" | "get=100")
    {
        Ok(())
    } else {
        Err(
            "--floor runs one session of getData at a fixed rate on one thread: give --rate, \
             --sessions 1, --mix read and no --threads"
                .into(),
        )
    }
}

/// Runs `floor` against `connect` with the workload flags of `args` (`--rate`, `--duration`
/// or `--count`, `--warmup`, `--keys`), which [`check`] accepted.
pub(crate) async fn run(
    floor: Floor,
    args: &Args,
    connect: &str,
    server_pid: Option<u32>,
) -> Result<Report, String> {
    let stream = handshake(connect)?;
    let now = Instant::now();
    let window = Window {
        start: now + args.warmup,
        end: args
            .count
            .is_none()
            .then(|| now + args.warmup + args.duration),
        count: args.count,
    };
    let pacer = Pacer::new(now.into_std(), args.rate)?;
    let requests = Requests::new(args.keys);
    let meter = Meter::new(window, server_pid);
    let meter = match floor {
        Floor::Blocking => {
            let job = move || blocking(stream, pacer, requests, meter);
            tokio::task::spawn_blocking(job)
                .await
                .map_err(|e| format!("floor thread: {e}"))??
        }
        Floor::TokioOneTask => tokio_one_task(stream, pacer, requests, meter).await?,
        Floor::TokioTwoTasks => tokio_two_tasks(stream, pacer, requests, meter).await?,
        Floor::CallerWrites => caller_writes(stream, pacer, requests, meter).await?,
    };
    Ok(meter.report(args.label.clone()))
}

/// Opens a session on the first host of `connect` with a blocking socket: `ConnectRequest`
/// out, `ConnectResponse` in.
fn handshake(connect: &str) -> Result<std::net::TcpStream, String> {
    if connect.contains('/') {
        return Err(format!("--floor takes no chroot: {connect}"));
    }
    let addr = connect.split(',').next().unwrap_or(connect);
    let mut s = std::net::TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    let request = ConnectRequest {
        time_out: 30_000,
        passwd: vec![0; 16].into(),
        ..ConnectRequest::default()
    };
    let mut frame = Vec::new();
    frame.put_i32(request.encoded_len() as i32);
    request.encode(&mut frame);
    s.write_all(&frame).map_err(|e| e.to_string())?;
    let mut reply = Vec::new();
    read_frame(&mut s, &mut reply)?;
    let response: ConnectResponse =
        jute::from_slice(&reply).map_err(|e| format!("ConnectResponse: {e}"))?;
    if response.time_out <= 0 {
        return Err("the server refused the session".into());
    }
    Ok(s)
}

/// Reads one length-prefixed frame into `buf` (blocking).
fn read_frame(s: &mut std::net::TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).map_err(|e| e.to_string())?;
    buf.resize(frame_len(len)?, 0);
    s.read_exact(buf).map_err(|e| e.to_string())
}

/// Reads one length-prefixed frame into `buf` (async).
async fn read_frame_async(
    s: &mut (impl AsyncReadExt + Unpin),
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).await.map_err(|e| e.to_string())?;
    buf.resize(frame_len(len)?, 0);
    s.read_exact(buf).await.map(drop).map_err(|e| e.to_string())
}

/// The length a frame's prefix announces; at most 1 MiB, as a getData reply of a benchmark key
/// is (the server's own default limit), so a corrupted prefix cannot make a huge buffer.
fn frame_len(prefix: [u8; 4]) -> Result<usize, String> {
    match usize::try_from(i32::from_be_bytes(prefix)) {
        Ok(n) if n <= 1 << 20 => Ok(n),
        _ => Err(format!("bad frame length {prefix:?}")),
    }
}

/// Whether `reply` answers `xid` without an error.
fn reply_ok(reply: &[u8], xid: i32) -> bool {
    let header = reply
        .get(..16)
        .and_then(|h| jute::from_slice::<ReplyHeader>(h).ok());
    matches!(header, Some(h) if h.xid == xid && h.err == 0)
}

/// The requests: uniformly random keys, as in the workload, and increasing xids.
struct Requests {
    keys: Vec<String>,
    rng: Rng,
    /// The last xid used.
    xid: i32,
    /// The frame being built (reused).
    frame: Vec<u8>,
}

impl Requests {
    /// Requests over the first `keys` key nodes (at least one: `run::main` checks).
    fn new(keys: usize) -> Self {
        Self {
            keys: (0..keys).map(key_path).collect(),
            rng: Rng::new(1),
            xid: 0,
            frame: Vec::with_capacity(64),
        }
    }

    /// The next `getData` frame and its xid.
    fn next(&mut self) -> (&[u8], i32) {
        self.xid += 1;
        let path = &self.keys[self.rng.below(self.keys.len())];
        let body = GetDataRequestView {
            path: Cow::Borrowed(path),
            watch: false,
        };
        self.frame.clear();
        self.frame.put_i32(8 + body.encoded_len() as i32);
        self.frame.put_i32(self.xid);
        self.frame.put_i32(OpCode::GetData.code());
        body.encode(&mut self.frame);
        (&self.frame, self.xid)
    }

    /// The `closeSession` frame that ends the run's session (so it does not linger on the
    /// server for the session timeout, loading the next run's server).
    fn close(&mut self) -> Vec<u8> {
        self.xid += 1;
        let mut frame = Vec::with_capacity(12);
        frame.put_i32(8);
        frame.put_i32(self.xid);
        frame.put_i32(OpCode::CloseSession.code());
        frame
    }
}

/// The measured window: from `start` to `end` (duration mode) or for `count` operations.
struct Window {
    start: Instant,
    end: Option<Instant>,
    count: Option<u64>,
}

/// CPU times read at one instant.
#[derive(Clone, Copy)]
struct CpuSample {
    at: Instant,
    /// This process.
    client: Option<Duration>,
    /// The server, when its pid is known.
    server: Option<Duration>,
}

/// Latency, errors and CPU time over the window.
struct Meter {
    window: Window,
    server_pid: Option<u32>,
    /// Latency of the measured operations that succeeded.
    hist: Histogram,
    /// Measured operations that failed.
    errors: u64,
    /// Read at the window's first slot.
    cpu0: Option<CpuSample>,
    /// Read when the window ended.
    cpu1: Option<CpuSample>,
}

impl Meter {
    /// A meter for `window`, reading the CPU time of this process and of `server_pid`.
    fn new(window: Window, server_pid: Option<u32>) -> Self {
        Self {
            window,
            server_pid,
            hist: Histogram::default(),
            errors: 0,
            cpu0: None,
            cpu1: None,
        }
    }

    fn cpu_now(&self) -> CpuSample {
        CpuSample {
            at: Instant::now(),
            client: procfs::cpu_time("self"),
            server: self
                .server_pid
                .and_then(|p| procfs::cpu_time(&p.to_string())),
        }
    }

    /// Called with each slot's start before its operation is measured: says whether the run
    /// has ended. Also starts the CPU clock at the window's first slot and stops it at the
    /// end.
    fn ended(&mut self, start: Instant) -> bool {
        if self.cpu0.is_none() && start >= self.window.start {
            self.cpu0 = Some(self.cpu_now());
        }
        let measured = self.hist.count() + self.errors;
        let over = match (self.window.end, self.window.count) {
            (Some(end), _) => start >= end,
            (None, Some(count)) => measured >= count,
            (None, None) => true,
        };
        if over && self.cpu1.is_none() {
            self.cpu1 = Some(self.cpu_now());
        }
        over
    }

    /// Records one operation started at `start` and answered now.
    fn record(&mut self, start: Instant, ok: bool) {
        if start < self.window.start {
            return;
        }
        if ok {
            let done = Instant::now();
            self.hist
                .record(done.duration_since(start).as_nanos() as u64);
        } else {
            self.errors += 1;
        }
    }

    /// The run's report under `label`.
    fn report(self, label: String) -> Report {
        let none = CpuSample {
            at: self.window.start,
            client: None,
            server: None,
        };
        let c0 = self.cpu0.unwrap_or(none);
        let c1 = self.cpu1.unwrap_or(CpuSample { at: c0.at, ..none });
        Report {
            label,
            elapsed: c1.at.saturating_duration_since(c0.at),
            errors: self.errors,
            client_cpu: cpu_diff(c0.client, c1.client),
            server_cpu: cpu_diff(c0.server, c1.server),
            hist: self.hist,
        }
    }
}

/// [`Floor::Blocking`]: one thread, blocking calls.
fn blocking(
    mut s: std::net::TcpStream,
    mut pacer: Pacer,
    mut requests: Requests,
    mut meter: Meter,
) -> Result<Meter, String> {
    let mut reply = Vec::new();
    loop {
        let start = pacer.next();
        if meter.ended(start) {
            // Best effort, as the measurement is done.
            let _ = s.write_all(&requests.close());
            let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
            let _ = read_frame(&mut s, &mut reply);
            return Ok(meter);
        }
        let (frame, xid) = requests.next();
        s.write_all(frame).map_err(|e| e.to_string())?;
        read_frame(&mut s, &mut reply)?;
        meter.record(start, reply_ok(&reply, xid));
    }
}

/// Makes the blocking socket a tokio one.
fn into_tokio(s: std::net::TcpStream) -> Result<tokio::net::TcpStream, String> {
    s.set_nonblocking(true).map_err(|e| e.to_string())?;
    tokio::net::TcpStream::from_std(s).map_err(|e| e.to_string())
}

/// Ends the session on `s` once the run is over: `closeSession` out, then the replies still
/// due, up to the close's (best effort: the measurement is done).
async fn close_session(s: &mut tokio::net::TcpStream, requests: &mut Requests) {
    let frame = requests.close();
    let xid = requests.xid;
    let until_closed = async {
        s.write_all(&frame).await.map_err(|e| e.to_string())?;
        let mut reply = Vec::new();
        loop {
            read_frame_async(s, &mut reply).await?;
            if reply.get(..4) == Some(&xid.to_be_bytes()[..]) {
                return Ok::<(), String>(());
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), until_closed).await;
}

/// The harness's dispatcher thread: sends each slot's start time until the receiver is
/// dropped (then it ends at its next slot).
fn dispatcher(mut pacer: Pacer) -> mpsc::UnboundedReceiver<Instant> {
    let (tx, slots) = mpsc::unbounded_channel();
    std::thread::spawn(move || while tx.send(pacer.next()).is_ok() {});
    slots
}

/// [`Floor::TokioOneTask`]: a dispatcher thread hands slots to one task that writes and reads.
async fn tokio_one_task(
    s: std::net::TcpStream,
    pacer: Pacer,
    mut requests: Requests,
    mut meter: Meter,
) -> Result<Meter, String> {
    let mut s = into_tokio(s)?;
    let mut slots = dispatcher(pacer);
    let mut reply = Vec::new();
    while let Some(start) = slots.recv().await {
        if meter.ended(start) {
            break;
        }
        let (frame, xid) = requests.next();
        s.write_all(frame).await.map_err(|e| e.to_string())?;
        read_frame_async(&mut s, &mut reply).await?;
        meter.record(start, reply_ok(&reply, xid));
    }
    // Dropping `slots` ends the dispatcher thread at its next slot.
    drop(slots);
    close_session(&mut s, &mut requests).await;
    Ok(meter)
}

/// What the lane of [`Floor::TokioTwoTasks`] sends the connection task: a request frame and
/// where its reply goes.
type Call = (
    Vec<u8>,
    tokio::sync::oneshot::Sender<Result<Vec<u8>, String>>,
);

/// [`Floor::TokioTwoTasks`]: a dispatcher thread hands slots to a lane task, which passes each
/// request to the connection task that owns the socket.
async fn tokio_two_tasks(
    s: std::net::TcpStream,
    pacer: Pacer,
    mut requests: Requests,
    mut meter: Meter,
) -> Result<Meter, String> {
    let mut s = into_tokio(s)?;
    let (calls, mut incoming) = mpsc::unbounded_channel::<Call>();
    let connection = tokio::spawn(async move {
        while let Some((frame, reply)) = incoming.recv().await {
            let mut buf = Vec::new();
            let result = match s.write_all(&frame).await {
                Ok(()) => read_frame_async(&mut s, &mut buf).await.map(|()| buf),
                Err(e) => Err(e.to_string()),
            };
            let _ = reply.send(result);
        }
        s
    });
    let mut slots = dispatcher(pacer);
    while let Some(start) = slots.recv().await {
        if meter.ended(start) {
            break;
        }
        let (frame, xid) = requests.next();
        let (reply, answer) = tokio::sync::oneshot::channel();
        calls
            .send((frame.to_vec(), reply))
            .map_err(|_| "the connection task ended")?;
        let reply = answer.await.map_err(|_| "the connection task ended")??;
        meter.record(start, reply_ok(&reply, xid));
    }
    drop((calls, slots));
    let mut s = connection.await.map_err(|e| e.to_string())?;
    close_session(&mut s, &mut requests).await;
    Ok(meter)
}

/// [`Floor::CallerWrites`]: the dispatcher thread writes each request; one task reads the
/// replies in order.
async fn caller_writes(
    s: std::net::TcpStream,
    mut pacer: Pacer,
    mut requests: Requests,
    mut meter: Meter,
) -> Result<Meter, String> {
    let mut writer = s.try_clone().map_err(|e| e.to_string())?;
    let mut reader = into_tokio(s)?;
    let (tx, mut sent) = mpsc::unbounded_channel();
    let dispatcher = std::thread::spawn(move || {
        loop {
            let start = pacer.next();
            let (frame, xid) = requests.next();
            // Queued before the write, so a reply always finds its entry: the reader never
            // waits on the channel, and this send never has to wake it (that would be a third
            // wake-up per operation).
            if tx.send(Ok((start, xid))).is_err() {
                break;
            }
            // The socket is non-blocking (shared with the reader); a ~40-byte request fits in
            // the send buffer unless the server stopped reading, which ends the run.
            if let Err(e) = writer.write_all(frame) {
                // Ends the reader's wait for a reply that will not come.
                let _ = writer.shutdown(std::net::Shutdown::Both);
                let _ = tx.send(Err(format!("writing a request: {e}")));
                break;
            }
        }
        requests
    });
    let mut reply = Vec::new();
    let measured = loop {
        if let Err(read) = read_frame_async(&mut reader, &mut reply).await {
            // A failed write explains a failed read.
            let write = std::iter::from_fn(|| sent.try_recv().ok()).find_map(Result::err);
            break Err(write.unwrap_or(read));
        }
        let (start, xid) = match sent.recv().await {
            Some(Ok(entry)) => entry,
            Some(Err(write)) => break Err(write),
            None => break Err("the dispatcher thread stopped".to_owned()),
        };
        if meter.ended(start) {
            break Ok(());
        }
        meter.record(start, reply_ok(&reply, xid));
    };
    // The dispatcher stops at its next slot, before writing again; then the socket is ours.
    drop(sent);
    let mut requests = tokio::task::spawn_blocking(move || dispatcher.join())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|_| "the dispatcher thread panicked")?;
    measured?;
    close_session(&mut reader, &mut requests).await;
    Ok(meter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meter(end: Option<Duration>, count: Option<u64>) -> (Meter, Instant) {
        let start = Instant::now() + Duration::from_secs(1);
        let window = Window {
            start,
            end: end.map(|d| start + d),
            count,
        };
        (Meter::new(window, None), start)
    }

    #[test]
    fn warm_up_operations_are_not_measured() {
        let (mut m, start) = meter(Some(Duration::from_secs(1)), None);
        let early = start - Duration::from_millis(1);
        assert!(!m.ended(early));
        m.record(early, true);
        m.record(early, false);
        assert_eq!((m.hist.count(), m.errors), (0, 0));
        assert!(m.cpu0.is_none(), "the CPU clock starts with the window");
        assert!(!m.ended(start));
        m.record(start, true);
        m.record(start, false);
        assert_eq!((m.hist.count(), m.errors), (1, 1));
        assert!(m.cpu0.is_some());
    }

    #[test]
    fn a_duration_window_ends_at_the_first_slot_past_it() {
        let (mut m, start) = meter(Some(Duration::from_secs(1)), None);
        assert!(!m.ended(start + Duration::from_millis(999)));
        assert!(m.cpu1.is_none());
        assert!(m.ended(start + Duration::from_secs(1)));
        let stopped = m.cpu1.map(|c| c.at);
        assert!(m.ended(start + Duration::from_secs(2)));
        assert_eq!(m.cpu1.map(|c| c.at), stopped, "the CPU clock stops once");
    }

    #[test]
    fn a_count_window_ends_after_that_many_operations_errors_included() {
        let (mut m, start) = meter(None, Some(3));
        for ok in [true, false, true] {
            assert!(!m.ended(start));
            m.record(start, ok);
        }
        assert!(m.ended(start));
        let report = m.report("floor".into());
        assert_eq!((report.hist.count(), report.errors), (2, 1));
    }

    #[test]
    fn requests_are_get_data_frames_with_increasing_xids() {
        let mut requests = Requests::new(3);
        for expected in 1..=4 {
            let (frame, xid) = requests.next();
            assert_eq!(xid, expected);
            let len = i32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
            assert_eq!(len, frame.len() - 4);
            assert_eq!(frame[4..8], expected.to_be_bytes());
            assert_eq!(frame[8..12], OpCode::GetData.code().to_be_bytes());
            let body: GetDataRequestView<'_> = jute::view(&frame[12..]).unwrap();
            assert!(body.path.starts_with("/zk-bench/k/"), "{}", body.path);
            assert!(!body.watch);
        }
    }

    #[test]
    fn replies_count_only_with_their_xid_and_no_error() {
        let reply = |xid: i32, err: i32| jute::to_vec(&ReplyHeader { xid, zxid: 7, err });
        assert!(reply_ok(&reply(5, 0), 5));
        assert!(!reply_ok(&reply(4, 0), 5));
        assert!(!reply_ok(&reply(5, -101), 5));
        assert!(!reply_ok(&reply(5, 0)[..15], 5));
    }
}
