//! Reply coalescing: while many replies are due, the connection asks the kernel to wake it only
//! once several replies' worth of bytes have arrived (`SO_RCVLOWAT` on Linux), not at each one.
//!
//! Each wake-up of a sleeping connection task costs the client a pass of its loop (and, on one
//! host, the server's sending thread the work of waking it). With 64 requests in flight,
//! waking for every eighth reply instead of about every second takes 40% off the client's CPU
//! per reply, with the server's throughput and CPU per request unchanged (BENCHMARKS.md,
//! "What the server pays for the client's wake-ups").
//!
//! A reply waits only for replies to requests already written: the mark asks for a quarter of
//! the replies due (at most [`MAX_REPLIES`]) at the mean size of the last [`WINDOW`] frames,
//! less what an unfinished frame already holds. The other three quarters are on their way, so
//! the mark is reached unless the replies due average less than a quarter of that mean (a
//! workload that changed at once). Then nothing more may come, so while a mark is set a valve
//! checks every [`VALVE`] that frames keep completing; when none did, the mark goes back to
//! one byte and stays there for [`BACKOFF`] frames.
//! Below [`MIN_DUE`] replies due (a request at a time, a lock, a watch) the mark is one byte:
//! latency-bound traffic is never held.

use std::time::Duration;

use tokio::time::Instant;

use super::transport::Transport;

/// Coalesce only with at least this many replies due.
const MIN_DUE: usize = 8;
/// Wait for at most this many replies' worth of bytes.
const MAX_REPLIES: usize = 8;
/// The largest mark: well below the socket's default receive buffer, so the kernel never
/// clamps the receive window to fit it.
const MAX_MARK: usize = 16 * 1024;
/// The smallest reply frame: the length prefix and the reply header (an error reply).
const MIN_FRAME: usize = 4 + super::pipeline::REPLY_HEADER_LEN;
/// Frames per window of the frame-size estimate.
const WINDOW: u32 = 64;
/// While a mark is set, how often the connection checks that frames keep completing.
pub(super) const VALVE: Duration = Duration::from_millis(2);
/// Frames to see at one byte after the valve found none completing.
const BACKOFF: u32 = 256;

/// A stream that can be asked to wake its reader only once `bytes` are buffered.
pub(crate) trait LowWater {
    /// Sets the receive low-water mark; false when the stream has none (it wakes at every
    /// byte, as before).
    fn set_low_water(&self, bytes: usize) -> bool;
}

impl LowWater for Transport {
    fn set_low_water(&self, bytes: usize) -> bool {
        match self {
            Transport::Tcp(s) => set_rcvlowat(s, bytes),
            // rustls buffers records of its own: the socket's byte count says nothing about
            // the frames due.
            Transport::Tls(..) => false,
        }
    }
}

/// `setsockopt(SO_RCVLOWAT)`: no safe wrapper exists in the crates of the tree (socket2 and
/// rustix leave this option out).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn set_rcvlowat(socket: &tokio::net::TcpStream, bytes: usize) -> bool {
    use std::os::fd::AsRawFd;
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the descriptor belongs to `socket`, which is borrowed (so open) for the whole
    // call; the option value is a live `c_int` whose size is passed with it.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&value as *const libc::c_int).cast(),
            len,
        )
    };
    rc == 0
}

/// Other systems: no mark (their `SO_RCVLOWAT` does not hold back readiness the same way).
#[cfg(not(target_os = "linux"))]
fn set_rcvlowat(_socket: &tokio::net::TcpStream, _bytes: usize) -> bool {
    false
}

/// The coalescing state of one connection.
#[derive(Debug)]
pub(super) struct Coalesce {
    /// Off when the stream refused a mark, or when the client turned coalescing off.
    enabled: bool,
    /// The socket's mark now (1: wake at the first byte).
    mark: usize,
    /// Bytes and frames of the window being filled, and the mean frame of the last full one.
    window_bytes: usize,
    window_frames: u32,
    typical: usize,
    /// Frames completed on this connection, and how many had when the valve was armed.
    frames: u64,
    frames_at_valve: u64,
    /// When the valve looks next (`None` while the mark is one byte).
    valve: Option<Instant>,
    /// Frames left to see at one byte after the valve fired.
    backoff: u32,
}

