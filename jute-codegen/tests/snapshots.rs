//! Snapshot of the generated code for every fixture in `tests/fixtures/*.jute`.

mod common;

#[test]
fn generated_code() {
    insta::glob!("fixtures/*.jute", |path| {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let code = common::generate(stem);
        insta::assert_snapshot!(code);
    });
}

#[test]
fn output_is_deterministic() {
    for stem in ["all_types", "naming"] {
        assert_eq!(common::generate(stem), common::generate(stem), "{stem}");
    }
}
