//! The server list: shuffled once, tried round-robin, names resolved again on every attempt
//! (a name's addresses in a random order), with jittered exponential backoff after each full
//! cycle of failures; and a new list taken with Java's `StaticHostProvider` rebalancing
//! (ZOOKEEPER-1355): a client moves only with the probability that evens the load over the
//! new list.

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

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        // 53 random bits: every value exactly representable.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
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
    /// Set by an update that moves this client: where the next attempts go.
    migration: Option<Migration>,
}

/// A move after a server-list update: the next attempts go to a new server (one not in the
/// previous list) with probability `p_new`, else to a server of both lists, each list tried
/// in its shuffled order; once both are tried, round-robin resumes.
#[derive(Debug)]
struct Migration {
    old: Vec<HostPort>,
    new: Vec<HostPort>,
    old_tried: usize,
    new_tried: usize,
    p_new: f64,
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
            migration: None,
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
        if let Some(host) = self.next_migrating() {
            self.next = self
                .hosts
                .iter()
                .position(|h| *h == host)
                .map_or(0, |i| i + 1);
            self.next %= self.hosts.len();
            return Some((host, Duration::ZERO));
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
        self.migration = None;
    }

    /// A server answered but refused the session: the next attempt comes without delay, and
    /// a migration under way goes on (as Java leaves its reconfig mode only once connected or
    /// once every server was tried).
    pub(crate) fn refused(&mut self) {
        self.tried_in_cycle = 0;
        self.failed_cycles = 0;
    }

    /// The next host of a migration, if one is under way; ends it (as a full cycle of
    /// failures, so that the backoff applies) once every host was tried.
    fn next_migrating(&mut self) -> Option<HostPort> {
        let m = self.migration.as_mut()?;
        let take_new = self.rng.unit() < m.p_new;
        let new_left = m.new_tried < m.new.len();
        let old_left = m.old_tried < m.old.len();
        if new_left && (take_new || !old_left) {
            m.new_tried += 1;
            return Some(m.new[m.new_tried - 1].clone());
        }
        if old_left {
            m.old_tried += 1;
            return Some(m.old[m.old_tried - 1].clone());
        }
        self.migration = None;
        self.tried_in_cycle = self.hosts.len();
        None
    }

    /// Takes a new server list; returns whether this client should move (drop its
    /// connection and connect where [`Hosts::next`] says), as Java's
    /// `StaticHostProvider.updateServerList` decides. `current` is the server of the current
    /// connection (hosts compare by name and port, unresolved); without one, the host tried
    /// last stands for it.
    ///
    /// With `n` servers before and `m` after: when the list grows and the current server
    /// stays, the client moves to one of the new servers with probability `1 - n/m` (each
    /// server then expects `1/m` of the clients); when the current server is gone, it always
    /// moves: to a new server if the list grew, otherwise to a new one with probability
    /// `1 - p_old`, where `p_old = old * (n - m) / (m * (n - old))` and `old` counts the
    /// servers of both lists. A client whose server stays in a list that does not grow stays.
    pub(crate) fn update(&mut self, list: Vec<HostPort>, current: Option<&HostPort>) -> bool {
        if list.is_empty() {
            return false;
        }
        let mut list = list;
        self.rng.shuffle(&mut list);
        let me = match self.migration.is_some() {
            true => self.next_migrating(),
            false => current.cloned(),
        }
        .or_else(|| self.last_tried());
        let me_stays = me.as_ref().is_some_and(|me| list.contains(me));
        let (old, new): (Vec<HostPort>, Vec<HostPort>) =
            list.iter().cloned().partition(|h| self.hosts.contains(h));
        let before = self.hosts.len() as f64;
        let after = list.len() as f64;
        let p_new = if after > before {
            // Growing: each old server sheds `1 - before/after` of its clients.
            if !me_stays || self.rng.unit() < 1.0 - before / after {
                Some(1.0)
            } else {
                None
            }
        } else if me_stays {
            None
        } else {
            let old_n = old.len() as f64;
            let denominator = after * (before - old_n);
            let p_old = if denominator > 0.0 {
                old_n * (before - after) / denominator
            } else {
                1.0
            };
            Some(1.0 - p_old)
        };
        self.next = match (&p_new, &me) {
            (None, Some(me)) => list.iter().position(|h| h == me).map_or(0, |i| i + 1),
            _ => 0,
        } % list.len();
        self.hosts = list;
        self.tried_in_cycle = 0;
        self.migration = p_new.map(|p_new| Migration {
            old,
            new,
            old_tried: 0,
            new_tried: 0,
            p_new,
        });
        self.migration.is_some()
    }

