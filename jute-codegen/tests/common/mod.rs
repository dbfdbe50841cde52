//! Shared by the integration tests: the config each fixture is generated with.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jute_codegen::Config;

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The config for a fixture, by file stem.
pub fn config_for(stem: &str) -> Config {
    let mut config = Config::new();
    // The snapshots show the serde attributes (the example crate compiles them).
    config.strip_prefix("fixture.").serde_feature(Some("serde"));
    if stem == "all_types" {
        config
            .nullable("fixture.types.Optional.maybeName")
            .nullable("fixture.types.Optional.maybeData")
            .nullable("fixture.types.Optional.maybeList")
            .nullable("fixture.types.Optional.maybeMap")
            .trailing("fixture.types.Optional.extra")
            .trailing("fixture.types.Optional.more")
            .views(true)
            .type_attribute("fixture.common", "#[derive(PartialOrd, Ord)]")
            .field_attribute("fixture.types.Primitives.s", "#[doc(alias = \"string\")]");
    }
    config
}

/// Generates the fixture `tests/fixtures/<stem>.jute`.
pub fn generate(stem: &str) -> String {
    config_for(stem)
        .generate_file(fixtures().join(format!("{stem}.jute")))
        .unwrap_or_else(|e| panic!("generating {stem}: {e}"))
}

/// Generates the fixture for `tests/compile.rs`: without serde attributes, since this crate
/// has no `serde` feature (the example crate compiles them).
pub fn generate_for_compile(stem: &str) -> String {
    config_for(stem)
        .serde_feature(None)
        .generate_file(fixtures().join(format!("{stem}.jute")))
        .unwrap_or_else(|e| panic!("generating {stem}: {e}"))
}
