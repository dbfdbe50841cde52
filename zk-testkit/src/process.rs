//! Process and file plumbing shared by the standalone server and the ensemble: the lifeline
//! wrapper that kills Java when the parent dies, process groups, logs, ports, temporary
//! directories and four-letter words. Linux only: liveness is read from `/proc`.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::Error;

/// Runs Java in the background and a subshell that kills it once the pipe on stdin closes
/// (kept on fd 3: a background job's stdin would be `/dev/null`); waits for Java.
const WRAPPER: &str = r#"exec 3<&0; "$@" </dev/null 3<&- & j=$!; (read _ignored <&3; kill -9 $j 2>/dev/null) & exec 3<&-; wait $j"#;

/// A spawned server process: the lifeline wrapper (or Java itself when detached), leading its
/// own process group.
#[derive(Debug)]
pub(crate) struct Spawned {
    pub(crate) child: Child,
    /// Closing it makes the wrapper kill Java.
    lifeline: Option<ChildStdin>,
}

impl Spawned {
    /// Starts `java_args` in `dir` with its output appended to `dir/zookeeper.log`. Unless
    /// `detached`, Java runs under the wrapper holding the read end of a pipe whose write end
    /// only this process owns: when this process dies, even by `SIGKILL`, the pipe closes and
    /// the wrapper kills Java.
    pub(crate) fn start(java_args: &[OsString], dir: &Path, detached: bool) -> Result<Self, Error> {
        let (log, log2) = open_log(dir)?;
        let mut cmd = if detached {
            let mut c = Command::new(&java_args[0]);
            c.args(&java_args[1..]).stdin(Stdio::null());
            c
        } else {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(WRAPPER)
                .arg("zk-wrapper")
                .args(java_args)
                .stdin(Stdio::piped());
            c
        };
        cmd.stdout(log)
            .stderr(log2)
            .current_dir(dir)
            .process_group(0);
        let mut child = cmd.spawn().map_err(|e| {
            Error::Io(
                format!("spawning {}", Path::new(&java_args[0]).display()),
                e,
            )
        })?;
        let lifeline = child.stdin.take();
        Ok(Spawned { child, lifeline })
    }

