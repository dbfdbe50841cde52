//! The measured window of a run (a warm-up, then a duration or a count of operations) and what
//! a lane tallies in it: the accounting every lane of `zk-bench` and of the peers applies to
//! each finished operation.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use crate::hist::Histogram;

/// When operations count, and when the lanes stop.
#[derive(Debug)]
pub struct Window {
    /// Operations started before this are warm-up.
    pub start: Instant,
    /// Duration mode: operations finishing after this are not counted, and lanes stop.
    pub end: Option<Instant>,
    /// Count mode: operations still to measure.
    remaining: Option<AtomicI64>,
    stop: AtomicBool,
}

impl Window {
    /// A window opening `warmup` after `now`, lasting `duration`, or `count` operations when
    /// given.
    pub fn new(now: Instant, warmup: Duration, duration: Duration, count: Option<u64>) -> Window {
        let start = now + warmup;
        Window {
            start,
            end: count.is_none().then(|| start + duration),
            remaining: count.map(|c| AtomicI64::new(i64::try_from(c).unwrap_or(i64::MAX))),
            stop: AtomicBool::new(false),
        }
    }

    /// Whether lanes must stop.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Tells the lanes to stop.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Accounts one operation started at `start` and finished now: its latency or its error
    /// goes into `tally` when it falls in the window. `false` when the lane must stop (past
    /// the end, or the count reached).
    pub fn finish(&self, tally: &mut Tally, start: Instant, outcome: Result<(), String>) -> bool {
        let done = Instant::now();
        if self.end.is_some_and(|end| done > end) {
            return false;
        }
        if start < self.start {
            return true;
        }
        if let Some(remaining) = &self.remaining {
            if remaining.fetch_sub(1, Ordering::Relaxed) <= 0 {
                self.stop();
                return false;
            }
        }
        match outcome {
            Ok(()) => {
                tally
                    .hist
                    .record(done.duration_since(start).as_nanos() as u64);
                tally.last_done = tally.last_done.max(Some(done));
            }
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(e);
            }
        }
        true
    }

    /// Where the measurement ended: the window's end, or in count mode the last completion
    /// (now when nothing completed).
    pub fn end_for(&self, tally: &Tally) -> Instant {
        self.end.or(tally.last_done).unwrap_or_else(Instant::now)
    }
}

/// What one lane (or all of them, merged) measured.
#[derive(Debug, Default)]
pub struct Tally {
    /// Latency of the operations that succeeded.
    pub hist: Histogram,
    /// Operations that failed.
    pub errors: u64,
    /// The first failure's message.
    pub first_error: Option<String>,
    /// When the last successful operation finished.
    pub last_done: Option<Instant>,
}

impl Tally {
    /// Adds another lane's tally.
    pub fn merge(&mut self, other: Tally) {
        self.hist.merge(&other.hist);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.last_done = self.last_done.max(other.last_done);
    }

    /// A line saying how many operations failed and the first failure, when any did.
    pub fn failures(&self) -> Option<String> {
        let first = self.first_error.as_deref()?;
        Some(format!(
            "{} operations failed; the first: {first}",
            self.errors
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_is_not_counted_and_the_count_stops_the_lanes() {
        let now = Instant::now();
        let window = Window::new(now, Duration::ZERO, Duration::ZERO, Some(2));
        assert_eq!(window.end, None);
        let mut tally = Tally::default();
        let early = now - Duration::from_millis(1);
        assert!(window.finish(&mut tally, early, Ok(())));
        assert_eq!(tally.hist.count(), 0);
        assert!(window.finish(&mut tally, now, Ok(())));
        assert!(window.finish(&mut tally, now, Err("boom".into())));
        assert!(!window.finish(&mut tally, now, Ok(())));
        assert!(window.stopped());
        assert_eq!((tally.hist.count(), tally.errors), (1, 1));
        assert_eq!(
            tally.failures().as_deref(),
            Some("1 operations failed; the first: boom")
        );
        assert_eq!(window.end_for(&tally), tally.last_done.unwrap());
    }

    #[test]
    fn operations_finishing_after_the_end_stop_the_lane() {
        let now = Instant::now() - Duration::from_secs(2);
        let window = Window::new(now, Duration::ZERO, Duration::from_secs(1), None);
        let mut tally = Tally::default();
        assert!(!window.finish(&mut tally, now, Ok(())));
        assert_eq!(tally.hist.count(), 0);
        tally.merge(Tally {
            errors: 2,
            first_error: Some("x".into()),
            ..Tally::default()
        });
        assert_eq!(tally.errors, 2);
        assert_eq!(window.end_for(&tally), now + Duration::from_secs(1));
    }
}
