//! Picking one instance of a service (Curator's `ServiceProvider`): a [`ServiceCache`], a
//! [`Strategy`], and instances noted as failing left out for a while
//! ([`DownInstancePolicy`], Curator's `DownInstanceManager`). Disabled instances are never
//! handed out.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zk_client::Client;

use super::cache::ServiceCache;
use super::instance::ServiceInstance;
use crate::error::Error;

/// How a strategy picks among the instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Uniformly at random.
    Random,
    /// In turn (node-name order).
    RoundRobin,
}

/// How a provider chooses an instance (Curator's `ProviderStrategy`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Uniformly at random (`RandomStrategy`).
    Random,
    /// In turn (`RoundRobinStrategy`, the default).
    #[default]
    RoundRobin,
    /// The same instance as long as it is available, another one picked as given when it
    /// is not (`StickyStrategy`).
    Sticky(Pick),
}

/// When an instance noted as failing is left out (Curator's `DownInstancePolicy`): after
/// `error_threshold` errors, until `timeout` after the first of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownInstancePolicy {
    /// How long an instance's errors count (Curator's default: 30 s).
    pub timeout: Duration,
    /// How many errors make it down (Curator's default: 2).
    pub error_threshold: u32,
}

impl Default for DownInstancePolicy {
    fn default() -> DownInstancePolicy {
        DownInstancePolicy {
            timeout: Duration::from_secs(30),
            error_threshold: 2,
        }
    }
}

/// A filter on instances: providers hand out only the instances it accepts.
pub type InstanceFilter = Arc<dyn Fn(&ServiceInstance) -> bool + Send + Sync>;

/// Settings of a [`ServiceProvider`] (from [`super::ServiceDiscovery::provider`]).
#[must_use]
pub struct ServiceProviderBuilder {
    client: Client,
    path: String,
    strategy: Strategy,
    policy: DownInstancePolicy,
    filters: Vec<InstanceFilter>,
}

impl fmt::Debug for ServiceProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceProviderBuilder")
            .field("path", &self.path)
            .field("strategy", &self.strategy)
            .field("policy", &self.policy)
            .field("filters", &self.filters.len())
            .finish()
    }
}

impl ServiceProviderBuilder {
    pub(super) fn new(client: Client, path: String) -> ServiceProviderBuilder {
        ServiceProviderBuilder {
            client,
            path,
            strategy: Strategy::default(),
            policy: DownInstancePolicy::default(),
            filters: Vec::new(),
        }
    }

