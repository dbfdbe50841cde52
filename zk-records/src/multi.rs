//! The multi records, which ZooKeeper writes by hand rather than in `zookeeper.jute`
//! (`MultiOperationRecord` and `MultiResponse` in Java): a sequence of operations or results,
//! each after a [`MultiHeader`], ended by a header with `done` set.

use jute::bytes::{Buf, BufMut};
use jute::{Chunks, Decoder, Error, Jute};

use crate::proto::{
    CheckVersionRequest, Create2Response, CreateRequest, CreateResponse, CreateTtlRequest,
    DeleteRequest, ErrorResponse, GetChildrenRequest, GetChildrenResponse, GetDataRequest,
    GetDataResponse, MultiHeader, SetDataRequest, SetDataResponse,
};
use crate::request::{resend_as, Request};
use crate::OpCode;

/// The header that ends a multi request or response.
const END: MultiHeader = MultiHeader {
    r#type: -1,
    done: true,
    err: -1,
};
/// The encoded length of a [`MultiHeader`].
const HEADER_LEN: usize = 9;

/// Writes `header` and `body` into `out`, sharing the body's large buffers.
fn chunks_entry<R: Jute>(header: &MultiHeader, body: &R, out: &mut Chunks) {
    header.encode(out.buf());
    body.encode_chunks(out);
}

/// Reads headers and entries until a header says `done`; `entry` decodes one entry's body
/// after its header (`at`: the header's offset).
fn decode_entries<T, B: Buf>(
    d: &mut Decoder<B>,
    mut entry: impl FnMut(&mut Decoder<B>, MultiHeader, usize) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    loop {
        let at = d.offset();
        let header = MultiHeader::decode(d)?;
        if header.done {
            return Ok(out);
        }
        out.push(entry(d, header, at)?);
    }
}

/// One operation of a multi request.
#[derive(Debug, Clone, PartialEq)]
pub enum MultiOp {
    /// `create`.
    Create(CreateRequest),
    /// `create2`: the result carries the new node's stat.
    Create2(CreateRequest),
    /// `createContainer`.
    CreateContainer(CreateRequest),
    /// `createTTL`.
    CreateTtl(CreateTtlRequest),
    /// `delete`.
    Delete(DeleteRequest),
    /// `setData`.
    SetData(SetDataRequest),
    /// `check`: fails the transaction unless the version matches.
    Check(CheckVersionRequest),
    /// `getData` (in a `multiRead`).
    GetData(GetDataRequest),
    /// `getChildren` (in a `multiRead`).
    GetChildren(GetChildrenRequest),
}

/// Applies `$f` to the record inside a [`MultiOp`].
macro_rules! with_record {
    ($op:expr, $r:ident => $f:expr) => {
        match $op {
            MultiOp::Create($r) | MultiOp::Create2($r) | MultiOp::CreateContainer($r) => $f,
            MultiOp::CreateTtl($r) => $f,
            MultiOp::Delete($r) => $f,
            MultiOp::SetData($r) => $f,
            MultiOp::Check($r) => $f,
            MultiOp::GetData($r) => $f,
            MultiOp::GetChildren($r) => $f,
        }
    };
}

impl MultiOp {
    /// The op code of this operation's header.
    pub fn op_code(&self) -> OpCode {
        match self {
            MultiOp::Create(_) => OpCode::Create,
            MultiOp::Create2(_) => OpCode::Create2,
            MultiOp::CreateContainer(_) => OpCode::CreateContainer,
            MultiOp::CreateTtl(_) => OpCode::CreateTtl,
            MultiOp::Delete(_) => OpCode::Delete,
            MultiOp::SetData(_) => OpCode::SetData,
            MultiOp::Check(_) => OpCode::Check,
            MultiOp::GetData(_) => OpCode::GetData,
            MultiOp::GetChildren(_) => OpCode::GetChildren,
        }
    }

