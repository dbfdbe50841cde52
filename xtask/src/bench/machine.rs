//! What the whole machine did during a run, from `/proc/stat`: how much of its CPU time was
//! stolen by the hypervisor and how much was idle. On a shared virtual machine the steal moves
//! from second to second and takes the clients' throughput with it, so every run reports it.
//! Also how often the server's threads were switched out (`/proc/PID/task/*/status`): each
//! switch is a hand-off between the server's stages, which costs it CPU.

/// The machine's cumulative CPU time counters (all CPUs, in clock ticks).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CpuTimes {
    total: u64,
    idle: u64,
    steal: u64,
}

impl CpuTimes {
    /// The counters now; zeros where `/proc/stat` cannot be read (then every share is NaN).
    pub(crate) fn now() -> CpuTimes {
        std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| parse(&s))
            .unwrap_or_default()
    }

    /// The shares of the time between `self` and `later` that were stolen and idle, in
    /// percent.
    pub(crate) fn shares_until(&self, later: &CpuTimes) -> Shares {
        let total = later.total.saturating_sub(self.total) as f64;
        let pct = |a: u64, b: u64| 100.0 * b.saturating_sub(a) as f64 / total;
        Shares {
            steal: pct(self.steal, later.steal),
            idle: pct(self.idle, later.idle),
        }
    }
}

/// Shares of the machine's CPU time over a run, in percent of all CPUs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shares {
    /// Taken by the hypervisor for other guests.
    pub(crate) steal: f64,
    /// Idle (and waiting for I/O).
    pub(crate) idle: f64,
}

impl Default for Shares {
    fn default() -> Self {
        Shares {
            steal: f64::NAN,
            idle: f64::NAN,
        }
    }
}

/// Context switches (voluntary and not) of all the threads of process `pid` so far; `None`
/// when it cannot be read.
pub(crate) fn thread_switches(pid: u32) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let Ok(status) = std::fs::read_to_string(task.ok()?.path().join("status")) else {
            continue; // the thread ended meanwhile
        };
        total += switches_in(&status);
    }
    Some(total)
}

/// The sum of the `voluntary_ctxt_switches` and `nonvoluntary_ctxt_switches` lines.
fn switches_in(status: &str) -> u64 {
    status
        .lines()
        .filter(|l| l.contains("ctxt_switches:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}

/// The aggregate `cpu` line of `/proc/stat`: user nice system idle iowait irq softirq steal
/// (guest time is already counted in user).
fn parse(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if v.len() < 8 {
        return None;
    }
    Some(CpuTimes {
        total: v.iter().sum(),
        idle: v[3] + v[4],
        steal: v[7],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steal_and_idle_shares_between_two_samples() {
        let a = parse("cpu  100 0 50 800 0 0 0 50 0 0\ncpu0 1 2 3 4 5 6 7 8\n").unwrap();
        let b = parse("cpu  190 0 80 820 20 0 0 90 0 0\n").unwrap();
        let s = a.shares_until(&b);
        // 200 ticks passed: 40 stolen, 40 idle or waiting.
        assert_eq!(s.steal, 20.0);
        assert_eq!(s.idle, 20.0);
    }

    #[test]
    fn switches_add_both_kinds() {
        let status = "Name:\tjava\nvoluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n";
        assert_eq!(switches_in(status), 127);
        assert!(thread_switches(std::process::id()).is_some());
    }

    #[test]
    fn a_short_or_missing_line_is_refused() {
        assert!(parse("cpu  1 2 3\n").is_none());
        assert!(parse("intr 5\n").is_none());
    }
}
