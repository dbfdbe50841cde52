//! An async Apache ZooKeeper client on tokio, built on the records generated into `zk-records`.
//!
//! One task per client owns the socket: it connects (and reconnects, trying the servers of the
//! connect string round-robin), writes queued requests in batches, matches each reply to the
//! oldest pending request, routes watch notifications and keeps the session alive with pings.
//! Handles ([`Client`]) are cheap to clone and send requests to it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client::Error> {
//! use zk_client::{Client, CreateOptions};
//!
//! let client = Client::connect("127.0.0.1:2181/app").await?;
//! client.create("/config", b"v1".to_vec(), &CreateOptions::persistent()).await?;
//! let (data, stat, watcher) = client.get_data_and_watch("/config").await?;
//! assert_eq!(&data[..], b"v1");
//! client.set_data("/config", b"v2".to_vec(), Some(stat.version)).await?;
//! let event = watcher.changed().await?;
//! assert_eq!(event.path, "/config");
//! # Ok(()) }
//! ```
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
mod client;
mod connect_string;
mod error;
mod hosts;
mod multi;
mod ops;
mod path;
mod pipeline;
mod ro_probe;
mod session;
mod task;
mod watch;

pub use client::{Client, ClientBuilder, DEFAULT_MAX_REPLY_LEN, DEFAULT_MAX_REQUEST_LEN};
pub use connect_string::{ConnectString, HostPort, DEFAULT_PORT};
pub use error::Error;
pub use multi::{Op, OpResult, ReadOp, ReadResult};
pub use ops::{CreateOptions, CONFIG_NODE, MAX_TTL_MS};
pub use path::{validate_path, Chroot};
pub use session::{SessionId, SessionState, StateWatcher};
pub use watch::{OneshotWatcher, PersistentWatcher, WatchedEvent};

pub use zk_records::data::{Acl, ClientInfo, Id, Stat};
pub use zk_records::{AddWatchMode, CreateMode, EventType, KeeperState, Perms, WatcherType};
