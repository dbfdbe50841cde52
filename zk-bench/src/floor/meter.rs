//! What a floor measures: the window (warm-up, then a duration or a count), the latency and
//! errors of the operations in it, and the CPU time of this process and of the server over it.

use std::time::Instant;

use zk_bench_harness::hist::Histogram;
use zk_bench_harness::procfs::CpuReading;
use zk_bench_harness::report::{cpu_diff, Report};

/// The measured window: from `start` to `end` (duration mode) or for `count` operations.
pub(super) struct Window {
    pub(super) start: Instant,
    pub(super) end: Option<Instant>,
    pub(super) count: Option<u64>,
}

/// CPU times read at one instant.
#[derive(Clone, Copy)]
struct CpuSample {
    at: Instant,
    cpu: CpuReading,
}

/// Latency, errors and CPU time over the window.
pub(super) struct Meter {
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
    pub(super) fn new(window: Window, server_pid: Option<u32>) -> Self {
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
            cpu: CpuReading::now(self.server_pid),
        }
    }

    /// Called with each slot's start before its operation is measured: says whether the run
    /// has ended. Also starts the CPU clock at the window's first slot and stops it at the
    /// end.
    pub(super) fn ended(&mut self, start: Instant) -> bool {
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
    pub(super) fn record(&mut self, start: Instant, ok: bool) {
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
    pub(super) fn report(self, label: String) -> Report {
        let none = CpuSample {
            at: self.window.start,
            cpu: CpuReading {
                own: None,
                server: None,
            },
        };
        let c0 = self.cpu0.unwrap_or(none);
        let c1 = self.cpu1.unwrap_or(CpuSample { at: c0.at, ..none });
        Report {
            label,
            elapsed: c1.at.saturating_duration_since(c0.at),
            errors: self.errors,
            client_cpu: cpu_diff(c0.cpu.own, c1.cpu.own),
            server_cpu: cpu_diff(c0.cpu.server, c1.cpu.server),
            hist: self.hist,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
}
