//! Runs the `jute` binary: `jute gen` produces the same code as `cargo xtask codegen`'s library.

use std::path::Path;
use std::process::Command;

fn jute() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jute"));
    cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    cmd
}

/// Runs `jute` with `args`, asserts success and returns its standard output.
fn run_ok<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    let out = jute().args(args).output().expect("run jute");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn gen_prints_records_with_options() {
    let code = run_ok(&[
        "gen",
        "zookeeper.jute",
        "--strip-prefix",
        "org.apache.zookeeper.",
        "--buffer-type",
        "bytes",
        "--trailing",
        "org.apache.zookeeper.proto.ConnectRequest.readOnly",
    ]);
    assert!(
        code.starts_with("// @generated"),
        "{}",
        &code[..80.min(code.len())]
    );
    assert!(code.contains("pub mod proto {"));
    assert!(code.contains("pub struct ConnectRequest {"));
    assert!(code.contains("pub passwd: ::jute::bytes::Bytes,"));
    assert!(code.contains("#[jute(trailing)]"));
    assert_eq!(code.matches("pub struct ").count(), 72);
    assert!(
        !code.contains("serde"),
        "no serde attributes unless --serde-feature asks for them"
    );
}

#[test]
fn gen_derives_serde_behind_the_feature_it_is_given() {
    let args = [
        "gen",
        "zookeeper.jute",
        "--strip-prefix",
        "org.apache.zookeeper.",
    ];
    let code = run_ok(&[&args[..], &["--serde-feature", "json"]].concat());
    assert!(
        code.contains(
            "#[cfg_attr(feature = \"json\", derive(::serde::Serialize, ::serde::Deserialize))]"
        ),
        "{}",
        &code[..2000.min(code.len())]
    );
    assert!(!code.contains("feature = \"serde\""));
    let plain = run_ok(&args);
    assert_eq!(run_ok(&[&args[..], &["--no-serde"]].concat()), plain);
    let out = jute()
        .args(args)
        .args(["--serde-feature", "json", "--no-serde"])
        .output()
        .expect("run jute");
    assert_eq!(out.status.code(), Some(2), "the two flags conflict");
}

/// `--string-type utf8-bytes --views --serde-feature serde` with the zk-records options gives
/// zk-records' code.
#[test]
fn gen_with_shared_strings_and_views_matches_zk_records() {
    let mut args: Vec<String> = [
        "gen",
        "zookeeper.jute",
        "--strip-prefix",
        "org.apache.zookeeper.",
        "--buffer-type",
        "bytes",
        "--string-type",
        "utf8-bytes",
        "--views",
        "--serde-feature",
        "serde",
    ]
    .map(String::from)
    .to_vec();
    for field in [
        "proto.ConnectRequest.readOnly",
        "proto.ConnectResponse.readOnly",
        "server.quorum.LearnerInfo.protocolVersion",
        "server.quorum.LearnerInfo.configVersion",
    ] {
        args.extend(["--trailing".into(), format!("org.apache.zookeeper.{field}")]);
    }
    for field in [
        "proto.CreateRequest.data",
        "proto.CreateTTLRequest.data",
        "proto.SetDataRequest.data",
        "proto.GetDataResponse.data",
        "txn.CreateTxnV0.data",
        "txn.CreateTxn.data",
        "txn.CreateTTLTxn.data",
        "txn.CreateContainerTxn.data",
        "txn.SetDataTxn.data",
        "proto.ReconfigRequest.joiningServers",
        "proto.ReconfigRequest.leavingServers",
        "proto.ReconfigRequest.newMembers",
        "proto.SetSASLResponse.token",
        "server.quorum.QuorumPacket.data",
        "server.quorum.QuorumPacket.authinfo",
        "server.quorum.QuorumAuthPacket.token",
    ] {
        args.extend(["--nullable".into(), format!("org.apache.zookeeper.{field}")]);
    }
    let code = run_ok(&args);
    let checked_in = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../zk-records/src/generated.rs"),
    )
    .expect("read zk-records/src/generated.rs");
    assert!(code.contains("pub struct GetChildrenResponseView<'a> {"));
    assert!(code.contains("pub children: ::std::vec::Vec<::jute::Utf8Bytes>,"));
    assert_eq!(
        code, checked_in,
        "jute gen differs from cargo xtask codegen"
    );
}

#[test]
fn gen_rejects_config_that_names_nothing() {
    let out = jute()
        .args([
            "gen",
            "zookeeper.jute",
            "--nullable",
            "org.apache.zookeeper.proto.NoSuch.field",
        ])
        .output()
        .expect("run jute");
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NoSuch"), "{err}");
}

#[test]
fn gen_writes_to_out_dir() {
    let dir = std::env::temp_dir().join(format!("jute-gen-test-{}", std::process::id()));
    let out = jute()
        .args(["gen", "zookeeper.jute", "--out-dir"])
        .arg(&dir)
        .output()
        .expect("run jute");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(dir.join("zookeeper.rs")).expect("zookeeper.rs written");
    assert!(written.contains("pub mod org {"));
    let _ = std::fs::remove_dir_all(&dir);
}
