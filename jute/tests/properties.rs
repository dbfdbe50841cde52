//! Property tests: for every type, decode(encode(v)) == v and encoded_len == bytes written;
//! and no input makes decoding panic.

use std::collections::BTreeMap;

use jute::bytes::{Buf, Bytes};
use jute::Jute;
use proptest::prelude::*;

fn roundtrip<T: Jute + PartialEq + std::fmt::Debug>(value: &T) -> Result<(), TestCaseError> {
    let bytes = jute::to_vec(value);
    prop_assert_eq!(bytes.len(), value.encoded_len());
    let back: T = jute::from_slice(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value);
    // Zero-copy path gives the same value.
    let back: T =
        jute::from_bytes(Bytes::from(bytes)).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

#[derive(Jute, Debug, Clone, PartialEq)]
struct Leaf {
    id: i64,
    name: String,
    flag: bool,
}

#[derive(Jute, Debug, Clone, PartialEq)]
struct Tree {
    b: i8,
    i: i32,
    f: f32,
    d: f64,
    data: Bytes,
    maybe: Option<Vec<u8>>,
    leaves: Vec<Leaf>,
    grid: Vec<Vec<i32>>,
    index: BTreeMap<String, Vec<Leaf>>,
    #[jute(trailing)]
    extra: Option<bool>,
}

fn leaf() -> impl Strategy<Value = Leaf> {
    (any::<i64>(), any::<String>(), any::<bool>()).prop_map(|(id, name, flag)| Leaf {
        id,
        name,
        flag,
    })
}

fn tree() -> impl Strategy<Value = Tree> {
    (
        any::<i8>(),
        any::<i32>(),
        any::<f32>().prop_filter("NaN != NaN", |f| !f.is_nan()),
        any::<f64>().prop_filter("NaN != NaN", |f| !f.is_nan()),
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)),
        proptest::collection::vec(leaf(), 0..4),
        proptest::collection::vec(proptest::collection::vec(any::<i32>(), 0..4), 0..4),
        proptest::collection::btree_map(
            any::<String>(),
            proptest::collection::vec(leaf(), 0..2),
            0..3,
        ),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(b, i, f, d, data, maybe, leaves, grid, index, extra)| Tree {
                b,
                i,
                f,
                d,
                data: Bytes::from(data),
                maybe,
                leaves,
                grid,
                index,
                extra,
            },
        )
}

/// A record with buffers and text large enough to be shared by `encode_chunks`.
#[derive(Jute, Debug, Clone, PartialEq)]
struct Payloads {
    id: i64,
    data: Bytes,
    blobs: Vec<Bytes>,
    text: Option<jute::Utf8Bytes>,
    #[jute(trailing)]
    extra: Option<Bytes>,
}

fn payload() -> impl Strategy<Value = Bytes> {
    (0usize..10_000, any::<u8>()).prop_map(|(len, b)| Bytes::from(vec![b; len]))
}

fn payloads() -> impl Strategy<Value = Payloads> {
    (
        any::<i64>(),
        payload(),
        proptest::collection::vec(payload(), 0..4),
        proptest::option::of(
            (0usize..6_000).prop_map(|n| jute::Utf8Bytes::from("é".repeat(n / 2))),
        ),
        proptest::option::of(payload()),
    )
        .prop_map(|(id, data, blobs, text, extra)| Payloads {
            id,
            data,
            blobs,
            text,
            extra,
        })
}