    /// The host [`Hosts::next`] returned last.
    fn last_tried(&self) -> Option<HostPort> {
        let n = self.hosts.len();
        (n > 0).then(|| self.hosts[(self.next + n - 1) % n].clone())
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
/// The addresses come in a random order, as Java's `StaticHostProvider.resolve` shuffles them:
/// clients given one name for several servers spread over them instead of all taking the
/// resolver's first address.
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
    Ok(in_random_order(addrs, &mut Rng::new()))
}

/// `addrs` shuffled.
fn in_random_order(mut addrs: Vec<SocketAddr>, rng: &mut Rng) -> Vec<SocketAddr> {
    rng.shuffle(&mut addrs);
    addrs
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

    /// `clients` clients spread evenly over `before` servers take the list of `after`
    /// servers (`keep` of them from the old list); returns how many land on each server.
    fn rebalance(clients: usize, before: u16, keep: u16, after: u16) -> Vec<usize> {
        let old = hosts(before);
        let mut list: Vec<HostPort> = old[..usize::from(keep)].to_vec();
        list.extend((0..after - keep).map(|i| HostPort {
            host: format!("new{i}"),
            port: 3000 + i,
        }));
        let mut rng = Rng::seeded(42);
        let mut load = vec![0usize; list.len()];
        for c in 0..clients {
            let mut h = Hosts::new(old.clone(), Rng::seeded(rng.next_u64()));
            let current = old[c % old.len()].clone();
            let moves = h.update(list.clone(), Some(&current));
            let landed = if moves { h.next().unwrap().0 } else { current };
            let at = list.iter().position(|h| *h == landed);
            load[at.unwrap_or_else(|| panic!("{landed} is not in the new list"))] += 1;
        }
        load
    }

    fn assert_even(load: &[usize], clients: usize) {
        let fair = clients as f64 / load.len() as f64;
        for (i, n) in load.iter().enumerate() {
            // 10 000 clients: a deviation of 10% is far outside chance.
            assert!(
                (*n as f64 - fair).abs() < fair * 0.1,
                "server {i}: {load:?}"
            );
        }
    }

    #[test]
    fn growing_moves_just_enough_clients() {
        let load = rebalance(10_000, 3, 3, 5);
        assert_even(&load, 10_000);
        // Clients that stayed: 3/5 of them, not all and not none.
        let stayed: usize = load[..3].iter().sum();
        assert!((5_500..6_500).contains(&stayed), "{load:?}");
    }

    #[test]
    fn shrinking_and_replacing_spread_the_orphans() {
        assert_even(&rebalance(10_000, 5, 3, 3), 10_000);
        assert_even(&rebalance(10_000, 3, 2, 3), 10_000);
        assert_even(&rebalance(10_000, 4, 2, 3), 10_000);
    }

    #[test]
    fn an_unchanged_list_moves_nobody() {
        let mut h = Hosts::new(hosts(3), Rng::seeded(3));
        let (current, _) = h.next().unwrap();
        for _ in 0..100 {
            assert!(!h.update(hosts(3), Some(&current)));
        }
        // Round-robin goes on after the current server.
        let order = h.order().to_vec();
        let at = order.iter().position(|h| *h == current).unwrap();
        assert_eq!(h.next().unwrap().0, order[(at + 1) % 3]);
    }

    #[test]
    fn a_migration_tries_every_host_once_then_backs_off() {
        let mut h = Hosts::new(hosts(2), Rng::seeded(5));
        let gone = h.next().unwrap().0;
        let list: Vec<HostPort> = hosts(4)[2..].to_vec();
        assert!(h.update(list.clone(), Some(&gone)));
        let mut tried: Vec<HostPort> = (0..2)
            .map(|_| h.next().unwrap())
            .map(|(h, d)| {
                assert_eq!(d, Duration::ZERO);
                h
            })
            .collect();
        tried.sort_by_key(|h| h.port);
        assert_eq!(tried, list);
        assert!(h.next().unwrap().1 > Duration::ZERO, "a full cycle failed");
    }

    #[test]
    fn a_refusal_does_not_end_a_migration() {
        let mut h = Hosts::new(hosts(2), Rng::seeded(5));
        let gone = h.next().unwrap().0;
        assert!(h.update(hosts(4)[2..].to_vec(), Some(&gone)));
        let (first, _) = h.next().unwrap();
        h.refused();
        assert!(h.migration.is_some(), "the migration goes on");
        let (second, delay) = h.next().unwrap();
        assert_eq!(delay, Duration::ZERO);
        assert_ne!(first, second, "each new host once");
    }

    #[test]
    fn empty_list_yields_nothing() {
        assert!(Hosts::new(Vec::new(), Rng::seeded(0)).next().is_none());
    }

    #[test]
    fn a_names_addresses_are_tried_in_random_order() {
        let addrs: Vec<SocketAddr> = ["10.0.0.1:2181", "10.0.0.2:2181", "10.0.0.3:2181"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        let mut rng = Rng::seeded(9);
        let mut first = std::collections::HashSet::new();
        for _ in 0..60 {
            let order = in_random_order(addrs.clone(), &mut rng);
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, addrs, "every address, each once");
            first.insert(order[0]);
        }
        // Each address leads some attempts: clients spread over a name's servers.
        assert_eq!(first.len(), addrs.len(), "first addresses seen: {first:?}");
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
