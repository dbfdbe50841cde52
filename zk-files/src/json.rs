//! JSON lines for the items of transaction logs and snapshots (what `zk log` and
//! `zk snapshot` print): `serde::Serialize` for the items, and a writer that prints byte
//! buffers as lowercase hex.
//!
//! The records inside the items serialize through `zk-records`' `serde` feature (Jute field
//! names, in schema order); their `buffer` fields go through `serialize_bytes`, which
//! [`to_writer`] and [`to_string`] turn into hex strings with serde_json's formatter hook for
//! byte arrays.

use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};
use zk_records::server::persistence::FileHeader;

use crate::snapshot::{DataFormat, SnapItem};
use crate::time::format_millis;
use crate::txn::{op_name, SubTxn, TxnBody};
use crate::txnlog::{LogItem, TxnEntry};

/// serde_json's compact output with byte arrays as lowercase hex strings.
#[derive(Debug, Clone, Copy, Default)]
struct HexBytes;

impl Formatter for HexBytes {
    fn write_byte_array<W: ?Sized + Write>(&mut self, w: &mut W, value: &[u8]) -> io::Result<()> {
        CompactFormatter.begin_string(w)?;
        w.write_all(hex_string(value).as_bytes())?;
        CompactFormatter.end_string(w)
    }
}

/// Writes `value` as one line of compact JSON (no newline), byte buffers as lowercase hex.
///
/// # Errors
///
/// When `w` fails, or `value`'s `Serialize` does.
pub fn to_writer<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(w, HexBytes))
}

/// `value` as compact JSON, byte buffers as lowercase hex.
///
/// ```
/// let digest = zk_records::txn::TxnDigest { version: 2, tree_digest: 7 };
/// assert_eq!(zk_files::json::to_string(&digest), r#"{"version":2,"treeDigest":7}"#);
/// let txn = zk_records::txn::SetDataTxn { path: "/a".into(), data: Some(vec![0xca, 0xfe].into()), version: 1 };
/// assert_eq!(zk_files::json::to_string(&txn), r#"{"path":"/a","data":"cafe","version":1}"#);
/// ```
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and the items and records serialize without errors.
    let _ = to_writer(&mut out, value);
    String::from_utf8_lossy(&out).into_owned()
}

/// Lowercase hex of `bytes`, by `hex::encode_to_slice` into a buffer sized once (the
/// iterator behind `hex::encode` costs several times more on large node data).
pub(crate) fn hex_string(bytes: &[u8]) -> String {
    let mut out = vec![0; bytes.len() * 2];
    match hex::encode_to_slice(bytes, &mut out).map(|()| String::from_utf8(out)) {
        Ok(Ok(s)) => s,
        // Not reached: the buffer has the right length and hex digits are ASCII.
        _ => hex::encode(bytes),
    }
}

/// `0x`-prefixed hex of an id or zxid, as ZooKeeper prints them.
fn hex_id(v: i64) -> String {
    format!("{:#x}", v as u64)
}

/// The op's name, or `unknown <code>` as Apache's `Request.op2String` prints other codes.
fn op_text(op_type: i32) -> String {
    op_name(op_type).map_or_else(|| format!("unknown {op_type}"), String::from)
}

/// The first JSON line of `zk log`/`zk snapshot`: `kind` (`"log"` or `"snapshot"`), the
/// magic as text and the `FileHeader` record.
///
/// ```
/// use zk_records::server::persistence::FileHeader;
///
/// let header = FileHeader { magic: i32::from_be_bytes(*b"ZKLG"), version: 2, dbid: 0 };
/// assert_eq!(
///     zk_files::json::to_string(&zk_files::json::FileHeaderLine::new("log", &header)),
///     r#"{"kind":"log","magic":"ZKLG","header":{"magic":1514884167,"version":2,"dbid":0}}"#
/// );
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct FileHeaderLine<'a> {
    kind: &'a str,
    magic: String,
    header: &'a FileHeader,
    #[serde(skip_serializing_if = "Option::is_none")]
    compression: Option<Option<&'a str>>,
}

impl<'a> FileHeaderLine<'a> {
    /// The line for `header` of a file of `kind`.
    pub fn new(kind: &'a str, header: &'a FileHeader) -> Self {
        let magic = header
            .magic
            .to_be_bytes()
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() {
                    char::from(b)
                } else {
                    '?'
                }
            })
            .collect();
        Self {
            kind,
            magic,
            header,
            compression: None,
        }
    }

    /// Adds a `compression` key: the name of the compression (`gz`, `snappy`), or null.
    pub fn compression(mut self, name: Option<&'a str>) -> Self {
        self.compression = Some(name);
        self
    }
}

impl Serialize for LogItem {
    /// One JSON object for the item, with a `kind` of `txn`, `corrupt` or `end`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LogItem::Txn(entry) => entry.serialize(s),
            LogItem::Corrupt {
                offset, message, ..
            } => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("kind", "corrupt")?;
                m.serialize_entry("offset", offset)?;
                m.serialize_entry("error", message)?;
                m.end()
            }
            LogItem::End { offset, padding } => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("kind", "end")?;
                m.serialize_entry("offset", offset)?;
                m.serialize_entry("padding", padding)?;
                m.end()
            }
        }
    }
}

/// A multi's body: `{"txns": [...]}`.
struct MultiJson<'a>(&'a [SubTxn]);

