//! The records of the codec comparison (built from the real `zk_records` types) and the
//! measurement method shared by the `codec-table` binary and the Java harness: median ns/op of
//! several timed batches after a warm-up.
//!
//! Every fixture is deterministic, so the Rust binary can write its encoded bytes to files and
//! the Java harness (`java/CodecBench.java`) decodes and re-encodes exactly the same bytes.

use jute::Utf8Bytes;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use jute::Jute;
use zk_records::data::{Acl, Id, Stat};
use zk_records::proto::{
    CreateRequest, CreateRequestView, GetChildrenResponse, GetChildrenResponseView,
    GetDataResponse, GetDataResponseView, ReconfigRequest, ReconfigRequestView, ReplyHeader,
    SetWatches2, SetWatches2View,
};
use zk_records::txn::{CreateTxn, DeleteTxn, MultiTxn, MultiTxnView, SetDataTxn, Txn};

/// A typical `Stat` with non-trivial values in every field.
pub fn stat() -> Stat {
    Stat {
        czxid: 0x1_0000_0001,
        mzxid: 0x1_0000_0002,
        ctime: 1_700_000_000_000,
        mtime: 1_700_000_000_123,
        version: 3,
        cversion: 1,
        aversion: 0,
        ephemeral_owner: 0x1234_5678_9abc,
        data_length: 1024,
        num_children: 2,
        pzxid: 0x1_0000_0003,
    }
}

/// The reply header of a successful read.
pub fn reply_header() -> ReplyHeader {
    ReplyHeader {
        xid: 42,
        zxid: 0x1_0000_0042,
        err: 0,
    }
}

/// `len` bytes of deterministic, non-constant data.
pub fn data(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i * 31 + 7) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// A getData reply as it travels: `ReplyHeader` then `GetDataResponse` with `len` bytes of data.
pub fn get_data_reply(len: usize) -> (ReplyHeader, GetDataResponse) {
    let mut stat = stat();
    stat.data_length = len as i32;
    (
        reply_header(),
        GetDataResponse {
            data: Some(data(len)),
            stat,
        },
    )
}

/// A getChildren reply with `n` sequential-node names (`lock-0000000123`).
pub fn get_children_response(n: usize) -> GetChildrenResponse {
    GetChildrenResponse {
        children: (0..n).map(|i| format!("lock-{i:010}").into()).collect(),
    }
}

/// A SetWatches2 re-registering `n` watches after a reconnect: half data watches, a fifth each
/// exist and child watches, a twentieth each persistent and persistent-recursive.
pub fn set_watches2(n: usize) -> SetWatches2 {
    let paths = |from: usize, to: usize| -> Vec<Utf8Bytes> {
        (from..to)
            .map(|i| format!("/services/app-{}/instance-{i:06}/config", i % 16).into())
            .collect()
    };
    let (a, b, c, d) = (n / 2, n / 2 + n / 5, n / 2 + 2 * (n / 5), n - n / 20);
    SetWatches2 {
        relative_zxid: 0x1_0000_0042,
        data_watches: paths(0, a),
        exist_watches: paths(a, b),
        child_watches: paths(b, c),
        persistent_watches: paths(c, d),
        persistent_recursive_watches: paths(d, n),
    }
}

fn acls() -> Vec<Acl> {
    vec![
        Acl {
            perms: 31,
            id: Id {
                scheme: "digest".into(),
                id: "admin:pN6GDGBpA8Bm6rTtXVSGBJz1Fgg=".into(),
            },
        },
        Acl {
            perms: 1,
            id: Id {
                scheme: "world".into(),
                id: "anyone".into(),
            },
        },
        Acl {
            perms: 3,
            id: Id {
                scheme: "ip".into(),
                id: "10.0.0.0/8".into(),
            },
        },
    ]
}

/// A create of a 128-byte node with three ACLs (digest, world, ip).
pub fn create_request() -> CreateRequest {
    CreateRequest {
        path: "/services/app-3/instance-000042/config".into(),
        data: Some(data(128)),
        acl: acls(),
        flags: 0,
    }
}