    /// The header Java writes before the operation.
    fn header(&self) -> MultiHeader {
        MultiHeader {
            r#type: self.op_code().code(),
            done: false,
            err: -1,
        }
    }

    fn decode_body<B: Buf>(d: &mut Decoder<B>, h: MultiHeader, at: usize) -> Result<Self, Error> {
        Ok(match OpCode::try_from(h.r#type) {
            Ok(OpCode::Create) => MultiOp::Create(Jute::decode(d)?),
            Ok(OpCode::Create2) => MultiOp::Create2(Jute::decode(d)?),
            Ok(OpCode::CreateContainer) => MultiOp::CreateContainer(Jute::decode(d)?),
            Ok(OpCode::CreateTtl) => MultiOp::CreateTtl(Jute::decode(d)?),
            Ok(OpCode::Delete) => MultiOp::Delete(Jute::decode(d)?),
            Ok(OpCode::SetData) => MultiOp::SetData(Jute::decode(d)?),
            Ok(OpCode::Check) => MultiOp::Check(Jute::decode(d)?),
            Ok(OpCode::GetData) => MultiOp::GetData(Jute::decode(d)?),
            Ok(OpCode::GetChildren) => MultiOp::GetChildren(Jute::decode(d)?),
            _ => {
                return Err(Error::invalid(
                    "the op code of a create, delete, setData, check, getData or getChildren",
                    h.r#type.to_string(),
                    at,
                ))
            }
        })
    }
}

/// A multi request (Java's `MultiOperationRecord`), sent as `multi`; [`MultiReadRequest`]
/// sends the same bytes as `multiRead`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiRequest {
    /// The operations, in order.
    pub ops: Vec<MultiOp>,
}

impl Jute for MultiRequest {
    const MIN_ENCODED_LEN: usize = HEADER_LEN;

    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        for op in &self.ops {
            op.header().encode(buf);
            with_record!(op, r => r.encode(buf));
        }
        END.encode(buf);
    }

    fn encoded_len(&self) -> usize {
        let ops: usize = self
            .ops
            .iter()
            .map(|op| HEADER_LEN + with_record!(op, r => r.encoded_len()))
            .sum();
        ops + HEADER_LEN
    }

    fn encode_chunks(&self, out: &mut Chunks) {
        for op in &self.ops {
            with_record!(op, r => chunks_entry(&op.header(), r, out));
        }
        END.encode(out.buf());
    }

    fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
        let ops = decode_entries(d, MultiOp::decode_body)?;
        Ok(MultiRequest { ops })
    }
}

impl Request for MultiRequest {
    const OP: OpCode = OpCode::Multi;
    type Response = MultiResponse;
}

resend_as! {
    /// A [`MultiRequest`] of reads (`getData`, `getChildren`) sent as `multiRead`: each read
    /// succeeds or fails on its own.
    MultiReadRequest(MultiRequest) as MultiRead => MultiResponse
}

/// One result of a multi response.
#[derive(Debug, Clone, PartialEq)]
pub enum MultiResult {
    /// A `create`'s path.
    Create(CreateResponse),
    /// A `create2`, `createTTL` or `createContainer` (`op`), with the new node's stat.
    Create2 {
        /// Which create it answers.
        op: OpCode,
        /// The path and stat.
        response: Create2Response,
    },
    /// A `delete` succeeded.
    Delete,
    /// A `check` passed.
    Check,
    /// A `setData`'s new stat.
    SetData(SetDataResponse),
    /// A `getData`'s data and stat.
    GetData(GetDataResponse),
    /// A `getChildren`'s names.
    GetChildren(GetChildrenResponse),
    /// The operation failed (or, in a failed transaction, was not applied) with this error
    /// code.
    Error(i32),
}