impl Coalesce {
    /// State for a new connection; `enabled` false keeps the mark at one byte.
    pub(super) fn new(enabled: bool) -> Coalesce {
        Coalesce {
            enabled,
            mark: 1,
            window_bytes: 0,
            window_frames: 0,
            // Until a window is full, assume the smallest frame there is.
            typical: MIN_FRAME,
            frames: 0,
            frames_at_valve: 0,
            valve: None,
            backoff: 0,
        }
    }

    /// A frame of `len` bytes (length prefix included) completed.
    #[inline]
    pub(super) fn observe(&mut self, len: usize) {
        self.frames += 1;
        self.backoff = self.backoff.saturating_sub(1);
        self.window_bytes = self.window_bytes.saturating_add(len);
        self.window_frames += 1;
        if self.window_frames == WINDOW {
            self.typical = self.window_bytes / WINDOW as usize;
            self.window_bytes = 0;
            self.window_frames = 0;
        }
    }

    /// The mark for `due` replies outstanding with `buffered` bytes of an unfinished frame
    /// already read: a quarter of the replies due (at most [`MAX_REPLIES`]) at the mean frame
    /// size of the last window, less the frames `buffered` may belong to; 1 when not
    /// coalescing.
    fn target(&self, due: usize, buffered: usize) -> usize {
        if !self.enabled || self.backoff > 0 || due < MIN_DUE {
            return 1;
        }
        let frame = self.typical.max(MIN_FRAME);
        let replies = (due / 4).min(MAX_REPLIES);
        // Whole frames only, so that the mark stays put while a partial frame grows.
        let started = buffered.div_ceil(frame);
        let mark = replies.saturating_sub(started) * frame;
        if mark <= frame {
            1
        } else {
            mark.min(MAX_MARK)
        }
    }

    /// Sets the mark for `due` replies outstanding and `buffered` bytes of an unfinished frame
    /// (a lower mark at once, a higher one only when it grows by half, to spare system
    /// calls). Returns when the valve must look next, if a mark is set.
    pub(super) fn apply<S: LowWater>(
        &mut self,
        stream: &S,
        due: usize,
        buffered: usize,
    ) -> Option<Instant> {
        if !self.enabled {
            return None;
        }
        let target = self.target(due, buffered);
        if target != self.mark && (target < self.mark || target >= self.mark + self.mark / 2) {
            if stream.set_low_water(target) {
                self.mark = target;
            } else {
                self.enabled = false;
                self.mark = 1;
            }
        }
        if self.mark == 1 {
            self.valve = None;
        } else if self.valve.is_none() {
            self.frames_at_valve = self.frames;
            self.valve = Some(Instant::now() + VALVE);
        }
        self.valve
    }

    /// When the valve looks next, if a mark is set.
    pub(super) fn valve(&self) -> Option<Instant> {
        self.valve
    }

