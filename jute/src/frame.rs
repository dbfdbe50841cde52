//! Length-prefixed framing: every ZooKeeper packet is a 4-byte big-endian length and a body.
//!
//! The frame limit works like Java's `jute.maxbuffer` on the client side (default 0xfffff):
//! a longer frame is refused before any byte of it is buffered.

use bytes::{Buf, BufMut, BytesMut};

use crate::error::{Error, ErrorKind};
use crate::Jute;

/// Default frame limit: Java's `jute.maxbuffer` default, 0xfffff bytes.
pub const DEFAULT_MAX_FRAME_LEN: usize = crate::decoder::DEFAULT_MAX_BUFFER;

/// Size of the length prefix.
pub const PREFIX_LEN: usize = 4;

/// Checks a frame's raw length prefix against `max_len`.
///
/// A refused length is explained when it is recognisable, like `1213486160`, which is the ASCII
/// `HTTP`: the peer is a web server, not ZooKeeper.
pub fn check_frame_len(raw: i32, max_len: usize) -> Result<usize, Error> {
    if raw < 0 {
        return Err(Error::new(
            ErrorKind::NegativeLength {
                what: "frame",
                len: raw,
            },
            0,
        ));
    }
    let len = raw as usize;
    if len > max_len {
        return Err(Error::new(
            ErrorKind::FrameTooLarge {
                len,
                limit: max_len,
            },
            0,
        ));
    }
    Ok(len)
}

pub use crate::length_hint::explain_bad_length;

/// Splits one complete frame body off the front of `buf`, if a whole frame has arrived.
///
/// Returns `Ok(None)` when more bytes are needed (after reserving room for the announced frame),
/// and an error when the length prefix is refused. The prefix is consumed with the body.
pub fn split_frame(buf: &mut BytesMut, max_len: usize) -> Result<Option<BytesMut>, Error> {
    if buf.len() < PREFIX_LEN {
        return Ok(None);
    }
    let raw = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let len = check_frame_len(raw, max_len)?;
    if buf.len() < PREFIX_LEN + len {
        buf.reserve(PREFIX_LEN + len - buf.len());
        return Ok(None);
    }
    buf.advance(PREFIX_LEN);
    Ok(Some(buf.split_to(len)))
}

/// Writes `value` as one frame: its length, then its bytes.
///
/// # Panics
///
/// When the value's encoding, or a length or count inside it, exceeds `i32::MAX` bytes or
/// elements (the wire's `int` prefix cannot hold it).
pub fn encode_frame<T: Jute, B: BufMut + ?Sized>(value: &T, dst: &mut B) {
    crate::put::put_len(dst, value.encoded_len());
    value.encode(dst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_is_recognised() {
        let err = check_frame_len(1213486160, DEFAULT_MAX_FRAME_LEN).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("found 1213486160"), "{msg}");
        assert!(msg.contains("HTTP server"), "{msg}");
    }

    #[test]
    fn tls_and_text_are_recognised() {
        assert!(explain_bad_length(0x1603_0100).unwrap().contains("TLS"));
        assert!(explain_bad_length(u32::from_be_bytes(*b"imok") as u64)
            .unwrap()
            .contains("text"));
        assert_eq!(explain_bad_length(0x0200_0000), None);
    }

    #[test]
    fn negative_and_limit() {
        assert!(check_frame_len(-1, 10).is_err());
        assert_eq!(check_frame_len(10, 10).unwrap(), 10);
        assert!(matches!(
            check_frame_len(11, 10).unwrap_err().kind(),
            ErrorKind::FrameTooLarge { len: 11, limit: 10 }
        ));
    }

    #[test]
    fn split_waits_for_whole_frames() {
        let mut buf = BytesMut::new();
        buf.put_slice(&[0, 0, 0, 3, 1, 2]);
        assert!(split_frame(&mut buf, 100).unwrap().is_none());
        buf.put_slice(&[3, 0, 0]);
        assert_eq!(
            &split_frame(&mut buf, 100).unwrap().unwrap()[..],
            &[1, 2, 3]
        );
        assert_eq!(&buf[..], &[0, 0]);
        assert!(split_frame(&mut buf, 100).unwrap().is_none());
    }

    /// A value that claims more than `i32::MAX` bytes: the frame prefix cannot hold it.
    struct Oversized;

    impl Jute for Oversized {
        fn encode<B: BufMut + ?Sized>(&self, _buf: &mut B) {}

        fn encoded_len(&self) -> usize {
            i32::MAX as usize + 1
        }

        fn decode<B: Buf>(_d: &mut crate::Decoder<B>) -> Result<Self, Error> {
            Ok(Oversized)
        }
    }

    #[test]
    #[should_panic(expected = "cannot encode a length or count of 2147483648")]
    fn frame_over_int_panics() {
        encode_frame(&Oversized, &mut Vec::new());
    }

    #[test]
    fn encode_frame_prefixes_length() {
        let mut v = Vec::new();
        encode_frame(&7i32, &mut v);
        assert_eq!(v, [0, 0, 0, 4, 0, 0, 0, 7]);
    }
}
