//! Finding the next intact log entry after damage, in time linear in the file: the Adler-32
//! of any byte range in O(1) amortised, from prefix sums kept at every [`STRIDE`]th byte.
//!
//! The Adler-32 of the bytes at file offsets `s..e` (n = e - s, modulo 65521) is
//! `A = 1 + Σ d[j]` and `B = n + Σ (e - j) d[j]` over `j` in `s..e`, so with the prefix sums
//! `S1(x) = Σ d[j]` and `S2(x) = Σ j d[j]` over `j < x` it is `A = 1 + S1(e) - S1(s)` and
//! `B = n + e (S1(e) - S1(s)) - (S2(e) - S2(s))`. Only differences are used, so the sums may
//! start anywhere before `s`. They are stored every [`STRIDE`] bytes of the file and completed
//! from the nearest stored one, so a candidate entry costs at most 2 × [`STRIDE`] summed
//! bytes whatever its length, and the table costs 8 bytes per [`STRIDE`] bytes it covers.
//!
//! The table lives as long as the reader: each search extends it over the bytes it has not
//! covered yet and drops what lies before the search, so every byte of the file is summed
//! into it once, however many searches pass over it.

use std::collections::VecDeque;

use super::adler32::{adler32, MOD};

/// Bytes between stored prefix sums.
pub(crate) const STRIDE: usize = 32;

/// Prefix sums over a stretch of the file, for range Adler-32s.
#[derive(Debug, Default)]
pub(crate) struct RangeAdler {
    /// File offset of the sums `sums[0]`.
    first: u64,
    /// `(S1, S2)` modulo 65521 at file offsets `first`, `first + STRIDE`, ...
    sums: VecDeque<(u32, u32)>,
}

impl RangeAdler {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// File offset of the last stored sums.
    fn last(&self) -> u64 {
        self.first + (self.sums.len().saturating_sub(1) * STRIDE) as u64
    }

    /// Makes the table cover `bytes`, the file's bytes from offset `at`, in whole strides:
    /// drops the sums of strides before `at`'s, sums the bytes past the table's end (all of
    /// them when the table does not reach `at`). Adds the bytes summed to `work`.
    pub(crate) fn cover(&mut self, bytes: &[u8], at: u64, work: &mut u64) {
        if self.sums.is_empty() || at < self.first || at > self.last() {
            self.sums.clear();
            self.sums.push_back((0, 0));
            self.first = at;
        }
        let drop = ((at - self.first) / STRIDE as u64) as usize;
        self.sums.drain(..drop);
        self.first += (drop * STRIDE) as u64;
        let m = u64::from(MOD);
        let mut from = (self.last() - at) as usize;
        while let Some(chunk) = bytes.get(from..from + STRIDE) {
            let (s1, s2) = self.sums.back().copied().unwrap_or((0, 0));
            let (mut s1, mut s2) = (u64::from(s1), u64::from(s2));
            let offset = at + from as u64;
            for (k, &b) in chunk.iter().enumerate() {
                s1 += u64::from(b);
                s2 += ((offset + k as u64) % m) * u64::from(b);
            }
            self.sums.push_back(((s1 % m) as u32, (s2 % m) as u32));
            *work += STRIDE as u64;
            from += STRIDE;
        }
    }

    /// `(S1(x), S2(x))` for the file offset `x` of `bytes[i]` (the file's bytes from offset
    /// `at`), from the nearest stored sums whose gap to `x` lies in `bytes`.
    fn at(&self, bytes: &[u8], at: u64, i: usize, work: &mut u64) -> Option<(u64, u64)> {
        let m = u64::from(MOD);
        let x = at + i as u64;
        let k = ((x - self.first) / STRIDE as u64) as usize;
        let below = self.first + (k * STRIDE) as u64;
        let above = below + STRIDE as u64;
        let can_below = below >= at;
        let can_above = k + 1 < self.sums.len();
        if !can_below && !can_above {
            return None;
        }
        let use_above = can_above && (!can_below || x - below > STRIDE as u64 / 2);
        Some(if use_above {
            // Subtract the bytes x..above from the sums stored at above.
            let (a1, a2) = self.sums[k + 1];
            let hi = (above - at) as usize;
            let (d1, d2) = weighted(&bytes[i..hi], x);
            *work += (hi - i) as u64;
            ((u64::from(a1) + m - d1) % m, (u64::from(a2) + m - d2) % m)
        } else {
            let (b1, b2) = self.sums.get(k).copied().unwrap_or((0, 0));
            let lo = (below - at) as usize;
            let (d1, d2) = weighted(&bytes[lo..i], below);
            *work += (i - lo) as u64;
            ((u64::from(b1) + d1) % m, (u64::from(b2) + d2) % m)
        })
    }

