//! Transaction bodies: which record follows a `TxnHeader` of each type, as Apache's
//! `SerializeUtils.deserializeTxn` (top level) and `DataTree.processTxn` (inside a multi)
//! decide it.

use jute::{Decoder, Error, ErrorKind, Jute};
use zk_records::txn::{
    CheckVersionTxn, CloseSessionTxn, CreateContainerTxn, CreateSessionTxn, CreateTtlTxn,
    CreateTxn, CreateTxnV0, DeleteTxn, ErrorTxn, MultiTxn, SetAclTxn, SetDataTxn, TxnHeader,
};
use zk_records::OpCode;

/// The name of a ZooKeeper operation code (`ZooDefs.OpCode`) as ZooKeeper 3.8's
/// `Request.op2String` (which `TxnLogToolkit` prints) spells it, for the codes that can appear
/// in a transaction log; `None` for others (which Apache prints as `unknown <code>`).
///
/// ```
/// assert_eq!(zk_files::op_name(14), Some("multi"));
/// assert_eq!(zk_files::op_name(-11), Some("closeSession"));
/// assert_eq!(zk_files::op_name(21), Some("createTtl"));
/// ```
pub fn op_name(code: i32) -> Option<&'static str> {
    let op = OpCode::try_from(code).ok()?;
    Some(match op {
        // 3.8's op2String spells this one differently from ZooDefs (3.9 says "createTTL").
        OpCode::CreateTtl => "createTtl",
        OpCode::CloseSession
        | OpCode::CreateSession
        | OpCode::Error
        | OpCode::Create
        | OpCode::Delete
        | OpCode::SetData
        | OpCode::SetAcl
        | OpCode::Check
        | OpCode::Multi
        | OpCode::Create2
        | OpCode::Reconfig
        | OpCode::CreateContainer
        | OpCode::DeleteContainer => op.as_str(),
        _ => return None,
    })
}

/// One transaction record, typed (the `zk_records::txn` record the op code selects).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Txn {
    /// `createSession`.
    CreateSession(CreateSessionTxn),
    /// `closeSession` (3.6+ servers list the session's ephemerals).
    CloseSession(CloseSessionTxn),
    /// `create`, `create2`.
    Create(CreateTxn),
    /// A create written before `parentCVersion` existed.
    CreateV0(CreateTxnV0),
    /// `createTtl`.
    CreateTtl(CreateTtlTxn),
    /// `createContainer`.
    CreateContainer(CreateContainerTxn),
    /// `delete`, `deleteContainer`.
    Delete(DeleteTxn),
    /// `setData`, `reconfig`.
    SetData(SetDataTxn),
    /// `setACL`.
    SetAcl(SetAclTxn),
    /// `error`.
    Error(ErrorTxn),
    /// `check` (only inside a multi).
    CheckVersion(CheckVersionTxn),
}

impl Txn {
    /// The record's Jute name (`CreateTxn`, `CreateTxnV0`, `CloseSessionTxn`, ...).
    pub fn record_name(&self) -> &'static str {
        match self {
            Txn::CreateSession(_) => "CreateSessionTxn",
            Txn::CloseSession(_) => "CloseSessionTxn",
            Txn::Create(_) => "CreateTxn",
            Txn::CreateV0(_) => "CreateTxnV0",
            Txn::CreateTtl(_) => "CreateTTLTxn",
            Txn::CreateContainer(_) => "CreateContainerTxn",
            Txn::Delete(_) => "DeleteTxn",
            Txn::SetData(_) => "SetDataTxn",
            Txn::SetAcl(_) => "SetACLTxn",
            Txn::Error(_) => "ErrorTxn",
            Txn::CheckVersion(_) => "CheckVersionTxn",
        }
    }
}

impl serde::Serialize for Txn {
    /// The record itself (its Jute field names), without a tag.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Txn::CreateSession(r) => r.serialize(s),
            Txn::CloseSession(r) => r.serialize(s),
            Txn::Create(r) => r.serialize(s),
            Txn::CreateV0(r) => r.serialize(s),
            Txn::CreateTtl(r) => r.serialize(s),
            Txn::CreateContainer(r) => r.serialize(s),
            Txn::Delete(r) => r.serialize(s),
            Txn::SetData(r) => r.serialize(s),
            Txn::SetAcl(r) => r.serialize(s),
            Txn::Error(r) => r.serialize(s),
            Txn::CheckVersion(r) => r.serialize(s),
        }
    }
}

/// The decoded body of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum TxnBody {
    /// No body: a `closeSession` written before `CloseSessionTxn` existed, or by a server run
    /// with `zookeeper.closeSessionTxn.enabled=false`.
    None,
    /// One record.
    Record(Txn),
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
    pub body: Result<Txn, (String, Vec<u8>)>,
}

/// Decodes one `T` and wraps it.
fn read<T: Jute>(d: &mut Decoder<&[u8]>, wrap: fn(T) -> Txn) -> Result<Txn, Error> {
    T::decode(d).map(wrap)
}

