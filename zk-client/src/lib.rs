//! An async Apache ZooKeeper client on tokio, built on the records generated into `zk-records`.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod connect_string;
mod error;
mod hosts;
mod path;

pub use connect_string::{ConnectString, HostPort, DEFAULT_PORT};
pub use error::Error;
pub use path::{validate_path, Chroot};
