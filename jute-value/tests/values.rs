//! jute-value end to end: every Jute type through decode -> JSON -> from_json -> encode,
//! hostile input, and the error messages.

use jute::{Decoder, ErrorKind, Limits};
use jute_value::{decode, encode_to_vec, from_json, Options, Value};

const SCHEMA: &str = "
module t {
    class Inner { int x; ustring s; }
    class All {
        byte b; boolean z; int i; long l; float f; double d;
        ustring s; buffer buf;
        vector<Inner> inners; map<ustring, vector<long>> m;
        ustring nullString; buffer nullBuffer; vector<int> nullVector; map<int, int> nullMap;
    }
    class Ints { vector<int> v; }
}";

fn schema() -> jute_parser::Schema {
    jute_parser::parse_str("t.jute", SCHEMA).unwrap()
}

fn round_trip(record: &str, json: &str) -> (Vec<u8>, String) {
    let schema = schema();
    let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
    let value = from_json(&schema, record, &parsed).unwrap();
    let bytes = encode_to_vec(&schema, record, &value).unwrap();
    let mut d = Decoder::new(&bytes[..]);
    let back = decode(&schema, record, &mut d).unwrap();
    assert_eq!(d.remaining(), 0);
    assert_eq!(back.to_json().to_string(), json);
    (bytes, back.to_json().to_string())
}

