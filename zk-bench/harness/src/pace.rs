//! The open-loop arrival process: slots at a fixed rate, shared by the workload's dispatcher
//! thread and the floors, so both start their operations at the same times.

use std::time::{Duration, Instant};

/// Slots every `1 / rate` seconds from a first instant, slept for on the calling thread (as
/// precise as the OS sleeps, unlike an async runtime's millisecond timer).
pub struct Pacer {
    first: std::time::Instant,
    interval: Duration,
    k: u64,
}

impl Pacer {
    /// Slots at `rate` per second from `first`; an error for a rate that is not a positive
    /// finite number or gives no representable interval.
    pub fn new(first: Instant, rate: f64) -> Result<Self, String> {
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
    pub fn next_start(&mut self) -> Instant {
        let slot = self.first + self.interval.mul_f64(self.k as f64);
        self.k += 1;
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
            Instant::now()
        } else {
            slot
        }
    }
}

/// The time between slots at `rate` per second.
pub fn interval(rate: f64) -> Result<Duration, String> {
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
        let first = Instant::now() - Duration::from_secs(1);
        let mut pacer = Pacer::new(first, 10.0).unwrap();
        let a = pacer.next_start();
        let b = pacer.next_start();
        assert_eq!(a, first);
        assert_eq!(b, first + Duration::from_millis(100));
    }

    #[test]
    fn a_slot_not_yet_due_starts_at_the_wake_up() {
        let first = Instant::now() + Duration::from_millis(20);
        let mut pacer = Pacer::new(first, 1000.0).unwrap();
        let start = pacer.next_start();
        assert!(start >= first);
    }
}
