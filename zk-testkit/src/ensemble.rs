//! A three-server ZooKeeper quorum on loopback: each server with its own data directory,
//! `myid` and `zoo.cfg`, read-only mode enabled, individually stoppable and restartable,
//! always killed at the end (each server runs under the same lifeline wrapper as
//! [`ZkServer`](crate::ZkServer), so even a `SIGKILL`ed parent leaves none behind).

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::java::{Installation, Jvm};
use crate::process::{
    after_start, common_config, four_letter_word, free_port, fresh_temp_dir, log_tail,
    on_free_ports, port_taken, write, Failure, QuorumSlot, Spawned,
};
use crate::tls::{tls_config, ClientAuth, Pki, ServerCert};
use crate::Error;

/// How long a quorum may take to form on a loaded machine.
pub const QUORUM_TIMEOUT: Duration = Duration::from_secs(90);

/// A server's role as `srvr` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The quorum's leader.
    Leader,
    /// A follower of the leader.
    Follower,
    /// Cut off from its quorum, serving read-only clients.
    ReadOnly,
    /// Anything else `srvr` said (e.g. `observer`, `standalone`).
    Other(String),
}

/// How to start an ensemble.
#[derive(Debug, Clone)]
pub struct EnsembleOptions {
    /// Milliseconds per tick.
    pub tick_ms: u32,
    /// `localSessionsEnabled` (and upgrading): needed for a read-only server to create
    /// sessions in 3.8, which refuses global sessions in read-only mode.
    pub local_sessions: bool,
}

impl Default for EnsembleOptions {
    fn default() -> Self {
        EnsembleOptions {
            tick_ms: 500,
            local_sessions: false,
        }
    }
}

struct Node {
    id: u32,
    client_port: u16,
    /// The TLS port, for an ensemble started with [`Ensemble::start_tls`].
    secure_port: Option<u16>,
    dir: PathBuf,
    java_args: Vec<OsString>,
    process: Option<Spawned>,
}

/// Three ZooKeeper servers forming a quorum. Server ids are 1, 2 and 3.
///
/// Dropping it kills every server and removes the data directories. One quorum runs per
/// process at a time: a start waits until any other `Ensemble` or [`DynamicEnsemble`] of this
/// process is dropped (so one test must not hold two).
///
/// [`DynamicEnsemble`]: crate::DynamicEnsemble
pub struct Ensemble {
    root: PathBuf,
    nodes: Vec<Node>,
    /// Last, so that it is let go once the servers are gone.
    _slot: QuorumSlot,
}

