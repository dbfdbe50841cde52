//! Fails when `src/generated.rs` no longer matches what `cargo xtask codegen` would write.

#[path = "../codegen_config.rs"]
mod codegen_config;

use std::path::Path;

#[test]
fn generated_code_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let expected = codegen_config::config()
        .generate_file(root.join(codegen_config::SCHEMA))
        .unwrap_or_else(|e| panic!("generating from {}: {e}", codegen_config::SCHEMA));
    let actual = std::fs::read_to_string(root.join(codegen_config::GENERATED)).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is out of date: run `cargo xtask codegen` and commit the result",
        codegen_config::GENERATED
    );
}
