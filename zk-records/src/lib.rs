//! zk-records: see ARCHITECTURE.md.
