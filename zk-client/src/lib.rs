//! zk-client: see ARCHITECTURE.md.
