//! Tests of the server list: round-robin order, the backoff between rounds, rebalancing
//! after an update, and resolution.

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
    // Cycle n waits within [d/2, d], d = 200ms * 2^(n-1) (below the cap here).
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

/// After a whole-ensemble outage of any length, the pause before the next round is at
/// most 2 s (Java's 1 s spin delay plus up to 1 s before an attempt): a client reconnects
/// within 2 s of the servers' return. At the cap the pauses still spread over 1-2 s, so
/// clients that failed together do not retry together.
#[test]
fn after_a_long_outage_the_next_round_comes_within_two_seconds() {
    let mut h = Hosts::new(hosts(3), Rng::seeded(11));
    let pauses: Vec<Duration> = (0..3 * 60).map(|_| h.next().unwrap().1).collect();
    let rounds: Vec<Duration> = pauses.iter().copied().filter(|d| !d.is_zero()).collect();
    assert_eq!(rounds.len(), 59, "one pause per full round");
    let bound = Duration::from_secs(2);
    for (n, d) in rounds.iter().enumerate() {
        assert!(*d <= bound, "round {}: {d:?} before the next one", n + 1);
    }
    let capped = &rounds[10..];
    let least = capped.iter().min().unwrap();
    let most = capped.iter().max().unwrap();
    assert!(*least >= bound / 2, "{least:?}");
    assert!(
        *most - *least >= Duration::from_millis(600),
        "jitter kept: {least:?}..{most:?}"
    );
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
