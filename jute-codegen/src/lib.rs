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
//! - derives `serde::Serialize, serde::Deserialize` behind the generated crate's `serde`
//!   feature, with the Jute field names as serde names;
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
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod analysis;
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