impl MultiResult {
    /// The header Java writes before the result: the op code, and the error code for an
    /// error (0 otherwise).
    fn header(&self) -> MultiHeader {
        let (op, err) = match self {
            MultiResult::Create(_) => (OpCode::Create, 0),
            MultiResult::Create2 { op, .. } => (*op, 0),
            MultiResult::Delete => (OpCode::Delete, 0),
            MultiResult::Check => (OpCode::Check, 0),
            MultiResult::SetData(_) => (OpCode::SetData, 0),
            MultiResult::GetData(_) => (OpCode::GetData, 0),
            MultiResult::GetChildren(_) => (OpCode::GetChildren, 0),
            MultiResult::Error(err) => (OpCode::Error, *err),
        };
        MultiHeader {
            r#type: op.code(),
            done: false,
            err,
        }
    }

    /// Writes the header and the body through `put`, which gets each record.
    fn encode_with(&self, mut put: impl FnMut(&dyn EncodeEntry)) {
        let header = self.header();
        put(&header);
        match self {
            MultiResult::Create(r) => put(r),
            MultiResult::Create2 { response, .. } => put(response),
            MultiResult::Delete | MultiResult::Check => {}
            MultiResult::SetData(r) => put(r),
            MultiResult::GetData(r) => put(r),
            MultiResult::GetChildren(r) => put(r),
            MultiResult::Error(err) => put(&ErrorResponse { err: *err }),
        }
    }

    fn decode_body<B: Buf>(d: &mut Decoder<B>, h: MultiHeader, at: usize) -> Result<Self, Error> {
        Ok(match OpCode::try_from(h.r#type) {
            Ok(OpCode::Create) => MultiResult::Create(Jute::decode(d)?),
            Ok(op @ (OpCode::Create2 | OpCode::CreateTtl | OpCode::CreateContainer)) => {
                MultiResult::Create2 {
                    op,
                    response: Jute::decode(d)?,
                }
            }
            Ok(OpCode::Delete) => MultiResult::Delete,
            Ok(OpCode::Check) => MultiResult::Check,
            Ok(OpCode::SetData) => MultiResult::SetData(Jute::decode(d)?),
            Ok(OpCode::GetData) => MultiResult::GetData(Jute::decode(d)?),
            Ok(OpCode::GetChildren) => MultiResult::GetChildren(Jute::decode(d)?),
            Ok(OpCode::Error) => MultiResult::Error(ErrorResponse::decode(d)?.err),
            _ => {
                return Err(Error::invalid(
                    "the op code of a multi result",
                    h.r#type.to_string(),
                    at,
                ))
            }
        })
    }
}

/// The part of [`Jute`] a multi result's records are written through (object safe).
trait EncodeEntry {
    fn put(&self, buf: &mut dyn BufMut);
    fn len(&self) -> usize;
    fn put_chunks(&self, out: &mut Chunks);
}

impl<R: Jute> EncodeEntry for R {
    fn put(&self, mut buf: &mut dyn BufMut) {
        self.encode(&mut buf);
    }
    fn len(&self) -> usize {
        self.encoded_len()
    }
    fn put_chunks(&self, out: &mut Chunks) {
        self.encode_chunks(out);
    }
}

/// A multi response (Java's `MultiResponse`): one result per operation, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiResponse {
    /// The results.
    pub results: Vec<MultiResult>,
}

impl Jute for MultiResponse {
    const MIN_ENCODED_LEN: usize = HEADER_LEN;

    fn encode<B: BufMut + ?Sized>(&self, mut buf: &mut B) {
        for result in &self.results {
            result.encode_with(|r| r.put(&mut buf));
        }
        END.encode(buf);
    }

    fn encoded_len(&self) -> usize {
        let mut len = HEADER_LEN;
        for result in &self.results {
            result.encode_with(|r| len += r.len());
        }
        len
    }

    fn encode_chunks(&self, out: &mut Chunks) {
        for result in &self.results {
            result.encode_with(|r| r.put_chunks(out));
        }
        END.encode(out.buf());
    }

    fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
        let results = decode_entries(d, MultiResult::decode_body)?;
        Ok(MultiResponse { results })
    }
}
