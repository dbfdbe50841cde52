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

/// Appends a length or count prefix: `len` as a big-endian `int`.
#[inline(always)]
pub(crate) fn put_len<B: BufMut + ?Sized>(buf: &mut B, len: usize) {
    put_array(buf, (len as i32).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use crate::Jute;
    use bytes::BufMut;

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
