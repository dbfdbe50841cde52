//! Where `cargo xtask bench client` runs things: the server on the first half of the
//! machine's CPUs, the clients on the rest (`taskset`).
//!
//! Left to the scheduler on a 2-CPU machine, ZooKeeper's request threads (selector, worker,
//! throttler, prep, sync) spread over both CPUs whenever the client leaves one idle, and each
//! hand-off then wakes a thread on the other CPU: the server's CPU per request swings by 2x
//! from second to second, and a client that keeps the second CPU busy (even a `nice 19` busy
//! loop beside it) makes the server faster. Confined, the server pays the same for every
//! client, and the comparison measures what the clients do (BENCHMARKS.md, "Why the
//! benchmark pins the server").

use std::ffi::OsStr;
use std::process::Command;

use super::tools::output;

/// The two sets of CPUs, as `taskset -c` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CpuSplit {
    pub(crate) server: String,
    pub(crate) clients: String,
}

impl CpuSplit {
    /// This machine's CPUs split in two; `None` with fewer than two.
    pub(crate) fn of_this_machine() -> Option<CpuSplit> {
        CpuSplit::for_cpus(std::thread::available_parallelism().ok()?.get())
    }

    /// CPUs `0..n` split: the first half (rounded down) for the server.
    fn for_cpus(n: usize) -> Option<CpuSplit> {
        if n < 2 {
            return None;
        }
        let half = n / 2;
        Some(CpuSplit {
            server: list(0, half - 1),
            clients: list(half, n - 1),
        })
    }

    /// Confines every thread of process `pid` to the server's CPUs (threads it starts later
    /// inherit that).
    pub(crate) fn pin_server(&self, pid: u32) -> Result<(), String> {
        output(Command::new("taskset").args(["-a", "-p", "-c", &self.server, &pid.to_string()]))
            .map(drop)
            .map_err(|e| format!("{e}\n(`taskset` is in util-linux; or run with --no-pin)"))
    }

    /// A command running `program` on the clients' CPUs.
    pub(crate) fn client(&self, program: &OsStr) -> Command {
        let mut c = Command::new("taskset");
        c.args(["-c", &self.clients]).arg(program);
        c
    }
}

/// CPUs `lo` to `hi` as a `taskset -c` list.
fn list(lo: usize, hi: usize) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves() {
        assert_eq!(CpuSplit::for_cpus(1), None);
        let two = CpuSplit::for_cpus(2).unwrap();
        assert_eq!((two.server.as_str(), two.clients.as_str()), ("0", "1"));
        let three = CpuSplit::for_cpus(3).unwrap();
        assert_eq!(
            (three.server.as_str(), three.clients.as_str()),
            ("0", "1-2")
        );
        let eight = CpuSplit::for_cpus(8).unwrap();
        assert_eq!(
            (eight.server.as_str(), eight.clients.as_str()),
            ("0-3", "4-7")
        );
    }

    #[test]
    fn clients_run_under_taskset() {
        let c = CpuSplit::for_cpus(2)
            .unwrap()
            .client(OsStr::new("zk-bench"));
        assert_eq!(c.get_program(), "taskset");
        let args: Vec<_> = c.get_args().collect();
        assert_eq!(args, ["-c", "1", "zk-bench"]);
    }
}
