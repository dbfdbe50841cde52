//! The rows a run prints: the results table (`zk-bench`'s human form and the `--tsv` header
//! and row that `cargo xtask bench client` reads from every client), and the `--watches` row.

use std::time::{Duration, Instant};

use crate::hist::Histogram;
use crate::measure::{Tally, Window};
use crate::procfs::CpuReading;

/// The result of a run.
#[derive(Debug)]
pub struct Report {
    /// The client's name in the tables.
    pub label: String,
    /// The measured window.
    pub elapsed: Duration,
    /// Operations that failed.
    pub errors: u64,
    /// This process's CPU time over the window.
    pub client_cpu: Option<Duration>,
    /// The server's CPU time over the window.
    pub server_cpu: Option<Duration>,
    /// Latency of the operations that succeeded.
    pub hist: Histogram,
}

impl Report {
    /// The header of the human-readable row ([`Report`]'s `Display`).
    pub const HEADER: &'static str = "client         ops      ops/s      p50 µs    p99 µs  \
                                      p99.9 µs  client CPU µs/op  server CPU µs/op  errors";
    /// The header of the tab-separated row ([`Report::tsv`]).
    pub const TSV_HEADER: &'static str = "client\tops\tops_per_s\tp50_us\tp99_us\tp999_us\t\
                                          client_cpu_us_per_op\tserver_cpu_us_per_op\terrors";

    /// The report of lanes that measured `tally` in `window`, with CPU clocks read at its
    /// start and at `end`, where the measurement ended.
    pub fn measured(
        label: String,
        window: &Window,
        tally: Tally,
        cpu: (CpuReading, CpuReading),
        end: Instant,
    ) -> Report {
        Report {
            label,
            elapsed: end.saturating_duration_since(window.start),
            errors: tally.errors,
            client_cpu: cpu_diff(cpu.0.own, cpu.1.own),
            server_cpu: cpu_diff(cpu.0.server, cpu.1.server),
            hist: tally.hist,
        }
    }

    fn ops(&self) -> u64 {
        self.hist.count()
    }

    fn rate(&self) -> f64 {
        self.ops() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn per_op(&self, cpu: Option<Duration>) -> f64 {
        match cpu {
            Some(c) if self.ops() > 0 => c.as_secs_f64() * 1e6 / self.ops() as f64,
            _ => f64::NAN,
        }
    }

    fn us(&self, q: f64) -> f64 {
        self.hist.quantile(q) as f64 / 1000.0
    }

    /// The tab-separated row under [`Report::TSV_HEADER`].
    pub fn tsv(&self) -> String {
        format!(
            "{}\t{}\t{:.1}\t{:.1}\t{:.1}\t{:.1}\t{:.2}\t{:.2}\t{}",
            self.label,
            self.ops(),
            self.rate(),
            self.us(0.5),
            self.us(0.99),
            self.us(0.999),
            self.per_op(self.client_cpu),
            self.per_op(self.server_cpu),
            self.errors
        )
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<12} {:>8} {:>10.0} {:>9.0} {:>9.0} {:>9.0} {:>17.2} {:>17.2} {:>7}",
            self.label,
            self.ops(),
            self.rate(),
            self.us(0.5),
            self.us(0.99),
            self.us(0.999),
            self.per_op(self.client_cpu),
            self.per_op(self.server_cpu),
            self.errors
        )
    }
}

/// CPU time spent between two readings of one clock, when both could be read.
pub fn cpu_diff(before: Option<Duration>, after: Option<Duration>) -> Option<Duration> {
    Some(after?.saturating_sub(before?))
}

/// The `--watches` row: `n` watches registered in `took`, with this process's resident memory
/// `before` and `after` (bytes).
pub fn watch_row(n: usize, before: u64, after: u64, took: Duration) -> String {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let delta = after.saturating_sub(before);
    format!(
        "watches\t{n}\trss_before_mib\t{:.1}\trss_after_mib\t{:.1}\tdelta_mib\t{:.1}\t\
         bytes_per_watch\t{:.0}\tregister_s\t{:.2}",
        mib(before),
        mib(after),
        mib(delta),
        delta as f64 / n.max(1) as f64,
        took.as_secs_f64(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let mut hist = Histogram::default();
        for _ in 0..10 {
            hist.record(100_000);
        }
        let report = Report {
            label: "x".into(),
            elapsed: Duration::from_secs(2),
            errors: 1,
            client_cpu: Some(Duration::from_micros(50)),
            server_cpu: None,
            hist,
        };
        let tsv = report.tsv();
        let fields: Vec<&str> = tsv.split('\t').collect();
        assert_eq!(fields.len(), Report::TSV_HEADER.split('\t').count());
        assert_eq!(&fields[..3], ["x", "10", "5.0"]);
        assert_eq!(&fields[6..], ["5.00", "NaN", "1"]);
        assert!(report.to_string().starts_with("x  "));
        let row = watch_row(2, 1 << 20, 3 << 20, Duration::from_secs(1));
        assert!(
            row.starts_with("watches\t2\trss_before_mib\t1.0\t"),
            "{row}"
        );
        assert!(row.contains("bytes_per_watch\t1048576\t"), "{row}");
        assert_eq!(cpu_diff(Some(Duration::from_secs(1)), None), None);
    }
}
