//! Transaction bodies: which record follows a `TxnHeader` of each type, as Apache's
//! `SerializeUtils.deserializeTxn` (top level) and `DataTree.processTxn` (inside a multi)
//! decide it.

use jute::{Decoder, Error, ErrorKind};
use jute_parser::Schema;

use super::schema::names::{TXN_HEADER, TXN_MODULE};
use crate::value::Value;

/// The name of a ZooKeeper operation code (`ZooDefs.OpCode`) as ZooKeeper 3.8's
/// `Request.op2String` (which `TxnLogToolkit` prints) spells it, for the codes that can appear
/// in a transaction log; `None` for others (which Apache prints as `unknown <code>`).
///
/// ```
/// assert_eq!(jute_value::zk::op_name(14), Some("multi"));
/// assert_eq!(jute_value::zk::op_name(-11), Some("closeSession"));
/// assert_eq!(jute_value::zk::op_name(21), Some("createTtl"));
/// ```
pub fn op_name(code: i32) -> Option<&'static str> {
    Some(match code {
        -11 => "closeSession",
        -10 => "createSession",
        -1 => "error",
        1 => "create",
        2 => "delete",
        5 => "setData",
        7 => "setACL",
        13 => "check",
        14 => "multi",
        15 => "create2",
        16 => "reconfig",
        19 => "createContainer",
        20 => "deleteContainer",
        21 => "createTtl",
        _ => return None,
    })
}

/// The decoded body of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum TxnBody {
    /// No body: a `closeSession` written before `CloseSessionTxn` existed, or by a server run
    /// with `zookeeper.closeSessionTxn.enabled=false`.
    None,
    /// One record; `record` is its simple name (e.g. `CreateTxn`, or `CreateTxnV0` for a
    /// create written before `parentCVersion` existed).
    Record {
        /// The record's simple name.
        record: &'static str,
        /// The record.
        value: Value,
    },
    /// A `multi` transaction: its `MultiTxn` sub-transactions, each decoded.
    Multi(Vec<SubTxn>),
}

/// One operation of a multi transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct SubTxn {
    /// The operation code.
    pub op_type: i32,
    /// The decoded body, or why it could not be decoded (the error's offsets are relative to
    /// the sub-transaction's data); with the raw data for inspection.
    pub body: Result<(&'static str, Value), (String, Vec<u8>)>,
}

/// The body record of a top-level transaction of `op_type` (`SerializeUtils.deserializeTxn`).
fn top_level_record(op_type: i32) -> Option<&'static str> {
    Some(match op_type {
        -10 => "CreateSessionTxn",
        -11 => "CloseSessionTxn",
        1 | 15 => "CreateTxn",
        21 => "CreateTTLTxn",
        19 => "CreateContainerTxn",
        2 | 20 => "DeleteTxn",
        16 | 5 => "SetDataTxn",
        7 => "SetACLTxn",
        -1 => "ErrorTxn",
        14 => "MultiTxn",
        _ => return None,
    })
}

/// The body record of a sub-transaction of a multi (`DataTree.processTxn`).
fn multi_record(op_type: i32) -> Option<&'static str> {
    Some(match op_type {
        1 | 15 => "CreateTxn",
        21 => "CreateTTLTxn",
        19 => "CreateContainerTxn",
        2 | 20 => "DeleteTxn",
        5 => "SetDataTxn",
        -1 => "ErrorTxn",
        13 => "CheckVersionTxn",
        _ => return None,
    })
}

fn qualified(record: &str) -> String {
    format!("{TXN_MODULE}{record}")
}

