//! Naming and placement: where each record goes in the generated module tree, under which
//! Rust names (checked for collisions), and the relative paths between them.

use std::collections::HashMap;

use jute_parser::schema::Record;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::config::path_matches;
use crate::{ident, Config, Error};

/// Where a record ends up in Rust.
pub(crate) struct RustPath {
    /// Rust module segments from the generated file's root.
    pub(crate) module: Vec<String>,
    /// The type name.
    pub(crate) name: String,
}

/// A node of the Rust module tree.
#[derive(Default)]
pub(crate) struct ModNode {
    /// The Jute name this node stands for (module or prefix of modules).
    pub(crate) jute_name: String,
    /// Whether a Jute module maps exactly to this node.
    pub(crate) is_module: bool,
    /// Indices into the flattened record list.
    pub(crate) records: Vec<usize>,
    /// Children, in order of first appearance, by Rust name.
    pub(crate) children: Vec<(String, ModNode)>,
}

impl ModNode {
    fn child(&mut self, rust: &str, jute_name: String) -> &mut ModNode {
        let pos = match self.children.iter().position(|(n, _)| n == rust) {
            Some(pos) => pos,
            None => {
                self.children.push((
                    rust.to_owned(),
                    ModNode {
                        jute_name,
                        ..ModNode::default()
                    },
                ));
                self.children.len() - 1
            }
        };
        &mut self.children[pos].1
    }
}

/// The module tree and each record's Rust path (by qualified Jute name).
pub(crate) struct Layout {
    /// The root of the module tree.
    pub(crate) root: ModNode,
    /// Each record's place in Rust.
    pub(crate) paths: HashMap<String, RustPath>,
}

/// Places every record, checking that distinct Jute names stay distinct in Rust (views
/// included: `borrows` says which records get one).
pub(crate) fn layout(
    config: &Config,
    records: &[&Record],
    borrows: &HashMap<String, bool>,
) -> Result<Layout, Error> {
    // Module tree and Rust paths, checking that distinct Jute names stay distinct.
    let mut root = ModNode::default();
    let mut module_owner: HashMap<Vec<String>, String> = HashMap::new();
    let mut type_owner: HashMap<(Vec<String>, String), String> = HashMap::new();
    let mut paths = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let (kept_prefix, jute_segments) = split_module(config, &record.module);
        let mut module = Vec::with_capacity(jute_segments.len());
        let mut node = &mut root;
        let mut jute_name = kept_prefix;
        for seg in &jute_segments {
            let rust = ident::module_name(seg).ok_or_else(|| Error::BadName {
                what: "module",
                name: record.module.clone(),
            })?;
            if !jute_name.is_empty() {
                jute_name.push('.');
            }
            jute_name.push_str(seg);
            module.push(rust.clone());
            node = node.child(&rust, jute_name.clone());
        }
        node.is_module = true;
        node.records.push(index);
        if let Some(other) = module_owner.insert(module.clone(), record.module.clone()) {
            if other != record.module {
                return Err(Error::NameCollision {
                    first: format!("module `{other}`"),
                    second: format!("module `{}`", record.module),
                    rust: module.join("::"),
                });
            }
        }
        let qualified = record.qualified_name();
        let name = ident::type_name(&record.name).ok_or_else(|| Error::BadName {
            what: "record",
            name: qualified.clone(),
        })?;
        let owner = format!("record `{qualified}`");
        if let Some(other) = type_owner.insert((module.clone(), name.clone()), owner.clone()) {
            return Err(Error::NameCollision {
                first: other,
                second: owner,
                rust: name,
            });
        }
        if config.views && borrows.get(&qualified).copied().unwrap_or(false) {
            let view = format!("{name}View");
            let owner = format!("the view of record `{qualified}`");
            if let Some(other) = type_owner.insert((module.clone(), view.clone()), owner.clone()) {
                return Err(Error::NameCollision {
                    first: other,
                    second: owner,
                    rust: view,
                });
            }
        }
        paths.insert(qualified, RustPath { module, name });
    }

    Ok(Layout { root, paths })
}

/// Splits a module name into the stripped prefix (kept for docs) and the segments that
/// become Rust modules.
fn split_module(config: &Config, module: &str) -> (String, Vec<String>) {
    if let Some(prefix) = &config.strip_prefix {
        let p = prefix.trim_end_matches('.');
        if path_matches(p, module) && !p.is_empty() {
            let rest = module[p.len()..].trim_start_matches('.');
            let segments = rest
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            return (p.to_owned(), segments);
        }
    }
    (
        String::new(),
        module.split('.').map(str::to_owned).collect(),
    )
}

/// An identifier from a Rust name that may be raw (`r#type`).
pub(crate) fn rust_ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// A path from module `here` to `target` made of `super::` and child segments only, so the
/// generated tree works wherever it is placed (crate root or `include!` in a submodule).
pub(crate) fn relative_path(here: &[String], target: &RustPath) -> TokenStream {
    let common = here
        .iter()
        .zip(&target.module)
        .take_while(|(a, b)| a == b)
        .count();
    let supers = (common..here.len()).map(|_| quote!(super::));
    let downs = target.module[common..].iter().map(|m| {
        let m = rust_ident(m);
        quote!(#m::)
    });
    let name = rust_ident(&target.name);
    quote!(#(#supers)* #(#downs)* #name)
}

/// The Rust path of `record` when an `extern_path` covers it (the longest matching one):
/// the configured path for the record itself, else the configured module path followed by
/// the Rust names of the remaining modules and of the record.
pub(crate) fn extern_type(config: &Config, record: &Record) -> Result<Option<TokenStream>, Error> {
    let qualified = record.qualified_name();
    let Some((jute, rust)) = config
        .extern_paths
        .iter()
        .filter(|(jute, _)| path_matches(jute, &qualified))
        .max_by_key(|(jute, _)| jute.trim_end_matches('.').len())
    else {
        return Ok(None);
    };
    let mut text = rust.trim_end_matches("::").to_owned();
    let rest = qualified[jute.trim_end_matches('.').len()..].trim_start_matches('.');
    if !rest.is_empty() {
        let (modules, name) = rest.rsplit_once('.').unwrap_or(("", rest));
        for seg in modules.split('.').filter(|s| !s.is_empty()) {
            let m = ident::module_name(seg).ok_or_else(|| Error::BadName {
                what: "module",
                name: record.module.clone(),
            })?;
            text.push_str("::");
            text.push_str(&m);
        }
        let ty = ident::type_name(name).ok_or_else(|| Error::BadName {
            what: "record",
            name: qualified.clone(),
        })?;
        text.push_str("::");
        text.push_str(&ty);
    }
    let path: syn::Path = syn::parse_str(&text).map_err(|e| Error::InvalidConfig {
        option: "extern_path",
        path: jute.clone(),
        reason: format!("`{rust}` is not a Rust path: {e}"),
    })?;
    Ok(Some(quote!(#path)))
}