impl fmt::Debug for Ensemble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ensemble")
            .field("root", &self.root)
            .field(
                "ports",
                &self.nodes.iter().map(|n| n.client_port).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Ensemble {
    /// Starts three servers and waits until they have elected a leader and all serve.
    pub fn start(options: EnsembleOptions) -> Result<Ensemble, Error> {
        Ensemble::launch(options, None)
    }

    /// Like [`Ensemble::start`], each server also serving TLS on a `secureClientPort` with
    /// `pki`'s good server certificate (Netty's connection factory, no client certificate
    /// asked for), beside its plaintext client port; the quorum's own traffic stays
    /// plaintext.
    pub fn start_tls(options: EnsembleOptions, pki: &Pki) -> Result<Ensemble, Error> {
        Ensemble::launch(options, Some(pki))
    }

    fn launch(options: EnsembleOptions, tls: Option<&Pki>) -> Result<Ensemble, Error> {
        on_free_ports(|| Ensemble::launch_once(&options, tls))
    }

    fn launch_once(options: &EnsembleOptions, tls: Option<&Pki>) -> Result<Ensemble, Failure> {
        let slot = QuorumSlot::take();
        let installation = Installation::find()?;
        let root = fresh_temp_dir()?;
        // Distinct free ports: client, quorum, election per server (and TLS for a TLS one).
        let mut ports = Vec::new();
        while ports.len() < 12 {
            let p = free_port()?;
            if !ports.contains(&p) {
                ports.push(p);
            }
        }
        let servers: String = (0..3)
            .map(|i| {
                format!(
                    "server.{}=127.0.0.1:{}:{}\n",
                    i + 1,
                    ports[3 * i + 1],
                    ports[3 * i + 2]
                )
            })
            .collect();
        let mut ensemble = Ensemble {
            root: root.clone(),
            nodes: Vec::new(),
            _slot: slot,
        };
        for i in 0..3u32 {
            let dir = root.join(format!("server{}", i + 1));
            let data = dir.join("data");
            std::fs::create_dir_all(&data)
                .map_err(|e| Error::Io(format!("creating {}", data.display()), e))?;
            write(&data.join("myid"), &format!("{}\n", i + 1))?;
            let client_port = ports[3 * i as usize];
            let mut cfg = common_config(options.tick_ms, &data, client_port);
            cfg.push_str("initLimit=20\nsyncLimit=5\n");
            cfg.push_str(&servers);
            if options.local_sessions {
                cfg.push_str("localSessionsEnabled=true\nlocalSessionsUpgradingEnabled=true\n");
            }
            let secure_port = tls.map(|_| ports[9 + i as usize]);
            if let (Some(pki), Some(port)) = (tls, secure_port) {
                for line in tls_config(pki, ServerCert::Good, ClientAuth::None, port) {
                    cfg.push_str(&line);
                    cfg.push('\n');
                }
            }
            write(&dir.join("zoo.cfg"), &cfg)?;
            let java_args = installation.command(
                Jvm::Quick,
                192,
                // A server cut off from its quorum serves read-only clients.
                &["-Dreadonlymode.enabled=true"],
                "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                &dir.join("zoo.cfg"),
            );
            ensemble.nodes.push(Node {
                id: i + 1,
                client_port,
                secure_port,
                dir,
                java_args,
                process: None,
            });
        }
        for id in 1..=3 {
            ensemble.spawn(id)?;
        }
        ensemble.wait_started()?;
        Ok(ensemble)
    }

    /// Every server, as a connect string.
    pub fn connect_string(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Every server's TLS port, as a connect string (`127.0.0.1:PORT,...`; empty unless
    /// started with [`Ensemble::start_tls`]).
    pub fn secure_connect_string(&self) -> String {
        self.nodes
            .iter()
            .filter_map(|n| n.secure_port)
            .map(|port| format!("127.0.0.1:{port}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The TLS port of server `id` (`None` unless started with [`Ensemble::start_tls`]).
    ///
    /// # Panics
    ///
    /// When `id` is not 1, 2 or 3.
    pub fn secure_port(&self, id: u32) -> Option<u16> {
        self.node(id).secure_port
    }

    /// The client port of server `id`.
    ///
    /// # Panics
    ///
    /// When `id` is not 1, 2 or 3.
    pub fn client_port(&self, id: u32) -> u16 {
        self.node(id).client_port
    }

    /// The process ids of the running servers' wrappers (each leads its process group).
    pub fn pids(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter_map(|n| n.process.as_ref().map(|p| p.child.id()))
            .collect()
    }

    /// Server `id`'s mode, or `None` when it does not serve clients (down or electing).
    pub fn mode(&self, id: u32) -> Option<Mode> {
        let srvr = four_letter_word(self.client_port(id), "srvr").ok()?;
        let mode = srvr.lines().find_map(|l| l.strip_prefix("Mode: "))?.trim();
        Some(match mode {
            "leader" => Mode::Leader,
            "follower" => Mode::Follower,
            "read-only" => Mode::ReadOnly,
            other => Mode::Other(other.to_owned()),
        })
    }

    /// The current leader's id.
    pub fn leader(&self) -> Option<u32> {
        (1..=3).find(|&id| self.mode(id) == Some(Mode::Leader))
    }

    /// The server holding a connection of session `session_id` (from `cons`).
    pub fn server_of_session(&self, session_id: i64) -> Option<u32> {
        let needle = format!("sid=0x{session_id:x}");
        (1..=3).find(|&id| {
            four_letter_word(self.client_port(id), "cons").is_ok_and(|c| c.contains(&needle))
        })
    }

    /// Kills server `id` abruptly (like a crash); its data stays for [`Ensemble::restart`].
    pub fn stop(&mut self, id: u32) {
        if let Some(p) = self.node_mut(id).process.take() {
            p.kill();
        }
    }

    /// Starts server `id` again without waiting for it to join.
    pub fn restart(&mut self, id: u32) -> Result<(), Error> {
        self.stop(id);
        self.spawn(id)
    }

    /// Waits until each of `ids` serves as leader or follower.
    pub fn wait_serving(&self, ids: &[u32], timeout: Duration) -> Result<(), Error> {
        self.wait_until(timeout, "leader or follower", || {
            ids.iter()
                .all(|&id| matches!(self.mode(id), Some(Mode::Leader | Mode::Follower)))
        })
    }

    /// Waits until server `id` reports `mode`.
    pub fn wait_mode(&self, id: u32, mode: Mode, timeout: Duration) -> Result<(), Error> {
        let what = format!("server {id} in mode {mode:?}");
        self.wait_until(timeout, &what, || self.mode(id).as_ref() == Some(&mode))
    }

    fn wait_until(
        &self,
        timeout: Duration,
        what: &str,
        mut done: impl FnMut() -> bool,
    ) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        loop {
            if done() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::NotReady(format!(
                    "no {what} within {timeout:?}; logs:\n{}",
                    self.logs()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until all three serve after their first start, failing at once when one found
    /// a picked port taken (it exits, and the quorum would never form).
    fn wait_started(&self) -> Result<(), Failure> {
        let taken = || self.nodes.iter().any(|n| port_taken(&n.dir));
        let serving = self.wait_until(QUORUM_TIMEOUT, "leader or follower", || {
            taken()
                || (1..=3).all(|id| matches!(self.mode(id), Some(Mode::Leader | Mode::Follower)))
        });
        after_start(serving, taken(), || self.logs())
    }

    /// Each server's mode and the tail of its log, for error messages.
    fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| {
                format!(
                    "--- server {} ({:?}):\n{}\n",
                    n.id,
                    self.mode(n.id),
                    log_tail(&n.dir)
                )
            })
            .collect()
    }

    fn node(&self, id: u32) -> &Node {
        &self.nodes[(id - 1) as usize]
    }

    fn node_mut(&mut self, id: u32) -> &mut Node {
        &mut self.nodes[(id - 1) as usize]
    }

    fn spawn(&mut self, id: u32) -> Result<(), Error> {
        let node = self.node(id);
        let spawned = Spawned::start(&node.java_args, &node.dir, false)?;
        self.node_mut(id).process = Some(spawned);
        Ok(())
    }
}

impl Drop for Ensemble {
    fn drop(&mut self) {
        for id in 1..=3 {
            self.stop(id);
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
