//! Snapshots (`version-2/snapshot.<zxid>[.gz|.snappy]`), item by item, as Apache's `FileSnap` reads
//! them.
//!
//! Layout: a `FileHeader` (magic `ZKSN`, version 2, dbid); `int` session count and
//! `long id, int timeout` per session; the ACL cache (`int` count, then `long id,
//! vector<ACL>` per entry); the nodes (`ustring path`, then `buffer data, long acl,
//! StatPersisted stat`), parents before children, the root's path empty, ended by the path
//! `"/"`; a seal (`long` Adler-32 of every byte before it, then the string `"/"`). Since 3.6 a
//! `ZxidDigest` (`long zxid, int digestVersion, long digest`) and a second seal follow; since
//! 3.9 possibly `long lastProcessedZxid` and a third seal.
//!
//! A snapshot written with `zookeeper.snapshot.compression.method=gz` is gzip-compressed
//! (`snapshot.<zxid>.gz`, read with the default `gzip` feature); with `snappy` it is a
//! snappy-java stream (`snapshot.<zxid>.snappy`, read by the decoder in `snappy.rs`). The
//! Adler-32 seals cover the uncompressed bytes.

use std::borrow::Cow;

use jute::{Decoder, Error, Jute, Limits};
use jute_parser::{Schema, Type};

use super::adler32::adler32_update;
use super::error::{check_magic, ZkFileError};
use super::schema::names;
use super::snappy::{decompress_snappy_stream, SNAPPY_JAVA_MAGIC};
use crate::value::Value;

/// How a snapshot file was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// snappy-java's stream format (`.snappy`).
    Snappy,
}

/// The default limit on a decompressed snapshot's size for [`decompress`]: 2 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 2 << 30;

/// How node data is shown in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataFormat {
    /// Lowercase hex, always.
    #[default]
    Hex,
    /// UTF-8 text where the data is valid UTF-8; hex (under the key `dataHex`) otherwise.
    Utf8,
}

/// One znode of the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Znode {
    /// The path as stored: empty for the root, `/a/b` otherwise.
    pub path: String,
    /// The data; `None` when stored as null.
    pub data: Option<Vec<u8>>,
    /// The key of the node's ACL in the ACL cache (-1 for open ACL in old snapshots).
    pub acl: i64,
    /// The `StatPersisted` record.
    pub stat: Value,
}

/// What the reader found next in a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapItem {
    /// A live session.
    Session {
        /// The session id.
        id: i64,
        /// Its timeout in milliseconds.
        timeout: i32,
    },
    /// An entry of the ACL cache.
    Acl {
        /// The key that nodes refer to.
        id: i64,
        /// The ACL list: a vector of `ACL` records.
        acls: Value,
    },
    /// A znode.
    Node(Box<Znode>),
    /// A seal: the stored Adler-32 of everything before it, and the one computed.
    Seal {
        /// File offset (after decompression) of the seal.
        offset: usize,
        /// The checksum as stored.
        stored: i64,
        /// The checksum computed over the bytes before it.
        computed: u32,
    },
    /// The data tree digest (3.6+).
    Digest {
        /// The zxid the digest was computed at.
        zxid: i64,
        /// The digest algorithm's version.
        version: i32,
        /// The digest.
        digest: i64,
    },
    /// The last processed zxid (3.9+).
    LastProcessedZxid(i64),
    /// The end of the snapshot.
    End {
        /// File offset (after decompression) of the end of what was read.
        offset: usize,
        /// Bytes after it that no known section accounts for.
        trailing: usize,
    },
    /// The snapshot cannot be read further.
    Error {
        /// File offset (after decompression) where the problem starts.
        offset: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sessions(usize),
    AclCount,
    Acls(usize),
    Nodes,
    Seal(u8),
    AfterSeal(u8),
    Done,
}

/// Decompresses a snapshot file if needed, by its leading bytes (not its name), to at most
/// [`DEFAULT_MAX_DECOMPRESSED`] bytes.
///
/// # Errors
///
/// As [`decompress_with_limit`].
pub fn decompress(raw: &[u8]) -> Result<(Cow<'_, [u8]>, Compression), ZkFileError> {
    decompress_with_limit(raw, DEFAULT_MAX_DECOMPRESSED)
}