    /// The valve's time came: with frames completed since it last looked, it looks again a
    /// [`VALVE`] later; with none, the mark goes back to one byte for [`BACKOFF`] frames.
    pub(super) fn on_valve<S: LowWater>(&mut self, stream: &S, now: Instant) {
        if self.frames > self.frames_at_valve {
            self.frames_at_valve = self.frames;
            self.valve = Some(now + VALVE);
            return;
        }
        tracing::debug!(
            mark = self.mark,
            "no reply completed under the mark: waking at every byte"
        );
        self.backoff = BACKOFF;
        self.typical = MIN_FRAME;
        self.window_bytes = 0;
        self.window_frames = 0;
        self.valve = None;
        if self.mark > 1 {
            self.enabled = stream.set_low_water(1);
            self.mark = 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Records the marks asked for.
    #[derive(Default)]
    struct Marks(RefCell<Vec<usize>>);

    impl LowWater for Marks {
        fn set_low_water(&self, bytes: usize) -> bool {
            self.0.borrow_mut().push(bytes);
            true
        }
    }

    fn warmed(frame: usize) -> Coalesce {
        let mut c = Coalesce::new(true);
        for _ in 0..WINDOW {
            c.observe(frame);
        }
        c
    }

    #[test]
    fn no_mark_below_min_due_or_before_a_full_window_of_large_frames() {
        let c = warmed(1116);
        assert_eq!(c.target(MIN_DUE - 1, 0), 1);
        assert_eq!(c.target(1, 0), 1);
        // A fresh connection assumes the smallest frame: 8 replies of 20 bytes.
        assert_eq!(Coalesce::new(true).target(64, 0), 8 * MIN_FRAME);
        assert_eq!(Coalesce::new(false).target(64, 0), 1);
    }

    #[test]
    fn mark_is_a_quarter_of_the_due_replies_at_the_mean_recent_frame() {
        let c = warmed(1116);
        assert_eq!(c.target(64, 0), 8 * 1116);
        assert_eq!(c.target(16, 0), 4 * 1116);
        // A partial frame already read counts as a started reply.
        assert_eq!(c.target(64, 1), 7 * 1116);
        assert_eq!(c.target(64, 1116), 7 * 1116);
        assert_eq!(c.target(64, 1117), 6 * 1116);
        // Capped.
        assert_eq!(warmed(100_000).target(64, 0), MAX_MARK);
        // One reply's worth is no coalescing.
        assert_eq!(c.target(8, 1), 1);
        assert_eq!(c.target(8, 0), 2 * 1116);
    }

    #[test]
    fn the_estimate_is_the_mean_of_the_last_full_window() {
        let mut c = warmed(1116);
        // Half a window of header-only replies: the estimate waits for the window to end.
        for _ in 0..WINDOW / 2 {
            c.observe(20);
        }
        assert_eq!(c.target(64, 0), 8 * 1116);
        for _ in 0..WINDOW / 2 {
            c.observe(1116);
        }
        assert_eq!(c.target(64, 0), 8 * ((20 + 1116) / 2));
        for _ in 0..WINDOW {
            c.observe(20);
        }
        assert_eq!(c.target(64, 0), 8 * MIN_FRAME);
    }

    #[test]
    fn apply_lowers_at_once_and_raises_only_by_half() {
        let mut c = warmed(100);
        let marks = Marks::default();
        assert!(c.apply(&marks, 64, 0).is_some());
        // 6 replies: lower, set at once.
        assert!(c.apply(&marks, 24, 0).is_some());
        // 8 again: not half above 600, kept.
        assert!(c.apply(&marks, 64, 0).is_some());
        assert_eq!(c.apply(&marks, 4, 0), None);
        assert_eq!(*marks.0.borrow(), vec![800, 600, 1]);
        assert!(c.apply(&marks, 64, 0).is_some());
        assert_eq!(*marks.0.borrow(), vec![800, 600, 1, 800]);
    }

    #[test]
    fn no_system_call_while_the_mark_stays_at_one_byte() {
        let mut c = warmed(100);
        let marks = Marks::default();
        for due in 0..MIN_DUE {
            assert_eq!(c.apply(&marks, due, 0), None);
        }
        assert!(marks.0.borrow().is_empty());
    }

    #[test]
    fn the_valve_backs_off_when_no_frame_completed() {
        let mut c = warmed(100);
        let marks = Marks::default();
        let at = c.apply(&marks, 64, 0).expect("armed");
        c.observe(100);
        c.on_valve(&marks, at);
        assert_eq!(c.valve(), Some(at + VALVE));
        assert_eq!(c.mark, 800);
        c.on_valve(&marks, at + VALVE);
        assert_eq!(c.valve(), None);
        assert_eq!(c.mark, 1);
        assert_eq!(c.apply(&marks, 64, 0), None);
        for _ in 0..BACKOFF {
            c.observe(100);
        }
        assert!(c.apply(&marks, 64, 0).is_some());
    }

    #[test]
    fn a_stream_without_a_mark_turns_coalescing_off() {
        struct NoMark;
        impl LowWater for NoMark {
            fn set_low_water(&self, _: usize) -> bool {
                false
            }
        }
        let mut c = warmed(100);
        assert_eq!(c.apply(&NoMark, 64, 0), None);
        assert_eq!(c.target(64, 0), 1);
    }
}
