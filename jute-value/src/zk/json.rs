//! JSON lines for the items of transaction logs and snapshots (what `jute zk-log` and
//! `jute zk-snapshot` print).

use super::snapshot::{DataFormat, SnapItem};
use super::time::format_millis;
use super::txn::{op_name, SubTxn, TxnBody};
use super::txnlog::{LogItem, TxnEntry};
use crate::json::{hex_string, Json};
use crate::value::Value;

/// `0x`-prefixed hex of an id or zxid, as ZooKeeper prints them.
fn hex_id(v: i64) -> Json {
    Json::String(format!("{:#x}", v as u64))
}

/// The first JSON line of `jute zk-log`/`zk-snapshot`: `kind` (`"log"` or `"snapshot"`), the
/// magic as text and the `FileHeader` record.
pub fn file_header_json(kind: &str, header: &Value) -> Json {
    let magic = header.field("magic").and_then(Value::as_i64).unwrap_or(0) as i32;
    let text: String = magic
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
    Json::object([
        ("kind", Json::String(kind.into())),
        ("magic", Json::String(text)),
        ("header", header.to_json()),
    ])
}

impl LogItem {
    /// One JSON object for the item, with a `kind` of `txn`, `corrupt` or `end`.
    pub fn to_json(&self) -> Json {
        match self {
            LogItem::Txn(entry) => entry.to_json(),
            LogItem::Corrupt {
                offset, message, ..
            } => Json::object([
                ("kind", Json::String("corrupt".into())),
                ("offset", Json::Int(*offset as i64)),
                ("error", Json::String(message.clone())),
            ]),
            LogItem::End { offset, padding } => Json::object([
                ("kind", Json::String("end".into())),
                ("offset", Json::Int(*offset as i64)),
                ("padding", Json::Int(*padding as i64)),
            ]),
        }
    }
}

/// The op's name, or `unknown <code>` as Apache's `Request.op2String` prints other codes.
fn op_json(op_type: i32) -> Json {
    Json::String(op_name(op_type).map_or_else(|| format!("unknown {op_type}"), String::from))
}

impl TxnEntry {
    /// The entry as a JSON object: offset, readable session/zxid/time/op, the `TxnHeader`,
    /// the body under `txn` (a multi's sub-transactions decoded), and the digest.
    pub fn to_json(&self) -> Json {
        let field = |n| self.header_field(n).unwrap_or(0);
        let mut pairs = vec![
            ("kind".to_string(), Json::String("txn".into())),
            ("offset".into(), Json::Int(self.offset as i64)),
            ("zxid".into(), hex_id(field("zxid"))),
            ("session".into(), hex_id(field("clientId"))),
            ("time".into(), Json::String(format_millis(field("time")))),
            ("op".into(), op_json(self.op_type())),
            ("header".into(), self.header.to_json()),
        ];
        match &self.body {
            TxnBody::None => {
                pairs.push(("record".into(), Json::Null));
                pairs.push(("txn".into(), Json::Null));
            }
            TxnBody::Record { record, value } => {
                pairs.push(("record".into(), Json::String((*record).into())));
                pairs.push(("txn".into(), value.to_json()));
            }
            TxnBody::Multi(subs) => {
                pairs.push(("record".into(), Json::String("MultiTxn".into())));
                pairs.push((
                    "txn".into(),
                    Json::object([(
                        "txns",
                        Json::Array(subs.iter().map(SubTxn::to_json).collect()),
                    )]),
                ));
            }
        }
        pairs.push((
            "digest".into(),
            self.digest.as_ref().map_or(Json::Null, Value::to_json),
        ));
        if !self.trailing.is_empty() {
            pairs.push(("trailing".into(), Json::String(hex_string(&self.trailing))));
        }
        Json::Object(pairs)
    }
}

impl SubTxn {
    /// The sub-transaction as `{"type", "op", "record", "txn"}` (or `"error"` and raw
    /// `"data"` when it could not be decoded).
    pub fn to_json(&self) -> Json {
        let mut pairs = vec![
            ("type".to_string(), Json::Int(i64::from(self.op_type))),
            ("op".into(), op_json(self.op_type)),
        ];
        match &self.body {
            Ok((record, value)) => {
                pairs.push(("record".into(), Json::String((*record).into())));
                pairs.push(("txn".into(), value.to_json()));
            }
            Err((message, data)) => {
                pairs.push(("error".into(), Json::String(message.clone())));
                pairs.push(("data".into(), Json::String(hex_string(data))));
            }
        }
        Json::Object(pairs)
    }
}

impl SnapItem {
    /// One JSON object for the item, with a `kind` of `session`, `acl`, `node`, `seal`,
    /// `digest`, `lastProcessedZxid`, `end` or `error`. The root node's path is shown as `/`.
    pub fn to_json(&self, data: DataFormat) -> Json {
        let kind = |k: &str| ("kind".to_string(), Json::String(k.into()));
        Json::Object(match self {
            SnapItem::Session { id, timeout } => vec![
                kind("session"),
                ("id".into(), Json::Int(*id)),
                ("session".into(), hex_id(*id)),
                ("timeout".into(), Json::Int(i64::from(*timeout))),
            ],
            SnapItem::Acl { id, acls } => vec![
                kind("acl"),
                ("id".into(), Json::Int(*id)),
                ("acls".into(), acls.to_json()),
            ],
            SnapItem::Node(node) => {
                let path = if node.path.is_empty() {
                    "/"
                } else {
                    &node.path
                };
                let mut pairs = vec![kind("node"), ("path".into(), Json::String(path.into()))];
                match (&node.data, data) {
                    (None, _) => pairs.push(("data".into(), Json::Null)),
                    (Some(bytes), DataFormat::Hex) => {
                        pairs.push(("data".into(), Json::String(hex_string(bytes))));
                    }
                    (Some(bytes), DataFormat::Utf8) => match std::str::from_utf8(bytes) {
                        Ok(text) => pairs.push(("data".into(), Json::String(text.into()))),
                        Err(_) => pairs.push(("dataHex".into(), Json::String(hex_string(bytes)))),
                    },
                }
                pairs.push(("acl".into(), Json::Int(node.acl)));
                pairs.push(("stat".into(), node.stat.to_json()));
                pairs
            }
            SnapItem::Seal {
                offset,
                stored,
                computed,
            } => vec![
                kind("seal"),
                ("offset".into(), Json::Int(*offset as i64)),
                ("checksum".into(), Json::Int(*stored)),
                ("computed".into(), Json::Int(i64::from(*computed))),
                ("ok".into(), Json::Bool(*stored == i64::from(*computed))),
            ],
            SnapItem::Digest {
                zxid,
                version,
                digest,
            } => vec![
                kind("digest"),
                ("zxid".into(), hex_id(*zxid)),
                ("digestVersion".into(), Json::Int(i64::from(*version))),
                ("digest".into(), Json::Int(*digest)),
            ],
            SnapItem::LastProcessedZxid(zxid) => {
                vec![kind("lastProcessedZxid"), ("zxid".into(), hex_id(*zxid))]
            }
            SnapItem::End { offset, trailing } => vec![
                kind("end"),
                ("offset".into(), Json::Int(*offset as i64)),
                ("trailing".into(), Json::Int(*trailing as i64)),
            ],
            SnapItem::Error {
                offset, message, ..
            } => vec![
                kind("error"),
                ("offset".into(), Json::Int(*offset as i64)),
                ("error".into(), Json::String(message.clone())),
            ],
        })
    }
}