#[test]
fn every_type_round_trips_through_json() {
    let json = r#"{"b":-128,"z":true,"i":-2147483648,"l":-9223372036854775808,"f":0.1,"d":1e300,"s":"caf\u00e9 \u4e2d \ud83d\ude00 \"q\"\n","buf":"00ff10","inners":[{"x":1,"s":""},{"x":2,"s":"two"}],"m":[["k",[9223372036854775807,0]],["a",[]]],"nullString":null,"nullBuffer":null,"nullVector":null,"nullMap":null}"#;
    // serde_json reads the escapes; our writer prints non-ASCII as is.
    let expected: serde_json::Value = serde_json::from_str(json).unwrap();
    let schema = schema();
    let value = from_json(&schema, "t.All", &expected).unwrap();
    let bytes = encode_to_vec(&schema, "t.All", &value).unwrap();
    let back = decode(&schema, "t.All", &mut Decoder::new(&bytes[..])).unwrap();
    assert_eq!(back, value);
    let printed: serde_json::Value = serde_json::from_str(&back.to_json().to_string()).unwrap();
    assert_eq!(printed, expected);
    // Map entries stay in wire order (not sorted).
    assert!(back.to_json().to_string().contains(r#""m":[["k","#));
    // Null stays null on the wire: -1.
    assert!(bytes.ends_with(&[0xff; 16]));
}

#[test]
fn non_finite_floats_are_strings() {
    let (bytes, _) = round_trip(
        "t.All",
        r#"{"b":0,"z":false,"i":0,"l":0,"f":"NaN","d":"-Infinity","s":"","buf":"","inners":[],"m":[],"nullString":"","nullBuffer":"","nullVector":[],"nullMap":[]}"#,
    );
    // Java's canonical NaN.
    assert_eq!(&bytes[14..18], &[0x7f, 0xc0, 0, 0]);
    assert_eq!(&bytes[18..26], &f64::NEG_INFINITY.to_be_bytes());
    let (_, json) = round_trip(
        "t.All",
        r#"{"b":0,"z":false,"i":0,"l":0,"f":"Infinity","d":-0.0,"s":"","buf":"","inners":[],"m":[],"nullString":null,"nullBuffer":null,"nullVector":null,"nullMap":null}"#,
    );
    assert!(json.contains(r#""f":"Infinity","d":-0.0"#), "{json}");
}

#[test]
fn hostile_counts_fail_before_allocating() {
    let schema = schema();
    // 2^31-1 ints announced, 4 bytes present.
    let bytes = [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1];
    let err = decode(&schema, "t.Ints", &mut Decoder::new(&bytes[..])).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::LengthOverInput { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "Ints.v: at byte 0: expected a vector length that fits the input, found 2147483647 \
         (needs at least 8589934588 bytes, 4 left)"
    );
    let bytes = [0xff, 0xff, 0xff, 0xfe];
    let err = decode(&schema, "t.Ints", &mut Decoder::new(&bytes[..])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Ints.v: at byte 0: expected a vector length >= -1, found -2"
    );
}

#[test]
fn string_length_limit_applies() {
    let schema = jute_parser::parse_str("s.jute", "module s { class S { buffer b; } }").unwrap();
    let mut bytes = 100i32.to_be_bytes().to_vec();
    bytes.extend([0u8; 100]);
    let limits = Limits {
        max_len: 10,
        ..Limits::default()
    };
    let err = decode(
        &schema,
        "s.S",
        &mut Decoder::with_limits(&bytes[..], limits),
    )
    .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::LengthOverLimit { .. }),
        "{err}"
    );
}

/// A schema of `count` records, `d.R0 { int x; }` and each `d.Ri { d.R(i-1) inner; }`.
fn record_chain(count: usize) -> jute_parser::Schema {
    let mut text = String::from("module d { class R0 { int x; }\n");
    for i in 1..count {
        text.push_str(&format!("class R{i} {{ R{} inner; }}\n", i - 1));
    }
    text.push('}');
    jute_parser::parse_str("d.jute", &text).unwrap()
}

#[test]
fn nested_records_do_not_count_toward_the_container_depth() {
    // 65 records one inside the other (more than `Limits::max_depth`, which bounds vectors
    // and maps): what `encode` writes, `decode` reads back.
    let schema = record_chain(66);
    let bytes = [0, 0, 0, 7];
    let v = decode(&schema, "d.R65", &mut Decoder::new(&bytes[..])).unwrap();
    assert_eq!(encode_to_vec(&schema, "d.R65", &v).unwrap(), bytes);
    let json = v.to_json().to_string();
    assert_eq!(json.matches("inner").count(), 65, "{json}");
    assert!(json.contains(r#"{"x":7}"#), "{json}");
}

#[test]
fn deep_record_chains_hit_the_record_limit_not_the_stack() {
    let depth = jute_value::MAX_RECORD_DEPTH as usize;
    let schema = record_chain(depth + 100);
    let bytes = [0u8; 4];
    let top = format!("d.R{}", depth + 99);
    let err = decode(&schema, &top, &mut Decoder::new(&bytes[..])).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("expected records nested at most {depth} deep")),
        "{err}"
    );
    // The deepest chain within the limit decodes.
    let deepest = format!("d.R{}", depth - 1);
    decode(&schema, &deepest, &mut Decoder::new(&bytes[..])).unwrap();
}

#[test]
fn decode_errors_name_the_path_through_vectors() {
    let schema = schema();
    let json: serde_json::Value = serde_json::from_str(
        r#"{"b":0,"z":false,"i":0,"l":0,"f":0,"d":0,"s":"","buf":"","inners":[{"x":1,"s":"a"},{"x":2,"s":"b"}],"m":[],"nullString":null,"nullBuffer":null,"nullVector":null,"nullMap":null}"#,
    )
    .unwrap();
    let bytes = encode_to_vec(
        &schema,
        "t.All",
        &from_json(&schema, "t.All", &json).unwrap(),
    )
    .unwrap();
    // Cut inside the second Inner's string.
    let cut = &bytes[..bytes.len() - 16 - 4 - 2];
    let err = decode(&schema, "t.All", &mut Decoder::new(cut)).unwrap_err();
    assert!(
        err.to_string().starts_with("All.inners[1].s: at byte "),
        "{err}"
    );
}

#[test]
fn decode_errors_say_whether_a_map_key_or_value_failed() {
    let schema = schema();
    let ty = jute_parser::Type::Map(
        Box::new(jute_parser::Type::UString),
        Box::new(jute_parser::Type::UString),
    );
    // Entry 0: key "a", then a value length of -2.
    let mut bytes = 1i32.to_be_bytes().to_vec();
    bytes.extend(1i32.to_be_bytes());
    bytes.push(b'a');
    bytes.extend((-2i32).to_be_bytes());
    let err = jute_value::decode_type(&schema, &ty, &mut Decoder::new(&bytes[..])).unwrap_err();
    assert_eq!(err.path_string(), "[0]:value");
    // Entry 0's key length is -2.
    let mut bytes = 1i32.to_be_bytes().to_vec();
    bytes.extend((-2i32).to_be_bytes());
    bytes.extend(0i32.to_be_bytes());
    let err = jute_value::decode_type(&schema, &ty, &mut Decoder::new(&bytes[..])).unwrap_err();
    assert_eq!(err.path_string(), "[0]:key");
}

#[test]
fn json_errors_name_the_path() {
    let schema = schema();
    let check = |json: &str, want: &str| {
        let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
        let err = from_json(&schema, "t.Ints", &parsed).unwrap_err();
        assert_eq!(err.to_string(), want);
    };
    check(
        r#"{"v":[1,"x"]}"#,
        r#"Ints.v[1]: expected an int, found the string "x""#,
    );
    check(
        r#"{"v":[1,2147483648]}"#,
        "Ints.v[1]: expected an int, found 2147483648",
    );
    check(r#"{"v":[1.5]}"#, "Ints.v[0]: expected an int, found 1.5");
    check(r#"{"v":{}}"#, "Ints.v: expected an array, found an object");
    check(r#"{}"#, "missing field `v` of Ints");
    check(
        r#"{"v":[],"w":1}"#,
        "unknown field `w` for Ints (its fields are: v)",
    );
    check(
        r#"[]"#,
        "expected a Ints record (a JSON object), found an array of 0 elements",
    );
}

#[test]
fn encode_checks_values_against_the_schema() {
    let schema = schema();
    let bad = Value::Record(jute_value::RecordValue {
        name: "t.Ints".into(),
        fields: vec![(
            "v".into(),
            Value::Vector(vec![Value::Int(1), Value::Long(1 << 40)]),
        )],
    });
    let err = encode_to_vec(&schema, "t.Ints", &bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Ints.v[1]: expected an int, found 1099511627776"
    );
    let wrong_record = Value::Record(jute_value::RecordValue {
        name: "t.Inner".into(),
        fields: vec![],
    });
    let err = encode_to_vec(&schema, "t.Ints", &wrong_record).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a Ints record, found a Inner record"
    );
}

#[test]
fn trailing_fields_may_be_absent() {
    let schema = jute_parser::parse_str(
        "c.jute",
        "module m { class C { int a; boolean ro; int after; } }",
    )
    .unwrap();
    let opts = Options::new().trailing("m.C.ro").trailing("m.C.after");
    let v = jute_value::decode_with(&schema, "m.C", &mut Decoder::new(&[0, 0, 0, 1][..]), &opts)
        .unwrap();
    assert_eq!(v.to_json().to_string(), r#"{"a":1}"#);
    let json: serde_json::Value = serde_json::from_str(r#"{"a":1}"#).unwrap();
    let value = jute_value::from_json_with(&schema, "m.C", &json, &opts).unwrap();
    assert_eq!(
        jute_value::encode_to_vec_with(&schema, "m.C", &value, &opts).unwrap(),
        [0, 0, 0, 1]
    );
    // Without the option, or with only part of the rest trailing, they are required.
    let only_ro = Options::new().trailing("m.C.ro");
    assert!(jute_value::decode_with(
        &schema,
        "m.C",
        &mut Decoder::new(&[0, 0, 0, 1][..]),
        &only_ro
    )
    .is_err());
    assert!(jute_value::from_json(&schema, "m.C", &json).is_err());
}

#[test]
fn nan_payloads_are_written_canonical() {
    // A NaN with the sign bit and a payload, in a float and a double field (and narrowed or
    // widened across them): every one is written as Java's canonical NaN.
    let schema = schema();
    for (f, d) in [
        (
            Value::Float(f32::from_bits(0xffc0_0001)),
            Value::Double(f64::from_bits(0xfff8_0000_0000_0001)),
        ),
        (
            Value::Double(f64::from_bits(0xfff8_0000_0000_0001)),
            Value::Float(f32::from_bits(0xffc0_0001)),
        ),
    ] {
        let mut bytes = Vec::new();
        jute_value::encode_type(&schema, &jute_parser::Type::Float, &f, &mut bytes).unwrap();
        jute_value::encode_type(&schema, &jute_parser::Type::Double, &d, &mut bytes).unwrap();
        assert_eq!(bytes, [0x7f, 0xc0, 0, 0, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]);
    }
}

#[test]
fn a_double_beyond_the_largest_float_is_refused_for_a_float_field() {
    let schema = schema();
    let float = jute_parser::Type::Float;
    let err = jute_value::from_json_type(&schema, &float, &serde_json::json!(1e39)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a float (at most 3.4028235e38 in magnitude), found 1000000000000000000000000000000000000000"
    );
    let mut bytes = Vec::new();
    let err =
        jute_value::encode_type(&schema, &float, &Value::Double(-1e39), &mut bytes).unwrap_err();
    assert!(err.to_string().contains("at most 3.4028235e38"), "{err}");
    // The largest float itself, rounding to it, and the infinities spelled out are floats.
    for ok in [
        serde_json::json!(f64::from(f32::MAX)),
        serde_json::json!(3.4028235e38),
        serde_json::json!("-Infinity"),
    ] {
        let value = jute_value::from_json_type(&schema, &float, &ok).unwrap();
        assert!(matches!(value, Value::Float(_)), "{ok}: {value:?}");
    }
}
