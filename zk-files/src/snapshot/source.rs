//! The bytes of a snapshot as the reader consumes them: decompressed as they are needed
//! (gzip, snappy-java or none, told by the first bytes) into a window that holds the item
//! being decoded and a read-ahead, never the file; with the running Adler-32 of everything
//! consumed, for the seals.

use std::io::{BufRead, BufReader, Read};

use super::Compression;
use crate::adler32::adler32_update;
use crate::error::ZkFileError;
use crate::snappy::{SnappyJavaReader, SNAPPY_JAVA_MAGIC};

/// Bytes read from the decompressor at a time, at least.
const READ_AHEAD: usize = 64 << 10;

/// A reader that counts the bytes its consumer has taken (the gzip decoder's position in the
/// compressed file).
struct Counting<R> {
    inner: R,
    consumed: u64,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

type Input<'a> = std::io::Chain<std::io::Cursor<Vec<u8>>, Box<dyn Read + 'a>>;

/// The decompressor in front of the window.
enum Inflate<'a> {
    Plain(Input<'a>),
    #[cfg(feature = "gzip")]
    Gzip {
        decoder: Box<flate2::bufread::MultiGzDecoder<Counting<BufReader<Input<'a>>>>>,
        produced: u64,
        max: u64,
        /// A byte beyond `max` was seen: the next read reports it.
        exceeded: bool,
    },
    Snappy {
        reader: Box<SnappyJavaReader<Input<'a>>>,
        /// Bytes of the current block already given out.
        used: usize,
    },
}

impl Inflate<'_> {
    /// Reads decompressed bytes into `buf`; 0 at the end.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ZkFileError> {
        match self {
            Inflate::Plain(r) => loop {
                match r.read(buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    other => return other.map_err(ZkFileError::Read),
                }
            },
            #[cfg(feature = "gzip")]
            Inflate::Gzip {
                decoder,
                produced,
                max,
                exceeded,
            } => {
                if *exceeded {
                    return Err(ZkFileError::TooLarge { limit: *max });
                }
                // One byte past the limit tells a stream at the limit from one beyond it.
                let allowed = max.saturating_add(1);
                let room = (allowed - (*produced).min(allowed)).min(buf.len() as u64) as usize;
                let n = loop {
                    match decoder.read(&mut buf[..room]) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            return Err(ZkFileError::Gzip {
                                offset: decoder.get_ref().consumed,
                                source: e,
                            })
                        }
                        Ok(n) => break n,
                    }
                };
                *produced += n as u64;
                if *produced <= *max {
                    return Ok(n);
                }
                // The bytes up to the limit are given out; the error comes with the next read.
                *produced = *max;
                *exceeded = true;
                match n - 1 {
                    0 => Err(ZkFileError::TooLarge { limit: *max }),
                    within => Ok(within),
                }
            }
            Inflate::Snappy { reader, used } => {
                while *used == reader.block().len() {
                    if !reader.next_block().map_err(ZkFileError::Snappy)? {
                        return Ok(0);
                    }
                    *used = 0;
                }
                let block = &reader.block()[*used..];
                let n = block.len().min(buf.len());
                buf[..n].copy_from_slice(&block[..n]);
                *used += n;
                Ok(n)
            }
        }
    }
}

/// The decompressed bytes around the reader's position.
pub(super) struct Window<'a> {
    src: Inflate<'a>,
    compression: Compression,
    buf: Vec<u8>,
    /// Bytes of `buf` consumed.
    pos: usize,
    /// Decompressed offset of `buf[0]`.
    base: usize,
    /// The source ended (or failed: then `failure` says why).
    ended: bool,
    failure: Option<ZkFileError>,
    /// Most bytes held past `pos`.
    max_ahead: usize,
    /// Adler-32 of the bytes consumed before `buf[summed]` (folded in lazily, in large runs).
    checksum: u32,
    summed: usize,
    /// Most bytes `buf` ever held.
    peak: usize,
}

