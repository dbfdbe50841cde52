//! [`SeekWindow`]: the bytes of a file around the reader's position, read as they are needed
//! from any `Read + Seek` input. The transaction log reader holds an entry (or a stretch of
//! candidates while resynchronising) and a read-ahead, never the file.

use std::io::{Read, Seek, SeekFrom};

/// Bytes read from the input at a time, at least.
const READ_AHEAD: usize = 64 << 10;

/// A `Read + Seek` input (a file, or a `Cursor` over bytes held in memory).
pub(crate) trait Input: Read + Seek {}

impl<T: Read + Seek> Input for T {}

/// A window of the input: `buf[start..]` are the bytes at file offsets `base..`.
pub(crate) struct SeekWindow<'a> {
    input: Box<dyn Input + 'a>,
    buf: Vec<u8>,
    /// Index in `buf` of the byte at `base`.
    start: usize,
    /// File offset of `buf[start]`.
    base: u64,
    /// The input's length.
    len: u64,
    /// The most bytes held at once.
    peak: usize,
}

impl std::fmt::Debug for SeekWindow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeekWindow")
            .field("base", &self.base)
            .field("held", &(self.buf.len() - self.start))
            .field("len", &self.len)
            .finish()
    }
}

impl<'a> SeekWindow<'a> {
    /// A window at the start of `input`.
    pub(crate) fn new(mut input: Box<dyn Input + 'a>) -> std::io::Result<Self> {
        let len = input.seek(SeekFrom::End(0))?;
        input.seek(SeekFrom::Start(0))?;
        Ok(Self {
            input,
            buf: Vec::new(),
            start: 0,
            base: 0,
            len,
            peak: 0,
        })
    }

    /// The input's length.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The most bytes the window has held at once.
    pub(crate) fn peak(&self) -> usize {
        self.peak
    }

    /// The bytes at offsets `at..at + n`, fewer at the end of the input. Bytes before `at`
    /// may be dropped; those still held serve a later `get` that steps back (a search for
    /// the next intact entry starts just after the entry read last).
    pub(crate) fn get(&mut self, at: u64, n: usize) -> std::io::Result<&[u8]> {
        let held = (self.buf.len() - self.start) as u64;
        // File offset of `buf[0]` (`base` is `u64::MAX` when nothing is held).
        let first = self.base.saturating_sub(self.start as u64);
        if at < first || at > self.base.saturating_add(held) {
            self.buf.clear();
            self.start = 0;
            self.base = at;
            self.input.seek(SeekFrom::Start(at))?;
        } else if at < self.base {
            self.start -= (self.base - at) as usize;
            self.base = at;
        } else {
            self.start += (at - self.base) as usize;
            self.base = at;
        }
        // Compacts when the dropped front is the larger part: amortised O(1) per byte.
        if self.start > 0 && self.start >= self.buf.len() - self.start {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let want = n.min(usize::try_from(self.len - at.min(self.len)).unwrap_or(usize::MAX));
        while self.buf.len() - self.start < want {
            let have = self.buf.len();
            let more = (want - (have - self.start)).max(READ_AHEAD);
            self.buf.resize(have + more, 0);
            let read = loop {
                match self.input.read(&mut self.buf[have..]) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            };
            match read {
                Ok(0) => {
                    self.buf.truncate(have);
                    break;
                }
                Ok(k) => self.buf.truncate(have + k),
                Err(e) => {
                    self.buf.truncate(have);
                    return Err(e);
                }
            }
        }
        self.peak = self.peak.max(self.buf.len());
        let end = (self.start + n).min(self.buf.len());
        Ok(&self.buf[self.start..end])
    }

    /// One past the last non-zero byte of the input (0 if it is all zeros): beyond it there
    /// is only the preallocated padding. Reads the input backwards from its end, a read-ahead
    /// at a time.
    pub(crate) fn content_end(&mut self) -> std::io::Result<u64> {
        let mut chunk = vec![0u8; READ_AHEAD];
        let mut end = self.len;
        while end > 0 {
            let from = end.saturating_sub(READ_AHEAD as u64);
            let n = (end - from) as usize;
            self.input.seek(SeekFrom::Start(from))?;
            self.input.read_exact(&mut chunk[..n])?;
            if let Some(i) = chunk[..n].iter().rposition(|&b| b != 0) {
                end = from + i as u64 + 1;
                break;
            }
            end = from;
        }
        // The next `get` seeks where it needs to.
        self.buf.clear();
        self.start = 0;
        self.base = u64::MAX;
        Ok(end)
    }
}
