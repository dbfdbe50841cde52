//! Schemas and configs that code generation must reject, with the error it reports.

use jute_codegen::{Config, Error};

fn generate(config: &Config, source: &str) -> Result<String, Error> {
    let schema = jute_parser::parse_str("test.jute", source).unwrap_or_else(|d| panic!("{d}"));
    config.generate(&schema, "test.jute")
}

fn error(config: &Config, source: &str) -> String {
    match generate(config, source) {
        Ok(code) => panic!("expected an error, got:\n{code}"),
        Err(e) => e.to_string(),
    }
}

const SIMPLE: &str = "module m { class R { ustring s; int i; boolean last; } }";

#[test]
fn field_collision() {
    let e = error(
        &Config::new(),
        "module m { class R { int fooBar; int foo_bar; } }",
    );
    assert_eq!(
        e,
        "field `m.R.fooBar` and field `m.R.foo_bar` both become `foo_bar` in Rust; rename one in the schema"
    );
}

#[test]
fn record_collision() {
    let e = error(
        &Config::new(),
        "module m { class ACL { int a; } class Acl { int b; } }",
    );
    assert_eq!(
        e,
        "record `m.ACL` and record `m.Acl` both become `Acl` in Rust; rename one in the schema"
    );
}

#[test]
fn module_collision() {
    let e = error(
        &Config::new(),
        "module a.fooBar { class R { int a; } } module a.foo_bar { class S { int b; } }",
    );
    assert_eq!(
        e,
        "module `a.fooBar` and module `a.foo_bar` both become `a::foo_bar` in Rust; rename one in the schema"
    );
}

#[test]
fn config_typos_are_errors() {
    let e = error(Config::new().nullable("m.R.nope"), SIMPLE);
    assert_eq!(e, "config `nullable(\"m.R.nope\")` matches no field (write `module.Record.field`) in the schema");
    let e = error(Config::new().trailing("m.X.last"), SIMPLE);
    assert!(
        e.starts_with("config `trailing(\"m.X.last\")` matches no field"),
        "{e}"
    );
    let e = error(Config::new().type_attribute("m.Q", "#[derive(Eq)]"), SIMPLE);
    assert_eq!(
        e,
        "config `type_attribute(\"m.Q\")` matches no module or record in the schema"
    );
    let e = error(Config::new().field_attribute("n", "#[doc = \"x\"]"), SIMPLE);
    assert_eq!(
        e,
        "config `field_attribute(\"n\")` matches no module, record or field in the schema"
    );
    let e = error(Config::new().strip_prefix("org."), SIMPLE);
    assert_eq!(
        e,
        "config `strip_prefix(\"org.\")` matches no module in the schema"
    );
}

#[test]
fn invalid_nullable_and_trailing() {
    let e = error(Config::new().nullable("m.R.i"), SIMPLE);
    assert_eq!(e, "config `nullable(\"m.R.i\")`: only ustring, buffer, vector and map fields have a null form");
    let e = error(Config::new().trailing("m.R.i"), SIMPLE);
    assert!(
        e.contains("field `last` follows it and is not trailing"),
        "{e}"
    );
    generate(Config::new().trailing("m.R.i").trailing("m.R.last"), SIMPLE)
        .expect("suffix of trailing fields");
}

#[test]
fn unordered_map_keys() {
    let e = error(
        &Config::new(),
        "module m { class R { map<double, int> m; } }",
    );
    assert!(
        e.starts_with("m.R.m: map key type `double` is not supported"),
        "{e}"
    );
}

#[test]
fn bad_runtime_crate_and_attribute() {
    let e = error(Config::new().runtime_crate("not a path"), SIMPLE);
    assert!(
        e.starts_with("config `runtime_crate(\"not a path\")`: not a Rust path"),
        "{e}"
    );
    let e = error(Config::new().type_attribute("m", "#[derive(Eq"), SIMPLE);
    assert!(
        e.starts_with("config `type_attribute(\"m\")`: attribute text does not lex"),
        "{e}"
    );
}

#[test]
fn runtime_crate_and_bytes() {
    let code = generate(
        Config::new()
            .runtime_crate("::my::jute")
            .buffer_type(jute_codegen::BufferType::Bytes)
            .serde_feature(None),
        "module m { class R { buffer b; } }",
    )
    .expect("generate");
    assert!(code.contains("::my::jute::Jute,"), "{code}");
    assert!(code.contains("#[jute(crate = \"::my::jute\")]"), "{code}");
    assert!(code.contains("pub b: ::my::jute::bytes::Bytes,"), "{code}");
    assert!(!code.contains("serde"), "{code}");
}

#[test]
fn string_type_utf8_bytes() {
    let code = generate(
        Config::new()
            .string_type(jute_codegen::StringType::Utf8Bytes)
            .nullable("m.R.o")
            .serde_feature(None),
        "module m { class R { ustring s; ustring o; vector<ustring> v; map<ustring, ustring> m; } }",
    )
    .expect("generate");
    assert!(code.contains("pub s: ::jute::Utf8Bytes,"), "{code}");
    assert!(
        code.contains("pub o: ::core::option::Option<::jute::Utf8Bytes>,"),
        "{code}"
    );
    assert!(
        code.contains("pub v: ::std::vec::Vec<::jute::Utf8Bytes>,"),
        "{code}"
    );
    assert!(
        code.contains("::std::collections::BTreeMap<::jute::Utf8Bytes, ::jute::Utf8Bytes>"),
        "{code}"
    );
    assert!(code.contains("Eq,") && code.contains("Hash,"), "{code}");
}

#[test]
fn views_must_not_collide_with_records() {
    let e = error(
        Config::new().views(true),
        "module m { class Id { ustring s; } class IdView { int i; } }",
    );
    assert!(
        e.contains("the view of record `m.Id`") && e.contains("IdView"),
        "{e}"
    );
    // Records without text or buffers get no view, so nothing collides.
    generate(
        Config::new().views(true),
        "module m { class P { int i; } class PView { int j; } }",
    )
    .expect("no view for P");
}

#[test]
fn compile_writes_files() {
    let dir = std::env::temp_dir().join(format!("jute-codegen-compile-{}", std::process::id()));
    let schema = dir.join("schema.jute");
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(&schema, SIMPLE).expect("write schema");
    let written = Config::new()
        .out_dir(&dir)
        .compile(&[&schema])
        .expect("compile");
    assert_eq!(written, vec![dir.join("schema.rs")]);
    let code = std::fs::read_to_string(&written[0]).expect("read output");
    assert!(
        code.starts_with("// @generated by jute-codegen from `schema.jute`."),
        "{code}"
    );
    let missing = Config::new()
        .out_dir(&dir)
        .compile(&[dir.join("missing.jute")]);
    assert!(matches!(missing, Err(Error::Parse { .. })), "{missing:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
