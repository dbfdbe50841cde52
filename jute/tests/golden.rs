//! Golden bytes: our encoding against Apache's own `BinaryOutputArchive` (3.8, Debian's jar).
//!
//! `tests/data/golden.txt` is checked in; `golden_file_is_what_java_writes` regenerates it with
//! `tests/java/GoldenBytes.java`, so the check-in itself is verified on every run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use jute::Jute;

const JUTE_JAR: &str = "/usr/share/java/zookeeper-jute.jar";

fn golden() -> BTreeMap<String, Vec<u8>> {
    let text = include_str!("data/golden.txt");
    text.lines()
        .map(|line| {
            let (name, hex) = line.split_once(' ').expect("name hex");
            (name.to_owned(), hex_decode(hex))
        })
        .collect()
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compiles GoldenBytes.java once per test binary; fails loudly without Java or the jar.
fn java_classes() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        assert!(
            Path::new(JUTE_JAR).exists(),
            "{JUTE_JAR} is missing: install Apache's Java Jute with `apt-get install -y zookeeper`"
        );
        let dir = std::env::temp_dir().join(format!("jute-golden-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/GoldenBytes.java");
        let status = Command::new("javac")
            .args(["-cp", JUTE_JAR, "-d"])
            .arg(&dir)
            .arg(&src)
            .status()
            .expect("javac not found: install a JDK (`apt-get install -y zookeeper default-jdk-headless`)");
        assert!(status.success(), "javac failed on {}", src.display());
        dir
    })
}

