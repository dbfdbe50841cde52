//! Generates `$OUT_DIR/inventory.rs` from `schema/inventory.jute`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=schema/inventory.jute");
    jute_codegen::Config::new()
        .strip_prefix("example.")
        .trailing("example.inventory.Warehouse.lastAudit")
        .type_attribute("example.inventory.Item", "#[derive(PartialOrd)]")
        .compile(&["schema/inventory.jute"])?;
    Ok(())
}
