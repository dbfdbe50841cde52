//! Transaction logs (`version-2/log.<zxid>`), entry by entry, as Apache's `FileTxnLog` reads
//! them.
//!
//! Layout: a `FileHeader` (magic `ZKLG`, version 2, dbid), then entries of
//! `long checksum` (Adler-32 of the transaction bytes), `buffer` transaction bytes
//! (`TxnHeader`, body, and since 3.6 an optional `TxnDigest`), and the end-of-record byte
//! `'B'`. Files are preallocated with zeros: an entry whose length is 0 ends the log when only
//! zeros follow it, and is damage (reported, then skipped) when anything else does.

use jute::{Decoder, ErrorKind, Jute, Limits};
use zk_records::server::persistence::FileHeader;
use zk_records::txn::{TxnDigest, TxnHeader};

use crate::adler32::adler32;
use crate::error::{check_magic, LimitReached, ZkFileError};
use crate::resync::RangeAdler;
use crate::txn::{decode_body, TxnBody};

/// The end-of-record marker after each entry.
const END_OF_RECORD: u8 = b'B';
/// `long` checksum + `int` length.
const ENTRY_HEAD: usize = 12;

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

/// Reads a transaction log held in memory, one [`LogItem`] at a time.
#[derive(Debug)]
pub struct TxnLogReader<'a> {
    bytes: &'a [u8],
    header: FileHeader,
    limits: Limits,
    pos: usize,
    /// One past the last non-zero byte: beyond it there is only padding.
    content_end: usize,
    done: bool,
    /// Range checksums for resynchronising, built at the first damage.
    ranges: Option<RangeAdler>,
    /// Bytes fed to Adler-32 so far.
    summed: u64,
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
        let mut d = Decoder::new(bytes);
        let header = FileHeader::decode(&mut d).map_err(ZkFileError::Header)?;
        check_magic("transaction log", header.magic, "ZKLG")?;
        let content_end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        Ok(Self {
            bytes,
            header,
            limits,
            pos: d.offset(),
            content_end,
            done: false,
            ranges: None,
            summed: 0,
        })
    }

    /// The `FileHeader` record (`magic`, `version`, `dbid`).
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// Bytes the reader has summed for Adler-32 checksums so far: each entry's transaction
    /// bytes, and after damage the search for the next intact entry, which sums each byte of
    /// the file once plus at most 32 bytes per candidate position (so at most 33 times the
    /// file's size, whatever it holds).
    pub fn bytes_checksummed(&self) -> u64 {
        self.summed
    }

    fn read_entry(&mut self) -> LogItem {
        let (bytes, p) = (self.bytes, self.pos);
        let left = bytes.len() - p;
        if p >= self.content_end {
            return self.end(p);
        }
        if left < ENTRY_HEAD {
            self.done = true;
            return LogItem::Corrupt {
                offset: p,
                message: format!(
                    "truncated entry: {left} bytes left, an entry needs at least {}",
                    ENTRY_HEAD + 1
                ),
                limit: None,
            };
        }
        let checksum = i64::from_be_bytes(array(&bytes[p..p + 8]));
        let len = i32::from_be_bytes(array(&bytes[p + 8..p + 12]));
        if len == 0 {
            // Java's reader: "Since we preallocate, we define EOF to be an empty transaction".
            // Here non-zero bytes follow (`p < content_end`): a zeroed sector or an inserted
            // gap, with entries after it that Java's reader never reaches.
            return self.corrupt(
                p,
                format!(
                    "an entry length of 0 (the end of the log for Java's reader), but the \
                     file holds non-zero bytes up to offset {}",
                    self.content_end
                ),
            );
        }
        let data_start = p + ENTRY_HEAD;
        let Ok(len) = usize::try_from(len) else {
            return self.corrupt(p, format!("negative entry length {len}"));
        };
        if len + 1 > left - ENTRY_HEAD {
            let present = left - ENTRY_HEAD;
            let Some(next) = self.resync(p + 1) else {
                // Nothing valid follows: the server stopped while writing this entry.
                self.done = true;
                return LogItem::Corrupt {
                    offset: p,
                    message: format!(
                        "truncated entry: {len} transaction bytes and the end-of-record byte \
                         announced, {present} bytes left in the file"
                    ),
                    limit: None,
                };
            };
            self.pos = next;
            return LogItem::Corrupt {
                offset: p,
                message: format!(
                    "entry length {len} does not fit the file ({present} bytes left); resuming \
                     at the next valid entry, at offset {next}"
                ),
                limit: None,
            };
        }
        let data = &bytes[data_start..data_start + len];
        let eor = bytes[data_start + len];
        if eor != END_OF_RECORD {
            return self.corrupt(
                p,
                format!(
                    "entry of {len} bytes is not followed by the end-of-record byte 'B' \
                     (found {eor:#04x} at offset {})",
                    data_start + len
                ),
            );
        }
        let next = data_start + len + 1;
        let computed = adler32(data);
        self.summed += data.len() as u64;
        if checksum != i64::from(computed) {
            self.pos = next;
            return LogItem::Corrupt {
                offset: p,
                message: format!(
                    "checksum mismatch: stored {checksum:#x}, Adler-32 of the {len} transaction \
                     bytes is {computed:#x}; entry skipped"
                ),
                limit: None,
            };
        }
        self.pos = next;
        match self.decode_txn(p, checksum, data) {
            Ok(entry) => LogItem::Txn(Box::new(entry)),
            Err(e) => LogItem::Corrupt {
                offset: p,
                message: format!(
                    "cannot decode the transaction bytes (at file offset {data_start}; offsets \
                     below are relative to them): {e}"
                ),
                limit: matches!(e.kind(), ErrorKind::LengthOverLimit { .. })
                    .then_some(LimitReached::ItemLength),
            },
        }
    }

    fn decode_txn(
        &self,
        offset: usize,
        checksum: i64,
        data: &[u8],
    ) -> Result<TxnEntry, jute::Error> {
        let mut d = Decoder::with_limits(data, self.limits);
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

    fn end(&mut self, offset: usize) -> LogItem {
        self.done = true;
        LogItem::End {
            offset,
            padding: self.bytes.len() - offset,
        }
    }

    /// Reports a bad entry at `offset` and moves to the next entry that checks out.
    fn corrupt(&mut self, offset: usize, what: String) -> LogItem {
        let message = match self.resync(offset + 1) {
            Some(next) => {
                self.pos = next;
                format!("{what}; resuming at the next valid entry, at offset {next}")
            }
            None => {
                self.done = true;
                format!("{what}; no valid entry follows")
            }
        };
        LogItem::Corrupt {
            offset,
            message,
            limit: None,
        }
    }

    /// The first offset at or after `from` where a complete entry with a matching checksum
    /// starts. A false match needs a 32-bit checksum collision at a position that also has a
    /// plausible length and the end-of-record byte. Each candidate's checksum comes from
    /// [`RangeAdler`] in bounded time, so a search costs time linear in the bytes it passes.
    fn resync(&mut self, from: usize) -> Option<usize> {
        let bytes = self.bytes;
        let content = &bytes[..self.content_end];
        let ranges = self
            .ranges
            .get_or_insert_with(|| RangeAdler::new(content, &mut self.summed));
        let last = self
            .content_end
            .min(bytes.len().saturating_sub(ENTRY_HEAD + 1));
        (from..last).find(|&q| {
            // The checksum is an Adler-32 in a long: its high half is zero.
            if bytes[q..q + 4] != [0, 0, 0, 0] {
                return false;
            }
            let len = i32::from_be_bytes(array(&bytes[q + 8..q + 12]));
            let Ok(len) = usize::try_from(len) else {
                return false;
            };
            let end = q + ENTRY_HEAD + len;
            // The end-of-record byte is not zero, so `end < content_end`.
            len > 0
                && end < content.len()
                && content[end] == END_OF_RECORD
                && i64::from_be_bytes(array(&bytes[q..q + 8]))
                    == i64::from(ranges.adler32(content, q + ENTRY_HEAD, end, &mut self.summed))
        })
    }
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
