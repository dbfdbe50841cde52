//! Records whose fields are all fixed-size primitives take the derive's one-array fast path;
//! these tests pin that it is byte-for-byte the field-by-field encoding, and that chunked or
//! short input falls back to the field-by-field path with the same values and errors, and that
//! `decode_exact` (the whole-input shortcut of `from_slice`, `from_bytes` and `view`) agrees.

use jute::bytes::{Buf, BytesMut};
use jute::{Decoder, Jute};

#[derive(Jute, Debug, PartialEq, Clone, Copy)]
struct AllFixed {
    a: i8,
    b: bool,
    c: i32,
    d: i64,
    e: f32,
    f: core::primitive::f64,
}

/// The same layout, but a generic parameter keeps it on the field-by-field path.
#[derive(Jute, Debug, PartialEq)]
struct FieldByField<T> {
    a: i8,
    b: bool,
    c: i32,
    d: i64,
    e: f32,
    f: T,
}

fn sample() -> AllFixed {
    AllFixed {
        a: -3,
        b: true,
        c: -123_456,
        d: 0x0102_0304_0506_0708,
        e: 1.5,
        f: -2.25,
    }
}

fn reference(v: &AllFixed) -> FieldByField<f64> {
    FieldByField {
        a: v.a,
        b: v.b,
        c: v.c,
        d: v.d,
        e: v.e,
        f: v.f,
    }
}

#[test]
fn fast_path_bytes_equal_field_by_field() {
    let v = sample();
    let bytes = jute::to_vec(&v);
    assert_eq!(bytes, jute::to_vec(&reference(&v)));
    assert_eq!(bytes.len(), v.encoded_len());
    assert_eq!(jute::from_slice::<AllFixed>(&bytes).unwrap(), v);
    let mut buf = BytesMut::new();
    v.encode(&mut buf);
    assert_eq!(&buf[..], &bytes[..]);
}

#[test]
fn any_non_zero_boolean_byte_is_true() {
    let mut bytes = jute::to_vec(&sample());
    bytes[1] = 0x7f;
    assert!(jute::from_slice::<AllFixed>(&bytes).unwrap().b);
}

#[test]
fn chunked_input_falls_back() {
    let v = sample();
    let bytes = jute::to_vec(&v);
    for split in 0..bytes.len() {
        let (x, y) = bytes.split_at(split);
        let mut d = Decoder::new(x.chain(y));
        assert_eq!(AllFixed::decode(&mut d).unwrap(), v, "split at {split}");
        assert_eq!(d.remaining(), 0);
    }
}

#[test]
fn short_input_errors_like_field_by_field() {
    let bytes = jute::to_vec(&sample());
    for len in 0..bytes.len() {
        let fast = jute::from_slice::<AllFixed>(&bytes[..len]).unwrap_err();
        let slow = jute::from_slice::<FieldByField<f64>>(&bytes[..len]).unwrap_err();
        assert_eq!(
            fast.to_string().replace("AllFixed", "FieldByField"),
            slow.to_string()
        );
        assert_eq!(fast.offset(), slow.offset());
    }
}

#[test]
fn decode_exact_takes_exactly_one_value() {
    let v = sample();
    let bytes = jute::to_vec(&v);
    assert_eq!(AllFixed::decode_exact(&bytes), Some(v));
    assert_eq!(
        <AllFixed as jute::JuteView<'_>>::decode_exact_view(&bytes),
        Some(v)
    );
    assert_eq!(jute::view::<AllFixed>(&bytes).unwrap(), v);
    assert_eq!(
        jute::from_bytes::<AllFixed>(jute::bytes::Bytes::from(bytes.clone())).unwrap(),
        v
    );
    let mut longer = bytes.clone();
    longer.push(0);
    for input in [&bytes[..bytes.len() - 1], &longer[..], &[][..]] {
        assert_eq!(AllFixed::decode_exact(input), None, "{} bytes", input.len());
    }
    // Types without a fixed size never take the shortcut; their decoders report everything.
    assert_eq!(FieldByField::<f64>::decode_exact(&bytes), None);
    assert_eq!(i32::decode_exact(&[0, 0, 0, 1]), None);
}

#[test]
fn long_input_errors_like_field_by_field() {
    let mut bytes = jute::to_vec(&sample());
    bytes.extend_from_slice(&[1, 2, 3]);
    let fast = jute::from_slice::<AllFixed>(&bytes).unwrap_err();
    let slow = jute::from_slice::<FieldByField<f64>>(&bytes).unwrap_err();
    assert_eq!(fast.to_string(), slow.to_string());
    assert_eq!(fast.offset(), slow.offset());
    assert_eq!(
        jute::view::<AllFixed>(&bytes).unwrap_err().to_string(),
        fast.to_string()
    );
}

#[test]
fn one_step_decode_paths_agree_on_every_byte_pattern() {
    // `from_slice` of an exact input takes `decode_exact`; a longer input goes through the
    // `Decoder` and the derived one-read path. Both must read booleans like Java (any non-zero
    // byte is true) and keep NaN payloads bit for bit.
    let mut bytes = jute::to_vec(&sample());
    bytes[1] = 0x7f;
    bytes[14..18].copy_from_slice(&0x7fc0_0001_u32.to_be_bytes()); // e: a NaN with a payload
    bytes[18..26].copy_from_slice(&0xfff8_0000_0000_0002_u64.to_be_bytes()); // f: likewise
    let exact = AllFixed::decode_exact(&bytes).expect("exact length");
    let mut longer = bytes.clone();
    longer.push(0xaa);
    let mut d = Decoder::new(&longer[..]);
    let through_decoder = AllFixed::decode(&mut d).unwrap();
    assert_eq!(d.remaining(), 1);
    for v in [exact, through_decoder] {
        assert!(v.b);
        assert_eq!(v.e.to_bits(), 0x7fc0_0001);
        assert_eq!(v.f.to_bits(), 0xfff8_0000_0000_0002);
        assert_eq!((v.a, v.c, v.d), (sample().a, sample().c, sample().d));
    }
    let slow = jute::from_slice::<FieldByField<f64>>(&bytes).unwrap();
    assert!(slow.b);
    assert_eq!(slow.e.to_bits(), exact.e.to_bits());
}

/// The one-array path writes NaN as Java's canonical NaN, like the field-by-field path.
#[test]
fn fast_path_writes_canonical_nan() {
    let v = AllFixed {
        e: f32::from_bits(0xffc0_0001),
        f: f64::from_bits(0xfff8_0000_0000_0001),
        ..sample()
    };
    let bytes = jute::to_vec(&v);
    assert_eq!(bytes, jute::to_vec(&reference(&v)));
    assert_eq!(&bytes[14..18], &[0x7f, 0xc0, 0, 0]);
    assert_eq!(&bytes[18..26], &[0x7f, 0xf8, 0, 0, 0, 0, 0, 0]);
}
