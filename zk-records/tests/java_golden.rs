//! Byte-for-byte parity with Apache's Java records: `tests/data/golden.txt` holds records
//! serialized by the `zookeeper-jute` jar (written by `tests/java/Golden.java`); every one must
//! decode into the generated type, and into its borrowed view, and re-encode to the same bytes.
//! One test re-runs the Java program and compares its output with the checked-in file, so the
//! file is verified too.
//!
//! Needs `java`, `javac` and `/usr/share/java/zookeeper-jute.jar`: `apt-get install -y zookeeper`
//! (plus a JDK). Set `UPDATE_GOLDEN=1` to rewrite the golden file from Java.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use jute::bytes::Bytes;
use zk_records::{data, proto, server, txn};

const JAR: &str = "/usr/share/java/zookeeper-jute.jar";
const PREFIX: &str = "org.apache.zookeeper.";

macro_rules! records {
    ($($name:literal => $ty:ty, $view:ty,)*) => {
        /// Every record, by Jute name without `org.apache.zookeeper.`.
        const RECORDS: &[&str] = &[$($name),*];

        /// Decodes `bytes` as the record `name` and encodes it again.
        fn round_trip(name: &str, bytes: Bytes) -> Result<Vec<u8>, String> {
            match name {
                $($name => {
                    let value: $ty = jute::from_bytes(bytes).map_err(|e| e.to_string())?;
                    Ok(jute::to_vec(&value))
                })*
                _ => Err(format!("no Rust type listed for record {name}")),
            }
        }

        /// Decodes `bytes` as the borrowed view of record `name` (the record itself when it
        /// holds no text or buffers) and encodes it again.
        fn view_round_trip(name: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
            match name {
                $($name => {
                    let value: $view = jute::view(bytes).map_err(|e| e.to_string())?;
                    Ok(jute::to_vec(&value))
                })*
                _ => Err(format!("no Rust type listed for record {name}")),
            }
        }
    };
}

