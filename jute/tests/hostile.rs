//! Hostile and malformed input: every case is a typed error naming path, offset, expectation.

use jute::{ErrorKind, Jute, Limits};

#[derive(Jute, Debug, PartialEq)]
#[allow(non_snake_case)]
struct ConnectResponse {
    protocolVersion: i32,
    timeOut: i32,
    sessionId: i64,
    passwd: Vec<u8>,
    #[jute(trailing)]
    readOnly: Option<bool>,
}

#[derive(Jute, Debug, PartialEq)]
struct Node {
    children: Vec<Node>,
}

#[derive(Jute, Debug, PartialEq)]
struct Holder {
    names: Vec<String>,
}

fn be(v: i32) -> [u8; 4] {
    v.to_be_bytes()
}

#[test]
fn buffer_length_beyond_input_names_field_and_offset() {
    let mut bytes = vec![0u8; 16];
    bytes.extend(be(300));
    bytes.extend([1, 2, 3]);
    let err = jute::from_slice::<ConnectResponse>(&bytes).unwrap_err();
    assert_eq!(err.path_string(), "ConnectResponse.passwd");
    assert_eq!(err.offset(), 16);
    assert_eq!(
        err.to_string(),
        "ConnectResponse.passwd: at byte 16: expected a buffer length that fits the input, found 300 (needs at least 300 bytes, 3 left)"
    );
}

#[test]
fn negative_length_other_than_minus_one_is_rejected() {
    let mut bytes = vec![0u8; 16];
    bytes.extend(be(-2));
    let err = jute::from_slice::<ConnectResponse>(&bytes).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::NegativeLength {
            what: "buffer",
            len: -2
        }
    );
    assert_eq!(
        err.to_string(),
        "ConnectResponse.passwd: at byte 16: expected a buffer length >= -1, found -2"
    );
}

#[test]
fn length_over_limit_is_rejected_before_allocating() {
    let mut bytes = be(0x7fff_ffff).to_vec();
    bytes.extend([0u8; 8]);
    let err = jute::from_slice::<String>(&bytes).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::LengthOverLimit {
            what: "ustring",
            len: 0x7fff_ffff,
            limit: 2 * 0xfffff
        }
    );
    let small = Limits {
        max_len: 4,
        ..Limits::default()
    };
    let err = jute::from_buf_with_limits::<String, _>(
        &[0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o'][..],
        small,
    )
    .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::LengthOverLimit { limit: 4, .. }
    ));
    assert_eq!(err.offset(), 0);
}

#[test]
fn prefix_errors_point_at_the_prefix_not_past_it() {
    // Each bad prefix sits after 16 bytes of fixed fields: the error names offset 16 (where
    // the prefix starts), for every kind of refusal.
    let small = Limits {
        max_len: 4,
        ..Limits::default()
    };
    for (prefix, limits, kind) in [
        (-7, Limits::default(), "negative"),
        (5, small, "over the limit"),
        (3, Limits::default(), "over the input"),
    ] {
        let mut bytes = vec![0u8; 16];
        bytes.extend(be(prefix));
        bytes.extend([1, 2]);
        let err = jute::from_buf_with_limits::<ConnectResponse, _>(&bytes[..], limits).unwrap_err();
        assert_eq!(err.offset(), 16, "{kind}: {err}");
        assert_eq!(err.path_string(), "ConnectResponse.passwd", "{kind}");
        let expected_kind = match kind {
            "negative" => matches!(err.kind(), ErrorKind::NegativeLength { len: -7, .. }),
            "over the limit" => matches!(
                err.kind(),
                ErrorKind::LengthOverLimit {
                    len: 5,
                    limit: 4,
                    ..
                }
            ),
            _ => matches!(
                err.kind(),
                ErrorKind::LengthOverInput {
                    len: 3,
                    needed: 3,
                    remaining: 2,
                    ..
                }
            ),
        };
        assert!(expected_kind, "{kind}: {:?}", err.kind());
    }
}

#[test]
fn vector_count_larger_than_input_is_rejected() {
    // 1e9 strings promised in 8 bytes: each needs >= 4 bytes.
    let mut bytes = be(1_000_000_000).to_vec();
    bytes.extend([0u8; 8]);
    let err = jute::from_slice::<Holder>(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Holder.names: at byte 0: expected a vector length that fits the input, found 1000000000 (needs at least 4000000000 bytes, 8 left)"
    );
}

#[test]
fn errors_inside_vectors_name_the_index() {
    let mut bytes = be(2).to_vec();
    bytes.extend(be(1));
    bytes.push(b'a');
    bytes.extend(be(5));
    bytes.extend(b"ab");
    let err = jute::from_slice::<Holder>(&bytes).unwrap_err();
    assert_eq!(err.path_string(), "Holder.names[1]");
    assert_eq!(err.offset(), 9);
}

#[test]
fn trailing_bytes_are_counted() {
    let err = jute::from_slice::<i32>(&[0, 0, 0, 1, 9, 9]).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TrailingBytes { count: 2 });
    assert_eq!(
        err.to_string(),
        "at byte 4: expected end of input after the value, found 2 trailing bytes"
    );
}

