//! Generates `$OUT_DIR/inventory.rs` from `schema/inventory.jute` and `$OUT_DIR/orders.rs`
//! from `schema/orders.jute`, whose inventory records are the ones of `inventory.rs`.
//!
//! `compile_or_exit` prints `cargo:rerun-if-changed` for every schema file and include it
//! reads, and on a schema error prints the diagnostics as `jute check` does and fails the
//! build.

fn main() {
    jute_codegen::Config::new()
        .strip_prefix("example.")
        // serde derives behind this crate's `serde` feature.
        .serde_feature(Some("serde"))
        .trailing("example.inventory.Warehouse.lastAudit")
        .type_attribute("example.inventory.Item", "#[derive(PartialOrd)]")
        .compile_or_exit(&["schema/inventory.jute"]);
    jute_codegen::Config::new()
        .strip_prefix("example.")
        // `Item` is not generated again: `orders.rs` refers to the inventory's type.
        .extern_path("example.inventory", "crate::records::inventory")
        .compile_or_exit(&["schema/orders.jute"]);
}
