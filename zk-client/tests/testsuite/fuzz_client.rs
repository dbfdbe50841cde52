//! A mutation fuzzer for the client's decoding of server bytes, on the stable toolchain.
//!
//! Seeds are server streams built from zk-records types: a ConnectResponse (with and without
//! the trailing readOnly byte), then pings, replies with every kind of body, error replies, a
//! multi reply, watch notifications, auth and setWatches answers. Each round mutates a seed
//! with `test_support::Mutator`, frame-aware (bit flips, interesting bytes, hostile 32-bit
//! values such as lengths, insertions, deletions, truncation, splices, duplicated or dropped
//! frames) and feeds it, in reads of a random size, through
//! `zk_client::__fuzz::decode_server_stream`: the same framing, reply classification, xid
//! matching and body decoding the connection task and the operations use. Properties: no
//! panic, and the receive buffer stays bounded by the frame limit whatever length a frame
//! claims.
//!
//! The suite runs a bounded number of rounds; for a long run:
//! `ZK_FUZZ_SECONDS=600 cargo test --release -p zk-client --test testsuite fuzz_client:: -- --nocapture`
//! (`ZK_FUZZ_SEED=N` picks another seed).

use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use jute::Jute;
use test_support::{Mutator, Rng};
use zk_client::__fuzz::{decode_server_stream, Outcome};
use zk_records::data::{Acl, Id, Stat};
use zk_records::proto::{
    ConnectResponse, Create2Response, CreateResponse, ErrorResponse, GetAclResponse,
    GetChildren2Response, GetDataResponse, MultiHeader, ReplyHeader, SetDataResponse, WatcherEvent,
};

/// The frame limit used while fuzzing: small, so hostile lengths above and below it are both
/// reached often.
const MAX_FRAME: usize = 64 * 1024;

fn stat(n: i64) -> Stat {
    Stat {
        czxid: n,
        mzxid: n + 1,
        ctime: 1_700_000_000_000,
        mtime: 1_700_000_000_001,
        version: 3,
        cversion: 1,
        aversion: 0,
        ephemeral_owner: 0,
        data_length: 4,
        num_children: 2,
        pzxid: n + 2,
    }
}

fn frame(out: &mut Vec<u8>, body: &[u8]) {
    out.put_i32(body.len() as i32);
    out.extend_from_slice(body);
}

fn reply<R: Jute>(out: &mut Vec<u8>, xid: i32, err: i32, body: Option<&R>) {
    let mut v = jute::to_vec(&ReplyHeader {
        xid,
        zxid: 100 + xid as i64,
        err,
    });
    if let Some(b) = body {
        b.encode(&mut v);
    }
    frame(out, &v);
}

fn notification(out: &mut Vec<u8>, r#type: i32, path: &str) {
    let event = WatcherEvent {
        r#type,
        state: 3,
        path: path.into(),
    };
    reply(out, -1, 0, Some(&event));
}

fn multi_body() -> Vec<u8> {
    let mut v = BytesMut::new();
    let header = |t: i32, done: bool, err: i32| MultiHeader {
        r#type: t,
        done,
        err,
    };
    header(1, false, 0).encode(&mut v);
    CreateResponse {
        path: "/app/m".into(),
    }
    .encode(&mut v);
    header(5, false, 0).encode(&mut v);
    SetDataResponse { stat: stat(9) }.encode(&mut v);
    header(-1, false, -101).encode(&mut v);
    ErrorResponse { err: -101 }.encode(&mut v);
    header(-1, true, -1).encode(&mut v);
    v.to_vec()
}

fn connect_response(read_only: Option<bool>) -> Vec<u8> {
    let mut out = Vec::new();
    let r = ConnectResponse {
        protocol_version: 0,
        time_out: 6000,
        session_id: 0x1234_5678,
        passwd: Bytes::from_static(&[7; 16]),
        read_only,
    };
    frame(&mut out, &jute::to_vec(&r));
    out
}

