//! jute-codegen: see ARCHITECTURE.md.
