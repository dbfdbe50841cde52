//! [`SnapshotReader`]: the snapshot's sections, item by item, decoded from a [`Window`] of
//! the decompressed bytes.

use std::io::Read;

use jute::{Decoder, Error, ErrorKind, Jute, Limits};
use zk_records::data::{Acl, StatPersisted};
use zk_records::server::persistence::FileHeader;

use super::source::Window;
use super::{Compression, SnapItem, Znode, DEFAULT_MAX_DECOMPRESSED};
use crate::error::{check_magic, LimitReached, ZkFileError};

/// A seal: `long` checksum, then the string `"/"` (length 1).
const SEAL_LEN: usize = 8 + 4 + 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sessions(Option<u32>),
    AclCount,
    Acls(u32),
    Nodes,
    /// The seal after a section.
    Seal(Section),
    /// What follows the seal after a section.
    AfterSeal(Section),
    Done,
}

/// The sections that a seal follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Tree,
    Digest,
    LastZxid,
}

/// Why a step stopped.
enum Failure {
    Decode(Error),
    /// A node's path or `DataNode` record did not decode: the node's number (the root is 1)
    /// and its path once read.
    Node {
        index: u64,
        path: Option<String>,
        error: Error,
    },
    Source(ZkFileError),
    Full(usize),
}

/// Reads a snapshot item by item, decompressing and parsing as it goes.
#[derive(Debug)]
pub struct SnapshotReader<'a> {
    window: Window<'a>,
    limits: Limits,
    header: FileHeader,
    stage: Stage,
    /// Nodes read so far.
    nodes: u64,
}

impl<'a> SnapshotReader<'a> {
    /// Reads the file header of the snapshot `bytes` (compressed or not: see
    /// [`SnapshotReader::from_reader`]); the rest is read by iterating.
    ///
    /// # Errors
    ///
    /// When the header cannot be decoded or its magic is not `ZKSN`.
    pub fn new(bytes: &'a [u8]) -> Result<Self, ZkFileError> {
        Self::with_limits(bytes, Limits::default())
    }

    /// Like [`SnapshotReader::new`], with explicit limits (raise `max_len` for servers run
    /// with a larger `jute.maxbuffer`).
    ///
    /// # Errors
    ///
    /// As [`SnapshotReader::new`].
    pub fn with_limits(bytes: &'a [u8], limits: Limits) -> Result<Self, ZkFileError> {
        Self::from_reader(bytes, limits, DEFAULT_MAX_DECOMPRESSED)
    }

    /// Reads the file header of the snapshot that `input` gives (a file, say): gzip (`1f 8b`)
    /// or a snappy-java stream (`\x82SNAPPY\0`) by its first bytes, else uncompressed. Reading
    /// is streamed: memory holds the item being decoded and a read-ahead (bounded by
    /// `limits.max_len`), and at most `max_decompressed` bytes are decompressed.
    ///
    /// # Errors
    ///
    /// When the input cannot be read or decompressed as far as the header, the header cannot
    /// be decoded, or its magic is not `ZKSN`.
    pub fn from_reader(
        input: impl Read + 'a,
        limits: Limits,
        max_decompressed: u64,
    ) -> Result<Self, ZkFileError> {
        // A node is a path and data of at most `max_len` each and a fixed-size rest.
        let max_ahead = limits.max_len.saturating_mul(4).saturating_add(1 << 20);
        let window = Window::new(Box::new(input), max_decompressed, max_ahead)?;
        let mut reader = Self {
            window,
            limits,
            header: FileHeader::default(),
            stage: Stage::Sessions(None),
            nodes: 0,
        };
        // A closure: it is generic over the window's lifetime, the fn item is not.
        #[allow(clippy::redundant_closure)]
        let header = match reader.decode(|d| FileHeader::decode(d)) {
            Ok(header) => header,
            Err(Failure::Source(e)) => return Err(e),
            Err(Failure::Decode(e) | Failure::Node { error: e, .. }) => {
                return Err(ZkFileError::Header(e))
            }
            Err(Failure::Full(held)) => {
                let found = format!("{held} bytes that do not decode as one");
                return Err(ZkFileError::Header(Error::invalid(
                    "a file header",
                    found,
                    0,
                )));
            }
        };
        check_magic("snapshot", header.magic, "ZKSN")?;
        reader.header = header;
        Ok(reader)
    }

    /// The `FileHeader` record (`magic`, `version`, `dbid`).
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// How the file is compressed.
    pub fn compression(&self) -> Compression {
        self.window.compression()
    }

    /// The most decompressed bytes the reader has held at once: bounded by the largest item
    /// and the read-ahead, not by the file.
    pub fn peak_buffered(&self) -> usize {
        self.window.peak()
    }

