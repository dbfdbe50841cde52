//! A TCP proxy between a client and a server that injects network faults, per connection and
//! switchable at run time: pass, drop, delay, black hole, reset, corrupt, and partitions.
//!
//! Every accepted connection gets an id and its own [`Fault`], initially the proxy's default
//! for new connections. [`Proxy::set_fault`] changes the default and every live connection;
//! [`Proxy::set_conn_fault`] changes one. The server is dialled lazily, when a connection first
//! needs to forward something, so a connection accepted in a black hole never reaches it.
//!
//! A black hole holds what it reads (up to [`HOLD_LIMIT`] bytes per direction, then discards)
//! and delivers it when the connection is healed, like TCP retransmitting after a partition.
//! [`Proxy::partition`] cuts every live connection and black-holes new ones until
//! [`Proxy::heal`]: a client cut off from its server, whose reconnect attempts hang.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use test_support::Rng;

/// Most bytes a black hole holds per direction for delivery on healing.
pub const HOLD_LIMIT: usize = 1 << 20;

/// What the proxy does to a connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Forward both ways.
    Pass,
    /// Close both sides (an orderly FIN).
    Drop,
    /// Forward, sleeping this long before each chunk (both directions).
    Delay(Duration),
    /// Read both sides but forward and answer nothing; the sockets stay open.
    BlackHole,
    /// Abort both sides with a TCP RST (`SO_LINGER` 0).
    Reset,
    /// Forward, XOR-ing the server->client byte at stream offset `offset` with `xor`.
    CorruptAt {
        /// Offset in the server's output on this connection (0 = first byte of the
        /// ConnectResponse frame).
        offset: u64,
        /// Mask applied to that byte.
        xor: u8,
    },
    /// Forward, flipping one random bit in each server->client byte with `probability`,
    /// drawn from a xorshift generator seeded with `seed` when this fault is applied.
    CorruptRandom {
        /// Chance per byte.
        probability: f64,
        /// Seed of the generator.
        seed: u64,
    },
}

impl Fault {
    fn forwards(self) -> bool {
        !matches!(self, Fault::BlackHole | Fault::Drop | Fault::Reset)
    }
}

/// A live connection as seen by the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnInfo {
    /// The connection's id (0 for the first accepted one).
    pub id: usize,
    /// Bytes read from the server so far (the next server->client byte has this offset).
    pub server_bytes: u64,
}

struct Conn {
    id: usize,
    fault: watch::Sender<Fault>,
    server_bytes: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    default: Mutex<Fault>,
    conns: Mutex<Vec<Conn>>,
    accepted: AtomicUsize,
}

/// The proxy: listens on a free loopback port until dropped (which closes every connection).
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("addr", &self.addr).finish()
    }
}

