//! A three-server ZooKeeper 3.8 quorum on loopback for tests: each server with its own data
//! directory, `myid` and `zoo.cfg`, read-only mode enabled, individually stoppable and
//! restartable, always killed at the end (even when the test process is SIGKILLed: each
//! server runs under the same lifeline wrapper as [`super::server::ZkServer`]).
//!
//! Standard library only, like `server.rs`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

use super::server::{
    check_installed, four_letter_word, free_port, fresh_temp_dir, java_binary, kill_group,
    log_tail, open_log, zookeeper_jar, HarnessError, LOG_BINDINGS, WRAPPER,
};

/// How long a quorum may take to form on a loaded machine.
pub(crate) const QUORUM_TIMEOUT: Duration = Duration::from_secs(90);

/// A server's role as `srvr` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
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
pub(crate) struct EnsembleOptions {
    /// Milliseconds per tick.
    pub(crate) tick_ms: u32,
    /// `localSessionsEnabled` (and upgrading): needed for a read-only server to create
    /// sessions in 3.8, which refuses global sessions in read-only mode.
    pub(crate) local_sessions: bool,
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
    dir: PathBuf,
    process: Option<(Child, Option<ChildStdin>)>,
}

/// Three ZooKeeper servers forming a quorum. Server ids are 1, 2 and 3.
pub(crate) struct Ensemble {
    root: PathBuf,
    nodes: Vec<Node>,
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
    pub(crate) fn start(options: EnsembleOptions) -> Result<Ensemble, HarnessError> {
        check_installed()?;
        let root = fresh_temp_dir()?;
        // Nine distinct free ports (client, quorum, election per server).
        let mut ports = Vec::new();
        while ports.len() < 9 {
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
        };
        for i in 0..3u32 {
            let dir = root.join(format!("server{}", i + 1));
            let data = dir.join("data");
            std::fs::create_dir_all(&data)
                .map_err(|e| HarnessError::Io(format!("creating {}", data.display()), e))?;
            write(&data.join("myid"), &format!("{}\n", i + 1))?;
            let client_port = ports[3 * i as usize];
            let mut cfg = format!(
                "tickTime={tick}\n\
                 initLimit=20\n\
                 syncLimit=5\n\
                 dataDir={data}\n\
                 clientPort={client_port}\n\
                 clientPortAddress=127.0.0.1\n\
                 admin.enableServer=false\n\
                 4lw.commands.whitelist=*\n\
                 maxClientCnxns=0\n\
                 minSessionTimeout={min}\n\
                 maxSessionTimeout=60000\n\
                 forceSync=no\n\
                 autopurge.purgeInterval=0\n\
                 {servers}",
                tick = options.tick_ms,
                data = data.display(),
                min = 2 * options.tick_ms,
            );
            if options.local_sessions {
                cfg.push_str("localSessionsEnabled=true\nlocalSessionsUpgradingEnabled=true\n");
            }
            write(&dir.join("zoo.cfg"), &cfg)?;
            ensemble.nodes.push(Node {
                id: i + 1,
                client_port,
                dir,
                process: None,
            });
        }
        for id in 1..=3 {
            ensemble.spawn(id)?;
        }
        ensemble.wait_serving(&[1, 2, 3], QUORUM_TIMEOUT)?;
        Ok(ensemble)
    }

