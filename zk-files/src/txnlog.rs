//! Transaction logs (`version-2/log.<zxid>`), entry by entry, as Apache's `FileTxnLog` reads
//! them.
//!
//! Layout: a `FileHeader` (magic `ZKLG`, version 2, dbid), then entries of
//! `long checksum` (Adler-32 of the transaction bytes), `buffer` transaction bytes
//! (`TxnHeader`, body, and since 3.6 an optional `TxnDigest`), and the end-of-record byte
//! `'B'`. Files are preallocated with zeros: an entry whose length is 0 ends the log when only
//! zeros follow it, and is damage (reported, then skipped) when anything else does.
//!
//! The file is read through a [`SeekWindow`]: memory holds one entry (at most the limit for
//! one, [`TxnLogReader::max_entry_len`]) and a read-ahead, or while resynchronising a stretch
//! of candidates twice that size, whatever the file's size.

use std::io::{Read, Seek};

use jute::{Decoder, ErrorKind, Jute, Limits};
use zk_records::server::persistence::FileHeader;
use zk_records::txn::{TxnDigest, TxnHeader};

use crate::adler32::adler32;
use crate::error::{check_magic, LimitReached, ZkFileError};
use crate::resync::RangeAdler;
use crate::txn::{decode_body, TxnBody};
use crate::window::SeekWindow;

/// The end-of-record marker after each entry.
const END_OF_RECORD: u8 = b'B';
/// `long` checksum + `int` length.
const ENTRY_HEAD: usize = 12;
/// `FileHeader`: `int magic, int version, long dbid`.
const FILE_HEADER_LEN: usize = 16;

/// One transaction of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct TxnEntry {
    /// File offset of the entry (its checksum).
    pub offset: usize,
    /// The Adler-32 checksum as stored (and verified).
    pub checksum: i64,
    /// The `TxnHeader` record: `client_id` (the session), `cxid`, `zxid`, `time`, `type`.
    pub header: TxnHeader,
    /// The body.
    pub body: TxnBody,
    /// The `TxnDigest` that 3.6+ servers append when digests are enabled.
    pub digest: Option<TxnDigest>,
    /// Bytes after the body and digest that no record accounts for (normally empty).
    pub trailing: Vec<u8>,
}

impl TxnEntry {
    /// The transaction type (`ZooDefs.OpCode`).
    pub fn op_type(&self) -> i32 {
        self.header.r#type
    }
}

/// What the reader found at one position of the log.
#[derive(Debug, Clone, PartialEq)]
pub enum LogItem {
    /// A transaction whose checksum matched and that decoded completely.
    Txn(Box<TxnEntry>),
    /// An entry that could not be read; the reader goes on with the next entry it can find.
    Corrupt {
        /// File offset of the bad entry.
        offset: usize,
        /// What is wrong, and where reading resumes.
        message: String,
        /// [`LimitReached::ItemLength`] when the entry is intact but holds a string or buffer
        /// longer than [`Limits::max_len`]: a server run with a larger `jute.maxbuffer` writes
        /// such entries, and a reader with a larger limit reads them.
        limit: Option<LimitReached>,
    },
    /// The end of the log: the zero padding (or the end of the file).
    End {
        /// File offset where the log ends.
        offset: usize,
        /// Bytes from there to the end of the file (the preallocated padding).
        padding: usize,
    },
}

/// Reads a transaction log, one [`LogItem`] at a time, from memory or from any `Read + Seek`
/// input (a file) in bounded memory.
#[derive(Debug)]
pub struct TxnLogReader<'a> {
    window: SeekWindow<'a>,
    header: FileHeader,
    limits: Limits,
    pos: u64,
    /// One past the last non-zero byte: beyond it there is only padding.
    content_end: u64,
    done: bool,
    /// Bytes fed to Adler-32 so far.
    summed: u64,
    /// Prefix sums of the bytes the searches for intact entries pass over.
    ranges: RangeAdler,
}

impl<'a> TxnLogReader<'a> {
    /// Reads the file header of `bytes` (the whole log file); entries are read by iterating.
    ///
    /// # Errors
    ///
    /// When the header cannot be decoded or its magic is not `ZKLG`.
    pub fn new(bytes: &'a [u8]) -> Result<Self, ZkFileError> {
        Self::with_limits(bytes, Limits::default())
    }

