//! Open loop: the arrival process that starts operations at a fixed rate, and how a slot
//! finds a lane. A slot goes to an idle lane (woken through its own channel); with every lane
//! busy it waits, and the next lane to finish takes it (its latency counts from the scheduled
//! time).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use tokio::sync::mpsc;
use zk_bench_harness::pace::Pacer;

/// What the dispatcher thread and the lanes share.
#[derive(Default)]
pub(crate) struct Arrivals {
    queues: Mutex<Queues>,
}

#[derive(Default)]
struct Queues {
    /// Lanes (by number) waiting on their channel.
    idle: Vec<usize>,
    /// Slots no lane was free for, oldest first.
    late: VecDeque<Instant>,
}

/// One lane's side: its number and the channel the dispatcher wakes it through.
pub(crate) type Slots = (usize, mpsc::UnboundedReceiver<Instant>);

impl Arrivals {
    /// The start time of `lane`'s next operation: a slot that waited for a free lane, or else
    /// the next one the dispatcher sends; `None` once the dispatcher has stopped.
    pub(crate) async fn next(&self, slots: &mut Slots) -> Option<Instant> {
        let (lane, rx) = slots;
        let late = {
            let mut q = self.queues.lock().ok()?;
            let late = q.late.pop_front();
            if late.is_none() {
                q.idle.push(*lane);
            }
            late
        };
        match late {
            Some(start) => Some(start),
            None => rx.recv().await,
        }
    }

    /// The arrival process (a thread, as in the Java and Python harnesses, so start times are
    /// as precise as the OS sleeps rather than tokio's millisecond timer): hands each slot's
    /// start time ([`Pacer::next_start`]) to an idle lane until `stop` is set. When every lane is
    /// busy, slots queue here and their latency counts from the scheduled time.
    ///
    /// Each lane has its own channel, so a slot wakes exactly the lane that runs it (lanes
    /// sharing one receiver behind an async mutex cost a second task wake-up per slot: the
    /// mutex's next waiter).
    pub(crate) fn dispatch(
        &self,
        lanes: Vec<mpsc::UnboundedSender<Instant>>,
        mut pacer: Pacer,
        stop: &AtomicBool,
    ) {
        while !stop.load(Ordering::Relaxed) {
            let start = pacer.next_start();
            let idle = match self.queues.lock() {
                Ok(mut q) => {
                    let lane = q.idle.pop();
                    if lane.is_none() {
                        q.late.push_back(start);
                    }
                    lane
                }
                Err(_) => break,
            };
            if let Some(tx) = idle.and_then(|lane| lanes.get(lane)) {
                if tx.send(start).is_err() {
                    break;
                }
            }
        }
        // Dropping the senders ends the lanes that wait for a slot.
    }
}
