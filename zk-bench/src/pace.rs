//! The open-loop arrival process: slots at a fixed rate, shared by the workload's dispatcher
//! thread and the floors, so both start their operations at the same times.

use std::time::Duration;

use tokio::time::Instant;

/// Slots every `1 / rate` seconds from a first instant, slept for on the calling thread (as
/// precise as the OS sleeps, unlike tokio's millisecond timer).
pub(crate) struct Pacer {
    first: std::time::Instant,
    interval: Duration,
    k: u64,
}

impl Pacer {
    /// Slots at `rate` per second from `first`; an error for a rate that is not a positive
    /// finite number or gives no representable interval.
    pub(crate) fn new(first: std::time::Instant, rate: f64) -> Result<Self, String> {
        let interval = interval(rate)?;
        Ok(Self {
            first,
            interval,
            k: 0,
        })
    }

    /// Sleeps until the next slot and returns the operation's start time: the wake-up for a
    /// slot not yet due (timer lateness is the load generator's, not the client's), the
    /// scheduled time for one already past (queueing then shows in the latency).
    pub(crate) fn next(&mut self) -> Instant {
        let slot = self.first + self.interval.mul_f64(self.k as f64);
        self.k += 1;
        let now = std::time::Instant::now();
        Instant::from_std(if slot > now {
            std::thread::sleep(slot - now);
            std::time::Instant::now()
        } else {
            slot
        })
    }
}

/// The time between slots at `rate` per second.
pub(crate) fn interval(rate: f64) -> Result<Duration, String> {
    if !(rate.is_finite() && rate > 0.0) {
        return Err(format!("--rate must be a positive number, not {rate}"));
    }
    Duration::try_from_secs_f64(1.0 / rate).map_err(|_| format!("--rate {rate:e} is too small"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_that_give_no_interval_are_refused() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-300] {
            assert!(interval(bad).is_err(), "{bad}");
        }
        assert_eq!(interval(4000.0), Ok(Duration::from_micros(250)));
    }

    #[test]
    fn late_slots_keep_their_scheduled_time() {
        let first = std::time::Instant::now() - Duration::from_secs(1);
        let mut pacer = Pacer::new(first, 10.0).unwrap();
        let a = pacer.next();
        let b = pacer.next();
        assert_eq!(a.into_std(), first);
        assert_eq!(b.into_std(), first + Duration::from_millis(100));
    }

    #[test]
    fn a_slot_not_yet_due_starts_at_the_wake_up() {
        let first = std::time::Instant::now() + Duration::from_millis(20);
        let mut pacer = Pacer::new(first, 1000.0).unwrap();
        let start = pacer.next();
        assert!(start.into_std() >= first);
    }
}