#[test]
fn truncated_primitive_says_what_it_needed() {
    let err = jute::from_slice::<i64>(&[1, 2, 3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at byte 0: expected long (8 bytes), found end of input (3 bytes left)"
    );
}

#[test]
fn any_nonzero_boolean_byte_is_true_like_java() {
    for b in 1..=255u8 {
        assert!(jute::from_slice::<bool>(&[b]).unwrap());
    }
    assert!(!jute::from_slice::<bool>(&[0]).unwrap());
}

#[test]
fn trailing_field_is_optional_on_the_wire() {
    let base = ConnectResponse {
        protocolVersion: 0,
        timeOut: 30000,
        sessionId: 0x1234,
        passwd: vec![7; 16],
        readOnly: None,
    };
    let without = jute::to_vec(&base);
    assert_eq!(without.len(), 4 + 4 + 8 + 4 + 16);
    assert_eq!(jute::from_slice::<ConnectResponse>(&without).unwrap(), base);
    let with = jute::to_vec(&ConnectResponse {
        readOnly: Some(true),
        ..base
    });
    assert_eq!(with.len(), without.len() + 1);
    assert_eq!(
        jute::from_slice::<ConnectResponse>(&with).unwrap().readOnly,
        Some(true)
    );
}

#[test]
fn deep_nesting_is_bounded() {
    // vector<vector<...>> nested 10_000 deep, each level a count of 1.
    let mut bytes = Vec::new();
    for _ in 0..10_000 {
        bytes.extend(be(1));
    }
    // A recursive record: without the depth limit this input would overflow the stack.
    let err = jute::from_slice::<Node>(&bytes).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::DepthOverLimit { limit: 64 });
    assert!(err
        .path_string()
        .starts_with("Node.children[0].children[0]"));

    type Deep = Vec<Vec<Vec<Vec<Vec<Vec<Vec<Vec<i32>>>>>>>>;
    let shallow = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let err = jute::from_buf_with_limits::<Deep, _>(&bytes[..], shallow).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::DepthOverLimit { limit: 3 });
    assert_eq!(err.path_string(), "[0][0][0]");
}

/// A record whose only field is trailing: it may encode to nothing (`MIN_ENCODED_LEN` 0).
#[derive(Jute, Debug, PartialEq)]
struct Tail {
    #[jute(trailing)]
    a: Option<i64>,
}

/// The empty record: always encodes to nothing.
#[derive(Jute, Debug, PartialEq)]
struct Empty {}

#[test]
fn count_of_elements_that_may_be_empty_is_bounded_by_the_input() {
    // 2,097,150 (the default `max_len`) elements promised with no byte behind them: each
    // element counts as at least one byte, so the count is refused before any is decoded.
    let bytes = be(2_097_150);
    let err = jute::from_slice::<Vec<Tail>>(&bytes).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::LengthOverInput {
            what: "vector",
            len: 2_097_150,
            needed: 2_097_150,
            remaining: 0
        }
    );
    assert_eq!(err.offset(), 0);
    let err = jute::from_slice::<Vec<Empty>>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::LengthOverInput { .. }),
        "{err}"
    );
    let err = jute::from_slice::<Vec<()>>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::LengthOverInput { .. }),
        "{err}"
    );
}

#[test]
fn nested_vectors_of_empty_records_are_bounded_by_the_input() {
    // Three inner vectors, each promising 1,000,000 empty records, in 16 bytes: the first
    // inner count is refused (8 bytes left after it), so nothing multiplies.
    let mut bytes = be(3).to_vec();
    for _ in 0..3 {
        bytes.extend(be(1_000_000));
    }
    let err = jute::from_slice::<Vec<Vec<Empty>>>(&bytes).unwrap_err();
    assert_eq!(err.path_string(), "[0]");
    assert_eq!(
        err.kind(),
        &ErrorKind::LengthOverInput {
            what: "vector",
            len: 1_000_000,
            needed: 1_000_000,
            remaining: 8
        }
    );
}

#[test]
fn counts_of_empty_elements_within_the_input_still_decode() {
    // Up to one element per remaining byte is accepted: here 4 empty records with the 4 bytes
    // of the next inner count still to come, then that inner vector of 0.
    let mut bytes = be(2).to_vec();
    bytes.extend(be(4));
    bytes.extend(be(0));
    let v = jute::from_slice::<Vec<Vec<Empty>>>(&bytes).unwrap();
    assert_eq!(
        v,
        vec![vec![Empty {}, Empty {}, Empty {}, Empty {}], vec![]]
    );
    // A record with a trailing field, alone, decodes from the one count it needs nothing after.
    assert_eq!(jute::from_slice::<Vec<Tail>>(&be(0)).unwrap(), vec![]);
}

#[test]
fn map_errors_say_whether_the_key_or_the_value_failed() {
    type M = std::collections::BTreeMap<String, String>;
    type V<'a> = std::collections::BTreeMap<std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>>;
    // Entry 0 whole; entry 1's key "b", then a value length of -2.
    let mut bytes = be(2).to_vec();
    for text in [b'a', b'x', b'b'] {
        bytes.extend(be(1));
        bytes.push(text);
    }
    bytes.extend(be(-2));
    let err = jute::from_slice::<M>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::NegativeLength { len: -2, .. }),
        "{err}"
    );
    assert_eq!(err.path_string(), "[1]:value");
    assert_eq!(
        jute::view::<V<'_>>(&bytes).unwrap_err().path_string(),
        "[1]:value"
    );
    // Entry 0's key length is -2.
    let mut bytes = be(1).to_vec();
    bytes.extend(be(-2));
    bytes.extend(be(0));
    let err = jute::from_slice::<M>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::NegativeLength { len: -2, .. }),
        "{err}"
    );
    assert_eq!(err.path_string(), "[0]:key");
    assert_eq!(
        jute::view::<V<'_>>(&bytes).unwrap_err().path_string(),
        "[0]:key"
    );
}
