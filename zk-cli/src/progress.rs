//! A progress line for `zk log` and `zk snapshot`: on stderr, only when stderr is a terminal
//! and only once reading has taken more than a moment (a second; `ZK_PROGRESS_AFTER_MS`
//! sets it), redrawn ten times a second and erased at the end, so pipes and scripts never
//! see it. Progress is the share of the file read (for compressed snapshots too: the
//! compressed bytes consumed).

use std::cell::Cell;
use std::io::{IsTerminal as _, Read, Seek, SeekFrom, Write as _};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How often the line is redrawn.
const REDRAW: Duration = Duration::from_millis(100);

/// The progress of reading one file.
pub(crate) struct Progress {
    name: String,
    total: u64,
    position: Rc<Cell<u64>>,
    enabled: bool,
    after: Duration,
    started: Instant,
    last: Option<Instant>,
}

impl Progress {
    /// Progress through `name`, `total` bytes long.
    pub(crate) fn new(name: String, total: u64) -> Self {
        let after = std::env::var("ZK_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        Self {
            name,
            total,
            position: Rc::new(Cell::new(0)),
            enabled: std::io::stderr().is_terminal(),
            after,
            started: Instant::now(),
            last: None,
        }
    }

    /// `input`, counted: the line shows how far into it the reader is.
    pub(crate) fn track<R>(&self, input: R) -> Tracked<R> {
        Tracked {
            inner: input,
            position: Rc::clone(&self.position),
        }
    }

    /// Called once per item printed (`items` so far); redraws the line when it is due.
    pub(crate) fn tick(&mut self, items: u64) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let due = match self.last {
            None => now.duration_since(self.started) >= self.after,
            Some(last) => now.duration_since(last) >= REDRAW,
        };
        if !due {
            return;
        }
        self.last = Some(now);
        let read = self.position.get().min(self.total);
        let percent = (read * 100).checked_div(self.total).unwrap_or(100);
        let mib = |b: u64| b as f64 / f64::from(1 << 20);
        let _ = write!(
            std::io::stderr().lock(),
            "\r\x1b[K{}: {percent}% ({:.1} of {:.1} MiB, {items} items)",
            self.name,
            mib(read),
            mib(self.total)
        );
    }

    /// Erases the line, if it was drawn.
    pub(crate) fn finish(&mut self) {
        if self.last.take().is_some() {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// An input whose position [`Progress`] follows.
pub(crate) struct Tracked<R> {
    inner: R,
    position: Rc<Cell<u64>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position.set(self.position.get() + n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Tracked<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let at = self.inner.seek(pos)?;
        self.position.set(at);
        Ok(at)
    }
}
