//! Writing small fixed-size byte arrays without a `memcpy` call.

use bytes::BufMut;

/// Appends `bytes` to `buf`. When the current writable chunk has room (the common case: a
/// reused or presized buffer) the `N`-byte copy is a constant-size copy the compiler turns
/// into a few moves; `BufMut::put_slice` would call `memcpy` with a run-time length and check
/// capacity once per call. Otherwise falls back to `put_slice` (which grows the buffer).
#[inline(always)]
pub(crate) fn put_array<B: BufMut + ?Sized, const N: usize>(buf: &mut B, bytes: [u8; N]) {
    let dst = buf.chunk_mut();
    if dst.len() >= N {
        dst[..N].copy_from_slice(&bytes);
        #[allow(unsafe_code)]
        // SAFETY: the `N` bytes at the start of the chunk were initialized just above.
        unsafe {
            buf.advance_mut(N)
        };
    } else {
        buf.put_slice(&bytes);
    }
}

/// The wire bits of a `float`: NaN is written as the canonical quiet NaN `0x7fc00000`, as
/// Java's `Float.floatToIntBits` (used by `BinaryOutputArchive`) writes every NaN.
#[inline(always)]
pub(crate) fn f32_bytes(v: f32) -> [u8; 4] {
    if v.is_nan() {
        0x7fc0_0000u32.to_be_bytes()
    } else {
        v.to_be_bytes()
    }
}

/// The wire bits of a `double`: NaN is written as the canonical quiet NaN
/// `0x7ff8000000000000`, as Java's `Double.doubleToLongBits` writes every NaN.
#[inline(always)]
pub(crate) fn f64_bytes(v: f64) -> [u8; 8] {
    if v.is_nan() {
        0x7ff8_0000_0000_0000u64.to_be_bytes()
    } else {
        v.to_be_bytes()
    }
}

/// Appends a length or count prefix: `len` as a big-endian `int`.
///
/// # Panics
///
/// When `len` exceeds `i32::MAX`: the wire cannot hold it, and a wrapped prefix would be
/// read back as another value (-1 is null). Encoding is infallible, so this is a panic.
#[inline(always)]
pub(crate) fn put_len<B: BufMut + ?Sized>(buf: &mut B, len: usize) {
    let Ok(len) = i32::try_from(len) else {
        len_over_int(len)
    };
    put_array(buf, len.to_be_bytes());
}

#[cold]
#[inline(never)]
#[track_caller]
fn len_over_int(len: usize) -> ! {
    panic!(
        "jute: cannot encode a length or count of {len}: the wire's int prefix holds at most {}",
        i32::MAX
    )
}

#[cfg(test)]
mod tests {
    use crate::Jute;
    use bytes::BufMut;

    /// Every NaN is written with Java's canonical bits, whatever its sign and payload.
    #[test]
    fn nan_is_written_canonical() {
        assert_eq!(
            crate::to_vec(&f32::from_bits(0xffc0_0001)),
            [0x7f, 0xc0, 0, 0]
        );
        assert_eq!(
            crate::to_vec(&f64::from_bits(0xfff8_0000_0000_0001)),
            [0x7f, 0xf8, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            crate::to_vec(&f32::from_bits(0x7f80_0001)),
            [0x7f, 0xc0, 0, 0]
        );
        // Not NaN: written as is.
        assert_eq!(crate::to_vec(&f32::NEG_INFINITY), [0xff, 0x80, 0, 0]);
        assert_eq!(crate::to_vec(&-0.0f64), [0x80, 0, 0, 0, 0, 0, 0, 0]);
    }

    /// A count over `i32::MAX` panics instead of wrapping (`u32::MAX` would be -1, null).
    /// Zero-sized elements: the vector allocates nothing.
    #[test]
    #[should_panic(expected = "cannot encode a length or count of 4294967295")]
    fn count_over_int_panics() {
        let v = vec![(); u32::MAX as usize];
        v.encode(&mut Vec::new());
    }

    /// The largest count the wire holds is still written.
    #[test]
    fn count_of_int_max_is_written() {
        let mut out = Vec::new();
        super::put_len(&mut out, i32::MAX as usize);
        assert_eq!(out, [0x7f, 0xff, 0xff, 0xff]);
    }

    /// Every split of the output into two writable chunks gives the bytes of a contiguous
    /// write: the fallback path (`put_slice` across the chunk boundary) included.
    #[test]
    fn writes_across_chunk_boundaries() {
        let value = (
            (-2i32, (i64::MIN + 7, true)),
            (vec![String::from("/a/b"), String::new()], (1.5f64, -3i8)),
        );
        let want = crate::to_vec(&value);
        for split in 0..=want.len() {
            let (mut first, mut second) = (vec![0u8; split], vec![0u8; want.len() - split]);
            {
                let mut out = (&mut first[..]).chain_mut(&mut second[..]);
                value.encode(&mut out);
                assert_eq!(out.remaining_mut(), 0, "split {split}");
            }
            first.extend_from_slice(&second);
            assert_eq!(first, want, "split {split}");
        }
    }
}
