//! Service discovery with Apache Curator's x-discovery layout and JSON: each instance is a
//! node `<base>/<service name>/<instance id>` holding its [`ServiceInstance`] as JSON, so
//! Java services registered with Curator's `ServiceDiscovery` and Rust services registered
//! here find each other.
//!
//! - [`ServiceDiscovery`]: register (a `DYNAMIC` instance is a [`crate::PersistentNode`]:
//!   created again after a new session or a delete), update, unregister; query service
//!   names and instances.
//! - [`ServiceCache`]: a service's instances kept up to date by a [`crate::TreeCache`] of its
//!   children, with a change stream ([`ServiceEvents`]).
//! - [`ServiceProvider`]: one instance at a time by a [`Strategy`] (random, round-robin,
//!   sticky), skipping instances noted as failing for a while ([`DownInstancePolicy`]).
//!
//! ```no_run
//! # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
//! use zk_recipes::discovery::{ServiceDiscovery, ServiceInstance, Strategy, UriSpec};
//!
//! let discovery = ServiceDiscovery::new(client, "/services")?;
//! let me = ServiceInstance::builder("api")
//!     .address("10.0.0.7")
//!     .port(8080)
//!     .uri_spec(UriSpec::parse("{scheme}://{address}:{port}")?)
//!     .build()?;
//! discovery.register(me).await?;
//!
//! let provider = discovery.provider("api").strategy(Strategy::RoundRobin).start().await?;
//! if let Some(instance) = provider.instance() {
//!     let url = instance.build_uri(&Default::default());
//!     // ... call it; on failure: provider.note_error(&instance) ...
//! #   let _ = url;
//! }
//! discovery.close().await?;
//! # Ok(()) }
//! ```

mod cache;
mod instance;
#[cfg(test)]
mod json_tests;
mod provider;
mod register;
mod uri;

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::Mutex;
use zk_client::{Client, RetryPolicy};

use crate::error::Error;
use crate::node::KeptNode;
use crate::retried::children;

pub use cache::{ServiceCache, ServiceEvent, ServiceEvents, Snapshot};
pub use instance::{ServiceInstance, ServiceInstanceBuilder, ServiceType, CLASS_KEY};
pub use provider::{
    DownInstancePolicy, InstanceFilter, Pick, ServiceProvider, ServiceProviderBuilder, Strategy,
};
pub use uri::{UriPart, UriSpec};

/// The base path used when none is given: `/services` (Curator has no default; its example
/// uses `/discovery/example`, Spring Cloud Zookeeper `/services`).
pub const DEFAULT_BASE_PATH: &str = "/services";

/// How long [`ServiceDiscovery::register`] waits for a dynamic instance's node by default.
pub const DEFAULT_REGISTER_TIMEOUT: Duration = Duration::from_secs(30);

/// A registered instance and, for dynamic ones, the node that keeps it in place.
#[derive(Debug)]
struct Registered {
    instance: ServiceInstance,
    node: Option<KeptNode>,
}

/// Registers this process's instances and queries everyone's, under a base path (Curator's
/// `ServiceDiscovery`). Instances registered here are unregistered by [`ServiceDiscovery::close`]
/// (dynamic ones also when it is dropped).
#[derive(Debug)]
pub struct ServiceDiscovery {
    client: Client,
    base: String,
    with_enabled: bool,
    register_timeout: Duration,
    registered: Mutex<BTreeMap<String, Registered>>,
}

impl ServiceDiscovery {
    /// Discovery under `base_path` (`/services` is common: [`DEFAULT_BASE_PATH`]).
    pub fn new(client: Client, base_path: &str) -> Result<ServiceDiscovery, Error> {
        zk_client::validate_path(base_path, false)?;
        Ok(ServiceDiscovery {
            client,
            base: base_path.to_owned(),
            with_enabled: false,
            register_timeout: DEFAULT_REGISTER_TIMEOUT,
            registered: Mutex::new(BTreeMap::new()),
        })
    }

    /// Writes the `enabled` field of every instance (as Curator's
    /// `JsonInstanceSerializer(class, false)`). Off by default, as Curator's default
    /// serializer, whose JSON Curator releases older than CURATOR-275 read; disabled instances carry
    /// `"enabled":false` either way (see [`ServiceInstance::to_json`]).
    pub fn write_enabled(mut self, yes: bool) -> ServiceDiscovery {
        self.with_enabled = yes;
        self
    }

