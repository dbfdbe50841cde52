//! Starts and stops a real Apache ZooKeeper (3.8, Debian package `zookeeper`) standalone server
//! on a free loopback port, for tests and for `cargo xtask zk`.
//!
//! Standard library only, so the same file is compiled into the integration tests and into
//! `xtask` (via `#[path]`). Linux only: liveness is read from `/proc`.
//!
//! A test server is started through a small `sh` wrapper that holds the read end of a pipe whose
//! write end only this process owns: when the test process dies, even by `SIGKILL`, the pipe
//! closes and the wrapper kills Java. [`ZkServer`]'s `Drop` kills the whole process group too,
//! so a panicking test never leaves a server behind.
#![allow(dead_code)] // Each test binary and xtask use a different subset.

use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The classpath's main jar, from the Debian package.
const DEFAULT_JAR: &str = "/usr/share/java/zookeeper.jar";
/// Logging bindings to put on the classpath, best first (the jar's manifest brings the rest).
pub(crate) const LOG_BINDINGS: &[&str] = &[
    "/usr/share/java/slf4j-simple.jar",
    "/usr/share/java/slf4j-nop.jar",
];
const INSTALL_HINT: &str =
    "install the ZooKeeper server with `apt-get install -y zookeeper` (it brings Java)";
/// Runs Java in the background and a subshell that kills it once the pipe on stdin closes
/// (kept on fd 3: a background job's stdin would be `/dev/null`); waits for Java.
pub(crate) const WRAPPER: &str = r#"exec 3<&0; "$@" </dev/null 3<&- & j=$!; (read _ignored <&3; kill -9 $j 2>/dev/null) & exec 3<&-; wait $j"#;
/// The port `cargo xtask zk start` uses unless told otherwise.
pub(crate) const DEFAULT_XTASK_PORT: u16 = 2181;
/// How long a server may take to start serving.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a server could not be started or stopped.
#[derive(Debug)]
pub(crate) enum HarnessError {
    /// Java or the ZooKeeper jar is not installed.
    Missing(String),
    /// An I/O error while preparing or spawning.
    Io(String, std::io::Error),
    /// The server exited or did not answer in time; carries the log's tail.
    NotReady(String),
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::Missing(what) => write!(f, "{what} not found: {INSTALL_HINT}"),
            HarnessError::Io(what, e) => write!(f, "{what}: {e}"),
            HarnessError::NotReady(msg) => write!(f, "ZooKeeper did not start: {msg}"),
        }
    }
}

impl std::error::Error for HarnessError {}

/// How to start a server.
#[derive(Debug, Clone)]
pub(crate) struct ServerOptions {
    /// Client port; `None` picks a free one.
    pub(crate) port: Option<u16>,
    /// Data directory; `None` makes a fresh temporary one, removed on drop.
    pub(crate) dir: Option<PathBuf>,
    /// Milliseconds per tick (sessions time out between 2 and 120 ticks).
    pub(crate) tick_ms: u32,
    /// Extra `zoo.cfg` lines.
    pub(crate) extra_config: Vec<String>,
    /// Leave the server running after this process exits (for `cargo xtask zk start`).
    pub(crate) detached: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            port: None,
            dir: None,
            tick_ms: 500,
            extra_config: Vec::new(),
            detached: false,
        }
    }
}

/// A running (or stopped, restartable) ZooKeeper server.
pub(crate) struct ZkServer {
    port: u16,
    dir: PathBuf,
    owns_dir: bool,
    detached: bool,
    process: Option<Running>,
}

struct Running {
    child: Child,
    /// Closing it makes the wrapper kill Java.
    lifeline: Option<ChildStdin>,
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
    pub(crate) fn start() -> Result<ZkServer, HarnessError> {
        ZkServer::start_with(ServerOptions::default())
    }