/// Decompresses a snapshot file if needed, by its leading bytes (not its name): gzip
/// (`1f 8b`) or a snappy-java stream (`\x82SNAPPY\0`); anything else is returned as is. At
/// most `max_len` bytes are produced; the limit is checked before memory is reserved.
///
/// # Errors
///
/// For gzip without the `gzip` feature, corrupt compressed data (for snappy, with the byte
/// offset in the file and what was expected there), or output beyond `max_len`.
pub fn decompress_with_limit(
    raw: &[u8],
    max_len: u64,
) -> Result<(Cow<'_, [u8]>, Compression), ZkFileError> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        return gunzip(raw, max_len).map(|b| (Cow::Owned(b), Compression::Gzip));
    }
    if raw.starts_with(SNAPPY_JAVA_MAGIC) {
        return decompress_snappy_stream(raw, max_len)
            .map(|b| (Cow::Owned(b), Compression::Snappy))
            .map_err(ZkFileError::Snappy);
    }
    Ok((Cow::Borrowed(raw), Compression::None))
}

#[cfg(feature = "gzip")]
fn gunzip(raw: &[u8], max_len: u64) -> Result<Vec<u8>, ZkFileError> {
    use std::io::Read as _;
    let mut out = Vec::new();
    // One byte past the limit tells a stream at the limit from one beyond it.
    flate2::read::MultiGzDecoder::new(raw)
        .take(max_len.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(ZkFileError::Decompress)?;
    if out.len() as u64 > max_len {
        return Err(ZkFileError::TooLarge { limit: max_len });
    }
    Ok(out)
}

#[cfg(not(feature = "gzip"))]
fn gunzip(_raw: &[u8], _max_len: u64) -> Result<Vec<u8>, ZkFileError> {
    Err(ZkFileError::Unsupported(
        "gzip-compressed snapshot, but jute-value was built without its `gzip` feature".into(),
    ))
}

/// Reads an (uncompressed, see [`decompress`]) snapshot held in memory, item by item.
#[derive(Debug)]
pub struct SnapshotReader<'a> {
    schema: &'a Schema,
    bytes: &'a [u8],
    d: Decoder<&'a [u8]>,
    header: Value,
    stage: Stage,
    /// Adler-32 of `bytes[..checked]`.
    checksum: u32,
    checked: usize,
}

impl<'a> SnapshotReader<'a> {
    /// Reads the file header; the rest is read by iterating.
    ///
    /// # Errors
    ///
    /// When the header cannot be decoded or its magic is not `ZKSN`.
    pub fn new(schema: &'a Schema, bytes: &'a [u8]) -> Result<Self, ZkFileError> {
        Self::with_limits(schema, bytes, Limits::default())
    }

    /// Like [`SnapshotReader::new`], with explicit limits (raise `max_len` for servers run
    /// with a larger `jute.maxbuffer`).
    ///
    /// # Errors
    ///
    /// As [`SnapshotReader::new`].
    pub fn with_limits(
        schema: &'a Schema,
        bytes: &'a [u8],
        limits: Limits,
    ) -> Result<Self, ZkFileError> {
        for needed in [names::FILE_HEADER, names::ACL, names::STAT_PERSISTED] {
            if schema.record(needed).is_none() {
                return Err(ZkFileError::MissingRecord(needed));
            }
        }
        let mut d = Decoder::with_limits(bytes, limits);
        let header =
            crate::decode(schema, names::FILE_HEADER, &mut d).map_err(ZkFileError::Header)?;
        let magic = header.field("magic").and_then(Value::as_i64).unwrap_or(0);
        check_magic("snapshot", magic as i32, "ZKSN")?;
        Ok(Self {
            schema,
            bytes,
            d,
            header,
            stage: Stage::Sessions(usize::MAX),
            checksum: 1,
            checked: 0,
        })
    }

    /// The `FileHeader` record (`magic`, `version`, `dbid`).
    pub fn header(&self) -> &Value {
        &self.header
    }

