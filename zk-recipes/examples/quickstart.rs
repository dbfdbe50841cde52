//! Quick start: service discovery with zk-recipes (Curator's x-discovery layout) against a
//! local ZooKeeper that this example starts (on a free loopback port, with a temporary data
//! directory) and always stops.
//!
//! Run it with `cargo xtask quickstart` (installs ZooKeeper if needed) or
//! `cargo run -p zk-recipes --example quickstart`.
//!
//! It follows the service `demo` with a service cache, registers an instance, registers a
//! second one from a second session, asks a round-robin provider for instances, closes the
//! second session and unregisters the first, and prints every step and every change as it
//! happens.
// An example program: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error as StdError;
use std::io::Write;
use std::time::Duration;

use zk_client::Client;
use zk_recipes::discovery::{
    ServiceCache, ServiceDiscovery, ServiceEvent, ServiceEvents, ServiceInstance, UriSpec,
};

/// Errors of the example: the server launcher's, the client's, the recipes', I/O.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// The base path of the discovery layout.
pub const BASE: &str = "/services";
/// How long to wait for any one change.
const EVENT_WAIT: Duration = Duration::from_secs(10);

/// A connected client.
async fn connect(connect_string: &str) -> Result<Client, zk_client::Error> {
    Client::builder()
        .session_timeout(Duration::from_secs(6))
        .connect(connect_string)
        .await
}

/// Registers instance `id` of `demo` on `port`, through `discovery`.
async fn register(discovery: &ServiceDiscovery, id: &str, port: i32) -> Result<(), BoxError> {
    let instance = ServiceInstance::builder("demo")
        .id(id)
        .address("127.0.0.1")
        .port(port)
        .uri_spec(UriSpec::parse("{scheme}://{address}:{port}")?)
        .build()?;
    discovery.register(instance).await?;
    Ok(())
}

/// Waits for the cache's next change and prints it with the membership that follows.
async fn next_change(
    out: &mut (dyn Write + Send),
    cache: &ServiceCache,
    events: &mut ServiceEvents,
) -> Result<(), BoxError> {
    let event = tokio::time::timeout(EVENT_WAIT, events.next())
        .await
        .map_err(|_| format!("no change within {EVENT_WAIT:?}"))?
        .ok_or("the cache stopped")?;
    let (what, instance) = match event {
        ServiceEvent::Added { instance, .. } => ("added", instance),
        ServiceEvent::Updated { instance, .. } => ("updated", instance),
        ServiceEvent::Removed { instance, .. } => ("removed", instance),
        ServiceEvent::Missed(n) => return Err(format!("missed {n} changes").into()),
    };
    let uri = instance.build_uri(&Default::default());
    writeln!(out, "{what}: {} at {uri}", instance.id)?;
    let members: Vec<String> = cache.instances().into_iter().map(|i| i.id).collect();
    writeln!(out, "instances of demo: [{}]", members.join(", "))?;
    Ok(())
}

/// The whole example; every step is written to `out` as it happens.
pub async fn run(out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
    writeln!(
        out,
        "starting ZooKeeper (standalone, loopback, temporary data directory)"
    )?;
    // Dropped (server killed, directory removed) on every way out of this function, also
    // when the future is dropped on Ctrl-C.
    let server = tokio::task::spawn_blocking(zk_testkit::ZkServer::start).await??;
    let connect_string = server.connect_string();
    writeln!(out, "ZooKeeper is serving on {connect_string}")?;

    let client = connect(&connect_string).await?;
    let session = client.session().map(|s| s.id).unwrap_or_default();
    writeln!(out, "connected: session {session:#x}")?;

    let discovery = ServiceDiscovery::new(client.clone(), BASE)?;
    let cache = discovery.cache("demo").await?;
    let mut events = cache.events();
    writeln!(out, "following {BASE}/demo with a service cache")?;

    register(&discovery, "instance-1", 8080).await?;
    writeln!(out, "registered {BASE}/demo/instance-1")?;
    next_change(out, &cache, &mut events).await?;

    let second_client = connect(&connect_string).await?;
    let second = ServiceDiscovery::new(second_client.clone(), BASE)?;
    register(&second, "instance-2", 8081).await?;
    writeln!(out, "registered {BASE}/demo/instance-2 (second session)")?;
    next_change(out, &cache, &mut events).await?;

    let provider = discovery.provider("demo").start().await?;
    let picks: Vec<String> = (0..3)
        .filter_map(|_| provider.instance())
        .map(|i| i.build_uri(&Default::default()))
        .collect();
    writeln!(out, "round-robin provider: {}", picks.join(", "))?;

    second_client.close().await?;
    writeln!(out, "closed the second session: its instance goes away")?;
    next_change(out, &cache, &mut events).await?;

    discovery.unregister("instance-1").await?;
    writeln!(out, "unregistered instance-1")?;
    next_change(out, &cache, &mut events).await?;

    drop((provider, cache));
    client.close().await?;
    drop(server);
    writeln!(out, "closed the session and stopped ZooKeeper")?;
    Ok(())
}

#[cfg_attr(test, allow(dead_code))]
fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("quickstart: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let mut stdout = std::io::stdout();
        tokio::select! {
            r = run(&mut stdout) => r,
            _ = tokio::signal::ctrl_c() => Err("interrupted".into()),
        }
    });
    // Waits for a server still starting, so that it is stopped too.
    drop(runtime);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
