//! Quick start: service discovery with zk-client against a local ZooKeeper that this example
//! starts (on a free loopback port, with a temporary data directory) and always stops.
//!
//! Run it with `cargo xtask quickstart` (installs ZooKeeper if needed) or
//! `cargo run -p zk-client --example quickstart`.
//!
//! It creates `/services/demo`, registers a service instance as an ephemeral sequential node,
//! watches the directory with a persistent recursive watch, registers a second instance from a
//! second session, closes that session, and prints every step and every event as it happens.
// An example program: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error as StdError;
use std::io::Write;
use std::time::Duration;

use zk_client::{AddWatchMode, Client, CreateMode, CreateOptions, Error, PersistentWatcher};

/// Errors of the example: the server launcher's, the client's, I/O.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// The service directory.
pub const SERVICE_DIR: &str = "/services/demo";
/// How long to wait for any one event.
const EVENT_WAIT: Duration = Duration::from_secs(10);

/// Creates `path` and its missing parents as persistent nodes.
async fn create_all(client: &Client, path: &str) -> Result<(), Error> {
    let mut prefix = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        prefix.push('/');
        prefix.push_str(part);
        match client
            .create(&prefix, Vec::new(), &CreateOptions::persistent())
            .await
        {
            Ok(_) | Err(Error::NodeExists { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Registers one instance: an ephemeral sequential node holding its address as JSON.
async fn register(client: &Client, port: u16) -> Result<String, Error> {
    let data = format!("{{\"host\":\"127.0.0.1\",\"port\":{port}}}");
    client
        .create(
            &format!("{SERVICE_DIR}/instance-"),
            data.into_bytes(),
            &CreateOptions::new(CreateMode::EphemeralSequential),
        )
        .await
}

/// Waits for the next watch event and prints it with the membership that follows from it.
async fn next_change(
    out: &mut (dyn Write + Send),
    client: &Client,
    watcher: &mut PersistentWatcher,
) -> Result<(), BoxError> {
    let event = tokio::time::timeout(EVENT_WAIT, watcher.next())
        .await
        .map_err(|_| format!("no watch event within {EVENT_WAIT:?}"))?
        .ok_or("the watch ended")?;
    writeln!(out, "event: {} {}", event.event_type, event.path)?;
    let mut members = client.get_children(SERVICE_DIR).await?;
    members.sort();
    writeln!(out, "membership changed: [{}]", members.join(", "))?;
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

    let client = Client::builder()
        .session_timeout(Duration::from_secs(6))
        .connect(&connect_string)
        .await?;
    let session = client.session().map(|s| s.id).unwrap_or_default();
    writeln!(out, "connected: session {session:#x}")?;

    create_all(&client, SERVICE_DIR).await?;
    writeln!(out, "created {SERVICE_DIR}")?;

    let mut watcher = client
        .add_watch(SERVICE_DIR, AddWatchMode::PersistentRecursive)
        .await?;
    writeln!(out, "watching {SERVICE_DIR} (persistent, recursive)")?;

    let first = register(&client, 8080).await?;
    writeln!(out, "registered {first}")?;
    next_change(out, &client, &mut watcher).await?;

    let second_client = Client::builder()
        .session_timeout(Duration::from_secs(6))
        .connect(&connect_string)
        .await?;
    let second = register(&second_client, 8081).await?;
    writeln!(out, "registered {second} (second session)")?;
    next_change(out, &client, &mut watcher).await?;

    second_client.close().await?;
    writeln!(out, "closed the second session: its instance goes away")?;
    next_change(out, &client, &mut watcher).await?;

    drop(watcher);
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