records! {
    "data.Id" => data::Id, data::IdView<'_>,
    "data.ACL" => data::Acl, data::AclView<'_>,
    "data.Stat" => data::Stat, data::Stat,
    "data.StatPersisted" => data::StatPersisted, data::StatPersisted,
    "data.ClientInfo" => data::ClientInfo, data::ClientInfoView<'_>,
    "proto.ConnectRequest" => proto::ConnectRequest, proto::ConnectRequestView<'_>,
    "proto.ConnectResponse" => proto::ConnectResponse, proto::ConnectResponseView<'_>,
    "proto.SetWatches" => proto::SetWatches, proto::SetWatchesView<'_>,
    "proto.SetWatches2" => proto::SetWatches2, proto::SetWatches2View<'_>,
    "proto.RequestHeader" => proto::RequestHeader, proto::RequestHeader,
    "proto.MultiHeader" => proto::MultiHeader, proto::MultiHeader,
    "proto.AuthPacket" => proto::AuthPacket, proto::AuthPacketView<'_>,
    "proto.ReplyHeader" => proto::ReplyHeader, proto::ReplyHeader,
    "proto.GetDataRequest" => proto::GetDataRequest, proto::GetDataRequestView<'_>,
    "proto.SetDataRequest" => proto::SetDataRequest, proto::SetDataRequestView<'_>,
    "proto.ReconfigRequest" => proto::ReconfigRequest, proto::ReconfigRequestView<'_>,
    "proto.SetDataResponse" => proto::SetDataResponse, proto::SetDataResponse,
    "proto.GetSASLRequest" => proto::GetSaslRequest, proto::GetSaslRequestView<'_>,
    "proto.SetSASLRequest" => proto::SetSaslRequest, proto::SetSaslRequestView<'_>,
    "proto.SetSASLResponse" => proto::SetSaslResponse, proto::SetSaslResponseView<'_>,
    "proto.CreateRequest" => proto::CreateRequest, proto::CreateRequestView<'_>,
    "proto.CreateTTLRequest" => proto::CreateTtlRequest, proto::CreateTtlRequestView<'_>,
    "proto.DeleteRequest" => proto::DeleteRequest, proto::DeleteRequestView<'_>,
    "proto.GetChildrenRequest" => proto::GetChildrenRequest, proto::GetChildrenRequestView<'_>,
    "proto.GetAllChildrenNumberRequest" => proto::GetAllChildrenNumberRequest, proto::GetAllChildrenNumberRequestView<'_>,
    "proto.GetChildren2Request" => proto::GetChildren2Request, proto::GetChildren2RequestView<'_>,
    "proto.CheckVersionRequest" => proto::CheckVersionRequest, proto::CheckVersionRequestView<'_>,
    "proto.GetMaxChildrenRequest" => proto::GetMaxChildrenRequest, proto::GetMaxChildrenRequestView<'_>,
    "proto.GetMaxChildrenResponse" => proto::GetMaxChildrenResponse, proto::GetMaxChildrenResponse,
    "proto.SetMaxChildrenRequest" => proto::SetMaxChildrenRequest, proto::SetMaxChildrenRequestView<'_>,
    "proto.SyncRequest" => proto::SyncRequest, proto::SyncRequestView<'_>,
    "proto.SyncResponse" => proto::SyncResponse, proto::SyncResponseView<'_>,
    "proto.GetACLRequest" => proto::GetAclRequest, proto::GetAclRequestView<'_>,
    "proto.SetACLRequest" => proto::SetAclRequest, proto::SetAclRequestView<'_>,
    "proto.SetACLResponse" => proto::SetAclResponse, proto::SetAclResponse,
    "proto.AddWatchRequest" => proto::AddWatchRequest, proto::AddWatchRequestView<'_>,
    "proto.WatcherEvent" => proto::WatcherEvent, proto::WatcherEventView<'_>,
    "proto.ErrorResponse" => proto::ErrorResponse, proto::ErrorResponse,
    "proto.CreateResponse" => proto::CreateResponse, proto::CreateResponseView<'_>,
    "proto.Create2Response" => proto::Create2Response, proto::Create2ResponseView<'_>,
    "proto.ExistsRequest" => proto::ExistsRequest, proto::ExistsRequestView<'_>,
    "proto.ExistsResponse" => proto::ExistsResponse, proto::ExistsResponse,
    "proto.GetDataResponse" => proto::GetDataResponse, proto::GetDataResponseView<'_>,
    "proto.GetChildrenResponse" => proto::GetChildrenResponse, proto::GetChildrenResponseView<'_>,
    "proto.GetAllChildrenNumberResponse" => proto::GetAllChildrenNumberResponse, proto::GetAllChildrenNumberResponse,
    "proto.GetChildren2Response" => proto::GetChildren2Response, proto::GetChildren2ResponseView<'_>,
    "proto.GetACLResponse" => proto::GetAclResponse, proto::GetAclResponseView<'_>,
    "proto.CheckWatchesRequest" => proto::CheckWatchesRequest, proto::CheckWatchesRequestView<'_>,
    "proto.RemoveWatchesRequest" => proto::RemoveWatchesRequest, proto::RemoveWatchesRequestView<'_>,
    "proto.GetEphemeralsRequest" => proto::GetEphemeralsRequest, proto::GetEphemeralsRequestView<'_>,
    "proto.GetEphemeralsResponse" => proto::GetEphemeralsResponse, proto::GetEphemeralsResponseView<'_>,
    "proto.WhoAmIResponse" => proto::WhoAmIResponse, proto::WhoAmIResponseView<'_>,
    "server.quorum.LearnerInfo" => server::quorum::LearnerInfo, server::quorum::LearnerInfo,
    "server.quorum.QuorumPacket" => server::quorum::QuorumPacket, server::quorum::QuorumPacketView<'_>,
    "server.quorum.QuorumAuthPacket" => server::quorum::QuorumAuthPacket, server::quorum::QuorumAuthPacketView<'_>,
    "server.persistence.FileHeader" => server::persistence::FileHeader, server::persistence::FileHeader,
    "txn.TxnDigest" => txn::TxnDigest, txn::TxnDigest,
    "txn.TxnHeader" => txn::TxnHeader, txn::TxnHeader,
    "txn.CreateTxnV0" => txn::CreateTxnV0, txn::CreateTxnV0View<'_>,
    "txn.CreateTxn" => txn::CreateTxn, txn::CreateTxnView<'_>,
    "txn.CreateTTLTxn" => txn::CreateTtlTxn, txn::CreateTtlTxnView<'_>,
    "txn.CreateContainerTxn" => txn::CreateContainerTxn, txn::CreateContainerTxnView<'_>,
    "txn.DeleteTxn" => txn::DeleteTxn, txn::DeleteTxnView<'_>,
    "txn.SetDataTxn" => txn::SetDataTxn, txn::SetDataTxnView<'_>,
    "txn.CheckVersionTxn" => txn::CheckVersionTxn, txn::CheckVersionTxnView<'_>,
    "txn.SetACLTxn" => txn::SetAclTxn, txn::SetAclTxnView<'_>,
    "txn.SetMaxChildrenTxn" => txn::SetMaxChildrenTxn, txn::SetMaxChildrenTxnView<'_>,
    "txn.CreateSessionTxn" => txn::CreateSessionTxn, txn::CreateSessionTxn,
    "txn.CloseSessionTxn" => txn::CloseSessionTxn, txn::CloseSessionTxnView<'_>,
    "txn.ErrorTxn" => txn::ErrorTxn, txn::ErrorTxn,
    "txn.Txn" => txn::Txn, txn::TxnView<'_>,
    "txn.MultiTxn" => txn::MultiTxn, txn::MultiTxnView<'_>,
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_path() -> PathBuf {
    manifest_dir().join("tests/data/golden.txt")
}

fn hex_decode(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// `(record name, bytes)` for every line of the golden file.
fn golden() -> Vec<(String, Vec<u8>)> {
    let text = std::fs::read_to_string(golden_path()).expect("read tests/data/golden.txt");
    text.lines()
        .map(|line| {
            let (name, hex) = line.split_once(' ').expect("`name hex` line");
            (name.to_owned(), hex_decode(hex))
        })
        .collect()
}

/// The records of upstream `zookeeper.jute`, in schema order, without the common prefix.
fn schema_records() -> Vec<String> {
    let schema = jute_parser::parse_file(manifest_dir().join("../zookeeper.jute"))
        .unwrap_or_else(|d| panic!("zookeeper.jute does not parse:\n{d}"));
    schema
        .modules
        .iter()
        .flat_map(|m| &m.records)
        .map(|r| r.qualified_name().trim_start_matches(PREFIX).to_owned())
        .collect()
}

fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    match found {
        Some(path) if Path::new(JAR).is_file() => path,
        _ => panic!(
            "`{name}` or {JAR} is missing: this test compares against Apache's Java records; \
             install them with `apt-get install -y zookeeper default-jdk-headless`"
        ),
    }
}

/// Compiles and runs `tests/java/Golden.java` for every record; returns its output.
fn run_java() -> String {
    let javac = tool("javac");
    let java = tool("java");
    let dir = std::env::temp_dir().join(format!("zk-records-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let status = Command::new(javac)
        .args(["-d".as_ref(), dir.as_os_str(), "-cp".as_ref(), JAR.as_ref()])
        .arg(manifest_dir().join("tests/java/Golden.java"))
        .status()
        .expect("run javac");
    assert!(status.success(), "javac failed");
    let classpath = format!("{}:{JAR}", dir.display());
    let output = Command::new(java)
        .args(["-cp", &classpath, "Golden"])
        .args(schema_records())
        .output()
        .expect("run java");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "Golden.java failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("hex output is ASCII")
}

#[test]
fn golden_file_is_what_java_writes() {
    let fresh = run_java();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(golden_path(), &fresh).expect("write golden file");
    }
    let checked_in = std::fs::read_to_string(golden_path()).unwrap_or_default();
    assert!(
        fresh == checked_in,
        "tests/data/golden.txt differs from what tests/java/Golden.java writes now; \
         rerun with UPDATE_GOLDEN=1 and review the diff"
    );
}

#[test]
fn rust_list_covers_every_schema_record() {
    let schema: BTreeSet<String> = schema_records().into_iter().collect();
    let listed: BTreeSet<String> = RECORDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(schema.len(), 72, "upstream zookeeper.jute has 72 records");
    assert_eq!(listed, schema);
    let in_golden: BTreeSet<String> = golden().into_iter().map(|(name, _)| name).collect();
    assert_eq!(in_golden, schema, "every record has golden bytes");
}

#[test]
fn every_record_round_trips_java_bytes() {
    let mut failures = Vec::new();
    let golden = golden();
    for (name, bytes) in &golden {
        let owned = round_trip(name, Bytes::copy_from_slice(bytes));
        let view = view_round_trip(name, bytes);
        for (what, result) in [("", owned), (" (view)", view)] {
            match result {
                Ok(again) if &again == bytes => {}
                Ok(again) => failures.push(format!(
                    "{name}{what}: re-encoded bytes differ\n  java: {bytes:02x?}\n  rust: {again:02x?}"
                )),
                Err(e) => failures.push(format!("{name}{what}: decode failed: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        golden.len(),
        failures.join("\n")
    );
}

fn golden_of(name: &str) -> Vec<Vec<u8>> {
    golden()
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, b)| b)
        .collect()
}

#[test]
fn connect_request_with_and_without_read_only() {
    // The Debian 3.8 jar's ConnectRequest has no readOnly: its bytes are the "old peer" form.
    for bytes in golden_of("proto.ConnectRequest") {
        let without: proto::ConnectRequest = jute::from_slice(&bytes).expect("decode without");
        assert_eq!(without.read_only, None);
        assert_eq!(jute::to_vec(&without), bytes);
        for (byte, flag) in [(0u8, false), (1, true)] {
            let mut with = bytes.clone();
            with.push(byte);
            let decoded: proto::ConnectRequest = jute::from_slice(&with).expect("decode with");
            assert_eq!(decoded.read_only, Some(flag));
            assert_eq!(decoded.protocol_version, without.protocol_version);
            assert_eq!(jute::to_vec(&decoded), with);
        }
    }
}

#[test]
fn connect_response_with_and_without_read_only() {
    for bytes in golden_of("proto.ConnectResponse") {
        let without: proto::ConnectResponse = jute::from_slice(&bytes).expect("decode without");
        assert_eq!(without.read_only, None);
        assert_eq!(jute::to_vec(&without), bytes);
        let mut with = bytes.clone();
        with.push(1);
        let decoded: proto::ConnectResponse = jute::from_slice(&with).expect("decode with");
        assert_eq!(decoded.read_only, Some(true));
        assert_eq!(decoded.session_id, without.session_id);
        assert_eq!(jute::to_vec(&decoded), with);
    }
}

#[test]
fn learner_info_short_forms() {
    // LearnerHandler accepts 8, 12 or 20 bytes.
    let full = server::quorum::LearnerInfo {
        serverid: 7,
        protocol_version: Some(0x10000),
        config_version: Some(3),
    };
    let bytes = jute::to_vec(&full);
    assert_eq!(bytes.len(), 20);
    for len in [8, 12, 20] {
        let short: server::quorum::LearnerInfo = jute::from_slice(&bytes[..len]).expect("decode");
        assert_eq!(short.serverid, 7);
        assert_eq!(short.protocol_version.is_some(), len >= 12);
        assert_eq!(short.config_version.is_some(), len >= 20);
        assert_eq!(jute::to_vec(&short), &bytes[..len]);
    }
}

#[test]
fn null_data_round_trips() {
    // Java writes null node data as length -1; the configured fields keep it apart from empty.
    let null = proto::GetDataResponse {
        data: None,
        stat: data::Stat::default(),
    };
    let bytes = jute::to_vec(&null);
    assert_eq!(&bytes[..4], &[0xff; 4]);
    assert_eq!(
        jute::from_slice::<proto::GetDataResponse>(&bytes).expect("decode"),
        null
    );
    let empty = proto::GetDataResponse {
        data: Some(Bytes::new()),
        ..null.clone()
    };
    assert_eq!(&jute::to_vec(&empty)[..4], &[0; 4]);
    let packet = server::quorum::QuorumPacket {
        r#type: 5,
        zxid: 1,
        data: None,
        authinfo: None,
    };
    let bytes = jute::to_vec(&packet);
    assert_eq!(bytes.len(), 4 + 8 + 4 + 4);
    assert_eq!(
        jute::from_slice::<server::quorum::QuorumPacket>(&bytes).expect("decode"),
        packet
    );
    let txn = txn::SetDataTxn {
        path: "/a".into(),
        data: None,
        version: 1,
    };
    assert_eq!(
        jute::from_slice::<txn::SetDataTxn>(&jute::to_vec(&txn)).expect("decode"),
        txn
    );
}

#[test]
fn java_cesu8_supplementary_characters_decode() {
    // `new Id("digest", "emoji \ud83d\ude00")` as the 3.8 jar's BinaryOutputArchive writes it:
    // the emoji is a surrogate pair, three bytes each (CESU-8). The runtime reads it but writes
    // standard UTF-8 (4 bytes), which is what Java's reader expects, so these bytes are kept
    // out of the byte-for-byte golden file.
    let java = hex_decode(
        "00000006646967657374000000 0c656d6f6a6920eda0bdedb880"
            .replace(' ', "")
            .as_str(),
    );
    let id: data::Id = jute::from_slice(&java).expect("decode CESU-8");
    assert_eq!(id.id, "emoji \u{1F600}");
    let rust = jute::to_vec(&id);
    assert_eq!(&rust[10..], b"\x00\x00\x00\x0aemoji \xf0\x9f\x98\x80");
}