/// Valid server streams and how many replies, notifications and OK bodies each holds.
fn seeds() -> Vec<(Vec<u8>, usize, usize, usize)> {
    let mut full = connect_response(Some(false));
    reply::<Stat>(&mut full, -2, 0, None); // ping
    reply(
        &mut full,
        1,
        0,
        Some(&GetDataResponse {
            data: Some(Bytes::from_static(b"data")),
            stat: stat(1),
        }),
    );
    notification(&mut full, 3, "/app/x");
    reply(
        &mut full,
        2,
        0,
        Some(&Create2Response {
            path: "/app/c0000000007".into(),
            stat: stat(2),
        }),
    );
    reply::<Stat>(&mut full, 3, -101, None);
    reply(
        &mut full,
        4,
        0,
        Some(&GetChildren2Response {
            children: vec!["a".into(), "b".into()],
            stat: stat(3),
        }),
    );
    reply::<Stat>(&mut full, -4, 0, None); // auth
    let mut v = jute::to_vec(&ReplyHeader {
        xid: 5,
        zxid: 105,
        err: 0,
    });
    v.extend(multi_body());
    frame(&mut full, &v);
    reply(
        &mut full,
        6,
        0,
        Some(&GetAclResponse {
            acl: vec![Acl {
                perms: 31,
                id: Id {
                    scheme: "world".into(),
                    id: "anyone".into(),
                },
            }],
            stat: stat(4),
        }),
    );
    reply::<Stat>(&mut full, -8, 0, None); // setWatches
    reply(&mut full, 7, 0, Some(&stat(5))); // exists
    notification(&mut full, 4, "/app");
    notification(&mut full, 2, "/elsewhere");

    let mut no_ro_byte = connect_response(None);
    reply(
        &mut no_ro_byte,
        1,
        0,
        Some(&SetDataResponse { stat: stat(6) }),
    );
    notification(&mut no_ro_byte, 1, "/app/new");

    let mut notifications = connect_response(Some(true));
    for (i, t) in [1, 2, 3, 4, 5, 6, 7].into_iter().enumerate() {
        notification(&mut notifications, t, &format!("/app/n{i}"));
    }
    vec![
        (full, 7, 3, 6),
        (no_ro_byte, 1, 1, 1),
        (notifications, 0, 7, 0),
        (connect_response(Some(false)), 0, 0, 0),
    ]
}

/// Hostile 32-bit values the mutator writes: special xids, lengths around the frame limit, and
/// "HTTP" (1213486160) as a length prefix.
const INTERESTING_I32: [i32; 12] = [
    -1,
    -2,
    -4,
    -8,
    0,
    1,
    16,
    0x7fff_ffff,
    i32::MIN,
    MAX_FRAME as i32,
    MAX_FRAME as i32 + 1,
    1213486160,
];

fn check(input: &[u8], chunk: usize) -> Outcome {
    let out = decode_server_stream(input, chunk, MAX_FRAME, "/app");
    // Whatever length a frame claims, the buffer grows only up to the frame limit (with
    // the allocator's doubling and one read of slack).
    let bound = 2 * (MAX_FRAME + 4) + 2 * chunk;
    assert!(
        out.max_buffer <= bound,
        "receive buffer grew to {} (bound {bound}) for {:02x?}",
        out.max_buffer,
        &input[..input.len().min(64)]
    );
    if let Some(e) = &out.error {
        assert!(!e.is_empty());
    }
    out
}

#[test]
fn valid_streams_decode_completely_in_any_read_size() {
    for (stream, replies, notifications, bodies) in seeds() {
        for chunk in [1, 3, 7, 64, 4096, stream.len()] {
            let out = check(&stream, chunk);
            assert_eq!(out.error, None, "chunk {chunk}");
            assert!(out.connected);
            assert_eq!((out.replies, out.notifications), (replies, notifications));
            assert_eq!(out.bodies, bodies, "every OK body decodes");
        }
    }
}

#[test]
fn hostile_lengths_are_refused_from_the_prefix() {
    let mut stream = connect_response(Some(false));
    stream.extend_from_slice(&1213486160i32.to_be_bytes());
    let out = check(&stream, 4096);
    let err = out.error.unwrap();
    assert!(err.contains("HTTP"), "{err}");
    let mut stream = connect_response(Some(false));
    stream.extend_from_slice(&(MAX_FRAME as i32 + 1).to_be_bytes());
    let out = check(&stream, 1);
    assert!(out.error.is_some());
    assert!(
        out.max_buffer < 4096,
        "nothing allocated for a refused frame"
    );
}

#[test]
fn fuzz_client_decoding() {
    let seconds: Option<u64> = std::env::var("ZK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());
    let (deadline, max_rounds) = match seconds {
        Some(s) => (Instant::now() + Duration::from_secs(s), u64::MAX),
        None => (Instant::now() + Duration::from_secs(20), 60_000),
    };
    let seed: u64 = std::env::var("ZK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x2c11e47);
    let mut rng = Rng::new(seed);
    let mutator = Mutator::new(&INTERESTING_I32).with_frames();
    let pool: Vec<Vec<u8>> = seeds().into_iter().map(|(s, ..)| s).collect();
    let started = Instant::now();
    let (mut rounds, mut clean, mut replies, mut notifications) = (0u64, 0u64, 0u64, 0u64);
    while rounds < max_rounds && Instant::now() < deadline {
        let mut input = pool[rng.below(pool.len())].clone();
        mutator.mutate(&mut rng, &mut input, &pool);
        let chunk = match rng.below(4) {
            0 => 1 + rng.below(8),
            1 => 1 + rng.below(200),
            _ => 16 * 1024,
        };
        let out = check(&input, chunk);
        clean += u64::from(out.error.is_none());
        replies += out.replies as u64;
        notifications += out.notifications as u64;
        rounds += 1;
    }
    eprintln!(
        "fuzz_client_decoding: {rounds} rounds in {:?}, {clean} streams without a reset, \
         {replies} replies and {notifications} notifications decoded, seed {seed:#x}",
        started.elapsed()
    );
    assert!(rounds > 0);
}
