//! A standalone ZooKeeper server on a free loopback port with a fresh data directory:
//! started, paused, crashed, restarted, and always killed at the end.

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::java::{Installation, Jvm};
use crate::process::{
    common_config, four_letter_word, free_port, fresh_temp_dir, log_tail, on_free_ports,
    port_taken, signal_group, wait_group_stopped, write, Failure, Spawned,
};
use crate::Error;

/// How long a server may take to start serving.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Client port; `None` picks a free one.
    pub port: Option<u16>,
    /// Data directory; `None` makes a fresh temporary one, removed on drop.
    pub dir: Option<PathBuf>,
    /// Milliseconds per tick (sessions time out between 2 and 120 ticks).
    pub tick_ms: u32,
    /// Extra `zoo.cfg` lines.
    pub extra_config: Vec<String>,
    /// Extra JVM system properties, as `name=value` (each passed as `-Dname=value`), e.g. a
    /// JAAS file for SASL (`java.security.auth.login.config=...`).
    pub system_properties: Vec<String>,
    /// Leave the server running after this process exits (a server for people, such as
    /// `cargo xtask zk start`): no lifeline wrapper, and drop does not stop it.
    pub detached: bool,
    /// How the JVM is tuned: [`Jvm::Quick`] for tests, [`Jvm::Production`] for benchmarks.
    pub jvm: Jvm,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            port: None,
            dir: None,
            tick_ms: 500,
            extra_config: Vec::new(),
            system_properties: Vec::new(),
            detached: false,
            jvm: Jvm::Quick,
        }
    }
}

/// A running (or stopped, restartable) standalone ZooKeeper server.
///
/// Dropping it kills the server's whole process group and removes the data directory it
/// created. Unless detached, the server also dies with this process, even by `SIGKILL`.
/// TTL nodes (`zookeeper.extendedTypesEnabled`) are enabled.
pub struct ZkServer {
    port: u16,
    /// The `secureClientPort` of `extra_config`, which the server binds after its plaintext
    /// port serves: readiness waits for it too.
    secure_port: Option<u16>,
    dir: PathBuf,
    owns_dir: bool,
    detached: bool,
    java_args: Vec<OsString>,
    process: Option<Spawned>,
}

impl fmt::Debug for ZkServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZkServer")
            .field("port", &self.port)
            .field("dir", &self.dir)
            .field("running", &self.process.is_some())
            .finish()
    }
}

impl ZkServer {
    /// Starts a server on a free loopback port with a fresh data directory.
    pub fn start() -> Result<ZkServer, Error> {
        ZkServer::start_with(ServerOptions::default())
    }