/// A reconfig request adding servers, with a `joiningServers` string of about `len` bytes
/// (`server.N=host:port:port;clientPort,...`): the large-string case.
pub fn reconfig_request(len: usize) -> ReconfigRequest {
    let mut joining = String::with_capacity(len + 64);
    let mut n = 1;
    while joining.len() < len {
        joining.push_str(&format!(
            "server.{n}=zk-{n}.example.internal:2888:3888:participant;2181,"
        ));
        n += 1;
    }
    ReconfigRequest {
        joining_servers: Some(joining.into()),
        leaving_servers: None,
        new_members: None,
        cur_config_id: -1,
    }
}

/// A MultiTxn from the transaction log: create, setData, delete, create, each `Txn.data` the
/// encoded inner transaction (op codes 1, 5, 2, 1 as in ZooDefs.OpCode).
pub fn multi_txn() -> MultiTxn {
    let create = |path: &str| CreateTxn {
        path: path.into(),
        data: Some(data(64)),
        acl: acls(),
        ephemeral: false,
        parent_c_version: 7,
    };
    let txn = |r#type: i32, data: Vec<u8>| Txn {
        r#type,
        data: data.into(),
    };
    MultiTxn {
        txns: vec![
            txn(1, jute::to_vec(&create("/services/app-3/instance-000042"))),
            txn(
                5,
                jute::to_vec(&SetDataTxn {
                    path: "/services/app-3/instance-000042/config".into(),
                    data: Some(data(256)),
                    version: 4,
                }),
            ),
            txn(
                2,
                jute::to_vec(&DeleteTxn {
                    path: "/services/app-3/instance-000041".into(),
                }),
            ),
            txn(1, jute::to_vec(&create("/services/app-3/instance-000043"))),
        ],
    }
}

/// One record of the comparison: its name (also the Java harness's key and the fixture file
/// name) and encoded bytes, with type-erased encode/decode loops.
pub struct Case {
    /// Stable name, e.g. `Stat` or `GetDataResponse_512KiB`.
    pub name: &'static str,
    /// What Apache's Java classes are, in order (for the Java harness and the table).
    pub java: &'static str,
    /// The encoded record.
    pub bytes: Bytes,
    encode: Box<dyn Fn(&mut BytesMut)>,
    encode_chunks: Box<dyn Fn(&mut jute::Chunks)>,
    decode_slice: DecodeSlice,
    decode_bytes: Box<dyn Fn(Bytes) -> bool>,
    decode_view: fn(&[u8]) -> bool,
}

/// A type-erased decode from a slice.
type DecodeSlice = Box<dyn Fn(&[u8]) -> bool>;

impl Case {
    /// A case for `value`; `decode_view` decodes its bytes as the record's borrowed view.
    pub fn new<T: Jute + Clone + 'static>(
        name: &'static str,
        java: &'static str,
        value: T,
        decode_view: fn(&[u8]) -> bool,
    ) -> Self {
        let bytes = Bytes::from(jute::to_vec(&value));
        Self {
            name,
            java,
            bytes,
            encode: Box::new({
                let value = value.clone();
                move |buf| black_box(&value).encode(buf)
            }),
            encode_chunks: Box::new(move |out| black_box(&value).encode_chunks(out)),
            decode_slice: Box::new(|b| keep(jute::from_slice::<T>(b))),
            decode_bytes: Box::new(|b| keep(jute::from_bytes::<T>(b))),
            decode_view,
        }
    }

    /// Encodes the value into `buf` (which the caller clears).
    pub fn encode(&self, buf: &mut BytesMut) {
        (self.encode)(buf)
    }

    /// Encodes the value into `out` (which the caller clears), sharing large buffers.
    pub fn encode_chunks(&self, out: &mut jute::Chunks) {
        (self.encode_chunks)(out)
    }

    /// Decodes from a slice (buffers are copied); `true` on success.
    pub fn decode_slice(&self, bytes: &[u8]) -> bool {
        (self.decode_slice)(bytes)
    }

    /// Decodes from `Bytes` (buffers are shared, zero-copy); `true` on success.
    pub fn decode_bytes(&self, bytes: Bytes) -> bool {
        (self.decode_bytes)(bytes)
    }

    /// Decodes the borrowed view from a slice (text and buffers borrowed); `true` on success.
    pub fn decode_view(&self, bytes: &[u8]) -> bool {
        (self.decode_view)(bytes)
    }
}

