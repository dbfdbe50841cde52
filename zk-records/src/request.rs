//! What each request record is sent as: its op code and the record the server answers with.
//!
//! ZooKeeper pairs requests and responses in Java code (`ZooKeeper.java`, `ClientCnxn`), not in
//! `zookeeper.jute`; [`Request`] states the pairing once, so a client sends any request and
//! decodes its reply through one typed path:
//!
//! ```
//! use zk_records::proto::{GetDataRequest, GetDataResponse};
//! use zk_records::{OpCode, Request};
//!
//! fn op_of<R: Request>(_: &R) -> OpCode {
//!     R::OP
//! }
//! let request = GetDataRequest { path: "/config".into(), watch: false };
//! assert_eq!(op_of(&request), OpCode::GetData);
//! let _reply: Option<<GetDataRequest as Request>::Response> = None::<GetDataResponse>;
//! ```
//!
//! A record that Java sends under several op codes (`CreateRequest` as `create`, `create2` and
//! `createContainer`; a multi as `multi` or `multiRead`) has a wrapper per extra op code, with
//! the same bytes: [`Create2Request`], [`CreateContainerRequest`],
//! [`MultiReadRequest`](crate::MultiReadRequest).

use jute::bytes::{Buf, BufMut};
use jute::{Chunks, Decoder, Error, Jute};

use crate::proto::{
    AddWatchRequest, AuthPacket, CheckVersionRequest, CheckWatchesRequest, Create2Response,
    CreateRequest, CreateResponse, CreateTtlRequest, DeleteRequest, ErrorResponse, ExistsRequest,
    ExistsRequestView, ExistsResponse, GetAclRequest, GetAclRequestView, GetAclResponse,
    GetAllChildrenNumberRequest, GetAllChildrenNumberResponse, GetChildren2Request,
    GetChildren2RequestView, GetChildren2Response, GetChildrenRequest, GetChildrenRequestView,
    GetChildrenResponse, GetDataRequest, GetDataRequestView, GetDataResponse, GetEphemeralsRequest,
    GetEphemeralsResponse, ReconfigRequest, RemoveWatchesRequest, SetAclRequest, SetAclResponse,
    SetDataRequest, SetDataResponse, SetWatches, SetWatches2, SyncRequest, SyncResponse,
    WhoAmIResponse,
};
use crate::OpCode;

/// A request record: the op code its header carries and the record a successful reply
/// (`err == 0`) carries. `()` is an empty reply body.
pub trait Request: Jute {
    /// The op code of the request header.
    const OP: OpCode;
    /// The reply body when the server reports no error.
    type Response: Jute;
}

/// Implements [`Request`] for records (and their borrowed views) sent under one op code.
macro_rules! requests {
    ($($op:ident: $($ty:ty),+ => $response:ty;)*) => {$($(
        impl Request for $ty {
            const OP: OpCode = OpCode::$op;
            type Response = $response;
        }
    )+)*};
}

requests! {
    Create: CreateRequest => CreateResponse;
    CreateTtl: CreateTtlRequest => Create2Response;
    Delete: DeleteRequest => ();
    Exists: ExistsRequest, ExistsRequestView<'_> => ExistsResponse;
    GetData: GetDataRequest, GetDataRequestView<'_> => GetDataResponse;
    SetData: SetDataRequest => SetDataResponse;
    GetAcl: GetAclRequest, GetAclRequestView<'_> => GetAclResponse;
    SetAcl: SetAclRequest => SetAclResponse;
    GetChildren: GetChildrenRequest, GetChildrenRequestView<'_> => GetChildrenResponse;
    GetChildren2: GetChildren2Request, GetChildren2RequestView<'_> => GetChildren2Response;
    GetAllChildrenNumber: GetAllChildrenNumberRequest => GetAllChildrenNumberResponse;
    GetEphemerals: GetEphemeralsRequest => GetEphemeralsResponse;
    Sync: SyncRequest => SyncResponse;
    // A lone `check` is answered as a `setData` (the node's stat), as FinalRequestProcessor does.
    Check: CheckVersionRequest => SetDataResponse;
    // `addWatch` is answered with an `ErrorResponse` holding 0.
    AddWatch: AddWatchRequest => ErrorResponse;
    RemoveWatches: RemoveWatchesRequest => ();
    CheckWatches: CheckWatchesRequest => ();
    SetWatches: SetWatches => ();
    SetWatches2: SetWatches2 => ();
    Auth: AuthPacket => ();
    Reconfig: ReconfigRequest => GetDataResponse;
    WhoAmI: WhoAmIRequest => WhoAmIResponse;
}

/// Declares a wrapper that sends a record under another op code, with the record's bytes.
macro_rules! resend_as {
    ($(#[$doc:meta])* $name:ident($inner:ty) as $op:ident => $response:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(pub $inner);

        impl Jute for $name {
            const MIN_ENCODED_LEN: usize = <$inner as Jute>::MIN_ENCODED_LEN;

            #[inline]
            fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
                self.0.encode(buf);
            }

            #[inline]
            fn encoded_len(&self) -> usize {
                self.0.encoded_len()
            }

            #[inline]
            fn encode_chunks(&self, out: &mut Chunks) {
                self.0.encode_chunks(out);
            }

            #[inline]
            fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
                <$inner as Jute>::decode(d).map($name)
            }
        }

        impl Request for $name {
            const OP: OpCode = OpCode::$op;
            type Response = $response;
        }
    };
}

resend_as! {
    /// A [`CreateRequest`] sent as `create2`: answered with the new node's stat.
    Create2Request(CreateRequest) as Create2 => Create2Response
}

resend_as! {
    /// A [`CreateRequest`] sent as `createContainer` (the mode's flag says container).
    CreateContainerRequest(CreateRequest) as CreateContainer => Create2Response
}

pub(crate) use resend_as;

/// The `whoAmI` request: a header with no body (Java sends none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WhoAmIRequest;

impl Jute for WhoAmIRequest {
    #[inline]
    fn encode<B: BufMut + ?Sized>(&self, _: &mut B) {}

    #[inline]
    fn encoded_len(&self) -> usize {
        0
    }

    #[inline]
    fn decode<B: Buf>(_: &mut Decoder<B>) -> Result<Self, Error> {
        Ok(WhoAmIRequest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op<R: Request>(_: &R) -> OpCode {
        R::OP
    }

    #[test]
    fn wrappers_send_the_same_bytes_under_their_own_op_code() {
        let create = CreateRequest {
            path: "/a".into(),
            data: Some(jute::bytes::Bytes::from_static(b"d")),
            acl: crate::open_acl_unsafe(),
            flags: 0,
        };
        let two = Create2Request(create.clone());
        let container = CreateContainerRequest(create.clone());
        assert_eq!(jute::to_vec(&two), jute::to_vec(&create));
        assert_eq!(jute::to_vec(&container), jute::to_vec(&create));
        assert_eq!(two.encoded_len(), create.encoded_len());
        assert_eq!(
            (op(&create), op(&two), op(&container)),
            (OpCode::Create, OpCode::Create2, OpCode::CreateContainer)
        );
        let back: Create2Request = jute::from_slice(&jute::to_vec(&create)).unwrap();
        assert_eq!(back, two);
    }

    #[test]
    fn who_am_i_is_a_header_alone() {
        assert!(jute::to_vec(&WhoAmIRequest).is_empty());
        assert_eq!(
            jute::from_slice::<WhoAmIRequest>(&[]).unwrap(),
            WhoAmIRequest
        );
        assert!(jute::from_slice::<WhoAmIRequest>(&[0]).is_err());
    }
}