    fn step(&mut self) -> Result<Option<SnapItem>, Error> {
        let d = &mut self.d;
        match self.stage {
            Stage::Sessions(usize::MAX) => {
                let count = d.read_count("session list", 12)?.unwrap_or(0);
                self.stage = Stage::Sessions(count);
                Ok(None)
            }
            Stage::Sessions(0) => {
                self.stage = Stage::AclCount;
                Ok(None)
            }
            Stage::Sessions(n) => {
                let id = d.read_i64()?;
                let timeout = d.read_i32()?;
                self.stage = Stage::Sessions(n - 1);
                Ok(Some(SnapItem::Session { id, timeout }))
            }
            Stage::AclCount => {
                let count = d.read_count("ACL cache", 12)?.unwrap_or(0);
                self.stage = Stage::Acls(count);
                Ok(None)
            }
            Stage::Acls(0) => {
                self.stage = Stage::Nodes;
                Ok(None)
            }
            Stage::Acls(n) => {
                let id = d.read_i64()?;
                let ty = Type::Vector(Box::new(Type::Record(names::ACL.to_string())));
                let acls = crate::decode_type(self.schema, &ty, d)?;
                self.stage = Stage::Acls(n - 1);
                Ok(Some(SnapItem::Acl { id, acls }))
            }
            Stage::Nodes => {
                let at = d.offset();
                let Some(path) = Option::<String>::decode(d)? else {
                    return Err(Error::invalid("a node path", "null", at));
                };
                if path == "/" {
                    self.stage = Stage::Seal(1);
                    return Ok(None);
                }
                let data = Option::<Vec<u8>>::decode(d)?;
                let acl = d.read_i64()?;
                let stat = crate::decode(self.schema, names::STAT_PERSISTED, d)?;
                Ok(Some(SnapItem::Node(Box::new(Znode {
                    path,
                    data,
                    acl,
                    stat,
                }))))
            }
            Stage::Seal(n) => {
                let offset = d.offset();
                let computed = adler32_update(self.checksum, &self.bytes[self.checked..offset]);
                self.checksum = computed;
                self.checked = offset;
                let stored = d.read_i64()?;
                let at = d.offset();
                let slash = Option::<String>::decode(d)?;
                if slash.as_deref() != Some("/") {
                    return Err(Error::invalid("the seal's \"/\"", format!("{slash:?}"), at));
                }
                self.stage = Stage::AfterSeal(n);
                Ok(Some(SnapItem::Seal {
                    offset,
                    stored,
                    computed,
                }))
            }
            Stage::AfterSeal(n) => {
                // What follows a seal is known by its size: a digest is 20 bytes and a last
                // zxid 8, each followed by a 13-byte seal.
                const SEAL: usize = 8 + 4 + 1;
                let left = d.remaining();
                if left == 0 || n >= 3 {
                    self.stage = Stage::Done;
                    return Ok(Some(SnapItem::End {
                        offset: d.offset(),
                        trailing: left,
                    }));
                }
                self.stage = Stage::Seal(n + 1);
                if left == 8 + SEAL {
                    return Ok(Some(SnapItem::LastProcessedZxid(d.read_i64()?)));
                }
                let zxid = d.read_i64()?;
                let version = d.read_i32()?;
                let digest = if version < 2 {
                    // Digest version 1 stored the digest as a hex string.
                    let at = d.offset();
                    let text = Option::<String>::decode(d)?.unwrap_or_default();
                    i64::from_str_radix(&text, 16)
                        .or_else(|_| u64::from_str_radix(&text, 16).map(|u| u as i64))
                        .map_err(|_| Error::invalid("a hex digest", format!("{text:?}"), at))?
                } else {
                    d.read_i64()?
                };
                Ok(Some(SnapItem::Digest {
                    zxid,
                    version,
                    digest,
                }))
            }
            Stage::Done => Ok(None),
        }
    }
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
                Err(e) => {
                    self.stage = Stage::Done;
                    return Some(SnapItem::Error {
                        offset: e.offset(),
                        message: format!("in the {section}: {e}"),
                    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decompress_detects_the_format_and_applies_the_limit() {
        let plain = b"ZKSN\0\0\0\x02";
        let (out, c) = decompress(plain).unwrap();
        assert!(matches!(out, Cow::Borrowed(_)) && c == Compression::None);

        // A snappy-java stream holding "hello".
        let snappy = b"\x82SNAPPY\0\0\0\0\x01\0\0\0\x01\0\0\0\x07\x05\x10hello";
        let (out, c) = decompress_with_limit(snappy, 5).unwrap();
        assert_eq!((&out[..], c), (&b"hello"[..], Compression::Snappy));
        match decompress_with_limit(snappy, 4) {
            Err(ZkFileError::Snappy(e)) => assert!(e.exceeds_limit(), "{e}"),
            other => panic!("{other:?}"),
        }
        let e = decompress(&snappy[..21]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot decompress snappy data: at byte 20: expected a chunk"),
            "{e}"
        );
    }

    #[cfg(feature = "gzip")]
    #[test]
    fn gzip_output_is_bounded() {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&[0u8; 1000]).unwrap();
        let gz = gz.finish().unwrap();
        let (out, c) = decompress_with_limit(&gz, 1000).unwrap();
        assert_eq!((out.len(), c), (1000, Compression::Gzip));
        assert!(matches!(
            decompress_with_limit(&gz, 999),
            Err(ZkFileError::TooLarge { limit: 999 })
        ));
    }
}
