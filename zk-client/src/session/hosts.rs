//! The server list: shuffled once, tried round-robin, names resolved again on every attempt,
//! with jittered exponential backoff after each full cycle of failures.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::connect_string::HostPort;

/// First pause after a full cycle of failed attempts (before jitter).
const BACKOFF_BASE: Duration = Duration::from_millis(200);
/// Longest pause between cycles.
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// A small, non-cryptographic random source (SplitMix64), seeded from std's per-process random
/// keys: enough to spread clients over servers and to jitter retries.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A randomly seeded generator.
    pub(crate) fn new() -> Rng {
        Rng(RandomState::new().hash_one(0x5eed_u64))
    }

    /// A generator with a fixed seed, for tests.
    #[cfg(test)]
    pub(crate) fn seeded(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for n far below 2^64.
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Fisher-Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Round-robin over a shuffled host list, with backoff between full cycles.
#[derive(Debug)]
pub(crate) struct Hosts {
    hosts: Vec<HostPort>,
    next: usize,
    tried_in_cycle: usize,
    failed_cycles: u32,
    rng: Rng,
}

impl Hosts {
    /// Shuffles `hosts` once (so clients spread over the ensemble).
    pub(crate) fn new(mut hosts: Vec<HostPort>, mut rng: Rng) -> Hosts {
        rng.shuffle(&mut hosts);
        Hosts {
            hosts,
            next: 0,
            tried_in_cycle: 0,
            failed_cycles: 0,
            rng,
        }
    }

    /// The hosts in the order they are tried.
    #[cfg(test)]
    pub(crate) fn order(&self) -> &[HostPort] {
        &self.hosts
    }

    /// The next host to try and how long to wait before trying it: nothing within a cycle,
    /// a jittered, growing pause once every host of the cycle has failed.
    pub(crate) fn next(&mut self) -> Option<(HostPort, Duration)> {
        if self.hosts.is_empty() {
            return None;
        }
        let mut delay = Duration::ZERO;
        if self.tried_in_cycle >= self.hosts.len() {
            self.tried_in_cycle = 0;
            self.failed_cycles = self.failed_cycles.saturating_add(1);
            delay = self.backoff();
        }
        let host = self.hosts[self.next].clone();
        self.next = (self.next + 1) % self.hosts.len();
        self.tried_in_cycle += 1;
        Some((host, delay))
    }

    /// A connection succeeded: the next failure starts a fresh cycle without delay. The
    /// position is kept, so a reconnect moves on to the next host.
    pub(crate) fn connected(&mut self) {
        self.tried_in_cycle = 0;
        self.failed_cycles = 0;
    }

    /// The pause after `failed_cycles` failed cycles.
    fn backoff(&mut self) -> Duration {
        jittered_backoff(BACKOFF_BASE, BACKOFF_MAX, self.failed_cycles, &mut self.rng)
    }
}

/// Exponential backoff with jitter on the upper half: uniform in `[d/2, d]` with
/// `d = base * 2^(n-1)`, capped at `max` (`n` counts from 1).
pub(crate) fn jittered_backoff(base: Duration, max: Duration, n: u32, rng: &mut Rng) -> Duration {
    let exp = n.saturating_sub(1).min(16);
    let d = base.saturating_mul(1 << exp).min(max);
    let half = d / 2;
    let span = (d - half).as_millis() as u64;
    half + Duration::from_millis(rng.below(span + 1))
}

/// Resolves a host name (or literal) now, every time: DNS changes are picked up on reconnect.
pub(crate) async fn resolve(host: &HostPort) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.host.as_str(), host.port))
        .await?
        .collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} resolved to no address", host.host),
        ));
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(n: u16) -> Vec<HostPort> {
        (0..n)
            .map(|i| HostPort {
                host: format!("h{i}"),
                port: 2181 + i,
            })
            .collect()
    }

    #[test]
    fn shuffle_is_a_permutation_and_varies() {
        let mut orders = std::collections::HashSet::new();
        for seed in 0..20 {
            let h = Hosts::new(hosts(5), Rng::seeded(seed));
            let mut sorted = h.order().to_vec();
            sorted.sort_by_key(|h| h.port);
            assert_eq!(sorted, hosts(5));
            orders.insert(h.order().to_vec());
        }
        assert!(orders.len() > 5, "shuffles differ between seeds");
    }

    #[test]
    fn round_robin_then_backoff_per_cycle() {
        let mut h = Hosts::new(hosts(3), Rng::seeded(7));
        let order = h.order().to_vec();
        let mut delays = Vec::new();
        for round in 0..4 {
            for (i, expected) in order.iter().enumerate() {
                let (host, delay) = h.next().unwrap();
                assert_eq!(&host, expected, "round {round}");
                if i == 0 && round > 0 {
                    delays.push(delay);
                } else {
                    assert_eq!(delay, Duration::ZERO);
                }
            }
        }
        // Cycle n waits within [d/2, d], d = 200ms * 2^(n-1).
        for (n, d) in delays.iter().enumerate() {
            let full = BACKOFF_BASE * (1 << n);
            assert!(*d >= full / 2 && *d <= full, "cycle {n}: {d:?}");
        }
    }

    #[test]
    fn backoff_is_capped_and_reset_by_success() {
        let mut h = Hosts::new(hosts(1), Rng::seeded(1));
        let mut last = Duration::ZERO;
        for _ in 0..40 {
            last = h.next().unwrap().1;
            assert!(last <= BACKOFF_MAX);
        }
        assert!(last >= BACKOFF_MAX / 2);
        h.connected();
        assert_eq!(h.next().unwrap().1, Duration::ZERO);
        let after = h.next().unwrap().1;
        assert!(after <= BACKOFF_BASE && after >= BACKOFF_BASE / 2);
    }

    #[test]
    fn empty_list_yields_nothing() {
        assert!(Hosts::new(Vec::new(), Rng::seeded(0)).next().is_none());
    }

    #[tokio::test]
    async fn resolves_literals_and_names() {
        let v6 = resolve(&HostPort {
            host: "::1".into(),
            port: 9,
        })
        .await
        .unwrap();
        assert_eq!(v6, ["[::1]:9".parse().unwrap()]);
        let local = resolve(&HostPort {
            host: "localhost".into(),
            port: 2181,
        })
        .await
        .unwrap();
        assert!(local
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 2181));
        assert!(resolve(&HostPort {
            host: "no-such-host.invalid".into(),
            port: 1
        })
        .await
        .is_err());
    }
}