proptest! {
    #[test]
    fn primitives_roundtrip(b: i8, t: bool, i: i32, l: i64, f: f32, d: f64) {
        roundtrip(&b)?;
        roundtrip(&t)?;
        roundtrip(&i)?;
        roundtrip(&l)?;
        // Compare floats by bits: every NaN comes back as Java's canonical NaN (the encoder
        // writes it as `Float.floatToIntBits` does), every other value exactly.
        let canon_f = if f.is_nan() { 0x7fc0_0000 } else { f.to_bits() };
        let canon_d = if d.is_nan() { 0x7ff8_0000_0000_0000 } else { d.to_bits() };
        prop_assert_eq!(jute::from_slice::<f32>(&jute::to_vec(&f)).unwrap().to_bits(), canon_f);
        prop_assert_eq!(jute::from_slice::<f64>(&jute::to_vec(&d)).unwrap().to_bits(), canon_d);
    }

    #[test]
    fn strings_and_buffers_roundtrip(s: String, o: Option<String>, v: Vec<u8>, ov: Option<Vec<u8>>) {
        roundtrip(&s)?;
        roundtrip(&o)?;
        roundtrip(&v)?;
        roundtrip(&ov)?;
        roundtrip(&Bytes::from(v))?;
    }

    #[test]
    fn utf8_bytes_is_string_on_the_wire(s: String, vs: Vec<String>, o: Option<String>) {
        let shared = jute::Utf8Bytes::from(s.clone());
        roundtrip(&shared)?;
        prop_assert_eq!(jute::to_vec(&shared), jute::to_vec(&s));
        let shared_vec: Vec<jute::Utf8Bytes> = vs.iter().cloned().map(Into::into).collect();
        roundtrip(&shared_vec)?;
        prop_assert_eq!(jute::to_vec(&shared_vec), jute::to_vec(&vs));
        let shared_opt = o.clone().map(jute::Utf8Bytes::from);
        roundtrip(&shared_opt)?;
        prop_assert_eq!(jute::to_vec(&shared_opt), jute::to_vec(&o));
    }

    /// Any input (including Java's CESU-8, invalid UTF-8 and bad lengths) decodes to the same
    /// text, or fails with the same error at the same offset, as `String`: from a slice, from
    /// `Bytes`, and from input split into two chunks.
    #[test]
    fn utf8_bytes_decodes_exactly_like_string(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        text: String,
        split in any::<prop::sample::Index>(),
    ) {
        let mut framed = jute::to_vec(&text);
        framed.extend_from_slice(&bytes);
        for input in [bytes.clone(), framed] {
            let want = jute::from_slice::<Vec<String>>(&input).map_err(|e| e.to_string());
            let want_one = jute::from_slice::<String>(&input).map_err(|e| e.to_string());
            let as_strings = |v: Vec<jute::Utf8Bytes>| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            let got = jute::from_slice::<Vec<jute::Utf8Bytes>>(&input).map(as_strings).map_err(|e| e.to_string());
            prop_assert_eq!(&got, &want);
            let got_one = jute::from_bytes::<jute::Utf8Bytes>(Bytes::from(input.clone()))
                .map(|s| s.to_string())
                .map_err(|e| e.to_string());
            prop_assert_eq!(&got_one, &want_one);
            let at = split.index(input.len() + 1);
            let chunked = (&input[..at]).chain(&input[at..]);
            let got_chunked = jute::from_buf_with_limits::<jute::Utf8Bytes, _>(chunked, jute::Limits::default())
                .map(|s| s.to_string())
                .map_err(|e| e.to_string());
            let want_chunked = jute::from_buf_with_limits::<String, _>((&input[..at]).chain(&input[at..]), jute::Limits::default())
                .map_err(|e| e.to_string());
            prop_assert_eq!(got_chunked, want_chunked);
        }
    }

    #[test]
    fn containers_roundtrip(
        v: Vec<i64>,
        vs: Option<Vec<String>>,
        nested: Vec<Vec<Vec<bool>>>,
        m: BTreeMap<i32, String>,
        om: Option<BTreeMap<String, Vec<i8>>>,
    ) {
        roundtrip(&v)?;
        roundtrip(&vs)?;
        roundtrip(&nested)?;
        roundtrip(&m)?;
        roundtrip(&om)?;
    }

    /// Chunked encoding writes exactly the contiguous encoding's bytes, sharing (not copying)
    /// every buffer of at least `SHARE_MIN_LEN` bytes.
    #[test]
    fn chunked_encoding_is_the_same_bytes(p in payloads(), t in tree()) {
        let chunks = jute::to_chunks(&p);
        prop_assert_eq!(chunks.len(), p.encoded_len());
        let shared = chunks.into_chunks();
        prop_assert_eq!(shared.concat(), jute::to_vec(&p));
        let big = std::iter::once(&p.data)
            .chain(&p.blobs)
            .chain(&p.extra)
            .filter(|b| b.len() >= jute::SHARE_MIN_LEN);
        for b in big {
            prop_assert!(shared.iter().any(|c| c.as_ptr() == b.as_ptr() && c.len() == b.len()));
        }
        prop_assert_eq!(jute::to_chunks(&t).into_chunks().concat(), jute::to_vec(&t));
    }

    #[test]
    fn records_roundtrip(t in tree()) {
        roundtrip(&t)?;
    }

    #[test]
    fn any_bytes_decode_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = jute::from_slice::<Tree>(&bytes);
        let _ = jute::from_slice::<Vec<Vec<String>>>(&bytes);
        let _ = jute::from_slice::<BTreeMap<String, Option<Vec<u8>>>>(&bytes);
    }

    #[test]
    fn truncation_is_an_error_never_a_panic(t in tree(), cut in any::<prop::sample::Index>()) {
        let bytes = jute::to_vec(&t);
        let at = cut.index(bytes.len());
        // Cutting inside the trailing field gives a valid shorter record; anywhere else an error.
        match jute::from_slice::<Tree>(&bytes[..at]) {
            Ok(short) => prop_assert!(t.extra.is_some() && short.extra.is_none() && at == bytes.len() - 1),
            Err(e) => prop_assert!(e.offset() <= at, "offset {} beyond input {}", e.offset(), at),
        }
    }
}