impl Proxy {
    /// Starts a proxy in front of `upstream` on a free loopback port, passing traffic
    /// through. Its tasks run on the current tokio runtime.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            default: Mutex::new(Fault::Pass),
            conns: Mutex::new(Vec::new()),
            accepted: AtomicUsize::new(0),
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(Proxy {
            addr,
            shared,
            accept,
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `127.0.0.1:PORT` of the proxy.
    pub fn connect_string(&self) -> String {
        self.addr.to_string()
    }

    /// Points new connections at another server.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *lock(&self.shared.upstream) = upstream;
    }

    /// Applies `fault` to every live connection and to new ones.
    pub fn set_fault(&self, fault: Fault) {
        *lock(&self.shared.default) = fault;
        for c in lock(&self.shared.conns).iter() {
            c.fault.send_replace(fault);
        }
    }

    /// Applies `fault` to connections accepted from now on only.
    pub fn set_new_fault(&self, fault: Fault) {
        *lock(&self.shared.default) = fault;
    }

    /// Applies `fault` to one live connection.
    pub fn set_conn_fault(&self, id: usize, fault: Fault) {
        if let Some(c) = lock(&self.shared.conns).iter().find(|c| c.id == id) {
            c.fault.send_replace(fault);
        }
    }

    /// Live connections, oldest first.
    pub fn connections(&self) -> Vec<ConnInfo> {
        let mut conns = lock(&self.shared.conns);
        conns.retain(|c| !c.task.is_finished());
        conns
            .iter()
            .map(|c| ConnInfo {
                id: c.id,
                server_bytes: c.server_bytes.load(Ordering::SeqCst),
            })
            .collect()
    }

    /// The one live connection.
    ///
    /// # Panics
    ///
    /// Unless there is exactly one (a test's assertion).
    pub fn only_connection(&self) -> ConnInfo {
        match self.connections()[..] {
            [c] => c,
            ref other => panic!("expected one live proxied connection, found {other:?}"),
        }
    }

    /// Cuts every live connection (both sides closed) and holds connections accepted from now
    /// on in a [`Fault::BlackHole`] until [`Proxy::heal`]: a network partition between the
    /// client and the server, during which the client's reconnect attempts hang.
    pub fn partition(&self) {
        let mut conns = lock(&self.shared.conns);
        *lock(&self.shared.default) = Fault::BlackHole;
        for c in conns.drain(..) {
            // Aborting the task drops both sockets: the connection is cut at once, whatever
            // fault is set on it afterwards.
            c.task.abort();
        }
    }

    /// Ends a partition (or any fault): every live connection, including those held during a
    /// partition with whatever the client wrote meanwhile, and every new one passes traffic.
    pub fn heal(&self) {
        self.set_fault(Fault::Pass);
    }

    /// How many connections were accepted so far.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        for c in lock(&self.shared.conns).drain(..) {
            c.task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let _ = client.set_nodelay(true);
        let id = shared.accepted.fetch_add(1, Ordering::SeqCst);
        // Held while the connection is set up, so that a concurrent `set_fault` or
        // `partition` sees it (they take this lock before changing live connections).
        let mut conns = lock(&shared.conns);
        let fault = *lock(&shared.default);
        let upstream = *lock(&shared.upstream);
        let (tx, rx) = watch::channel(fault);
        let server_bytes = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(serve(client, upstream, rx, server_bytes.clone()));
        conns.retain(|c| !c.task.is_finished());
        conns.push(Conn {
            id,
            fault: tx,
            server_bytes,
            task,
        });
    }
}

async fn read_opt(s: &mut Option<TcpStream>, buf: &mut [u8]) -> std::io::Result<usize> {
    match s {
        Some(s) => s.read(buf).await,
        None => std::future::pending().await,
    }
}

fn hold(held: &mut Vec<u8>, bytes: &[u8]) {
    let room = HOLD_LIMIT.saturating_sub(held.len());
    held.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

/// Runs one proxied connection until either side closes or a fault ends it.
async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    mut faults: watch::Receiver<Fault>,
    server_bytes: Arc<AtomicU64>,
) {
    let mut pipe = Pipe {
        client,
        server: None,
        upstream,
        server_bytes,
        cbuf: vec![0u8; 16 * 1024],
        sbuf: vec![0u8; 16 * 1024],
        held_c2s: Vec::new(),
        held_s2c: Vec::new(),
        rng: Rng::new(1),
    };
    let mut applied: Option<Fault> = None;
    loop {
        let fault = *faults.borrow_and_update();
        if applied != Some(fault) {
            applied = Some(fault);
            if let Fault::CorruptRandom { seed, .. } = fault {
                pipe.rng = Rng::new(seed);
            }
        }
        if pipe.prepare(fault).await.is_none() {
            return;
        }
        let went_on = tokio::select! {
            // `Err`: the proxy is gone.
            changed = faults.changed() => changed.ok(),
            read = pipe.client.read(&mut pipe.cbuf) => match read {
                Ok(0) | Err(_) => None,
                Ok(n) => pipe.client_wrote(fault, n).await,
            },
            read = read_opt(&mut pipe.server, &mut pipe.sbuf) => match read {
                Ok(0) | Err(_) => None,
                Ok(n) => pipe.server_wrote(fault, n).await,
            },
        };
        if went_on.is_none() {
            return;
        }
    }
}