    /// The strategy (default: round-robin, as Curator's).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// When instances noted as failing are left out.
    pub fn down_instance_policy(mut self, policy: DownInstancePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Hands out only the instances `filter` accepts (Curator's `additionalFilter`).
    pub fn filter(
        mut self,
        filter: impl Fn(&ServiceInstance) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.filters.push(Arc::new(filter));
        self
    }

    /// Starts the provider's cache (loaded before this returns).
    pub async fn start(self) -> Result<ServiceProvider, Error> {
        let cache = ServiceCache::start(self.client, &self.path).await?;
        Ok(ServiceProvider {
            cache,
            strategy: self.strategy,
            policy: self.policy,
            filters: self.filters,
            state: Mutex::new(State {
                turn: 0,
                sticky: None,
                down: HashMap::new(),
                rng: RandomState::new().hash_one(Instant::now()) | 1,
            }),
        })
    }
}

/// What a provider remembers between picks.
#[derive(Debug)]
struct State {
    /// The round-robin counter.
    turn: usize,
    /// The sticky strategy's instance (name, id).
    sticky: Option<(String, String)>,
    /// Errors noted per instance (name, id): when the first was, how many.
    down: HashMap<(String, String), (Instant, u32)>,
    /// xorshift64 state: picking an instance at random needs no cryptographic generator,
    /// and a hand-written one keeps the crate free of a random-number dependency.
    rng: u64,
}

impl State {
    fn next_random(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Forgets the errors of instances whose first error is `timeout` old or older.
    fn purge(&mut self, timeout: Duration) {
        self.down.retain(|_, (first, _)| first.elapsed() < timeout);
    }

    /// Counts an error of the instance `key`. Expired entries are dropped first, as
    /// Curator's `DownInstanceManager.add` does: an error after the timeout starts a new
    /// count instead of adding to one that is about to be forgotten.
    fn note_error(&mut self, key: (String, String), timeout: Duration) {
        self.purge(timeout);
        let entry = self.down.entry(key).or_insert((Instant::now(), 0));
        entry.1 += 1;
    }

    /// Whether the instance `key` has `threshold` errors or more counted.
    fn is_down(&self, key: &(String, String), threshold: u32) -> bool {
        self.down.get(key).is_some_and(|(_, n)| *n >= threshold)
    }

    fn pick(&mut self, pick: Pick, n: usize) -> usize {
        match pick {
            Pick::Random => (self.next_random() % n as u64) as usize,
            Pick::RoundRobin => {
                let i = self.turn % n;
                self.turn = self.turn.wrapping_add(1);
                i
            }
        }
    }
}

/// Hands out instances of one service (Curator's `ServiceProvider`). Closed when dropped.
pub struct ServiceProvider {
    cache: ServiceCache,
    strategy: Strategy,
    policy: DownInstancePolicy,
    filters: Vec<InstanceFilter>,
    state: Mutex<State>,
}

impl fmt::Debug for ServiceProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceProvider")
            .field("strategy", &self.strategy)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

fn key(instance: &ServiceInstance) -> (String, String) {
    (instance.name.clone(), instance.id.clone())
}

impl ServiceProvider {
    /// The instances it may hand out now: enabled, accepted by the filters, not down.
    pub fn instances(&self) -> Vec<ServiceInstance> {
        let mut state = self.lock();
        self.available(&mut state)
    }

    /// One instance by the strategy, `None` when none is available.
    pub fn instance(&self) -> Option<ServiceInstance> {
        let mut state = self.lock();
        let instances = self.available(&mut state);
        if instances.is_empty() {
            return None;
        }
        let pick = match self.strategy {
            Strategy::Random => Pick::Random,
            Strategy::RoundRobin => Pick::RoundRobin,
            Strategy::Sticky(pick) => {
                let current = state.sticky.clone();
                if let Some(i) = instances.iter().find(|i| Some(key(i)) == current) {
                    return Some(i.clone());
                }
                let i = state.pick(pick, instances.len());
                state.sticky = Some(key(&instances[i]));
                return Some(instances[i].clone());
            }
        };
        let i = state.pick(pick, instances.len());
        Some(instances[i].clone())
    }

    /// Notes that a call to `instance` failed (Curator's `noteError`): after the policy's
    /// number of errors it is left out until the policy's timeout has passed since the first.
    pub fn note_error(&self, instance: &ServiceInstance) {
        self.lock().note_error(key(instance), self.policy.timeout);
    }

    /// The cache under it (every instance of the service, disabled and down ones included).
    pub fn cache(&self) -> &ServiceCache {
        &self.cache
    }

    /// Stops the provider (as dropping it does).
    pub fn close(self) {
        drop(self);
    }

    /// The instances it may hand out, after forgetting errors older than the timeout.
    fn available(&self, state: &mut State) -> Vec<ServiceInstance> {
        state.purge(self.policy.timeout);
        let threshold = self.policy.error_threshold;
        self.cache
            .instances()
            .into_iter()
            .filter(|i| i.enabled)
            .filter(|i| !state.is_down(&key(i), threshold))
            .filter(|i| self.filters.iter().all(|f| f(i)))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding it cannot leave the state inconsistent: every write is whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        State {
            turn: 0,
            sticky: None,
            down: HashMap::new(),
            rng: 1,
        }
    }

    #[test]
    fn an_error_after_the_timeout_starts_a_new_count() {
        let timeout = Duration::from_millis(50);
        let api = ("api".to_owned(), "a".to_owned());
        let mut state = state();
        state.note_error(api.clone(), timeout);
        std::thread::sleep(timeout * 2);
        // Two errors within the timeout of each other, after the first one expired.
        state.note_error(api.clone(), timeout);
        state.purge(timeout);
        state.note_error(api.clone(), timeout);
        state.purge(timeout);
        assert_eq!(state.down.get(&api).map(|(_, n)| *n), Some(2));
        assert!(state.is_down(&api, 2));
    }

    #[test]
    fn errors_within_the_timeout_add_up() {
        let timeout = Duration::from_secs(60);
        let api = ("api".to_owned(), "a".to_owned());
        let mut state = state();
        state.note_error(api.clone(), timeout);
        assert!(!state.is_down(&api, 2));
        state.note_error(api.clone(), timeout);
        assert!(state.is_down(&api, 2));
        assert!(!state.is_down(&("api".to_owned(), "b".to_owned()), 2));
    }
}