    /// Like [`TxnLogReader::new`], with explicit limits for the transactions (raise `max_len`
    /// for logs of servers run with a larger `jute.maxbuffer`).
    ///
    /// # Errors
    ///
    /// As [`TxnLogReader::new`].
    pub fn with_limits(bytes: &'a [u8], limits: Limits) -> Result<Self, ZkFileError> {
        Self::from_reader(std::io::Cursor::new(bytes), limits)
    }

    /// Reads the file header of the log that `input` gives (a `File`); entries are read by
    /// iterating, holding one entry and a read-ahead at a time.
    ///
    /// # Errors
    ///
    /// When the input cannot be read, the header cannot be decoded or its magic is not `ZKLG`.
    pub fn from_reader(input: impl Read + Seek + 'a, limits: Limits) -> Result<Self, ZkFileError> {
        let mut window = SeekWindow::new(Box::new(input)).map_err(ZkFileError::Read)?;
        let content_end = window.content_end().map_err(ZkFileError::Read)?;
        let first = window.get(0, FILE_HEADER_LEN).map_err(ZkFileError::Read)?;
        let mut d = Decoder::new(first);
        let header = FileHeader::decode(&mut d).map_err(ZkFileError::Header)?;
        let pos = d.offset() as u64;
        check_magic("transaction log", header.magic, "ZKLG")?;
        Ok(Self {
            window,
            header,
            limits,
            pos,
            content_end,
            done: false,
            summed: 0,
            ranges: RangeAdler::new(),
        })
    }

    /// The `FileHeader` record (`magic`, `version`, `dbid`).
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// Bytes the reader has summed for Adler-32 checksums so far: each entry's transaction
    /// bytes, and after damage the searches for the next intact entry, which together sum
    /// each byte of the file at most once plus at most 64 bytes per candidate position (so
    /// at most 66 times the file's size, whatever it holds).
    pub fn bytes_checksummed(&self) -> u64 {
        self.summed
    }

    /// The file offset the reader has reached.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The length of the input.
    pub fn len(&self) -> u64 {
        self.window.len()
    }

    /// Whether the input is empty (it never is once the header was read).
    pub fn is_empty(&self) -> bool {
        self.window.len() == 0
    }

    /// The most bytes of the file the reader has held at once: an entry and a read-ahead, or
    /// a stretch of resynchronisation candidates; bounded by [`Self::max_entry_len`], not by
    /// the file.
    pub fn peak_buffered(&self) -> usize {
        self.window.peak()
    }

    /// The largest entry the reader holds and decodes (`max_len` of its limits, the largest
    /// string or buffer, plus 1 MiB for the rest of a transaction); a longer entry is
    /// checked and reported as over the limit.
    pub fn max_entry_len(&self) -> usize {
        self.limits.max_len.saturating_add(1 << 20)
    }

    fn read_entry(&mut self) -> LogItem {
        match self.try_read_entry() {
            Ok(item) => item,
            Err(e) => {
                self.done = true;
                LogItem::Corrupt {
                    offset: self.pos as usize,
                    message: format!("cannot read the file: {e}"),
                    limit: None,
                }
            }
        }
    }