    /// Starts a server as `options` say, and waits until it serves requests.
    pub fn start_with(options: ServerOptions) -> Result<ZkServer, Error> {
        let installation = Installation::find()?;
        let (dir, owns_dir) = match &options.dir {
            Some(d) => (d.clone(), false),
            None => (fresh_temp_dir()?, true),
        };
        // TTL nodes need the extended types.
        let mut properties = vec!["-Dzookeeper.extendedTypesEnabled=true".to_string()];
        properties.extend(options.system_properties.iter().map(|p| format!("-D{p}")));
        let properties: Vec<&str> = properties.iter().map(String::as_str).collect();
        let java_args = installation.command(
            options.jvm,
            256,
            &properties,
            "org.apache.zookeeper.server.ZooKeeperServerMain",
            &dir.join("zoo.cfg"),
        );
        let fixed_port = options.port;
        let secure_port = options
            .extra_config
            .iter()
            .find_map(|line| line.trim().strip_prefix("secureClientPort="))
            .and_then(|port| port.trim().parse().ok());
        // A picked port can be taken by someone else before Java binds it: start again on
        // another (a fixed port is never retried). The directory stays between tries.
        let started = on_free_ports(|| {
            let port = match fixed_port {
                Some(p) => p,
                None => free_port()?,
            };
            let mut server = ZkServer {
                port,
                secure_port,
                dir: dir.clone(),
                owns_dir: false,
                detached: options.detached,
                java_args: java_args.clone(),
                process: None,
            };
            write_config(&dir, port, &options)?;
            match server.spawn_and_wait() {
                Ok(()) => Ok(server),
                Err(e) if fixed_port.is_none() && port_taken(&dir) => Err(Failure::PortTaken(e)),
                Err(e) => Err(Failure::Other(e)),
            }
        });
        match started {
            Ok(mut server) => {
                server.owns_dir = owns_dir;
                Ok(server)
            }
            Err(e) => {
                if owns_dir {
                    let _ = std::fs::remove_dir_all(&dir);
                }
                Err(e)
            }
        }
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The client address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `127.0.0.1:PORT`, a connect string for this server.
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The data directory (also holds `zoo.cfg` and `zookeeper.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The process id of the server's wrapper (or of Java when detached), while running. It
    /// leads the server's process group.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|p| p.child.id())
    }

    /// Whether the server process is alive.
    pub fn is_running(&mut self) -> bool {
        self.process.as_mut().is_some_and(Spawned::is_running)
    }

    /// Kills the server abruptly (like a crash), keeping its data for [`ZkServer::restart`].
    pub fn stop(&mut self) {
        if let Some(p) = self.process.take() {
            p.kill();
        }
    }

    /// Freezes the server (`SIGSTOP` to its process group): connections stay open but
    /// nothing is answered, like a hung machine.
    pub fn pause(&self) {
        if let Some(pid) = self.pid() {
            signal_group(pid, "-STOP");
            // The signal is sent; return once every thread has stopped, so no request made
            // after this is answered.
            wait_group_stopped(pid, Duration::from_secs(5));
        }
    }

    /// Resumes a paused server (`SIGCONT`).
    pub fn resume(&self) {
        if let Some(pid) = self.pid() {
            signal_group(pid, "-CONT");
        }
    }

    /// Starts the server again on the same port with the same data, and waits until it
    /// serves requests.
    pub fn restart(&mut self) -> Result<(), Error> {
        self.stop();
        self.spawn_and_wait()
    }

    /// Leaves the server running after this value is dropped; returns its pid.
    pub fn detach(mut self) -> Option<u32> {
        let pid = self.pid();
        self.process = None;
        self.owns_dir = false;
        pid
    }

    fn spawn_and_wait(&mut self) -> Result<(), Error> {
        self.process = Some(Spawned::start(&self.java_args, &self.dir, self.detached)?);
        if let Err(e) = self.wait_ready() {
            self.stop();
            return Err(e);
        }
        Ok(())
    }

    fn wait_ready(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if !self.is_running() {
                return Err(Error::NotReady(format!(
                    "the server on port {} exited; log {}:\n{}",
                    self.port,
                    self.dir.join("zookeeper.log").display(),
                    log_tail(&self.dir)
                )));
            }
            // `ruok` says `imok` before the server serves requests; `srvr` reports a mode
            // only once it does. ZooKeeperServerMain binds the secure port after that.
            if matches!(four_letter_word(self.port, "ruok").as_deref(), Ok("imok"))
                && four_letter_word(self.port, "srvr").is_ok_and(|s| s.contains("Mode: "))
                && self.secure_port.is_none_or(accepts)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                let secure = match self.secure_port {
                    Some(port) => format!(" (and a listener on secure port {port})"),
                    None => String::new(),
                };
                return Err(Error::NotReady(format!(
                    "no `imok` and `Mode:` from port {}{secure} within {:?}; log:\n{}",
                    self.port,
                    START_TIMEOUT,
                    log_tail(&self.dir)
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Whether a loopback `port` accepts TCP connections.
fn accepts(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

impl Drop for ZkServer {
    fn drop(&mut self) {
        if !self.detached {
            self.stop();
        }
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Starts a fresh server for a test, panicking (so the test fails, never skips) with what to
/// install or set when ZooKeeper is missing.
///
/// # Panics
///
/// When the server cannot be started; the message says why.
#[track_caller]
pub fn start_server() -> ZkServer {
    ZkServer::start().unwrap_or_else(|e| panic!("{e}"))
}

fn write_config(dir: &Path, port: u16, options: &ServerOptions) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Io(format!("creating {}", dir.display()), e))?;
    let mut cfg = common_config(options.tick_ms, &dir.join("data"), port);
    for line in &options.extra_config {
        cfg.push_str(line);
        cfg.push('\n');
    }
    write(&dir.join("zoo.cfg"), &cfg)
}
