//! One-shot watch delivery without an allocation per watch: a client's one-shot watchers share
//! one table of slots ([`Slots`]); the registry's entry holds the sending end of a slot
//! ([`SlotSender`]), the user's `OneshotWatcher` the receiving end ([`SlotReceiver`]).
//!
//! Why not a `tokio::sync::oneshot` per watch: each is a ~100-byte allocation that lives as
//! long as the watch, and such allocations, made among the requests' short-lived ones, pin
//! freed heap memory around them: with 100,000 watches the process grew by about 12 MiB more
//! than the live bytes. A slot lives in one growing table instead.

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::watched_event::WatchedEvent;

/// The one-shot watch slots of a client, shared by its handles and its session.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    slots: Vec<Slot>,
    /// Indices of free slots.
    free: Vec<u32>,
}

/// A slot's state; `Free` once both ends are done with it.
#[derive(Debug)]
enum Slot {
    Free,
    /// Both ends alive, no event yet; the receiver's waker once it waits.
    Waiting(Option<Waker>),
    /// The sender went away without an event: the receiver sees the watch end.
    SenderGone,
    /// The receiver went away: the sender sees the watch as closed.
    ReceiverGone,
    /// The event, for the receiver to take (the sender is done).
    Delivered(WatchedEvent),
}

impl Slots {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // A panic while holding the lock leaves the table consistent (every update is one
        // assignment), so a poisoned lock is used as it is.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new slot: its two ends.
    pub(crate) fn open(self: &Arc<Self>) -> (SlotSender, SlotReceiver) {
        let mut t = self.lock();
        let index = match t.free.pop() {
            Some(i) => i,
            None => {
                t.slots.push(Slot::Free);
                (t.slots.len() - 1) as u32
            }
        };
        if let Some(slot) = t.slots.get_mut(index as usize) {
            *slot = Slot::Waiting(None);
        }
        drop(t);
        (
            SlotSender {
                slots: self.clone(),
                index,
            },
            SlotReceiver {
                slots: self.clone(),
                index,
            },
        )
    }

    /// Slots in use (for tests).
    #[cfg(test)]
    fn in_use(&self) -> usize {
        let t = self.lock();
        t.slots.len() - t.free.len()
    }
}

impl Table {
    fn slot(&mut self, index: u32) -> Option<&mut Slot> {
        self.slots.get_mut(index as usize)
    }

    fn release(&mut self, index: u32) {
        if let Some(slot) = self.slot(index) {
            *slot = Slot::Free;
            self.free.push(index);
        }
    }
}

/// The sending end of a slot, held by the registry's entry.
#[derive(Debug)]
pub(crate) struct SlotSender {
    slots: Arc<Slots>,
    index: u32,
}

impl SlotSender {
    /// Delivers `event`; false when the receiver is gone.
    pub(crate) fn send(self, event: WatchedEvent) -> bool {
        let mut t = self.slots.lock();
        let delivered = match t.slot(self.index) {
            Some(slot @ Slot::Waiting(_)) => {
                if let Slot::Waiting(Some(waker)) = std::mem::replace(slot, Slot::Delivered(event))
                {
                    waker.wake();
                }
                true
            }
            _ => false,
        };
        drop(t);
        // `Drop` releases the slot when the receiver is gone; a delivered slot is the
        // receiver's now.
        delivered
    }

    /// Whether the receiver is gone.
    pub(crate) fn is_closed(&self) -> bool {
        matches!(self.slots.lock().slot(self.index), Some(Slot::ReceiverGone))
    }
}

impl Drop for SlotSender {
    fn drop(&mut self) {
        let mut t = self.slots.lock();
        match t.slot(self.index) {
            Some(slot @ Slot::Waiting(_)) => {
                if let Slot::Waiting(Some(waker)) = std::mem::replace(slot, Slot::SenderGone) {
                    waker.wake();
                }
            }
            Some(Slot::ReceiverGone) => t.release(self.index),
            _ => {}
        }
    }
}

/// The receiving end of a slot, held by a `OneshotWatcher`.
#[derive(Debug)]
pub(crate) struct SlotReceiver {
    slots: Arc<Slots>,
    index: u32,
}

impl SlotReceiver {
    /// The event once delivered; `Err(())` when the sender went away without one.
    pub(crate) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<WatchedEvent, ()>> {
        let mut t = self.slots.lock();
        let Some(slot) = t.slot(self.index) else {
            return Poll::Ready(Err(()));
        };
        match slot {
            Slot::Waiting(waker) => {
                match waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            Slot::Delivered(_) => match std::mem::replace(slot, Slot::SenderGone) {
                // The slot stays `SenderGone` until this end is dropped.
                Slot::Delivered(event) => Poll::Ready(Ok(event)),
                _ => Poll::Ready(Err(())),
            },
            _ => Poll::Ready(Err(())),
        }
    }
}

impl Drop for SlotReceiver {
    fn drop(&mut self) {
        let mut t = self.slots.lock();
        match t.slot(self.index) {
            Some(slot @ Slot::Waiting(_)) => *slot = Slot::ReceiverGone,
            Some(Slot::SenderGone | Slot::Delivered(_)) => t.release(self.index),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use zk_records::{EventType, KeeperState};

    fn event(path: &str) -> WatchedEvent {
        WatchedEvent {
            event_type: EventType::NodeDataChanged,
            state: KeeperState::SyncConnected,
            path: path.into(),
            zxid: 3,
        }
    }

    #[tokio::test]
    async fn an_event_reaches_its_receiver_and_the_slot_is_reused() {
        let slots = Arc::new(Slots::default());
        let (tx, mut rx) = slots.open();
        let waiting = tokio::spawn(async move { poll_fn(|cx| rx.poll_event(cx)).await });
        tokio::task::yield_now().await;
        assert!(!tx.is_closed());
        assert!(tx.send(event("/a")));
        assert_eq!(waiting.await.unwrap(), Ok(event("/a")));
        assert_eq!(slots.in_use(), 0, "both ends done");
        let (_tx, _rx) = slots.open();
        assert_eq!(slots.lock().slots.len(), 1, "the freed slot is reused");
    }

    #[tokio::test]
    async fn either_end_going_away_is_seen_by_the_other() {
        let slots = Arc::new(Slots::default());
        let (tx, mut rx) = slots.open();
        drop(tx);
        assert_eq!(poll_fn(|cx| rx.poll_event(cx)).await, Err(()));
        drop(rx);
        assert_eq!(slots.in_use(), 0);

        let (tx, rx) = slots.open();
        drop(rx);
        assert!(tx.is_closed());
        assert!(!tx.send(event("/b")), "nobody to deliver to");
        assert_eq!(slots.in_use(), 0);

        // Delivered but never read: the receiver's drop frees it.
        let (tx, rx) = slots.open();
        assert!(tx.send(event("/c")));
        assert_eq!(slots.in_use(), 1);
        drop(rx);
        assert_eq!(slots.in_use(), 0);
    }
}
