//! Tests of the snappy decoder: blocks, streams, a snappy-java fixture, and properties.

use super::*;

const HEADER: &[u8] = b"\x82SNAPPY\0\0\0\0\x01\0\0\0\x01";

fn block(b: &[u8]) -> Result<Vec<u8>, SnappyError> {
    decompress_snappy_block(b, u64::MAX)
}

fn err(b: &[u8]) -> SnappyError {
    block(b).expect_err("should be rejected")
}

/// A stream of one header and the given blocks.
fn stream(blocks: &[&[u8]]) -> Vec<u8> {
    let mut s = HEADER.to_vec();
    for b in blocks {
        s.extend_from_slice(&(b.len() as i32).to_be_bytes());
        s.extend_from_slice(b);
    }
    s
}

#[test]
fn literals_short_and_with_length_bytes() {
    assert_eq!(block(&[0]).unwrap(), b"");
    assert_eq!(block(&[3, 2 << 2, b'a', b'b', b'c']).unwrap(), b"abc");
    // 60 in the tag: one length byte (len - 1).
    let data: Vec<u8> = (0..200u8).collect();
    let mut b = vec![0xc8, 0x01, 60 << 2, 199];
    b.extend_from_slice(&data);
    assert_eq!(block(&b).unwrap(), data);
    // 61: two length bytes, little-endian; 62, 63: three and four.
    let data = vec![7u8; 300];
    for (tag, extra) in [(61u8, 2usize), (62, 3), (63, 4)] {
        let mut b = vec![0xac, 0x02, tag << 2];
        b.extend_from_slice(&299u32.to_le_bytes()[..extra]);
        b.extend_from_slice(&data);
        assert_eq!(block(&b).unwrap(), data, "tag {tag}");
    }
}

#[test]
fn all_three_copy_kinds() {
    // "abcd", then copy-1 (len 4..11, 11-bit offset): 4 bytes from 4 back.
    let b = [8, 3 << 2, b'a', b'b', b'c', b'd', 1, 4];
    assert_eq!(block(&b).unwrap(), b"abcdabcd");
    // copy-1 with the offset's high bits in the tag: offset 256 + 44 = 300, length 11.
    let mut data: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
    let mut b = vec![0xb7, 0x02, 61 << 2];
    b.extend_from_slice(&299u16.to_le_bytes());
    b.extend_from_slice(&data);
    b.extend_from_slice(&[(1 << 5) | (7 << 2) | 1, 44]);
    let want: Vec<u8> = data.iter().chain(&data[..11]).copied().collect();
    assert_eq!(block(&b).unwrap(), want);
    // copy-2: 64 bytes from 300 back.
    let mut b = vec![0xec, 0x02, 61 << 2];
    b.extend_from_slice(&299u16.to_le_bytes());
    b.extend_from_slice(&data);
    b.extend_from_slice(&[(63 << 2) | 2, 0x2c, 0x01]);
    let want: Vec<u8> = data.iter().chain(&data[..64]).copied().collect();
    assert_eq!(block(&b).unwrap(), want);
    // copy-4: 2 bytes from 70000 back.
    data = (0..70_000u32).map(|i| (i * 31 % 253) as u8).collect();
    let mut b = vec![0xf2, 0xa2, 0x04, 62 << 2];
    b.extend_from_slice(&69_999u32.to_le_bytes()[..3]);
    b.extend_from_slice(&data);
    b.extend_from_slice(&[(1 << 2) | 3]);
    b.extend_from_slice(&70_000u32.to_le_bytes());
    let want: Vec<u8> = data.iter().chain(&data[..2]).copied().collect();
    assert_eq!(block(&b).unwrap(), want);
}

#[test]
fn overlapping_copies_repeat() {
    // Offset 1, length 10 (copy-2): ten more of the same byte.
    assert_eq!(
        block(&[11, 0, b'x', (9 << 2) | 2, 1, 0]).unwrap(),
        [b'x'; 11]
    );
    // Offset 2, length 7 (copy-1): "ab" repeated.
    assert_eq!(
        block(&[9, 1 << 2, b'a', b'b', (3 << 2) | 1, 2]).unwrap(),
        b"ababababa"
    );
    // Offset 3, length 64, copy-4.
    let out = block(&[67, 2 << 2, b'1', b'2', b'3', (63 << 2) | 3, 3, 0, 0, 0]).unwrap();
    assert_eq!(out, b"123".repeat(23)[..67]);
}

