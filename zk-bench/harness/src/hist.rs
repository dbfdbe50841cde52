//! A log-linear latency histogram (HDR-style, hand-rolled): exact below 128 ns, then 64
//! sub-buckets per power of two (at most 1.6% relative error), up to 2^40 ns.
//!
//! The Java and Python harnesses (`java/JavaBench.java`, `python/kazoo_bench.py`) implement
//! the same bucket layout, so the three clients' percentiles are quantized identically.

/// log2 of the number of sub-buckets per power of two.
const SUB_BITS: u32 = 6;
/// Values above this (about 18 minutes in ns) are clamped.
const MAX_VALUE: u64 = (1 << 40) - 1;
/// Number of buckets: index of `MAX_VALUE` plus one.
const BUCKETS: usize = ((40 - 1 - SUB_BITS as usize) << SUB_BITS) + (2 << SUB_BITS);

/// Counts of latencies (in nanoseconds) by bucket.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
        }
    }
}

/// The bucket of `v`.
fn index(v: u64) -> usize {
    let v = v.min(MAX_VALUE);
    if v < (2 << SUB_BITS) {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros();
    let shift = msb - SUB_BITS;
    ((shift as usize) << SUB_BITS) + (v >> shift) as usize
}

/// The middle of bucket `i`.
fn value(i: usize) -> u64 {
    if i < (2 << SUB_BITS) {
        return i as u64;
    }
    let shift = (i >> SUB_BITS) - 1;
    let sub = (i & ((1 << SUB_BITS) - 1)) as u64 + (1 << SUB_BITS);
    (sub << shift) + ((1u64 << shift) >> 1)
}

impl Histogram {
    /// Records one latency.
    pub fn record(&mut self, ns: u64) {
        self.counts[index(ns)] += 1;
        self.total += 1;
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
    }

    /// The value at quantile `q` (0..=1) in ns; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return value(i);
            }
        }
        value(BUCKETS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_monotonic() {
        let mut last = 0;
        for v in 0..200_000u64 {
            let i = index(v);
            assert!(i == last || i == last + 1, "gap at {v}");
            last = i;
        }
        assert_eq!(index(MAX_VALUE), BUCKETS - 1);
        assert_eq!(index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn relative_error_is_small() {
        for v in [
            1u64,
            127,
            128,
            1000,
            65_432,
            1_234_567,
            987_654_321,
            MAX_VALUE,
        ] {
            let got = value(index(v)) as f64;
            let err = (got - v as f64).abs() / v as f64;
            assert!(err <= 1.0 / 64.0, "{v} -> {got}");
        }
    }

    #[test]
    fn quantiles() {
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v * 1000);
        }
        let p50 = h.quantile(0.5) as f64;
        assert!((p50 - 500_000.0).abs() / 500_000.0 < 0.02, "{p50}");
        let p999 = h.quantile(0.999) as f64;
        assert!((p999 - 999_000.0).abs() / 999_000.0 < 0.02, "{p999}");
        let mut other = Histogram::default();
        other.merge(&h);
        assert_eq!(other.count(), 1000);
        assert_eq!(Histogram::default().quantile(0.5), 0);
    }
}