impl std::fmt::Debug for Window<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Window")
            .field("compression", &self.compression)
            .field("offset", &self.offset())
            .field("buffered", &(self.buf.len() - self.pos))
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<'a> Window<'a> {
    /// A window over `input`, decompressed as its first bytes say; at most `max_size`
    /// decompressed bytes (compressed input only) and `max_ahead` bytes buffered.
    pub(super) fn new(
        mut input: Box<dyn Read + 'a>,
        max_size: u64,
        max_ahead: usize,
    ) -> Result<Self, ZkFileError> {
        let mut head = [0u8; 8];
        let mut got = 0;
        while got < head.len() {
            match input.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ZkFileError::Read(e)),
            }
        }
        let head = &head[..got];
        let chained = std::io::Cursor::new(head.to_vec()).chain(input);
        let (src, compression) = if head.starts_with(&[0x1f, 0x8b]) {
            (gzip(chained, max_size)?, Compression::Gzip)
        } else if head.starts_with(SNAPPY_JAVA_MAGIC) {
            let reader = Box::new(SnappyJavaReader::new(chained, max_size));
            (Inflate::Snappy { reader, used: 0 }, Compression::Snappy)
        } else {
            (Inflate::Plain(chained), Compression::None)
        };
        Ok(Self {
            src,
            compression,
            buf: Vec::new(),
            pos: 0,
            base: 0,
            ended: false,
            failure: None,
            max_ahead: max_ahead.max(READ_AHEAD),
            checksum: 1,
            summed: 0,
            peak: 0,
        })
    }

    /// How the input is compressed.
    pub(super) fn compression(&self) -> Compression {
        self.compression
    }

    /// Decompressed offset of the next byte to consume.
    pub(super) fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Decompressed offset where the buffered bytes end.
    pub(super) fn end_offset(&self) -> usize {
        self.base + self.buf.len()
    }

    /// The buffered bytes not yet consumed.
    pub(super) fn available(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Adler-32 of every byte consumed so far.
    pub(super) fn checksum(&mut self) -> u32 {
        self.fold_checksum();
        self.checksum
    }

    /// Folds the consumed bytes not yet summed into the checksum.
    fn fold_checksum(&mut self) {
        self.checksum = adler32_update(self.checksum, &self.buf[self.summed..self.pos]);
        self.summed = self.pos;
    }

    /// Most decompressed bytes held at once so far.
    pub(super) fn peak(&self) -> usize {
        self.peak
    }

    /// Why the source stopped early, if it did (taken: reported once).
    pub(super) fn take_failure(&mut self) -> Option<ZkFileError> {
        self.failure.take()
    }

    /// Whether more bytes are buffered than [`Window::new`]'s `max_ahead` allows to grow.
    pub(super) fn is_full(&self) -> bool {
        self.buf.len() - self.pos >= self.max_ahead
    }

    /// Marks the next `n` available bytes consumed.
    pub(super) fn consume(&mut self, n: usize) {
        self.pos += n.min(self.buf.len() - self.pos);
    }

    /// Buffers more bytes (at least doubling what is available, within `max_ahead`); false
    /// when nothing more can come: the source ended or failed, or the window is full.
    pub(super) fn fill_more(&mut self) -> bool {
        if self.ended || self.is_full() {
            return false;
        }
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.fold_checksum();
            self.summed = 0;
            self.buf.drain(..self.pos);
            self.base += self.pos;
            self.pos = 0;
        }
        let ahead = self.buf.len() - self.pos;
        let target = (ahead + ahead.max(READ_AHEAD)).min(self.max_ahead);
        let start = self.buf.len();
        self.buf.resize(self.pos + target, 0);
        let mut filled = start;
        while filled < self.buf.len() {
            match self.src.read(&mut self.buf[filled..]) {
                Ok(0) => {
                    self.ended = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) => {
                    self.ended = true;
                    self.failure = Some(e);
                    break;
                }
            }
        }
        self.buf.truncate(filled);
        self.peak = self.peak.max(self.buf.capacity());
        filled > start
    }

    /// Ensures `n` bytes are available if the source has them; returns the available bytes.
    pub(super) fn peek(&mut self, n: usize) -> &[u8] {
        while self.available().len() < n && self.fill_more() {}
        self.available()
    }

    /// Consumes everything left; returns how many bytes that was.
    pub(super) fn skip_rest(&mut self) -> usize {
        let mut total = 0;
        loop {
            let n = self.available().len();
            self.consume(n);
            total += n;
            if !self.fill_more() {
                return total;
            }
        }
    }
}

#[cfg(feature = "gzip")]
fn gzip(input: Input<'_>, max: u64) -> Result<Inflate<'_>, ZkFileError> {
    let counting = Counting {
        inner: BufReader::new(input),
        consumed: 0,
    };
    Ok(Inflate::Gzip {
        decoder: Box::new(flate2::bufread::MultiGzDecoder::new(counting)),
        produced: 0,
        max,
        exceeded: false,
    })
}

#[cfg(not(feature = "gzip"))]
fn gzip(_input: Input<'_>, _max: u64) -> Result<Inflate<'_>, ZkFileError> {
    Err(ZkFileError::Unsupported(
        "gzip-compressed snapshot, but jute-value was built without its `gzip` feature".into(),
    ))
}
