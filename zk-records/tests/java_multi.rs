//! Byte-for-byte parity of the hand-written multi records with ZooKeeper's own
//! `MultiOperationRecord` and `MultiResponse`: `tests/java/MultiGolden.java` builds fixed
//! records with Apache's classes; each must be what the Rust records encode, and decode back
//! into them.
//!
//! Needs `java` and Debian's `/usr/share/java/zookeeper.jar` (`apt-get install -y zookeeper`).

use std::path::Path;
use std::process::Command;

use jute::bytes::Bytes;
use zk_records::data::Stat;
use zk_records::proto::{
    CheckVersionRequest, Create2Response, CreateRequest, CreateResponse, CreateTtlRequest,
    DeleteRequest, GetChildrenRequest, GetChildrenResponse, GetDataRequest, GetDataResponse,
    SetDataRequest, SetDataResponse,
};
use zk_records::{
    open_acl_unsafe, read_acl_unsafe, MultiOp, MultiRequest, MultiResponse, MultiResult, OpCode,
};

const JARS: [&str; 2] = [
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/zookeeper-jute.jar",
];

/// Runs `MultiGolden.java` and returns its records by name.
fn java_records() -> Vec<(String, Vec<u8>)> {
    for jar in JARS {
        assert!(
            Path::new(jar).is_file(),
            "{jar} is missing: this test compares against ZooKeeper's Java classes; install \
             them with `apt-get install -y zookeeper`"
        );
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/MultiGolden.java");
    let output = Command::new("java")
        .args(["-cp", &JARS.join(":")])
        .arg(source)
        .output()
        .expect("run java (apt-get install -y zookeeper brings it)");
    assert!(
        output.status.success(),
        "MultiGolden.java failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("hex output is ASCII")
        .lines()
        .map(|line| {
            let (name, hex) = line.split_once(' ').expect("<name> <hex>");
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            (name.to_owned(), bytes)
        })
        .collect()
}

fn data() -> Option<Bytes> {
    Some(Bytes::from_static(b"node data"))
}

fn stat() -> Stat {
    Stat {
        czxid: 1,
        mzxid: 2,
        ctime: 3,
        mtime: 4,
        version: 5,
        cversion: 6,
        aversion: 7,
        ephemeral_owner: 8,
        data_length: 9,
        num_children: 10,
        pzxid: 11,
    }
}

fn create(
    path: &str,
    data: Option<Bytes>,
    acl: Vec<zk_records::data::Acl>,
    flags: i32,
) -> CreateRequest {
    CreateRequest {
        path: path.into(),
        data,
        acl,
        flags,
    }
}

fn write_request() -> MultiRequest {
    MultiRequest {
        ops: vec![
            MultiOp::Create(create("/a", data(), open_acl_unsafe(), 0)),
            MultiOp::Create(create("/b", None, read_acl_unsafe(), 3)),
            MultiOp::CreateContainer(create("/c", data(), open_acl_unsafe(), 4)),
            MultiOp::CreateTtl(CreateTtlRequest {
                path: "/d".into(),
                data: data(),
                acl: open_acl_unsafe(),
                flags: 5,
                ttl: 5000,
            }),
            MultiOp::Delete(DeleteRequest {
                path: "/e".into(),
                version: 3,
            }),
            MultiOp::SetData(SetDataRequest {
                path: "/f".into(),
                data: data(),
                version: -1,
            }),
            MultiOp::Check(CheckVersionRequest {
                path: "/g".into(),
                version: 7,
            }),
        ],
    }
}

fn read_request() -> MultiRequest {
    MultiRequest {
        ops: vec![
            MultiOp::GetData(GetDataRequest {
                path: "/a".into(),
                watch: false,
            }),
            MultiOp::GetChildren(GetChildrenRequest {
                path: "/b".into(),
                watch: false,
            }),
        ],
    }
}

fn response() -> MultiResponse {
    MultiResponse {
        results: vec![
            MultiResult::Create(CreateResponse { path: "/a".into() }),
            MultiResult::Create2 {
                op: OpCode::Create2,
                response: Create2Response {
                    path: "/b0000000001".into(),
                    stat: stat(),
                },
            },
            MultiResult::Delete,
            MultiResult::SetData(SetDataResponse { stat: stat() }),
            MultiResult::Check,
            MultiResult::Error(-101),
        ],
    }
}

fn read_response() -> MultiResponse {
    MultiResponse {
        results: vec![
            MultiResult::GetData(GetDataResponse {
                data: data(),
                stat: stat(),
            }),
            MultiResult::GetChildren(GetChildrenResponse {
                children: vec!["x".into(), "y".into()],
            }),
            MultiResult::Error(-101),
        ],
    }
}

/// Encodes `value` both ways (contiguous and chunked) and checks both against Java's bytes,
/// then decodes Java's bytes back into `value`.
fn check<T: jute::Jute + PartialEq + std::fmt::Debug>(name: &str, value: T, java: &[u8]) {
    assert_eq!(
        jute::to_vec(&value),
        java,
        "{name}: encoding differs from Java's"
    );
    assert_eq!(value.encoded_len(), java.len(), "{name}: encoded_len");
    let chunked: Vec<u8> = jute::to_chunks(&value)
        .into_chunks()
        .iter()
        .flat_map(|c| c.iter().copied())
        .collect();
    assert_eq!(chunked, java, "{name}: chunked encoding differs");
    let decoded: T = jute::from_slice(java).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(decoded, value, "{name}: decoding Java's bytes");
}

#[test]
fn multi_records_match_zookeepers_own() {
    let records = java_records();
    let names: Vec<&str> = records.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["write", "read", "response", "read-response"]);
    for (name, java) in &records {
        match name.as_str() {
            "write" => check(name, write_request(), java),
            "read" => check(name, read_request(), java),
            "response" => check(name, response(), java),
            _ => check(name, read_response(), java),
        }
    }
}

#[test]
fn malformed_multi_records_are_refused_with_the_offset() {
    let mut bytes = jute::to_vec(&read_request());
    // The second header's op code becomes `ping` (11), which no multi carries.
    let second = 9 + jute::to_vec(&GetDataRequest {
        path: "/a".into(),
        watch: false,
    })
    .len();
    bytes[second..second + 4].copy_from_slice(&11i32.to_be_bytes());
    let err = jute::from_slice::<MultiRequest>(&bytes).unwrap_err();
    assert!(
        err.to_string().contains(&format!("at byte {second}")),
        "{err}"
    );
    let end = jute::to_vec(&MultiRequest::default());
    assert_eq!(end.len(), 9);
    assert!(
        jute::from_slice::<MultiRequest>(&end[..8]).is_err(),
        "a missing end marker is refused"
    );
    let mut trailing = end.clone();
    trailing.push(0);
    assert!(jute::from_slice::<MultiResponse>(&trailing).is_err());
}