/// `true` if decoding succeeded. The decoded value's address escapes to the optimizer (as the
/// Java harness stores each decoded record to a `volatile` field), so every field must really
/// be written; then the value is dropped, inside the timed loop. Passing the value itself to
/// `black_box` would add a copy of it that the Java side has no counterpart for.
#[inline(always)]
pub fn keep<T, E>(decoded: Result<T, E>) -> bool {
    match decoded {
        Ok(value) => {
            black_box(&value);
            true
        }
        Err(_) => false,
    }
}

/// The records of the issue, in table order.
pub fn cases() -> Vec<Case> {
    /// A borrowed-view decoder for the case's bytes.
    macro_rules! view {
        ($ty:ty) => {
            |b: &[u8]| $crate::keep(jute::view::<$ty>(b))
        };
    }
    vec![
        Case::new("Stat", "data.Stat", stat(), view!(Stat)),
        Case::new(
            "ReplyHeader",
            "proto.ReplyHeader",
            reply_header(),
            view!(ReplyHeader),
        ),
        Case::new(
            "GetDataReply_1KiB",
            "proto.ReplyHeader + proto.GetDataResponse",
            get_data_reply(1024),
            view!((ReplyHeader, GetDataResponseView<'_>)),
        ),
        Case::new(
            "GetDataReply_512KiB",
            "proto.ReplyHeader + proto.GetDataResponse",
            get_data_reply(512 * 1024),
            view!((ReplyHeader, GetDataResponseView<'_>)),
        ),
        Case::new(
            "GetChildrenResponse_1000",
            "proto.GetChildrenResponse",
            get_children_response(1000),
            view!(GetChildrenResponseView<'_>),
        ),
        Case::new(
            "SetWatches2_10000",
            "proto.SetWatches2",
            set_watches2(10_000),
            view!(SetWatches2View<'_>),
        ),
        Case::new(
            "CreateRequest_3ACL",
            "proto.CreateRequest",
            create_request(),
            view!(CreateRequestView<'_>),
        ),
        Case::new(
            "MultiTxn_4",
            "txn.MultiTxn",
            multi_txn(),
            view!(MultiTxnView<'_>),
        ),
        Case::new(
            "ReconfigRequest_512KiB",
            "proto.ReconfigRequest",
            reconfig_request(512 * 1024),
            view!(ReconfigRequestView<'_>),
        ),
    ]
}

/// How long to warm up and how many batches to time; the Java harness uses the same method.
#[derive(Debug, Clone, Copy)]
pub struct Method {
    /// Warm-up time per operation.
    pub warm_up: Duration,
    /// Target wall time of one timed batch.
    pub batch: Duration,
    /// Number of timed batches; the median is reported.
    pub batches: usize,
}

impl Default for Method {
    fn default() -> Self {
        Self {
            warm_up: Duration::from_millis(500),
            batch: Duration::from_millis(20),
            batches: 15,
        }
    }
}

impl Method {
    /// Median ns per call of `op` over timed batches (after warming up and sizing the batch so
    /// that it lasts about [`Method::batch`]).
    pub fn measure(&self, mut op: impl FnMut()) -> f64 {
        let start = Instant::now();
        let mut calls = 0u64;
        while start.elapsed() < self.warm_up || calls == 0 {
            op();
            calls += 1;
        }
        let per_call = start.elapsed().as_secs_f64() / calls as f64;
        let iters = ((self.batch.as_secs_f64() / per_call) as u64).max(1);
        let mut samples: Vec<f64> = (0..self.batches)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..iters {
                    op();
                }
                t.elapsed().as_nanos() as f64 / iters as f64
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2]
    }
}