#[test]
fn malformed_blocks_name_the_block_and_what_is_wrong() {
    // Every error names the block's offset (here 0) and what `snap` found.
    let cases: [(&[u8], &str); 13] = [
        (&[], "empty"),
        (&[0x80, 0x80], "header"),
        (&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01], "header"),
        (&[0xff, 0xff, 0xff, 0xff, 0x7f], "larger than allowed"),
        // A copy offset of 0; beyond the output; beyond it via copy-1's high bits.
        (&[5, 0, b'a', (3 << 2) | 2, 0, 0], "got offset 0"),
        (&[5, 0, b'a', (3 << 2) | 2, 2, 0], "got offset 2"),
        (&[9, 0, b'a', (1 << 5) | 1, 1], "got offset 257"),
        // A copy and a literal past the declared length.
        (&[4, 0, b'a', (9 << 2) | 2, 1, 0], "copy"),
        (&[1, 1 << 2, b'a', b'b'], "literal"),
        // A truncated literal, literal length bytes, copy offset bytes.
        (&[3, 2 << 2, b'a'], "literal"),
        (&[5, 61 << 2, 0x3f], "literal"),
        (&[5, 0, b'a', 3, 1, 0], "copy"),
        // Elements end short of the declared length.
        (&[3, 0, b'a'], "decompressed"),
    ];
    let mut wrong = Vec::new();
    for (bytes, what) in cases {
        let e = err(bytes);
        if e.offset() != 0 || !e.to_string().contains(what) {
            wrong.push(format!("{bytes:?} ({what}): {e}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // A length the elements cannot possibly encode is rejected before reserving.
    let e = err(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0, b'a']);
    assert_eq!(e.offset(), 0);
    assert!(e.expected().contains("can encode"), "{e}");
}

#[test]
fn the_limit_is_checked_before_decoding() {
    let b = [11, 0, b'x', (9 << 2) | 2, 1, 0];
    assert_eq!(decompress_snappy_block(&b, 11).unwrap().len(), 11);
    let e = decompress_snappy_block(&b, 10).unwrap_err();
    assert!(
        e.to_string().contains("at most 10 decompressed bytes"),
        "{e}"
    );
    assert!(e.exceeds_limit());
    assert!(!err(&[3, 0, b'a']).exceeds_limit());
    // Across the chunks of a stream.
    let s = stream(&[&b, &b]);
    assert_eq!(decompress_snappy_stream(&s, 22).unwrap().len(), 22);
    let e = decompress_snappy_stream(&s, 21).unwrap_err();
    assert_eq!(e.offset(), 16 + 4 + 6 + 4);
    assert!(e.found().contains("after 11 bytes"), "{e}");
}

#[test]
fn stream_chunks_headers_and_concatenation() {
    assert_eq!(decompress_snappy_stream(HEADER, 0).unwrap(), b"");
    let s = stream(&[&[3, 2 << 2, b'a', b'b', b'c'], &[2, 1 << 2, b'd', b'e']]);
    assert_eq!(decompress_snappy_stream(&s, 100).unwrap(), b"abcde");
    // Copies do not reach into the previous chunk.
    let s2 = stream(&[&[1, 0, b'a'], &[2, 0, b'b', 2, 2, 0]]);
    let e = decompress_snappy_stream(&s2, 100).unwrap_err();
    assert_eq!(e.offset(), 16 + 4 + 3 + 4);
    // Two streams back to back, as snappy-java reads them.
    let mut both = s.clone();
    both.extend_from_slice(&s);
    assert_eq!(decompress_snappy_stream(&both, 100).unwrap(), b"abcdeabcde");
    // A later header with a version below 1.
    let mut bad = s.clone();
    bad.extend_from_slice(&HEADER[..8]);
    bad.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    let e = decompress_snappy_stream(&bad, 100).unwrap_err();
    assert_eq!(e.offset(), s.len() + 8);
    assert!(e.expected().contains("version of at least 1"), "{e}");
    // Newer versions that stay compatible are read; incompatible ones are not.
    let mut v2 = s.clone();
    v2[11] = 2;
    assert_eq!(decompress_snappy_stream(&v2, 100).unwrap(), b"abcde");
    v2[15] = 2;
    let e = decompress_snappy_stream(&v2, 100).unwrap_err();
    assert_eq!(e.offset(), 12);
    assert!(e.found().contains("compatible version 2"), "{e}");
}

#[test]
fn malformed_streams() {
    let e = decompress_snappy_stream(b"", 100).unwrap_err();
    assert_eq!((e.offset(), e.found()), (0, "only 0 bytes"));
    let e = decompress_snappy_stream(&HEADER[..10], 100).unwrap_err();
    assert!(e.expected().contains("16-byte"), "{e}");
    let e = decompress_snappy_stream(b"\x1f\x8b\x08\0\0\0\0\0\0\0\0\0\0\0\0\0", 100).unwrap_err();
    assert_eq!(e.found(), "1f 8b 08 00 00 00 00 00");
    let s = stream(&[&[3, 2 << 2, b'a', b'b', b'c']]);
    // Cut inside the chunk, inside the next chunk length.
    let e = decompress_snappy_stream(&s[..s.len() - 1], 100).unwrap_err();
    assert_eq!(e.offset(), 20);
    assert!(e.to_string().contains("a chunk of 5 bytes"), "{e}");
    let mut extra = s.clone();
    extra.extend_from_slice(&[0, 0]);
    let e = decompress_snappy_stream(&extra, 100).unwrap_err();
    assert_eq!(e.offset(), s.len());
    assert!(e.expected().contains("4-byte chunk length"), "{e}");
    // A negative chunk length; an empty chunk (no varint).
    let mut neg = HEADER.to_vec();
    neg.extend_from_slice(&(-5i32).to_be_bytes());
    let e = decompress_snappy_stream(&neg, 100).unwrap_err();
    assert_eq!((e.offset(), e.found()), (16, "-5"));
    let e = decompress_snappy_stream(&stream(&[&[]]), 100).unwrap_err();
    assert_eq!(e.offset(), 20);
    assert!(e.found().contains("empty"), "{e}");
}

/// Written by snappy-java 1.1.8.3 (`new SnappyOutputStream(out, 1024)`, two chunks) from
/// the text [`fixture_text`] builds.
const JAVA_STREAM: &str = "82534e41505059000000000100000001000001128008507a6e6f6465202f6a\
    7574652f3020646174613d3b0a2e150000310915006136160000320d160062361700003311170063361800\
    003415183a4800003519193a4b0000361d1a3a4e000da8086162630103366a0011af091c3a54000db63632\
    0011b436160015b236170019b03618001dae3619002eac00361a0032aa00361b000da80dc5361c0011af52\
    e1000db636320011b436160015b236170019b03618001dae3619002eac00361a0032aa00361b000da80dc5\
    361c0011af52e1000db636320011b436160015b236170019b03618001dae3619002eac00361a0032aa0036\
    1b000da80dc5361c0011af52e1000db636320011b436160015b236170019b03618001dae283b0a7a6e6f64\
    65202f6a750000009bd3037474652f3620646174613d61626361623b0a7a6e6f6465202f6a7574652f301d\
    1a0063361b0000312e1b000061361c000032321c003a54000033091d363200003409153a480000350d163a\
    420019b03645001dae3619002eac00361a0032aa00361b000da825163ee10011af21324235010db6364e00\
    11b436160015b236170019b03618001dae361900343320646174613d61626361623b0a";

fn fixture_text() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..60 {
        s += &format!("znode /jute/{} data={};\n", i % 7, &"abcabcabc"[..i % 9]);
    }
    s.into_bytes()
}

#[test]
fn reads_what_snappy_java_wrote() {
    let bytes: Vec<u8> = (0..JAVA_STREAM.len() / 2)
        .map(|i| u8::from_str_radix(&JAVA_STREAM[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let text = fixture_text();
    assert_eq!(text.len(), 1491);
    assert_eq!(decompress_snappy_stream(&bytes, 1 << 20).unwrap(), text);
    // A cut between chunks reads as a shorter stream (as in snappy-java; the snapshot
    // reader then reports the truncation); any other cut is an error, never a panic.
    for cut in 0..bytes.len() {
        match decompress_snappy_stream(&bytes[..cut], 1 << 20) {
            Ok(out) => assert!(
                out.len() < text.len() && text.starts_with(&out) && [16, 0x126].contains(&cut),
                "cut {cut}"
            ),
            Err(e) => assert!(e.offset() <= cut, "cut {cut}: {e}"),
        }
    }
}

mod prop {
    use super::super::*;
    use super::HEADER;
    use proptest::prelude::*;

    /// One element for the reference encoder.
    #[derive(Debug, Clone)]
    enum Op {
        Literal(Vec<u8>),
        Copy { kind: u8, back: usize, len: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 1..300).prop_map(Op::Literal),
            (1u8..=3, any::<usize>(), 1usize..=64).prop_map(|(kind, back, len)| Op::Copy {
                kind,
                back,
                len
            }),
        ]
    }

    /// Encodes `ops` as a block (copies clamped to what is valid), with the naively
    /// computed expected output.
    fn encode(ops: &[Op]) -> (Vec<u8>, Vec<u8>) {
        let mut want = Vec::new();
        let mut elems = Vec::new();
        for op in ops {
            match op {
                Op::Literal(data) => {
                    let n = data.len() - 1;
                    if n < 60 {
                        elems.push((n as u8) << 2);
                    } else {
                        elems.push(61 << 2);
                        elems.extend_from_slice(&(n as u16).to_le_bytes());
                    }
                    elems.extend_from_slice(data);
                    want.extend_from_slice(data);
                }
                Op::Copy { kind, back, len } => {
                    if want.is_empty() {
                        continue;
                    }
                    let mut offset = back % want.len() + 1;
                    let mut len = *len;
                    match kind {
                        1 => {
                            offset = offset.min(2047);
                            len = len.clamp(4, 11);
                            elems.push(((offset >> 8) as u8) << 5 | ((len - 4) as u8) << 2 | 1);
                            elems.push(offset as u8);
                        }
                        2 => {
                            offset = offset.min(65_535);
                            elems.push(((len - 1) as u8) << 2 | 2);
                            elems.extend_from_slice(&(offset as u16).to_le_bytes());
                        }
                        _ => {
                            elems.push(((len - 1) as u8) << 2 | 3);
                            elems.extend_from_slice(&(offset as u32).to_le_bytes());
                        }
                    }
                    for _ in 0..len {
                        want.push(want[want.len() - offset]);
                    }
                }
            }
        }
        let mut block = Vec::new();
        let mut n = want.len();
        while n >= 0x80 {
            block.push((n as u8) | 0x80);
            n >>= 7;
        }
        block.push(n as u8);
        block.extend_from_slice(&elems);
        (block, want)
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decompress_snappy_block(&bytes, 1 << 16);
            let mut s = HEADER.to_vec();
            s.extend_from_slice(&bytes);
            let _ = decompress_snappy_stream(&s, 1 << 16);
            // With a plausible chunk length in front too.
            let mut s = HEADER.to_vec();
            s.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            s.extend_from_slice(&bytes);
            let _ = decompress_snappy_stream(&s, 1 << 16);
        }

        #[test]
        fn encoded_elements_decode_to_the_reference(
            ops in proptest::collection::vec(op(), 0..40),
        ) {
            let (block, want) = encode(&ops);
            prop_assert_eq!(decompress_snappy_block(&block, u64::MAX).unwrap(), want.clone());
            // Every cut and every flipped byte is handled without panicking.
            for cut in 0..block.len() {
                prop_assert!(decompress_snappy_block(&block[..cut], u64::MAX).is_err());
            }
            for i in 0..block.len() {
                let mut b = block.clone();
                b[i] ^= 0xa5;
                let _ = decompress_snappy_block(&b, 1 << 20);
            }
        }
    }
}
