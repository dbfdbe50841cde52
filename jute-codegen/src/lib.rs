//! Generates Rust records from Apache Jute IDL schemas: one plain struct per Jute record,
//! deriving `jute::Jute`, so all wire logic stays in the derive.
//!
//! The output is a single file holding a `pub mod` tree that mirrors the Jute modules (minus a
//! configurable prefix). References between modules are written as `super::` chains, so the
//! file works at a crate root and inside any module (`include!` from `OUT_DIR`).
//!
//! For each record the generated struct
//! - derives `Debug, Clone, PartialEq, Default` and `jute::Jute`, plus `Eq, Hash` when no
//!   `float`/`double` is reachable from it;
//! - with [`Config::serde_feature`], derives `serde::Serialize, serde::Deserialize` behind
//!   that feature of the generated crate, with the Jute field names as serde names;
//! - carries `#[jute(name = "...")]` with the Jute names, so decode errors name schema fields;
//! - has doc comments from the schema comments and the qualified Jute name.
//!
//! Names: records become `UpperCamelCase` (`GetACLRequest` -> `GetAclRequest`), fields and
//! modules `snake_case` (`lastZxidSeen` -> `last_zxid_seen`), keywords are escaped
//! (`type` -> `r#type`, `self` -> `self_`), and names that collide after conversion are an
//! error.
//!
//! Use [`Config`] from a build script (like `prost_build::Config`), or [`Config::generate`] /
//! [`Config::generate_file`] to get the source as a string.
//!
//! # In a build script
//!
//! ```no_run
//! // build.rs (jute-codegen in [build-dependencies], jute in [dependencies])
//! jute_codegen::Config::new()
//!     .strip_prefix("example.")
//!     .trailing("example.inventory.Warehouse.lastAudit")
//!     .compile_or_exit(&["schema/inventory.jute"]);
//! jute_codegen::Config::new()
//!     .strip_prefix("example.")
//!     // Records of this module come from `inventory.rs`, not generated a second time.
//!     .extern_path("example.inventory", "crate::records::inventory")
//!     .compile_or_exit(&["schema/orders.jute"]);
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! pub mod records {
//!     include!(concat!(env!("OUT_DIR"), "/inventory.rs"));
//! }
//! pub mod order_records {
//!     include!(concat!(env!("OUT_DIR"), "/orders.rs"));
//! }
//! ```
//!
//! [`Config::compile`] prints `cargo:rerun-if-changed` for every schema file and include it
//! reads, and resolves its files together: a file included by several of them is generated
//! once. A schema error is [`Error::Parse`] with the parser's diagnostics, whose `Debug` and
//! `Display` are the diagnostics rendered rustc-style (what a build script's `?` shows);
//! [`Config::compile_or_exit`] prints them and fails the build. The workspace's
//! `examples/jute-build-example` is this example, built and tested.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod analysis;
mod compile;
mod config;
mod emit;
mod error;
mod generate;
pub mod ident;
mod names;
mod validate;

pub use config::{BufferType, Config, StringType};
pub use error::Error;
pub use jute_parser::schema;

/// The crate README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