/// Decodes the body of a top-level transaction of `op_type` (`SerializeUtils.deserializeTxn`;
/// `Multi` is handled by the caller).
fn top_level(op: OpCode, d: &mut Decoder<&[u8]>) -> Option<Result<Txn, Error>> {
    Some(match op {
        OpCode::CreateSession => read(d, Txn::CreateSession),
        OpCode::CloseSession => read(d, Txn::CloseSession),
        OpCode::Create | OpCode::Create2 => read(d, Txn::Create),
        OpCode::CreateTtl => read(d, Txn::CreateTtl),
        OpCode::CreateContainer => read(d, Txn::CreateContainer),
        OpCode::Delete | OpCode::DeleteContainer => read(d, Txn::Delete),
        OpCode::Reconfig | OpCode::SetData => read(d, Txn::SetData),
        OpCode::SetAcl => read(d, Txn::SetAcl),
        OpCode::Error => read(d, Txn::Error),
        _ => return None,
    })
}

/// Decodes the body of a sub-transaction of a multi (`DataTree.processTxn`).
fn in_multi(op: OpCode, d: &mut Decoder<&[u8]>) -> Option<Result<Txn, Error>> {
    Some(match op {
        OpCode::Create | OpCode::Create2 => read(d, Txn::Create),
        OpCode::CreateTtl => read(d, Txn::CreateTtl),
        OpCode::CreateContainer => read(d, Txn::CreateContainer),
        OpCode::Delete | OpCode::DeleteContainer => read(d, Txn::Delete),
        OpCode::SetData => read(d, Txn::SetData),
        OpCode::Error => read(d, Txn::Error),
        OpCode::Check => read(d, Txn::CheckVersion),
        _ => return None,
    })
}

/// Decodes the body of a top-level transaction of `op_type` from `d` (positioned after the
/// header). Leaves any digest bytes in `d`.
///
/// `bytes` are the whole transaction bytes that `d` reads, so that error offsets stay
/// relative to them.
pub(crate) fn decode_body<'b>(
    op_type: i32,
    bytes: &'b [u8],
    d: &mut Decoder<&'b [u8]>,
) -> Result<TxnBody, Error> {
    let start = d.offset();
    let unknown = || {
        Error::invalid(
            "a transaction type that ZooKeeper logs",
            format!("type {op_type}"),
            start,
        )
    };
    let op = OpCode::try_from(op_type).map_err(|_| unknown())?;
    if op == OpCode::CloseSession && d.remaining() == TXN_DIGEST_LEN {
        return Ok(close_session_or_digest(bytes, d));
    }
    if op == OpCode::Multi {
        let limits = d.limits();
        return Ok(TxnBody::Multi(expand_multi(MultiTxn::decode(d)?, limits)));
    }
    let Some(result) = top_level(op, d) else {
        return Err(unknown());
    };
    match result {
        Ok(txn) => Ok(TxnBody::Record(txn)),
        Err(e) if is_eof(&e) && op == OpCode::Create => {
            // A create from before parentCVersion existed: re-read as CreateTxnV0 (from the
            // start, so that offsets stay relative to the transaction bytes).
            let mut again = Decoder::with_limits(bytes, d.limits());
            TxnHeader::decode(&mut again)?;
            let txn = CreateTxnV0::decode(&mut again).map_err(|_| e)?;
            *d = again;
            Ok(TxnBody::Record(Txn::CreateV0(txn)))
        }
        Err(e) if op == OpCode::CloseSession && d.offset() == start && is_eof(&e) => {
            Ok(TxnBody::None)
        }
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
fn close_session_or_digest<'b>(bytes: &'b [u8], d: &mut Decoder<&'b [u8]>) -> TxnBody {
    let mut trial = Decoder::with_limits(&bytes[d.offset()..], d.limits());
    let whole = CloseSessionTxn::decode(&mut trial).is_ok_and(|_| trial.remaining() == 0);
    if whole {
        // Decoded again from `d` so that it ends up past the body.
        if let Ok(txn) = CloseSessionTxn::decode(d) {
            return TxnBody::Record(Txn::CloseSession(txn));
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

/// Decodes each sub-transaction of `multi` under `limits`, the limits of the transaction
/// that holds it (as Java reads them under one `jute.maxbuffer`).
fn expand_multi(multi: MultiTxn, limits: jute::Limits) -> Vec<SubTxn> {
    multi
        .txns
        .into_iter()
        .map(|txn| {
            let op_type = txn.r#type;
            let data = &txn.data[..];
            let unsupported = || {
                Err((
                    format!("unsupported operation type {op_type} inside a multi"),
                    data.to_vec(),
                ))
            };
            let body = match OpCode::try_from(op_type) {
                Err(_) => unsupported(),
                // Like ByteBufferInputStream.byteBuffer2Record, bytes after a complete
                // record are ignored.
                Ok(op) => match in_multi(op, &mut Decoder::with_limits(data, limits)) {
                    None => unsupported(),
                    Some(result) => result.map_err(|e| (e.to_string(), data.to_vec())),
                },
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
