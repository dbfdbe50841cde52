//! Parser for Jute IDL schemas (in progress).

pub mod schema;
