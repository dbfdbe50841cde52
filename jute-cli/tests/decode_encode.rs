//! `jute decode` / `jute encode` as a user runs them: output, errors and exit codes.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

const JUTE: &str = env!("CARGO_BIN_EXE_jute");

fn schema() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../zookeeper.jute").to_string()
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(JUTE)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const ACL_HEX: &str = "0000001f00000005776f726c6400000006616e796f6e65";
const ACL_JSON: &str = r#"{"perms":31,"id":{"scheme":"world","id":"anyone"}}"#;

#[test]
fn decode_hex_and_stdin_and_encode_back() {
    let s = schema();
    let out = run(&["decode", "-s", &s, "-t", "ACL", "--hex", ACL_HEX], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), ACL_JSON);

    let raw = hex::decode(ACL_HEX).unwrap();
    let out = run(
        &[
            "decode",
            "--schema",
            &s,
            "--type",
            "org.apache.zookeeper.data.ACL",
        ],
        &raw,
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), ACL_JSON);

    let out = run(&["encode", "-s", &s, "-t", "data.ACL"], ACL_JSON.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, raw);
    let out = run(
        &["encode", "-s", &s, "-t", "ACL", "--hex"],
        ACL_JSON.as_bytes(),
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), ACL_HEX);
}

#[test]
fn decode_errors() {
    let s = schema();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "-t",
                "ConnectResponse",
                "--hex",
                "0000000000000000000000000000000000000100",
            ],
            "error: cannot decode org.apache.zookeeper.proto.ConnectResponse: \
             ConnectResponse.passwd: at byte 16: expected a buffer length that fits the input, \
             found 256 (needs at least 256 bytes, 0 left)\n",
        ),
        (
            &["-t", "Id", "--hex", "00000001610000000162ff"],
            "error: 1 trailing byte after the org.apache.zookeeper.data.Id record, at byte 10 \
             (pass --allow-trailing to accept them)\n",
        ),
        (
            &["-t", "Stt", "--hex", "00"],
            "error: unknown record type `Stt`; did you mean `org.apache.zookeeper.data.Stat`?\n",
        ),
        (
            &["-t", "Id", "--hex", "0g"],
            "error: --hex: invalid hex digit 'g' at character 1\n",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["decode", "-s", &s];
        all.extend_from_slice(args);
        let out = run(&all, b"");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty());
        assert_eq!(stderr(&out), *want, "{args:?}");
    }
    // --allow-trailing decodes and warns.
    let out = run(
        &[
            "decode",
            "-s",
            &s,
            "-t",
            "Id",
            "--hex",
            "00000001610000000162ff",
            "--allow-trailing",
        ],
        b"",
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"scheme":"a","id":"b"}"#
    );
    assert!(stderr(&out).starts_with("warning: 1 trailing byte"));
}

#[test]
fn ambiguous_types_list_the_candidates() {
    let dir = std::env::temp_dir().join(format!("jute-cli-ambiguous-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("two.jute");
    std::fs::write(
        &file,
        "module a { class Id { int x; } } module b { class Id { long y; } }",
    )
    .unwrap();
    let out = run(
        &[
            "decode",
            "-s",
            file.to_str().unwrap(),
            "-t",
            "Id",
            "--hex",
            "00",
        ],
        b"",
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: record type `Id` is ambiguous; it could be any of: a.Id, b.Id\n"
    );
}

#[test]
fn encode_errors_name_the_field_path() {
    let s = schema();
    let connect =
        r#"{"protocolVersion":0,"lastZxidSeen":0,"timeOut":3000,"sessionId":0,"passwd":12}"#;
    let out = run(
        &["encode", "-s", &s, "-t", "ConnectRequest"],
        connect.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: cannot encode org.apache.zookeeper.proto.ConnectRequest: \
         ConnectRequest.passwd: expected a hex string, found 12\n"
    );
    // readOnly is optional (a trailing field), so without it the request encodes.
    let ok = connect.replace("12", "\"\"");
    let out = run(
        &["encode", "-s", &s, "-t", "ConnectRequest", "--hex"],
        ok.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["encode", "-s", &s, "-t", "ACL"], b"{not json");
    assert!(
        stderr(&out).starts_with("error: stdin is not JSON: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_has_examples() {
    for cmd in ["decode", "encode"] {
        let out = run(&[cmd, "--help"], b"");
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Examples:"),
            "{cmd}"
        );
    }
}