    /// Decodes one item with `f` from the available bytes, buffering more while the item
    /// does not fit; consumes exactly what `f` read.
    fn decode<T>(
        &mut self,
        f: impl Fn(&mut Decoder<&[u8]>) -> Result<T, Error>,
    ) -> Result<T, Failure> {
        loop {
            let mut d = Decoder::with_limits(self.window.available(), self.limits);
            match f(&mut d) {
                Ok(value) => {
                    let n = d.offset();
                    self.window.consume(n);
                    return Ok(value);
                }
                Err(e) if needs_more(&e) && self.window.fill_more() => {}
                Err(e) => {
                    if needs_more(&e) {
                        if let Some(failure) = self.window.take_failure() {
                            return Err(Failure::Source(failure));
                        }
                        if self.window.is_full() {
                            return Err(Failure::Full(self.window.available().len()));
                        }
                    }
                    return Err(Failure::Decode(e.shifted(self.window.offset())));
                }
            }
        }
    }

    /// Whether a seal starts `at` bytes ahead: a checksum with a zero high half, then `"/"`.
    fn seal_at(&mut self, at: usize) -> bool {
        let b = self.window.peek(at + SEAL_LEN);
        b.len() >= at + SEAL_LEN
            && b[at..at + 4] == [0; 4]
            && b[at + 8..at + SEAL_LEN] == [0, 0, 0, 1, b'/']
    }

    /// The length of the digest section ahead, if one followed by a seal is there.
    fn digest_ahead(&mut self) -> Option<usize> {
        let b = self.window.peek(16);
        if b.len() < 12 {
            return None;
        }
        let version = i32::from_be_bytes([b[8], b[9], b[10], b[11]]);
        let len = if version >= 2 {
            20
        } else {
            // Digest version 1 stored the digest as a hex string (16 digits at most).
            let n = i32::from_be_bytes([*b.get(12)?, *b.get(13)?, *b.get(14)?, *b.get(15)?]);
            16 + usize::try_from(n).ok().filter(|&n| n <= 16)?
        };
        self.seal_at(len).then_some(len)
    }

    fn step(&mut self) -> Result<Option<SnapItem>, Failure> {
        match self.stage {
            Stage::Sessions(None) => {
                let count = self.decode(|d| read_count(d, "session list"))?;
                self.stage = Stage::Sessions(Some(count));
                Ok(None)
            }
            Stage::Sessions(Some(0)) => {
                self.stage = Stage::AclCount;
                Ok(None)
            }
            Stage::Sessions(Some(n)) => {
                let (id, timeout) = self.decode(|d| Ok((d.read_i64()?, d.read_i32()?)))?;
                self.stage = Stage::Sessions(Some(n - 1));
                Ok(Some(SnapItem::Session { id, timeout }))
            }
            Stage::AclCount => {
                let count = self.decode(|d| read_count(d, "ACL cache"))?;
                self.stage = Stage::Acls(count);
                Ok(None)
            }
            Stage::Acls(0) => {
                self.stage = Stage::Nodes;
                Ok(None)
            }
            Stage::Acls(n) => {
                let (id, acls) = self.decode(|d| Ok((d.read_i64()?, Vec::<Acl>::decode(d)?)))?;
                self.stage = Stage::Acls(n - 1);
                Ok(Some(SnapItem::Acl { id, acls }))
            }
            Stage::Nodes => self.node(),
            Stage::Seal(after) => {
                let offset = self.window.offset();
                let computed = self.window.checksum();
                let stored = self.decode(|d| {
                    let stored = d.read_i64()?;
                    let at = d.offset();
                    let slash = Option::<String>::decode(d)?;
                    if slash.as_deref() != Some("/") {
                        return Err(Error::invalid("the seal's \"/\"", format!("{slash:?}"), at));
                    }
                    Ok(stored)
                })?;
                self.stage = Stage::AfterSeal(after);
                Ok(Some(SnapItem::Seal {
                    offset,
                    stored,
                    computed,
                }))
            }
            Stage::AfterSeal(after) => self.after_seal(after),
            Stage::Done => Ok(None),
        }
    }

    /// The next node (`ustring path`, then the `DataNode` record: `buffer data, long acl,
    /// StatPersisted stat`), or the end of the tree (the path `"/"`). A failure names the
    /// node by its number and, once read, its path.
    fn node(&mut self) -> Result<Option<SnapItem>, Failure> {
        let index = self.nodes + 1;
        let path = self
            .decode(|d| {
                let at = d.offset();
                Option::<String>::decode(d)?
                    .ok_or_else(|| Error::invalid("a node path", "null", at))
            })
            .map_err(|f| in_node(index, None, f))?;
        if path == "/" {
            self.stage = Stage::Seal(Section::Tree);
            return Ok(None);
        }
        let (data, acl, stat) = self
            .decode(|d| {
                let data =
                    Option::<Vec<u8>>::decode(d).map_err(|e| e.in_field("DataNode", "data"))?;
                let acl = d.read_i64().map_err(|e| e.in_field("DataNode", "acl"))?;
                let stat = StatPersisted::decode(d).map_err(|e| e.in_field("DataNode", "stat"))?;
                Ok((data, acl, stat))
            })
            .map_err(|f| in_node(index, Some(&path), f))?;
        self.nodes = index;
        Ok(Some(SnapItem::Node(Box::new(Znode {
            path,
            data,
            acl,
            stat,
        }))))
    }

