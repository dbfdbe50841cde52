//! The server list: shuffled once, tried round-robin, names resolved again on every attempt
//! (a name's addresses in a random order), with jittered exponential backoff after each full
//! cycle of failures (200 ms doubling up to 1-2 s); and a new list taken with Java's `StaticHostProvider` rebalancing
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
/// Longest pause between cycles: jittered over its upper half, 1 to 2 s, as Java's client
/// sleeps 1 s on coming back round to its last server (`StaticHostProvider.next(1000)`) plus
/// up to 1 s before each attempt (`ClientCnxn.SendThread.startConnect`). A client reconnects
/// within 2 s of an ensemble's return; the jitter spreads clients that failed together.
const BACKOFF_MAX: Duration = Duration::from_secs(2);

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
#[path = "hosts_tests.rs"]
mod tests;