    /// Every server, as a connect string.
    pub(crate) fn connect_string(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The client port of server `id`.
    pub(crate) fn client_port(&self, id: u32) -> u16 {
        self.node(id).client_port
    }

    /// The process ids of the running servers' wrappers (each leads its process group).
    pub(crate) fn pids(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter_map(|n| n.process.as_ref().map(|(c, _)| c.id()))
            .collect()
    }

    /// Server `id`'s mode, or `None` when it does not serve clients (down or electing).
    pub(crate) fn mode(&self, id: u32) -> Option<Mode> {
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
    pub(crate) fn leader(&self) -> Option<u32> {
        (1..=3).find(|&id| self.mode(id) == Some(Mode::Leader))
    }

    /// The server holding a connection of session `session_id` (from `cons`).
    pub(crate) fn server_of_session(&self, session_id: i64) -> Option<u32> {
        let needle = format!("sid=0x{session_id:x}");
        (1..=3).find(|&id| {
            four_letter_word(self.client_port(id), "cons").is_ok_and(|c| c.contains(&needle))
        })
    }

    /// Kills server `id` abruptly (like a crash); its data stays for [`Ensemble::restart`].
    pub(crate) fn stop(&mut self, id: u32) {
        if let Some((mut child, lifeline)) = self.node_mut(id).process.take() {
            kill_group(child.id());
            drop(lifeline);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts server `id` again without waiting for it to join.
    pub(crate) fn restart(&mut self, id: u32) -> Result<(), HarnessError> {
        self.stop(id);
        self.spawn(id)
    }

    /// Waits until each of `ids` serves as leader or follower.
    pub(crate) fn wait_serving(&self, ids: &[u32], timeout: Duration) -> Result<(), HarnessError> {
        self.wait_until(timeout, "leader or follower", || {
            ids.iter()
                .all(|&id| matches!(self.mode(id), Some(Mode::Leader | Mode::Follower)))
        })
    }

    /// Waits until server `id` reports `mode`.
    pub(crate) fn wait_mode(
        &self,
        id: u32,
        mode: Mode,
        timeout: Duration,
    ) -> Result<(), HarnessError> {
        let what = format!("server {id} in mode {mode:?}");
        self.wait_until(timeout, &what, || self.mode(id).as_ref() == Some(&mode))
    }

    fn wait_until(
        &self,
        timeout: Duration,
        what: &str,
        mut done: impl FnMut() -> bool,
    ) -> Result<(), HarnessError> {
        let deadline = Instant::now() + timeout;
        loop {
            if done() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let logs: String = self
                    .nodes
                    .iter()
                    .map(|n| {
                        format!(
                            "--- server {} ({:?}):\n{}\n",
                            n.id,
                            self.mode(n.id),
                            log_tail(&n.dir)
                        )
                    })
                    .collect();
                return Err(HarnessError::NotReady(format!(
                    "no {what} within {timeout:?}; logs:\n{logs}"
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn node(&self, id: u32) -> &Node {
        &self.nodes[(id - 1) as usize]
    }

    fn node_mut(&mut self, id: u32) -> &mut Node {
        &mut self.nodes[(id - 1) as usize]
    }

    fn spawn(&mut self, id: u32) -> Result<(), HarnessError> {
        let node = self.node(id);
        let (log, log2) = open_log(&node.dir)?;
        let java_args = java_command(&node.dir.join("zoo.cfg"))?;
        // The lifeline wrapper of server.rs: Java dies when our end of stdin closes.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(WRAPPER)
            .arg("zk-wrapper")
            .args(&java_args)
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(log2)
            .current_dir(&node.dir)
            .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| HarnessError::Io(format!("spawning {}", java_args[0]), e))?;
        let lifeline = child.stdin.take();
        self.node_mut(id).process = Some((child, lifeline));
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

fn write(path: &Path, text: &str) -> Result<(), HarnessError> {
    std::fs::write(path, text)
        .map_err(|e| HarnessError::Io(format!("writing {}", path.display()), e))
}

fn java_command(config: &Path) -> Result<Vec<String>, HarnessError> {
    let java = java_binary().ok_or_else(|| HarnessError::Missing("java".into()))?;
    let mut classpath = zookeeper_jar().display().to_string();
    if let Some(binding) = LOG_BINDINGS.iter().find(|p| Path::new(p).is_file()) {
        classpath.push(':');
        classpath.push_str(binding);
    }
    Ok(vec![
        java.display().to_string(),
        "-Xmx192m".into(),
        "-XX:+UseSerialGC".into(),
        "-XX:TieredStopAtLevel=1".into(),
        "-Xshare:auto".into(),
        // A server cut off from its quorum serves read-only clients.
        "-Dreadonlymode.enabled=true".into(),
        "-Dzookeeper.admin.enableServer=false".into(),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info".into(),
        "-Dorg.slf4j.simpleLogger.showDateTime=true".into(),
        "-cp".into(),
        classpath,
        "org.apache.zookeeper.server.quorum.QuorumPeerMain".into(),
        config.display().to_string(),
    ])
}