    /// What follows a seal: the digest (after the tree's seal, 3.6+), the last processed
    /// zxid (after the tree's or the digest's seal, 3.9+), or the end. A section is taken
    /// only when a seal follows it where it ends; other bytes are trailing bytes.
    fn after_seal(&mut self, after: Section) -> Result<Option<SnapItem>, Failure> {
        if after == Section::Tree && self.digest_ahead().is_some() {
            self.stage = Stage::Seal(Section::Digest);
            let (zxid, version, digest) = self.decode(|d| {
                let zxid = d.read_i64()?;
                let version = d.read_i32()?;
                let digest = if version < 2 {
                    let at = d.offset();
                    let text = Option::<String>::decode(d)?.unwrap_or_default();
                    i64::from_str_radix(&text, 16)
                        .or_else(|_| u64::from_str_radix(&text, 16).map(|u| u as i64))
                        .map_err(|_| Error::invalid("a hex digest", format!("{text:?}"), at))?
                } else {
                    d.read_i64()?
                };
                Ok((zxid, version, digest))
            })?;
            return Ok(Some(SnapItem::Digest {
                zxid,
                version,
                digest,
            }));
        }
        if after != Section::LastZxid && self.seal_at(8) {
            self.stage = Stage::Seal(Section::LastZxid);
            let zxid = self.decode(|d| d.read_i64())?;
            return Ok(Some(SnapItem::LastProcessedZxid(zxid)));
        }
        self.stage = Stage::Done;
        let offset = self.window.offset();
        let trailing = self.window.skip_rest();
        if let Some(failure) = self.window.take_failure() {
            return Err(Failure::Source(failure));
        }
        Ok(Some(SnapItem::End { offset, trailing }))
    }

    fn failure_item(&mut self, section: &str, failure: Failure) -> SnapItem {
        match failure {
            Failure::Node { index, path, error } => {
                let node = match path {
                    Some(path) => format!("node {index} ({path})"),
                    None => format!("node {index}: path"),
                };
                SnapItem::Error {
                    offset: error.offset(),
                    limit: matches!(error.kind(), ErrorKind::LengthOverLimit { .. })
                        .then_some(LimitReached::ItemLength),
                    message: format!("in the {section}: {node}: {error}"),
                }
            }
            Failure::Decode(e) => SnapItem::Error {
                offset: e.offset(),
                limit: matches!(e.kind(), ErrorKind::LengthOverLimit { .. })
                    .then_some(LimitReached::ItemLength),
                message: format!("in the {section}: {e}"),
            },
            Failure::Source(e) => SnapItem::Error {
                offset: self.window.end_offset(),
                limit: match &e {
                    ZkFileError::TooLarge { .. } => Some(LimitReached::DecompressedSize),
                    ZkFileError::Snappy(s) if s.exceeds_limit() => {
                        Some(LimitReached::DecompressedSize)
                    }
                    _ => None,
                },
                message: format!(
                    "in the {section}: {e}; the decompressed data ends at offset {}",
                    self.window.end_offset()
                ),
            },
            Failure::Full(held) => SnapItem::Error {
                offset: self.window.offset(),
                limit: Some(LimitReached::ItemLength),
                message: format!(
                    "in the {section}: an item of more than {held} bytes, more than a string \
                     or buffer limit of {} allows",
                    self.limits.max_len
                ),
            },
        }
    }
}

/// A decoding failure inside node number `index` (whose `path`, once read, is given) as a
/// [`Failure::Node`]; other failures unchanged.
fn in_node(index: u64, path: Option<&str>, failure: Failure) -> Failure {
    match failure {
        Failure::Decode(error) => Failure::Node {
            index,
            path: path.map(String::from),
            error,
        },
        other => other,
    }
}

/// A section count (`int`): -1 (null) reads as 0, as Java's loops do.
fn read_count(d: &mut Decoder<&[u8]>, what: &'static str) -> Result<u32, Error> {
    let at = d.offset();
    let count = d.read_i32()?;
    match count {
        -1 => Ok(0),
        n => {
            u32::try_from(n).map_err(|_| Error::new(ErrorKind::NegativeLength { what, len: n }, at))
        }
    }
}

/// Whether decoding failed only for want of bytes (that a larger window may hold).
fn needs_more(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UnexpectedEof { .. } | ErrorKind::LengthOverInput { .. }
    )
}

impl Iterator for SnapshotReader<'_> {
    type Item = SnapItem;

    fn next(&mut self) -> Option<SnapItem> {
        loop {
            if self.stage == Stage::Done {
                return None;
            }
            let section = self.stage.name();
            match self.step() {
                Ok(Some(item)) => return Some(item),
                Ok(None) => continue,
                Err(failure) => {
                    self.stage = Stage::Done;
                    return Some(self.failure_item(section, failure));
                }
            }
        }
    }
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Sessions(_) => "session list",
            Stage::AclCount | Stage::Acls(_) => "ACL cache",
            Stage::Nodes => "node list",
            Stage::Seal(_) => "seal",
            Stage::AfterSeal(_) => "digest section",
            Stage::Done => "end",
        }
    }
}