fn java(args: &[&str]) -> String {
    let classpath = format!("{JUTE_JAR}:{}", java_classes().display());
    let out = Command::new("java")
        .args(["-cp", &classpath, "GoldenBytes"])
        .args(args)
        .output()
        .expect("java not found: `apt-get install -y zookeeper`");
    assert!(
        out.status.success(),
        "java GoldenBytes {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn golden_file_is_what_java_writes() {
    let fresh = java(&["write"]);
    assert_eq!(
        fresh,
        include_str!("data/golden.txt"),
        "tests/data/golden.txt is stale: regenerate it with tests/java/GoldenBytes.java"
    );
}

#[derive(Jute, Debug, Clone, PartialEq)]
struct Inner {
    i: i32,
    s: String,
}

#[derive(Jute, Debug, Clone, PartialEq)]
#[allow(non_snake_case)]
struct Everything {
    b: i8,
    yes: bool,
    no: bool,
    i: i32,
    l: i64,
    f: f32,
    d: f64,
    s: String,
    nonBmp: String,
    buf: Vec<u8>,
    ints: Vec<i32>,
    strs: Vec<String>,
    nested: Vec<Vec<i64>>,
    inners: Vec<Inner>,
    m: BTreeMap<String, i32>,
    mv: BTreeMap<i32, Vec<String>>,
    inner: Inner,
}

fn everything() -> Everything {
    Everything {
        b: -7,
        yes: true,
        no: false,
        i: -123456,
        l: 0x7766554433221100,
        f: -2.25,
        d: 6.02214076e23,
        s: "Grüße".into(),
        nonBmp: "😀".into(),
        buf: vec![0xca, 0xfe],
        ints: vec![3, 1, 2],
        strs: vec!["".into(), "a".into(), "bc".into()],
        nested: vec![vec![1, 2], vec![], vec![-3]],
        inners: vec![
            Inner {
                i: 1,
                s: "one".into(),
            },
            Inner {
                i: 2,
                s: "two".into(),
            },
        ],
        m: [("b".into(), 2), ("a".into(), 1), ("c".into(), 3)].into(),
        mv: [(10, vec!["x".into()]), (-5, vec![])].into(),
        inner: Inner {
            i: 42,
            s: "inner".into(),
        },
    }
}

/// Asserts that `value` encodes to Java's bytes for `name` and decodes back from them.
fn check<T: Jute + PartialEq + std::fmt::Debug>(
    g: &BTreeMap<String, Vec<u8>>,
    name: &str,
    value: T,
) {
    let java = g
        .get(name)
        .unwrap_or_else(|| panic!("no golden case {name}"));
    assert_eq!(
        hex_encode(&jute::to_vec(&value)),
        hex_encode(java),
        "encoding {name}"
    );
    assert_eq!(value.encoded_len(), java.len(), "encoded_len {name}");
    assert_eq!(
        jute::from_slice::<T>(java).unwrap(),
        value,
        "decoding {name}"
    );
}

#[test]
fn primitives_match_java() {
    let g = golden();
    check(&g, "byte_min", i8::MIN);
    check(&g, "byte_max", i8::MAX);
    check(&g, "byte_minus_one", -1i8);
    check(&g, "bool_true", true);
    check(&g, "bool_false", false);
    check(&g, "int_zero", 0i32);
    check(&g, "int_min", i32::MIN);
    check(&g, "int_max", i32::MAX);
    check(&g, "int_minus_one", -1i32);
    check(&g, "long_min", i64::MIN);
    check(&g, "long_max", i64::MAX);
    check(&g, "long_value", 0x0102030405060708i64);
    check(&g, "float_one_and_half", 1.5f32);
    check(&g, "float_infinity", f32::INFINITY);
    check(&g, "float_min_positive", f32::from_bits(1));
    check(&g, "double_pi", std::f64::consts::PI);
    check(&g, "double_negative_infinity", f64::NEG_INFINITY);
    check(&g, "double_max", f64::MAX);
    // -0.0 == 0.0 in PartialEq, so compare bits.
    let neg_zero = &g["float_negative_zero"];
    assert_eq!(jute::to_vec(&-0.0f32), *neg_zero);
    assert!(jute::from_slice::<f32>(neg_zero)
        .unwrap()
        .is_sign_negative());
}

#[test]
fn strings_buffers_vectors_match_java() {
    let g = golden();
    check(&g, "string_null", None::<String>);
    check(&g, "string_empty", String::new());
    check(&g, "string_empty", Some(String::new()));
    check(&g, "string_ascii", "/zookeeper/quota".to_owned());
    check(&g, "string_nul", "a\0b".to_owned());
    check(
        &g,
        "string_non_ascii",
        "Grüße, €, 日本語, \u{FFFD}".to_owned(),
    );
    // `Utf8Bytes` is a `ustring` too: same bytes as Java's in both directions.
    use jute::Utf8Bytes;
    check(&g, "string_null", None::<Utf8Bytes>);
    check(&g, "string_empty", Utf8Bytes::new());
    check(
        &g,
        "string_ascii",
        Utf8Bytes::from_static("/zookeeper/quota"),
    );
    check(&g, "string_nul", Utf8Bytes::from_static("a\0b"));
    check(
        &g,
        "string_non_ascii",
        Utf8Bytes::from_static("Grüße, €, 日本語, \u{FFFD}"),
    );
    check(&g, "buffer_null", None::<Vec<u8>>);
    check(&g, "buffer_empty", Vec::<u8>::new());
    check(&g, "buffer_bytes", vec![0u8, 1, 0x7f, 0x80, 0xff]);
    check(
        &g,
        "buffer_bytes",
        jute::bytes::Bytes::from_static(&[0, 1, 0x7f, 0x80, 0xff]),
    );
    check(&g, "vector_null", None::<Vec<i32>>);
    check(&g, "vector_empty", Vec::<i32>::new());
    check(&g, "vector_ints", vec![1i32, -2, 300000]);
}

#[test]
fn null_reads_as_empty_for_plain_fields() {
    let g = golden();
    assert_eq!(jute::from_slice::<String>(&g["string_null"]).unwrap(), "");
    assert!(jute::from_slice::<Vec<u8>>(&g["buffer_null"])
        .unwrap()
        .is_empty());
    assert!(jute::from_slice::<Vec<String>>(&g["vector_null"])
        .unwrap()
        .is_empty());
}

#[test]
fn non_bmp_text_interoperates_with_java() {
    let g = golden();
    // Java writes CESU-8 surrogate pairs; we read them as the intended characters.
    let expected = "x\u{1F600}y\u{10FFFF}";
    assert_eq!(
        jute::from_slice::<String>(&g["string_non_bmp"]).unwrap(),
        expected
    );
    let shared = jute::bytes::Bytes::from(g["string_non_bmp"].clone());
    assert_eq!(
        jute::from_bytes::<jute::Utf8Bytes>(shared).unwrap(),
        expected
    );
    // We write standard UTF-8, which Java's reader decodes to the same characters
    // (Java's reader turns its own CESU-8 into U+FFFD, so CESU-8 would lose data).
    let ours = jute::to_vec(&expected.to_owned());
    assert_eq!(&ours[4..], expected.as_bytes());
    let decoded_by_java = java(&["read-string", &hex_encode(&ours)]);
    assert_eq!(decoded_by_java.trim(), "U+0078 U+1F600 U+0079 U+10FFFF");
}

#[test]
fn record_with_every_type_matches_java() {
    let g = golden();
    let java = &g["everything"];
    let value = everything();
    // Our bytes equal Java's except the non-BMP field, which we write as standard UTF-8.
    let decoded: Everything = jute::from_slice(java).unwrap();
    assert_eq!(decoded, value);
    let mut expected = value.clone();
    expected.nonBmp = "".into();
    let mut java_without_non_bmp = jute::to_vec(&expected);
    assert_eq!(java_without_non_bmp.len() + 6, java.len());
    // Splice the field back in as Java wrote it and compare the whole record.
    let at = java_without_non_bmp
        .windows(4)
        .position(|w| w == [0, 0, 0, 0])
        .expect("empty nonBmp length");
    let field_offset = 1 + 1 + 1 + 4 + 8 + 4 + 8 + 4 + "Grüße".len();
    assert_eq!(at, field_offset);
    java_without_non_bmp.splice(at..at + 4, [0, 0, 0, 6, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]);
    assert_eq!(hex_encode(&java_without_non_bmp), hex_encode(java));
    assert_eq!(jute::to_vec(&decoded), jute::to_vec(&value));
}
