//! ZooKeeper's schema, `zookeeper.jute` from upstream, embedded at build time.

use jute_parser::{Diagnostics, Schema};

/// The text of upstream `zookeeper.jute` (the copy at the root of this repository).
pub const ZOOKEEPER_JUTE: &str = include_str!("../../../zookeeper.jute");

/// Parses [`ZOOKEEPER_JUTE`]. Parse it once and pass it to the readers.
///
/// # Errors
///
/// Never in practice (the embedded schema is valid; a test checks it); the diagnostics if
/// it were not.
pub fn schema() -> Result<Schema, Diagnostics> {
    jute_parser::parse_str("zookeeper.jute", ZOOKEEPER_JUTE)
}

/// Qualified record names used by the readers.
pub(crate) mod names {
    pub(crate) const FILE_HEADER: &str = "org.apache.zookeeper.server.persistence.FileHeader";
    pub(crate) const TXN_HEADER: &str = "org.apache.zookeeper.txn.TxnHeader";
    pub(crate) const TXN_DIGEST: &str = "org.apache.zookeeper.txn.TxnDigest";
    pub(crate) const ACL: &str = "org.apache.zookeeper.data.ACL";
    pub(crate) const STAT_PERSISTED: &str = "org.apache.zookeeper.data.StatPersisted";
    /// Prefix of the transaction bodies' module.
    pub(crate) const TXN_MODULE: &str = "org.apache.zookeeper.txn.";
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_schema_parses_and_has_the_records_the_readers_use() {
        let schema = super::schema().unwrap();
        for name in [
            super::names::FILE_HEADER,
            super::names::TXN_HEADER,
            super::names::TXN_DIGEST,
            super::names::ACL,
            super::names::STAT_PERSISTED,
        ] {
            assert!(schema.record(name).is_some(), "{name}");
        }
    }
}