/// One proxied connection: the client's socket, the server's once connected, and what a
/// black hole held back. Its steps return `None` when the connection ends.
struct Pipe {
    client: TcpStream,
    server: Option<TcpStream>,
    upstream: SocketAddr,
    /// Bytes the server sent on this connection so far (where `CorruptAt` offsets count from).
    server_bytes: Arc<AtomicU64>,
    cbuf: Vec<u8>,
    sbuf: Vec<u8>,
    /// What a black hole read, for delivery on healing.
    held_c2s: Vec<u8>,
    held_s2c: Vec<u8>,
    /// `CorruptRandom`'s generator, seeded when that fault is applied.
    rng: Rng,
}

impl Pipe {
    /// Before waiting for bytes under `fault`: ends the connection for `Drop` and `Reset`;
    /// for a fault that forwards, connects to the server (once) and delivers what a black hole
    /// held back.
    async fn prepare(&mut self, fault: Fault) -> Option<()> {
        match fault {
            Fault::Drop => return None,
            Fault::Reset => {
                let _ = self.client.set_zero_linger();
                if let Some(s) = &self.server {
                    let _ = s.set_zero_linger();
                }
                return None;
            }
            _ => {}
        }
        if !fault.forwards() {
            return Some(());
        }
        if self.server.is_none() {
            // The server is down: the client sees its connection closed.
            let s = TcpStream::connect(self.upstream).await.ok()?;
            let _ = s.set_nodelay(true);
            self.server = Some(s);
        }
        if let Some(s) = self.server.as_mut() {
            if !self.held_c2s.is_empty() {
                s.write_all(&std::mem::take(&mut self.held_c2s))
                    .await
                    .ok()?;
            }
        }
        if !self.held_s2c.is_empty() {
            self.client
                .write_all(&std::mem::take(&mut self.held_s2c))
                .await
                .ok()?;
        }
        Some(())
    }

    /// Passes on the `n` bytes the client wrote (in `cbuf`) under `fault`: held in a black hole
    /// or before the server is connected, delayed under `Delay`.
    async fn client_wrote(&mut self, fault: Fault, n: usize) -> Option<()> {
        let bytes = &self.cbuf[..n];
        match (fault, self.server.as_mut()) {
            (Fault::BlackHole, _) | (_, None) => hold(&mut self.held_c2s, bytes),
            (_, Some(s)) => {
                if let Fault::Delay(d) = fault {
                    tokio::time::sleep(d).await;
                }
                s.write_all(bytes).await.ok()?;
            }
        }
        Some(())
    }

    /// Passes on the `n` bytes the server wrote (in `sbuf`) under `fault`: held in a black
    /// hole, delayed, or corrupted.
    async fn server_wrote(&mut self, fault: Fault, n: usize) -> Option<()> {
        let start = self.server_bytes.fetch_add(n as u64, Ordering::SeqCst);
        let chunk = &mut self.sbuf[..n];
        match fault {
            Fault::BlackHole => {
                hold(&mut self.held_s2c, chunk);
                return Some(());
            }
            Fault::Delay(d) => tokio::time::sleep(d).await,
            Fault::CorruptAt { offset, xor } => {
                if let Some(i) = offset.checked_sub(start).filter(|&i| i < n as u64) {
                    chunk[i as usize] ^= xor;
                }
            }
            Fault::CorruptRandom { probability, .. } => {
                for b in chunk.iter_mut() {
                    if self.rng.chance(probability) {
                        *b ^= 1 << self.rng.below(8);
                    }
                }
            }
            _ => {}
        }
        self.client.write_all(chunk).await.ok()
    }
}
