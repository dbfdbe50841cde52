//! Reading `/proc` without libc: CPU time of a process (utime + stime), resident memory, and
//! finding the Java server below a launcher's process.

use std::time::Duration;

/// Clock ticks per second in `/proc/*/stat` (`USER_HZ`, 100 on every Linux ABI we run on).
const USER_HZ: u64 = 100;

/// The fields after the parenthesised command name of `/proc/PID/stat` (the name may hold
/// spaces and parentheses, so split at the last `)`), and the name.
fn stat_fields(pid: &str) -> Option<(String, Vec<String>)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = text.find('(')?;
    let (head, rest) = text.rsplit_once(')')?;
    let comm = head.get(open + 1..)?.to_owned();
    Some((comm, rest.split_whitespace().map(str::to_owned).collect()))
}

/// User plus system CPU time consumed so far by process `pid` (`"self"` for this one), all
/// threads included.
pub fn cpu_time(pid: &str) -> Option<Duration> {
    let (_, fields) = stat_fields(pid)?;
    // After the name: state(0) ppid(1) ... utime(11) stime(12), i.e. fields 14 and 15 of stat.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
}

/// A memory field of this process's `/proc/self/status` in bytes: `"VmRSS"` (resident now),
/// `"VmHWM"` (the resident peak), ...
pub fn status_bytes(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Resident set size of this process in bytes (`VmRSS` of `/proc/self/status`).
pub fn rss_bytes() -> Option<u64> {
    status_bytes("VmRSS")
}

/// Resident memory now, or an error that says what could not be read.
pub fn rss() -> Result<u64, String> {
    rss_bytes().ok_or_else(|| "cannot read VmRSS from /proc/self/status".to_owned())
}

/// CPU time of this process and of the server, read at one instant.
#[derive(Debug, Clone, Copy)]
pub struct CpuReading {
    /// This process.
    pub own: Option<Duration>,
    /// The server, when its pid is known.
    pub server: Option<Duration>,
}

impl CpuReading {
    /// Reads both clocks now.
    pub fn now(server_pid: Option<u32>) -> CpuReading {
        CpuReading {
            own: cpu_time("self"),
            server: server_pid.and_then(|p| cpu_time(&p.to_string())),
        }
    }
}

/// The first process named `java` among `root` and its descendants (the test launcher runs
/// Java under an `sh` wrapper).
pub fn find_java(root: u32) -> Option<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if let Some((comm, fields)) = stat_fields(&pid.to_string()) {
            let ppid = fields
                .get(1)
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0);
            parents.push((pid, ppid, comm));
        }
    }
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        if parents
            .iter()
            .any(|(pid, _, comm)| *pid == p && comm == "java")
        {
            return Some(p);
        }
        frontier.extend(
            parents
                .iter()
                .filter(|(_, ppid, _)| *ppid == p)
                .map(|(pid, _, _)| *pid),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_process() {
        assert!(cpu_time("self").is_some());
        assert!(rss_bytes().is_some_and(|r| r > 0));
        assert!(status_bytes("VmHWM").is_some_and(|p| p >= 1024));
        assert_eq!(status_bytes("NoSuchField"), None);
        assert_eq!(find_java(std::process::id()), None);
    }
}
