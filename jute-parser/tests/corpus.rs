//! Corpus tests: every `tests/corpus/valid/*.jute` must parse, every
//! `tests/corpus/invalid/*.jute` must fail with the snapshotted diagnostics.

use std::path::{Path, PathBuf};

/// The fixture path relative to the crate root (the test's working directory), so that
/// rendered diagnostics do not depend on where the checkout lives.
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[test]
fn valid_corpus_parses() {
    insta::glob!("corpus/valid/*.jute", |path| {
        let rel = relative(path);
        if let Err(d) = jute_parser::parse_file(&rel) {
            panic!("{} should be valid but got:\n{d}", rel.display());
        }
    });
}

#[test]
fn invalid_corpus_reports_diagnostics() {
    insta::glob!("corpus/invalid/*.jute", |path| {
        let rel = relative(path);
        match jute_parser::parse_file(&rel) {
            Ok(_) => panic!("{} should be rejected", rel.display()),
            Err(d) => {
                assert!(d.error_count() > 0);
                for diag in &d {
                    if let Some(label) = &diag.primary {
                        assert!(label.location.line >= 1 && label.location.column >= 1);
                    }
                }
                insta::assert_snapshot!(d.to_string());
            }
        }
    });
}

#[test]
fn valid_corpus_details() {
    let s = jute_parser::parse_file("tests/corpus/valid/doc_comments.jute").expect("valid");
    let r = s.record("corpus.docs.Documented").expect("record");
    assert_eq!(
        r.doc.as_deref(),
        Some("A documented record.\n\nWith a second paragraph.")
    );
    let docs: Vec<Option<&str>> = r.fields.iter().map(|f| f.doc.as_deref()).collect();
    assert_eq!(
        docs,
        vec![
            Some("The first field.\nSpans two lines."),
            Some("trailing doc"),
            Some("block doc"),
            Some("detached by a blank line? no: directly above"),
        ]
    );
    assert_eq!(
        s.record("corpus.docs.Undocumented")
            .and_then(|r| r.doc.clone()),
        None
    );

    // Includes come first, a diamond-included file appears once, paths are normalised.
    let s = jute_parser::parse_file("tests/corpus/valid/include_nested_dirs.jute").expect("valid");
    let modules: Vec<&str> = s.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        modules,
        ["corpus.common", "corpus.nested", "corpus.include2"]
    );
    let id = s.record("corpus.common.Id").expect("Id");
    assert_eq!(
        id.location.file,
        Path::new("tests/corpus/support/common.jute")
    );
    assert_eq!((id.location.line, id.location.column), (3, 5));

    // Reopened modules merge.
    let s = jute_parser::parse_file("tests/corpus/valid/reopened_module.jute").expect("valid");
    let reopen = s.module("corpus.reopen").expect("module");
    assert_eq!(reopen.records.len(), 2);
    assert_eq!(
        reopen.records[1].fields[0].ty,
        jute_parser::Type::Record("corpus.reopen.First".into())
    );
}

#[test]
fn parse_str_resolves_includes_relative_to_the_given_name() {
    let src = "include \"../support/common.jute\"\nmodule m { class A { corpus.common.Id id; } }\n";
    let s = jute_parser::parse_str("tests/corpus/valid/virtual.jute", src).expect("valid");
    assert_eq!(s.records().count(), 3);
    let err = jute_parser::parse_str("virtual.jute", src).expect_err("include not found");
    assert!(
        err.to_string().contains("cannot read included file"),
        "{err}"
    );
}

#[test]
fn several_roots() {
    let s = jute_parser::parse_files([
        "tests/corpus/valid/include_relative.jute",
        "tests/corpus/valid/include_nested_dirs.jute",
    ])
    .expect("valid");
    assert_eq!(s.module("corpus.common").map(|m| m.records.len()), Some(2));
    let err = jute_parser::parse_files(["tests/corpus/valid/minimal.jute", "nope.jute"])
        .expect_err("missing root");
    assert!(
        err.to_string()
            .contains("cannot read `nope.jute`: file not found"),
        "{err}"
    );
}

#[test]
fn each_root_resolves_on_its_own_whatever_the_order() {
    let a = "tests/corpus/support/roots/a.jute";
    let b = "tests/corpus/support/roots/b.jute";
    jute_parser::parse_file(a).expect("a.jute declares A before including b.jute");
    for roots in [[a, b], [b, a]] {
        let err = jute_parser::parse_files(roots).expect_err("b.jute alone does not know A");
        let text = err.to_string();
        assert!(
            text.contains("unknown record type `corpus.roots.m.A`")
                && text.contains("compiled on its own"),
            "{roots:?}: {text}"
        );
    }
}

#[test]
fn ast_is_exposed_with_spans() {
    let src = "module a.b { class C { vector<x.Y> v; } }\n";
    let file = jute_parser::parse_ast("f.jute", src).expect("parses");
    let jute_parser::ast::Item::Module(m) = &file.items[0] else {
        panic!("expected a module");
    };
    assert_eq!(m.name.joined(), "a.b");
    let field = &m.classes[0].fields[0];
    assert_eq!(field.name.span.text(src), "v");
    assert_eq!(field.ty.span.text(src), "vector<x.Y>");
    let jute_parser::ast::TypeKind::Vector(inner) = &field.ty.kind else {
        panic!("expected a vector");
    };
    assert_eq!(inner.span.text(src), "x.Y");
}