impl Serialize for MultiJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("txns", self.0)?;
        m.end()
    }
}

impl Serialize for TxnEntry {
    /// The entry as a JSON object: offset, readable session/zxid/time/op, the `TxnHeader`,
    /// the body under `txn` (a multi's sub-transactions decoded), and the digest.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = &self.header;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kind", "txn")?;
        m.serialize_entry("offset", &self.offset)?;
        m.serialize_entry("zxid", &hex_id(h.zxid))?;
        m.serialize_entry("session", &hex_id(h.client_id))?;
        m.serialize_entry("time", &format_millis(h.time))?;
        m.serialize_entry("op", &op_text(h.r#type))?;
        m.serialize_entry("header", h)?;
        match &self.body {
            TxnBody::None => {
                m.serialize_entry("record", &())?;
                m.serialize_entry("txn", &())?;
            }
            TxnBody::Record(txn) => {
                m.serialize_entry("record", txn.record_name())?;
                m.serialize_entry("txn", txn)?;
            }
            TxnBody::Multi(subs) => {
                m.serialize_entry("record", "MultiTxn")?;
                m.serialize_entry("txn", &MultiJson(subs))?;
            }
        }
        m.serialize_entry("digest", &self.digest)?;
        if !self.trailing.is_empty() {
            m.serialize_entry("trailing", &hex_string(&self.trailing))?;
        }
        m.end()
    }
}

impl Serialize for SubTxn {
    /// The sub-transaction as `{"type", "op", "record", "txn"}` (or `"error"` and raw
    /// `"data"` when it could not be decoded).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("type", &self.op_type)?;
        m.serialize_entry("op", &op_text(self.op_type))?;
        match &self.body {
            Ok(txn) => {
                m.serialize_entry("record", txn.record_name())?;
                m.serialize_entry("txn", txn)?;
            }
            Err((message, data)) => {
                m.serialize_entry("error", message)?;
                m.serialize_entry("data", &hex_string(data))?;
            }
        }
        m.end()
    }
}

/// A [`SnapItem`] with the [`DataFormat`] its node data is shown in: what
/// [`SnapItem::json`] returns.
#[derive(Debug, Clone, Copy)]
pub struct SnapItemJson<'a> {
    item: &'a SnapItem,
    data: DataFormat,
}

impl SnapItem {
    /// The item as one JSON object, with a `kind` of `session`, `acl`, `node`, `seal`,
    /// `digest`, `lastProcessedZxid`, `end` or `error`. The root node's path is shown as `/`.
    pub fn json(&self, data: DataFormat) -> SnapItemJson<'_> {
        SnapItemJson { item: self, data }
    }
}

impl Serialize for SnapItemJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self.item {
            SnapItem::Session { id, timeout } => {
                m.serialize_entry("kind", "session")?;
                m.serialize_entry("id", id)?;
                m.serialize_entry("session", &hex_id(*id))?;
                m.serialize_entry("timeout", timeout)?;
            }
            SnapItem::Acl { id, acls } => {
                m.serialize_entry("kind", "acl")?;
                m.serialize_entry("id", id)?;
                m.serialize_entry("acls", acls)?;
            }
            SnapItem::Node(node) => {
                let path = if node.path.is_empty() {
                    "/"
                } else {
                    &node.path
                };
                m.serialize_entry("kind", "node")?;
                m.serialize_entry("path", path)?;
                match (&node.data, self.data) {
                    (None, _) => m.serialize_entry("data", &())?,
                    (Some(bytes), DataFormat::Hex) => {
                        m.serialize_entry("data", &hex_string(bytes))?;
                    }
                    (Some(bytes), DataFormat::Utf8) => match std::str::from_utf8(bytes) {
                        Ok(text) => m.serialize_entry("data", text)?,
                        Err(_) => m.serialize_entry("dataHex", &hex_string(bytes))?,
                    },
                }
                m.serialize_entry("acl", &node.acl)?;
                m.serialize_entry("stat", &node.stat)?;
            }
            SnapItem::Seal {
                offset,
                stored,
                computed,
            } => {
                m.serialize_entry("kind", "seal")?;
                m.serialize_entry("offset", offset)?;
                m.serialize_entry("checksum", stored)?;
                m.serialize_entry("computed", computed)?;
                m.serialize_entry("ok", &(*stored == i64::from(*computed)))?;
            }
            SnapItem::Digest {
                zxid,
                version,
                digest,
            } => {
                m.serialize_entry("kind", "digest")?;
                m.serialize_entry("zxid", &hex_id(*zxid))?;
                m.serialize_entry("digestVersion", version)?;
                m.serialize_entry("digest", digest)?;
            }
            SnapItem::LastProcessedZxid(zxid) => {
                m.serialize_entry("kind", "lastProcessedZxid")?;
                m.serialize_entry("zxid", &hex_id(*zxid))?;
            }
            SnapItem::End { offset, trailing } => {
                m.serialize_entry("kind", "end")?;
                m.serialize_entry("offset", offset)?;
                m.serialize_entry("trailing", trailing)?;
            }
            SnapItem::Error {
                offset, message, ..
            } => {
                m.serialize_entry("kind", "error")?;
                m.serialize_entry("offset", offset)?;
                m.serialize_entry("error", message)?;
            }
        }
        m.end()
    }
}