    fn try_read_entry(&mut self) -> std::io::Result<LogItem> {
        let p = self.pos;
        if p >= self.content_end {
            return Ok(self.end(p));
        }
        let left = self.window.len() - p;
        let head = self.window.get(p, ENTRY_HEAD)?;
        if head.len() < ENTRY_HEAD {
            self.done = true;
            return Ok(LogItem::Corrupt {
                offset: p as usize,
                message: format!(
                    "truncated entry: {left} bytes left, an entry needs at least {}",
                    ENTRY_HEAD + 1
                ),
                limit: None,
            });
        }
        let checksum = i64::from_be_bytes(array(&head[..8]));
        let len = i32::from_be_bytes(array(&head[8..12]));
        if len == 0 {
            // Java's reader: "Since we preallocate, we define EOF to be an empty transaction".
            // Here non-zero bytes follow (`p < content_end`): a zeroed sector or an inserted
            // gap, with entries after it that Java's reader never reaches.
            let what = format!(
                "an entry length of 0 (the end of the log for Java's reader), but the \
                 file holds non-zero bytes up to offset {}",
                self.content_end
            );
            return self.corrupt(p, what);
        }
        let Ok(len) = usize::try_from(len) else {
            return self.corrupt(p, format!("negative entry length {len}"));
        };
        let data_start = p + ENTRY_HEAD as u64;
        if len as u64 + 1 > left - ENTRY_HEAD as u64 {
            return self.does_not_fit(p, len, left - ENTRY_HEAD as u64);
        }
        if len > self.max_entry_len() {
            return self.over_limit(p, checksum, len);
        }
        let entry = self.window.get(data_start, len + 1)?;
        let (data, eor) = (&entry[..len], entry[len]);
        if eor != END_OF_RECORD {
            let what = format!(
                "entry of {len} bytes is not followed by the end-of-record byte 'B' \
                 (found {eor:#04x} at offset {})",
                data_start + len as u64
            );
            return self.corrupt(p, what);
        }
        let next = data_start + len as u64 + 1;
        let computed = adler32(data);
        self.summed += data.len() as u64;
        self.pos = next;
        if checksum != i64::from(computed) {
            let what = format!(
                "checksum mismatch: stored {checksum:#x}, Adler-32 of the {len} transaction \
                 bytes is {computed:#x}"
            );
            // The length may be what is damaged, reaching past intact entries to another
            // 'B': the next intact entry is searched for, not taken from it.
            let message = match self.resync(p + 1)? {
                Some(resume) => {
                    self.pos = resume;
                    format!("{what}; resuming at the next valid entry, at offset {resume}")
                }
                None => format!("{what}; entry skipped"),
            };
            return Ok(LogItem::Corrupt {
                offset: p as usize,
                message,
                limit: None,
            });
        }
        let decoded = decode_txn(p as usize, checksum, data, self.limits);
        Ok(match decoded {
            Ok(entry) => LogItem::Txn(Box::new(entry)),
            Err(e) => LogItem::Corrupt {
                offset: p as usize,
                message: format!(
                    "cannot decode the transaction bytes (at file offset {data_start}; offsets \
                     below are relative to them): {e}"
                ),
                limit: matches!(e.kind(), ErrorKind::LengthOverLimit { .. })
                    .then_some(LimitReached::ItemLength),
            },
        })
    }

    /// An entry whose announced length runs past the end of the file: resynchronise, or (no
    /// valid entry after it) a truncated last entry.
    fn does_not_fit(&mut self, p: u64, len: usize, present: u64) -> std::io::Result<LogItem> {
        let Some(next) = self.resync(p + 1)? else {
            // Nothing valid follows: the server stopped while writing this entry.
            self.done = true;
            return Ok(LogItem::Corrupt {
                offset: p as usize,
                message: format!(
                    "truncated entry: {len} transaction bytes and the end-of-record byte \
                     announced, {present} bytes left in the file"
                ),
                limit: None,
            });
        };
        self.pos = next;
        Ok(LogItem::Corrupt {
            offset: p as usize,
            message: format!(
                "entry length {len} does not fit the file ({present} bytes left); resuming \
                 at the next valid entry, at offset {next}"
            ),
            limit: None,
        })
    }

    /// An entry longer than the reader holds: checked as it streams past (end-of-record byte
    /// and checksum), then reported as over the limit, or as damage.
    fn over_limit(&mut self, p: u64, checksum: i64, len: usize) -> std::io::Result<LogItem> {
        let data_start = p + ENTRY_HEAD as u64;
        let mut state = 1u32;
        let mut at = data_start;
        let end = data_start + len as u64;
        while at < end {
            let n = usize::try_from(end - at).unwrap_or(usize::MAX).min(1 << 20);
            let chunk = self.window.get(at, n)?;
            state = crate::adler32::adler32_update(state, chunk);
            self.summed += chunk.len() as u64;
            at += chunk.len() as u64;
        }
        let eor = self.window.get(end, 1)?.first().copied();
        if eor != Some(END_OF_RECORD) || checksum != i64::from(state) {
            let what = format!(
                "entry of {len} bytes (over the reader's limit of {}) has a bad checksum or \
                 end-of-record byte",
                self.max_entry_len()
            );
            return self.corrupt(p, what);
        }
        self.pos = end + 1;
        Ok(LogItem::Corrupt {
            offset: p as usize,
            message: format!(
                "an intact entry of {len} bytes, over the limit of {} for one entry (the \
                 string/buffer limit is {} bytes); entry skipped",
                self.max_entry_len(),
                self.limits.max_len
            ),
            limit: Some(LimitReached::ItemLength),
        })
    }