/// Decodes the body of a top-level transaction of `op_type` from `d` (positioned after the
/// header). Leaves any digest bytes in `d`.
///
/// `bytes` are the whole transaction bytes that `d` reads, so that error offsets stay
/// relative to them.
pub(crate) fn decode_body<'b>(
    schema: &Schema,
    op_type: i32,
    bytes: &'b [u8],
    d: &mut Decoder<&'b [u8]>,
) -> Result<TxnBody, Error> {
    let Some(record) = top_level_record(op_type) else {
        return Err(Error::invalid(
            "a transaction type that ZooKeeper logs",
            format!("type {op_type}"),
            d.offset(),
        ));
    };
    let start = d.offset();
    if op_type == -11 && d.remaining() == TXN_DIGEST_LEN {
        return Ok(close_session_or_digest(schema, bytes, d));
    }
    match crate::decode(schema, &qualified(record), d) {
        Ok(value) if op_type == 14 => Ok(TxnBody::Multi(expand_multi(schema, &value))),
        Ok(value) => Ok(TxnBody::Record { record, value }),
        Err(e) if is_eof(&e) && op_type == 1 => {
            // A create from before parentCVersion existed: re-read as CreateTxnV0 (from the
            // start, so that offsets stay relative to the transaction bytes).
            let mut again = Decoder::with_limits(bytes, d.limits());
            crate::decode(schema, TXN_HEADER, &mut again)?;
            let value =
                crate::decode(schema, &qualified("CreateTxnV0"), &mut again).map_err(|_| e)?;
            *d = again;
            Ok(TxnBody::Record {
                record: "CreateTxnV0",
                value,
            })
        }
        Err(e) if op_type == -11 && d.offset() == start && is_eof(&e) => Ok(TxnBody::None),
        Err(e) => Err(e),
    }
}

/// The encoded size of a `TxnDigest` (`int version`, `long treeDigest`).
const TXN_DIGEST_LEN: usize = 12;

/// A `closeSession` whose body and digest together are exactly a digest's size: either a
/// `CloseSessionTxn` of that size without a digest, or (a server run with
/// `zookeeper.closeSessionTxn.enabled=false`, which `SerializeUtils.deserializeTxn` then reads
/// with no body) no body and a digest. The body is taken only when it decodes to exactly the
/// remaining bytes; a digest read as a `CloseSessionTxn` never does unless both halves of its
/// tree digest are zero.
fn close_session_or_digest<'b>(
    schema: &Schema,
    bytes: &'b [u8],
    d: &mut Decoder<&'b [u8]>,
) -> TxnBody {
    let mut trial = Decoder::with_limits(&bytes[d.offset()..], d.limits());
    let whole = crate::decode(schema, &qualified("CloseSessionTxn"), &mut trial)
        .is_ok_and(|_| trial.remaining() == 0);
    if whole {
        // Decoded again from `d` so that it ends up past the body.
        if let Ok(value) = crate::decode(schema, &qualified("CloseSessionTxn"), d) {
            return TxnBody::Record {
                record: "CloseSessionTxn",
                value,
            };
        }
    }
    TxnBody::None
}

fn is_eof(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UnexpectedEof { .. } | ErrorKind::LengthOverInput { .. }
    )
}

fn expand_multi(schema: &Schema, multi: &Value) -> Vec<SubTxn> {
    let txns = multi
        .field("txns")
        .and_then(Value::as_vector)
        .unwrap_or(&[]);
    txns.iter()
        .map(|txn| {
            let op_type = txn
                .field("type")
                .and_then(Value::as_i64)
                .and_then(|t| i32::try_from(t).ok())
                .unwrap_or(0);
            let data = txn.field("data").and_then(Value::as_bytes).unwrap_or(&[]);
            let body = match multi_record(op_type) {
                None => Err((
                    format!("unsupported operation type {op_type} inside a multi"),
                    data.to_vec(),
                )),
                Some(record) => crate::decode(schema, &qualified(record), &mut Decoder::new(data))
                    // Like ByteBufferInputStream.byteBuffer2Record, bytes after a complete
                    // record are ignored.
                    .map(|v| (record, v))
                    .map_err(|e| (e.to_string(), data.to_vec())),
            };
            SubTxn { op_type, body }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::op_name;

    #[test]
    fn names_are_apache_3_8_op2string() {
        // ZooKeeper 3.8's Request.op2String for every code a log can hold (3.9 spells 21
        // "createTTL"; the installed 3.8 and its TxnLogToolkit say "createTtl").
        let apache = [
            (-11, "closeSession"),
            (-10, "createSession"),
            (-1, "error"),
            (1, "create"),
            (2, "delete"),
            (5, "setData"),
            (7, "setACL"),
            (13, "check"),
            (14, "multi"),
            (15, "create2"),
            (16, "reconfig"),
            (19, "createContainer"),
            (20, "deleteContainer"),
            (21, "createTtl"),
        ];
        for (code, name) in apache {
            assert_eq!(op_name(code), Some(name), "code {code}");
        }
        assert_eq!(op_name(3), None);
        assert_eq!(op_name(22), None);
    }
}