    /// The Adler-32 of `bytes[s..e]` (`s <= e <= bytes.len()`), where `bytes` are the file's
    /// bytes from offset `at`, which [`RangeAdler::cover`] was last given.
    pub(crate) fn adler32(&self, bytes: &[u8], at: u64, s: usize, e: usize, work: &mut u64) -> u32 {
        let ends = if e - s < 2 * STRIDE {
            None
        } else {
            self.at(bytes, at, s, work).zip(self.at(bytes, at, e, work))
        };
        let Some(((s1s, s2s), (s1e, s2e))) = ends else {
            // A range too short for stored sums beside both ends (a range of at least
            // 2 × STRIDE bytes of the covered bytes always has them): directly.
            *work += (e - s) as u64;
            return adler32(&bytes[s..e]);
        };
        let m = u64::from(MOD);
        let sum = (s1e + m - s1s) % m;
        let weighted = (s2e + m - s2s) % m;
        let n = (e - s) as u64 % m;
        let end = (at + e as u64) % m;
        let a = (1 + sum) % m;
        let b = (n + end * sum % m + m - weighted) % m;
        ((b << 16) | a) as u32
    }
}

/// `(Σ d[j], Σ j d[j])` modulo 65521 over `bytes`, the file's bytes from offset `at`.
fn weighted(bytes: &[u8], at: u64) -> (u64, u64) {
    let m = u64::from(MOD);
    let (mut d1, mut d2) = (0u64, 0u64);
    for (j, &b) in bytes.iter().enumerate() {
        d1 += u64::from(b);
        d2 += ((at + j as u64) % m) * u64::from(b);
    }
    (d1 % m, d2 % m)
}

#[cfg(test)]
mod tests {
    use super::super::adler32::adler32;
    use super::*;

    #[test]
    fn range_checksums_match_the_direct_ones() {
        let file: Vec<u8> = (0..70_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
            .collect();
        let mut r = RangeAdler::new();
        let mut work = 0;
        // Windows of the file at offsets that move forward, as the searches see them: the
        // table is extended, trimmed, or (past its end) started again.
        for at in [0usize, 7, 1000, 1001, 40_000, 66_000] {
            let bytes = &file[at..(at + 3000).min(file.len())];
            r.cover(bytes, at as u64, &mut work);
            for (s, e) in [(0, 0), (5, 6), (31, 33), (12, 80), (17, 2999), (64, 96)] {
                let e = e.min(bytes.len());
                let mut w = 0;
                assert_eq!(
                    r.adler32(bytes, at as u64, s, e, &mut w),
                    adler32(&bytes[s..e]),
                    "{at}: {s}..{e}"
                );
                assert!(w <= 2 * STRIDE as u64, "{at}: {s}..{e}: {w} bytes summed");
            }
        }
        // Each byte summed into the table once, the restart at 40_000 aside.
        assert!(work <= 4000 + 3000 + 3000, "{work}");
        // Sums near the modulus: all 0xff.
        let ff = vec![0xffu8; 100_000];
        let mut r = RangeAdler::new();
        r.cover(&ff, 65_000, &mut work);
        assert_eq!(
            r.adler32(&ff, 65_000, 3, 99_990, &mut work),
            adler32(&ff[3..99_990])
        );
    }
}