    /// Starts a server as `options` say, and waits until it serves requests.
    pub(crate) fn start_with(options: ServerOptions) -> Result<ZkServer, HarnessError> {
        check_installed()?;
        let (dir, owns_dir) = match &options.dir {
            Some(d) => (d.clone(), false),
            None => (fresh_temp_dir()?, true),
        };
        let fixed_port = options.port;
        let mut last_err = None;
        // A picked port can be taken by someone else before Java binds it: retry with another.
        for _ in 0..5 {
            let port = match fixed_port {
                Some(p) => p,
                None => free_port()?,
            };
            let mut server = ZkServer {
                port,
                dir: dir.clone(),
                owns_dir,
                detached: options.detached,
                process: None,
            };
            write_config(&dir, port, &options)?;
            match server.spawn_and_wait() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    server.owns_dir = false; // keep the directory for the next attempt
                    let retry = fixed_port.is_none() && log_tail(&dir).contains("already in use");
                    last_err = Some(e);
                    if !retry {
                        break;
                    }
                }
            }
        }
        if owns_dir {
            let _ = std::fs::remove_dir_all(&dir);
        }
        Err(last_err.unwrap_or_else(|| HarnessError::NotReady("no attempt was made".into())))
    }

    /// The client port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The client address.
    pub(crate) fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `127.0.0.1:PORT`, a connect string for this server.
    pub(crate) fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The data directory (also holds `zoo.cfg` and `zookeeper.log`).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The process id of the Java server or its wrapper, while running.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|p| p.child.id())
    }

    /// Whether the server process is alive.
    pub(crate) fn is_running(&mut self) -> bool {
        match &mut self.process {
            Some(p) => matches!(p.child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the server abruptly (like a crash), keeping its data for [`ZkServer::restart`].
    pub(crate) fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            kill_group(p.child.id());
            drop(p.lifeline.take());
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }

    /// Freezes the server (`SIGSTOP` to its process group): connections stay open but
    /// nothing is answered, like a hung machine.
    pub(crate) fn pause(&self) {
        if let Some(pid) = self.pid() {
            signal_group(pid, "-STOP");
        }
    }

    /// Resumes a paused server (`SIGCONT`).
    pub(crate) fn resume(&self) {
        if let Some(pid) = self.pid() {
            signal_group(pid, "-CONT");
        }
    }

    /// Starts the server again on the same port with the same data.
    pub(crate) fn restart(&mut self) -> Result<(), HarnessError> {
        self.stop();
        self.spawn_and_wait()
    }

    /// Leaves the server running after this value is dropped; returns its pid.
    pub(crate) fn detach(mut self) -> Option<u32> {
        let pid = self.pid();
        self.process = None;
        self.owns_dir = false;
        pid
    }

    fn spawn_and_wait(&mut self) -> Result<(), HarnessError> {
        let (log, log2) = open_log(&self.dir)?;
        let java_args = java_command(&self.dir.join("zoo.cfg"))?;
        let mut cmd = if self.detached {
            let mut c = Command::new(&java_args[0]);
            c.args(&java_args[1..]).stdin(Stdio::null());
            c
        } else {
            // The wrapper: Java in the background; a subshell that kills it once our end of
            // stdin closes (drop, or death of this process); the shell waits for Java.
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(WRAPPER)
                .arg("zk-wrapper")
                .args(&java_args)
                .stdin(Stdio::piped());
            c
        };
        cmd.stdout(log)
            .stderr(log2)
            .current_dir(&self.dir)
            .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| HarnessError::Io(format!("spawning {}", java_args[0]), e))?;
        let lifeline = child.stdin.take();
        self.process = Some(Running { child, lifeline });
        if let Err(e) = self.wait_ready() {
            self.stop();
            return Err(e);
        }
        Ok(())
    }

    fn wait_ready(&mut self) -> Result<(), HarnessError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if !self.is_running() {
                return Err(HarnessError::NotReady(format!(
                    "the server on port {} exited; log {}:\n{}",
                    self.port,
                    self.dir.join("zookeeper.log").display(),
                    log_tail(&self.dir)
                )));
            }
            // `ruok` says `imok` before the server serves requests; `srvr` reports a mode
            // only once it does.
            if matches!(four_letter_word(self.port, "ruok").as_deref(), Ok("imok"))
                && four_letter_word(self.port, "srvr").is_ok_and(|s| s.contains("Mode: "))
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(HarnessError::NotReady(format!(
                    "no `imok` and `Mode:` from port {} within {:?}; log:\n{}",
                    self.port,
                    START_TIMEOUT,
                    log_tail(&self.dir)
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
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

/// Sends a four-letter command (`ruok`, `stat`, `cons`, ...) and returns the whole answer.
/// Opens `dir/zookeeper.log` for appending, twice (the server's stdout and stderr).
pub(crate) fn open_log(dir: &Path) -> Result<(std::fs::File, std::fs::File), HarnessError> {
    let log_path = dir.join("zookeeper.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| HarnessError::Io(format!("opening {}", log_path.display()), e))?;
    let log2 = log
        .try_clone()
        .map_err(|e| HarnessError::Io("duplicating the log handle".into(), e))?;
    Ok((log, log2))
}

pub(crate) fn four_letter_word(port: u16, word: &str) -> std::io::Result<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(word.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// Kills a process group by its leader's pid (best effort, through `kill(1)`).
pub(crate) fn kill_group(pgid: u32) {
    signal_group(pgid, "-KILL");
}

/// Sends a signal (`-KILL`, `-STOP`, ...) to a process group (best effort).
pub(crate) fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// Whether a process exists and is not a zombie.
pub(crate) fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
            .unwrap_or(false),
        Err(_) => false,
    }
}

pub(crate) fn java_binary() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let p = PathBuf::from(home).join("bin/java");
        if p.is_file() {
            return Some(p);
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("java"))
        .find(|p| p.is_file())
}

pub(crate) fn zookeeper_jar() -> PathBuf {
    std::env::var_os("ZOOKEEPER_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_JAR))
}

pub(crate) fn check_installed() -> Result<(), HarnessError> {
    if java_binary().is_none() {
        return Err(HarnessError::Missing(
            "java (in $JAVA_HOME/bin or $PATH)".into(),
        ));
    }
    let jar = zookeeper_jar();
    if !jar.is_file() {
        return Err(HarnessError::Missing(format!("{}", jar.display())));
    }
    Ok(())
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
        // Small and quick to start: this is a test server on a shared machine.
        "-Xmx256m".into(),
        "-XX:+UseSerialGC".into(),
        "-XX:TieredStopAtLevel=1".into(),
        "-Xshare:auto".into(),
        // TTL nodes need the extended types.
        "-Dzookeeper.extendedTypesEnabled=true".into(),
        "-Dzookeeper.admin.enableServer=false".into(),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info".into(),
        "-Dorg.slf4j.simpleLogger.showDateTime=true".into(),
        "-cp".into(),
        classpath,
        "org.apache.zookeeper.server.ZooKeeperServerMain".into(),
        config.display().to_string(),
    ])
}

fn write_config(dir: &Path, port: u16, options: &ServerOptions) -> Result<(), HarnessError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| HarnessError::Io(format!("creating {}", dir.display()), e))?;
    let data = dir.join("data");
    let mut cfg = format!(
        "tickTime={tick}\n\
         dataDir={data}\n\
         clientPort={port}\n\
         clientPortAddress=127.0.0.1\n\
         admin.enableServer=false\n\
         4lw.commands.whitelist=*\n\
         maxClientCnxns=0\n\
         minSessionTimeout={min}\n\
         maxSessionTimeout=60000\n\
         forceSync=no\n\
         autopurge.purgeInterval=0\n",
        tick = options.tick_ms,
        data = data.display(),
        min = 2 * options.tick_ms,
    );
    for line in &options.extra_config {
        cfg.push_str(line);
        cfg.push('\n');
    }
    let path = dir.join("zoo.cfg");
    std::fs::write(&path, cfg)
        .map_err(|e| HarnessError::Io(format!("writing {}", path.display()), e))
}

pub(crate) fn free_port() -> Result<u16, HarnessError> {
    let l = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| HarnessError::Io("binding a loopback port".into(), e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| HarnessError::Io("reading the bound port".into(), e))
}

pub(crate) fn fresh_temp_dir() -> Result<PathBuf, HarnessError> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "zk-test-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)
        .map_err(|e| HarnessError::Io(format!("creating {}", dir.display()), e))?;
    Ok(dir)
}

/// The last lines of the server log, for error messages.
pub(crate) fn log_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("zookeeper.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(25);
    lines[start..].join("\n")
}