    /// Whether the process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the whole process group and reaps the child.
    pub(crate) fn kill(mut self) {
        kill_group(self.child.id());
        drop(self.lifeline.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens `dir/zookeeper.log` for appending, twice (the server's stdout and stderr).
fn open_log(dir: &Path) -> Result<(std::fs::File, std::fs::File), Error> {
    let log_path = dir.join("zookeeper.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| Error::Io(format!("opening {}", log_path.display()), e))?;
    let log2 = log
        .try_clone()
        .map_err(|e| Error::Io("duplicating the log handle".into(), e))?;
    Ok((log, log2))
}

/// Sends a four-letter word (`ruok`, `srvr`, `cons`, ...) to the server on loopback `port`
/// and returns the whole answer. The servers this crate starts allow every word.
pub fn four_letter_word(port: u16, word: &str) -> std::io::Result<String> {
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

/// Waits (at most `within`) until every thread of every process in group `pgid` is stopped
/// (state `T`), so that a paused server runs no code at all once `pause` returns.
pub(crate) fn wait_group_stopped(pgid: u32, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline && !group_stopped(pgid) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether every thread of every process in group `pgid` is stopped (read from `/proc`).
fn group_stopped(pgid: u32) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return true;
    };
    let fields = |stat: &str| -> Option<(char, u32)> {
        let rest = stat.rsplit_once(')')?.1;
        let mut f = rest.split_whitespace();
        let state = f.next()?.chars().next()?;
        let _ppid = f.next()?;
        Some((state, f.next()?.parse().ok()?))
    };
    for proc in procs.flatten() {
        let path = proc.path();
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        if fields(&stat).map(|(_, group)| group) != Some(pgid) {
            continue;
        }
        let Ok(tasks) = std::fs::read_dir(path.join("task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let state = std::fs::read_to_string(task.path().join("stat"))
                .ok()
                .and_then(|s| fields(&s))
                .map(|(state, _)| state);
            if matches!(state, Some(s) if s != 'T' && s != 't' && s != 'Z' && s != 'X') {
                return false;
            }
        }
    }
    true
}

/// Whether process `pid` exists and is not a zombie (read from `/proc`).
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// A loopback port that was free a moment ago.
pub(crate) fn free_port() -> Result<u16, Error> {
    let l = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Io("binding a loopback port".into(), e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::Io("reading the bound port".into(), e))
}

/// A new, empty directory under the system's temporary directory.
pub(crate) fn fresh_temp_dir() -> Result<PathBuf, Error> {
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
        .map_err(|e| Error::Io(format!("creating {}", dir.display()), e))?;
    Ok(dir)
}

/// Writes `text` to `path`.
pub(crate) fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error::Io(format!("writing {}", path.display()), e))
}

/// The `zoo.cfg` lines every server this crate starts shares: loopback only, every
/// four-letter word, no admin server, no fsync, no connection limit.
pub(crate) fn common_config(tick_ms: u32, data: &Path, client_port: u16) -> String {
    format!(
        "tickTime={tick_ms}\n\
         dataDir={data}\n\
         clientPort={client_port}\n\
         clientPortAddress=127.0.0.1\n\
         admin.enableServer=false\n\
         4lw.commands.whitelist=*\n\
         maxClientCnxns=0\n\
         minSessionTimeout={min}\n\
         maxSessionTimeout=60000\n\
         forceSync=no\n\
         autopurge.purgeInterval=0\n",
        data = data.display(),
        min = 2 * tick_ms,
    )
}

/// The right to run a quorum in this process: an [`Ensemble`](crate::Ensemble) or a
/// [`DynamicEnsemble`](crate::DynamicEnsemble) holds one while it lives, so a test process
/// never runs two quorums' JVMs at once (beside its standalone servers), and a failover timed
/// in one test is not starved by another quorum's elections. Taking it waits until the
/// quorum that holds it is dropped.
pub(crate) struct QuorumSlot(());

static QUORUM_TAKEN: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
static QUORUM_FREED: std::sync::Condvar = std::sync::Condvar::new();

impl QuorumSlot {
    /// Waits for the slot and takes it.
    pub(crate) fn take() -> QuorumSlot {
        // A panic while holding the lock leaves the flag itself consistent.
        let mut taken = QUORUM_TAKEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *taken {
            taken = QUORUM_FREED
                .wait(taken)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *taken = true;
        QuorumSlot(())
    }
}

impl Drop for QuorumSlot {
    fn drop(&mut self) {
        *QUORUM_TAKEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = false;
        QUORUM_FREED.notify_one();
    }
}

/// How many sets of picked ports a start tries before giving up.
pub(crate) const PORT_ATTEMPTS: usize = 4;

/// Why a start of servers on picked ports failed.
pub(crate) enum Failure {
    /// A picked port was taken: another try on other ports may work.
    PortTaken(Error),
    /// Anything else.
    Other(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Other(e)
    }
}

/// Runs `start` (which picks its ports afresh) until it succeeds, fails otherwise than on a
/// taken port, or has tried [`PORT_ATTEMPTS`] times.
pub(crate) fn on_free_ports<T>(mut start: impl FnMut() -> Result<T, Failure>) -> Result<T, Error> {
    let mut taken = None;
    for _ in 0..PORT_ATTEMPTS {
        match start() {
            Ok(started) => return Ok(started),
            Err(Failure::PortTaken(e)) => taken = Some(e),
            Err(Failure::Other(e)) => return Err(e),
        }
    }
    Err(taken.unwrap_or_else(|| Error::NotReady("no attempt was made".into())))
}

/// The outcome of waiting for servers after their first start: a taken port when `taken`
/// holds (another try on other ports may work), else what the wait gave.
pub(crate) fn after_start(
    waited: Result<(), Error>,
    taken: bool,
    logs: impl FnOnce() -> String,
) -> Result<(), Failure> {
    if taken {
        return Err(Failure::PortTaken(Error::NotReady(format!(
            "a picked port was taken; logs:\n{}",
            logs()
        ))));
    }
    waited.map_err(Failure::Other)
}

/// Whether the server logging in `dir` found a port it was given taken (a `BindException`):
/// ports are picked by binding port 0 and letting go, and another process can take one
/// before Java binds it.
pub(crate) fn port_taken(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("zookeeper.log"))
        .is_ok_and(|log| log.contains("Address already in use"))
}

/// The last lines of the server log in `dir`, for error messages.
pub(crate) fn log_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("zookeeper.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(25);
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(what: &str) -> Error {
        Error::NotReady(what.into())
    }

    #[test]
    fn a_taken_port_is_tried_again_until_a_start_works() {
        let mut tries = 0;
        let started = on_free_ports(|| {
            tries += 1;
            match tries {
                1 | 2 => Err(Failure::PortTaken(refused("taken"))),
                _ => Ok(tries),
            }
        });
        assert_eq!(started.ok(), Some(3));
    }

    #[test]
    fn any_other_failure_ends_the_tries_at_once() {
        let mut tries = 0;
        let started: Result<(), Error> = on_free_ports(|| {
            tries += 1;
            Err(Failure::Other(refused("no java")))
        });
        assert_eq!(tries, 1);
        assert_eq!(
            started.unwrap_err().to_string(),
            "ZooKeeper did not start: no java"
        );
    }

    #[test]
    fn ports_taken_every_time_give_the_last_error_after_every_attempt() {
        let mut tries = 0;
        let started: Result<(), Error> = on_free_ports(|| {
            tries += 1;
            Err(Failure::PortTaken(refused(&format!("taken {tries}"))))
        });
        assert_eq!(tries, PORT_ATTEMPTS);
        assert!(started
            .unwrap_err()
            .to_string()
            .ends_with(&format!("taken {PORT_ATTEMPTS}")));
    }

    #[test]
    fn a_taken_port_outweighs_what_the_wait_gave() {
        let taken = after_start(Err(refused("no leader")), true, || "the log".into());
        match taken {
            Err(Failure::PortTaken(e)) => assert!(e.to_string().ends_with("logs:\nthe log")),
            _ => panic!("expected PortTaken"),
        }
        let other = after_start(Err(refused("no leader")), false, String::new);
        assert!(matches!(other, Err(Failure::Other(e)) if e.to_string().ends_with("no leader")));
        assert!(after_start(Ok(()), false, String::new).is_ok());
    }

    #[test]
    fn a_bind_exception_in_the_log_is_a_taken_port() {
        let dir = fresh_temp_dir().unwrap();
        assert!(!port_taken(&dir), "no log yet");
        write(
            &dir.join("zookeeper.log"),
            "INFO binding to port 0.0.0.0/0.0.0.0:2181\n",
        )
        .unwrap();
        assert!(!port_taken(&dir));
        write(
            &dir.join("zookeeper.log"),
            "ERROR Unexpected exception, exiting abnormally\n\
             java.net.BindException: Address already in use\n",
        )
        .unwrap();
        assert!(port_taken(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