    fn end(&mut self, offset: u64) -> LogItem {
        self.done = true;
        LogItem::End {
            offset: offset as usize,
            padding: (self.window.len() - offset) as usize,
        }
    }

    /// Reports a bad entry at `offset` and moves to the next entry that checks out.
    fn corrupt(&mut self, offset: u64, what: String) -> std::io::Result<LogItem> {
        let message = match self.resync(offset + 1)? {
            Some(next) => {
                self.pos = next;
                format!("{what}; resuming at the next valid entry, at offset {next}")
            }
            None => {
                self.done = true;
                format!("{what}; no valid entry follows")
            }
        };
        Ok(LogItem::Corrupt {
            offset: offset as usize,
            message,
            limit: None,
        })
    }

    /// The first offset at or after `from` where a complete entry with a matching checksum
    /// starts. A false match needs a 32-bit checksum collision at a position that also has a
    /// plausible length and the end-of-record byte. Candidates are tried a stretch at a time:
    /// a window of two stretches (a stretch being the longest entry the reader holds) that the
    /// reader's [`RangeAdler`] covers, so each candidate's checksum costs bounded time, and
    /// every byte is summed into the table once however many searches pass over it.
    fn resync(&mut self, from: u64) -> std::io::Result<Option<u64>> {
        let stretch = (self.max_entry_len() + ENTRY_HEAD + 1) as u64;
        let last = self
            .content_end
            .min(self.window.len().saturating_sub(ENTRY_HEAD as u64 + 1));
        let mut base = from;
        while base < last {
            let stop = (base + stretch).min(last);
            let want = usize::try_from(stop - base + stretch).unwrap_or(usize::MAX);
            let content_end = self.content_end;
            let bytes = self.window.get(base, want)?;
            let content = &bytes[..bytes.len().min((content_end - base) as usize)];
            self.ranges.cover(content, base, &mut self.summed);
            let found = (0..(stop - base) as usize)
                .find(|&q| is_entry_at(bytes, content, base, q, &self.ranges, &mut self.summed));
            if let Some(q) = found {
                return Ok(Some(base + q as u64));
            }
            base = stop;
        }
        Ok(None)
    }
}

/// Whether a complete entry with a matching checksum starts at `bytes[q..]` (`bytes`: the
/// file from offset `base`; `content`: the part of it before the padding).
fn is_entry_at(
    bytes: &[u8],
    content: &[u8],
    base: u64,
    q: usize,
    ranges: &RangeAdler,
    summed: &mut u64,
) -> bool {
    // The checksum is an Adler-32 in a long: its high half is zero.
    if bytes.len() < q + ENTRY_HEAD || bytes[q..q + 4] != [0, 0, 0, 0] {
        return false;
    }
    let len = i32::from_be_bytes(array(&bytes[q + 8..q + 12]));
    let Ok(len) = usize::try_from(len) else {
        return false;
    };
    let end = q + ENTRY_HEAD + len;
    // The end-of-record byte is not zero, so `end < content.len()`.
    len > 0
        && end < content.len()
        && content[end] == END_OF_RECORD
        && i64::from_be_bytes(array(&bytes[q..q + 8]))
            == i64::from(ranges.adler32(content, base, q + ENTRY_HEAD, end, summed))
}

/// Decodes one entry's transaction bytes.
fn decode_txn(
    offset: usize,
    checksum: i64,
    data: &[u8],
    limits: Limits,
) -> Result<TxnEntry, jute::Error> {
    let mut d = Decoder::with_limits(data, limits);
    let header = TxnHeader::decode(&mut d)?;
    let body = decode_body(header.r#type, data, &mut d)?;
    let mut digest = None;
    if d.remaining() >= ENTRY_HEAD {
        digest = Some(TxnDigest::decode(&mut d)?);
    }
    let trailing = data[d.offset()..].to_vec();
    Ok(TxnEntry {
        offset,
        checksum,
        header,
        body,
        digest,
        trailing,
    })
}

impl Iterator for TxnLogReader<'_> {
    type Item = LogItem;

    fn next(&mut self) -> Option<LogItem> {
        if self.done {
            return None;
        }
        Some(self.read_entry())
    }
}

/// The first `N` bytes of `slice` (which the callers make exactly `N` long).
fn array<const N: usize>(slice: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&slice[..N]);
    out
}