    /// How long [`ServiceDiscovery::register`] waits for a dynamic instance's node.
    pub fn register_timeout(mut self, timeout: Duration) -> ServiceDiscovery {
        self.register_timeout = timeout;
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The base path.
    pub fn base_path(&self) -> &str {
        &self.base
    }

    /// The node of service `name`: `<base>/<name>`.
    pub fn path_for_name(&self, name: &str) -> String {
        format!("{}/{name}", self.base.trim_end_matches('/'))
    }

    /// The node of an instance: `<base>/<name>/<id>`.
    pub fn path_for_instance(&self, name: &str, id: &str) -> String {
        format!("{}/{id}", self.path_for_name(name))
    }

    /// Registers `instance` (Curator's `registerService`); registering an id again replaces
    /// the earlier registration. `DYNAMIC` (and `DYNAMIC_SEQUENTIAL`) instances are kept in
    /// place as [`crate::PersistentNode`]s: created again after a new session or a delete,
    /// until unregistered; this waits until the node is there (at most the register timeout).
    /// `STATIC` and `PERMANENT` instances are persistent nodes (one already there is deleted
    /// and created again, so watchers see the registration, as Curator does).
    pub async fn register(&self, instance: ServiceInstance) -> Result<(), Error> {
        instance.validate()?;
        let mut registered = self.registered.lock().await;
        if let Some(old) = registered.remove(&instance.id) {
            register::withdraw(self, old.instance, old.node).await?;
        }
        let node = register::put(self, &instance).await?;
        registered.insert(instance.id.clone(), Registered { instance, node });
        Ok(())
    }

    /// Replaces a registered instance's data (Curator's `updateService`); the instance is
    /// found by id, and its name must stay the same.
    pub async fn update(&self, instance: ServiceInstance) -> Result<(), Error> {
        let mut registered = self.registered.lock().await;
        let Some(entry) = registered.get_mut(&instance.id) else {
            return Err(Error::NotRegistered {
                id: instance.id.clone(),
            });
        };
        if entry.instance.name != instance.name {
            return Err(Error::InvalidInstance {
                id: instance.id.clone(),
                reason: format!(
                    "expected the registered name {:?}, found {:?}",
                    entry.instance.name, instance.name
                ),
            });
        }
        let data = instance.to_json(self.with_enabled);
        match &entry.node {
            Some(node) => node.set_data(data).await?,
            None => {
                let path = self.path_for_instance(&instance.name, &instance.id);
                RetryPolicy::default()
                    .retry_idempotent(|| self.client.set_data(&path, data.clone(), None))
                    .await?;
            }
        }
        entry.instance = instance;
        Ok(())
    }

    /// Unregisters the instance with `id` (Curator's `unregisterService`): its node is
    /// deleted. An id not registered here is [`Error::NotRegistered`].
    pub async fn unregister(&self, id: &str) -> Result<(), Error> {
        let entry = self.registered.lock().await.remove(id);
        match entry {
            Some(entry) => register::withdraw(self, entry.instance, entry.node).await,
            None => Err(Error::NotRegistered { id: id.to_owned() }),
        }
    }

    /// The instances registered here.
    pub async fn registered(&self) -> Vec<ServiceInstance> {
        let registered = self.registered.lock().await;
        registered.values().map(|r| r.instance.clone()).collect()
    }

    /// The node of a registered instance now (for `DYNAMIC_SEQUENTIAL`, with its sequence).
    pub async fn registered_node(&self, id: &str) -> Option<String> {
        let registered = self.registered.lock().await;
        let entry = registered.get(id)?;
        match &entry.node {
            Some(node) => node.path(),
            None => Some(self.path_for_instance(&entry.instance.name, id)),
        }
    }

    /// Unregisters every instance registered here (Curator's `close`); the first error is
    /// returned after all were tried. Every delete starts before the first wait, each in a
    /// task of its own: cancelling this future (a timeout, a `select!`) stops the wait, not
    /// the deletes.
    pub async fn close(&self) -> Result<(), Error> {
        let entries = std::mem::take(&mut *self.registered.lock().await);
        let withdrawals: Vec<_> = entries
            .into_values()
            .map(|entry| register::withdraw(self, entry.instance, entry.node))
            .collect();
        let mut first = Ok(());
        for withdrawal in withdrawals {
            let result = withdrawal.await;
            if first.is_ok() {
                first = result;
            }
        }
        first
    }

    /// The names of the registered services, sorted (Curator's `queryForNames`); none when
    /// the base path does not exist.
    pub async fn query_for_names(&self) -> Result<Vec<String>, Error> {
        let mut names = children(&self.client, &self.base).await?;
        names.sort();
        Ok(names)
    }

    /// The instances of service `name`, by node name (Curator's `queryForInstances`).
    /// Instances whose node vanishes meanwhile are left out; a node whose data is not an
    /// instance is left out with a warning (Curator fails the whole query on it).
    pub async fn query_for_instances(&self, name: &str) -> Result<Vec<ServiceInstance>, Error> {
        let path = self.path_for_name(name);
        let mut nodes = children(&self.client, &path).await?;
        nodes.sort();
        let mut out = Vec::with_capacity(nodes.len());
        for node in nodes {
            match self.query_for_instance(name, &node).await {
                Ok(Some(instance)) => out.push(instance),
                Ok(None) => {}
                Err(e @ Error::BadInstance { .. }) => tracing::warn!(error = %e, "skipped"),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The instance at `<base>/<name>/<id>`, if there is one (Curator's `queryForInstance`).
    pub async fn query_for_instance(
        &self,
        name: &str,
        id: &str,
    ) -> Result<Option<ServiceInstance>, Error> {
        let path = self.path_for_instance(name, id);
        read_instance(&self.client, &path).await
    }

    /// A cache of service `name`'s instances (Curator's `serviceCacheBuilder().name(name)`),
    /// loaded before it is returned.
    pub async fn cache(&self, name: &str) -> Result<ServiceCache, Error> {
        ServiceCache::start(self.client.clone(), &self.path_for_name(name)).await
    }

    /// A provider of service `name`'s instances (Curator's `serviceProviderBuilder()`):
    /// round-robin by default.
    pub fn provider(&self, name: &str) -> ServiceProviderBuilder {
        ServiceProviderBuilder::new(self.client.clone(), self.path_for_name(name))
    }
}

/// The instance in the node at `path`, `None` when there is no node.
async fn read_instance(client: &Client, path: &str) -> Result<Option<ServiceInstance>, Error> {
    let read = RetryPolicy::default()
        .retry_idempotent(|| client.get_data(path))
        .await;
    match read {
        Ok((data, _)) => ServiceInstance::from_json(path, &data).map(Some),
        Err(zk_client::Error::NoNode { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
