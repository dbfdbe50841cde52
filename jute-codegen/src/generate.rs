//! Schema -> token stream -> formatted source. No wire logic here: the generated structs
//! derive `jute::Jute` and the derive does the encoding.

use std::collections::{BTreeMap, HashMap};

use jute_parser::schema::{Field, Record, Schema, Type};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::config::path_matches;
use crate::{ident, BufferType, Config, Error, StringType};

/// Where a record ends up in Rust.
struct RustPath {
    /// Rust module segments from the generated file's root.
    module: Vec<String>,
    /// The type name.
    name: String,
}

/// A node of the Rust module tree.
#[derive(Default)]
struct ModNode {
    /// The Jute name this node stands for (module or prefix of modules).
    jute_name: String,
    /// Whether a Jute module maps exactly to this node.
    is_module: bool,
    /// Indices into the flattened record list.
    records: Vec<usize>,
    /// Children, in order of first appearance, by Rust name.
    children: Vec<(String, ModNode)>,
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

struct Gen<'a> {
    config: &'a Config,
    runtime: syn::Path,
    records: Vec<&'a Record>,
    paths: HashMap<String, RustPath>,
    eq: HashMap<String, bool>,
    /// Records that hold text or buffers, directly or nested: those get a view.
    borrows: HashMap<String, bool>,
}

pub(crate) fn generate(config: &Config, schema: &Schema, source: &str) -> Result<String, Error> {
    let runtime: syn::Path =
        syn::parse_str(&config.runtime_crate).map_err(|e| Error::InvalidConfig {
            option: "runtime_crate",
            path: config.runtime_crate.clone(),
            reason: format!("not a Rust path: {e}"),
        })?;
    let records: Vec<&Record> = schema
        .modules
        .iter()
        .flat_map(|m| m.records.iter())
        .collect();
    validate_config(config, schema, &records)?;

    // Module tree and Rust paths, checking that distinct Jute names stay distinct.
    let mut root = ModNode::default();
    let mut module_owner: HashMap<Vec<String>, String> = HashMap::new();
    let mut type_owner: HashMap<(Vec<String>, String), String> = HashMap::new();
    let mut paths = HashMap::new();
    let borrows = borrowing_records(&records);
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

    let eq = eq_records(&records);
    let gen = Gen {
        config,
        runtime,
        records,
        paths,
        eq,
        borrows,
    };
    let body = gen.module_body(&root, &[])?;
    let file: syn::File = syn::parse2(body).map_err(|e| Error::InvalidOutput(e.to_string()))?;
    let formatted = prettyplease::unparse(&file);
    Ok(format!(
        "// @generated by jute-codegen from `{source}`. Do not edit: regenerate instead.\n\n{formatted}"
    ))
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

fn validate_config(config: &Config, schema: &Schema, records: &[&Record]) -> Result<(), Error> {
    if let Some(prefix) = &config.strip_prefix {
        if !schema.modules.iter().any(|m| path_matches(prefix, &m.name)) {
            return Err(Error::UnmatchedConfig {
                option: "strip_prefix",
                path: prefix.clone(),
                expected: "module",
            });
        }
    }
    let field = |option: &'static str, path: &str| -> Result<(&Record, usize), Error> {
        records
            .iter()
            .find_map(|r| {
                let rest = path
                    .strip_prefix(r.qualified_name().as_str())?
                    .strip_prefix('.')?;
                r.fields
                    .iter()
                    .position(|f| f.name == rest)
                    .map(|i| (*r, i))
            })
            .ok_or_else(|| Error::UnmatchedConfig {
                option,
                path: path.to_owned(),
                expected: "field (write `module.Record.field`)",
            })
    };
    for path in &config.nullable {
        let (record, i) = field("nullable", path)?;
        if !matches!(
            record.fields[i].ty,
            Type::UString | Type::Buffer | Type::Vector(_) | Type::Map(..)
        ) {
            return Err(Error::InvalidConfig {
                option: "nullable",
                path: path.clone(),
                reason: "only ustring, buffer, vector and map fields have a null form".into(),
            });
        }
    }
    for path in &config.trailing {
        let (record, i) = field("trailing", path)?;
        for later in &record.fields[i + 1..] {
            let later_path = format!("{}.{}", record.qualified_name(), later.name);
            if !config.trailing.contains(&later_path) {
                return Err(Error::InvalidConfig {
                    option: "trailing",
                    path: path.clone(),
                    reason: format!("field `{}` follows it and is not trailing: only trailing fields may follow a trailing field", later.name),
                });
            }
        }
    }
    for (path, _) in &config.type_attributes {
        if !records
            .iter()
            .any(|r| path_matches(path, &r.qualified_name()))
        {
            return Err(Error::UnmatchedConfig {
                option: "type_attribute",
                path: path.clone(),
                expected: "module or record",
            });
        }
    }
    for (path, _) in &config.field_attributes {
        let any = records.iter().any(|r| {
            let q = r.qualified_name();
            r.fields
                .iter()
                .any(|f| path_matches(path, &format!("{q}.{}", f.name)))
        });
        if !any {
            return Err(Error::UnmatchedConfig {
                option: "field_attribute",
                path: path.clone(),
                expected: "module, record or field",
            });
        }
    }
    Ok(())
}

/// Which records hold a `ustring` or `buffer`, directly or through the records they contain.
fn borrowing_records(records: &[&Record]) -> HashMap<String, bool> {
    fixed_point(records, false, |r, borrows| {
        r.fields.iter().any(|f| type_borrows(&f.ty, borrows))
    })
}

fn type_borrows(ty: &Type, borrows: &HashMap<String, bool>) -> bool {
    match ty {
        Type::UString | Type::Buffer => true,
        Type::Vector(t) => type_borrows(t, borrows),
        Type::Map(k, v) => type_borrows(k, borrows) || type_borrows(v, borrows),
        Type::Record(name) => borrows.get(name).copied().unwrap_or(false),
        _ => false,
    }
}

/// Which records can derive `Eq` and `Hash`: those without floating point anywhere inside,
/// following record references to a fixed point.
fn eq_records(records: &[&Record]) -> HashMap<String, bool> {
    fixed_point(records, true, |r, eq| {
        !r.fields.iter().all(|f| type_allows_eq(&f.ty, eq))
    })
}

/// A per-record flag that starts at `start` for every record and flips for a record once
/// `flips(record, flags)` says so, repeated until nothing changes (record references make a
/// record's flag depend on others').
fn fixed_point(
    records: &[&Record],
    start: bool,
    flips: impl Fn(&Record, &HashMap<String, bool>) -> bool,
) -> HashMap<String, bool> {
    let mut flags: HashMap<String, bool> = records
        .iter()
        .map(|r| (r.qualified_name(), start))
        .collect();
    loop {
        let mut changed = false;
        for r in records {
            let q = r.qualified_name();
            if flags.get(&q) == Some(&start) && flips(r, &flags) {
                flags.insert(q, !start);
                changed = true;
            }
        }
        if !changed {
            return flags;
        }
    }
}

fn type_allows_eq(ty: &Type, eq: &HashMap<String, bool>) -> bool {
    match ty {
        Type::Float | Type::Double => false,
        Type::Vector(t) => type_allows_eq(t, eq),
        Type::Map(k, v) => type_allows_eq(k, eq) && type_allows_eq(v, eq),
        Type::Record(name) => eq.get(name).copied().unwrap_or(false),
        _ => true,
    }
}

/// Whether `BTreeMap` accepts the type as a key (generated records are not `Ord`).
fn is_ord(ty: &Type) -> bool {
    match ty {
        Type::Float | Type::Double | Type::Record(_) => false,
        Type::Vector(t) => is_ord(t),
        Type::Map(k, v) => is_ord(k) && is_ord(v),
        _ => true,
    }
}

/// The Jute spelling of a type, for docs.
fn jute_type(ty: &Type) -> String {
    match ty {
        Type::Byte => "byte".into(),
        Type::Boolean => "boolean".into(),
        Type::Int => "int".into(),
        Type::Long => "long".into(),
        Type::Float => "float".into(),
        Type::Double => "double".into(),
        Type::UString => "ustring".into(),
        Type::Buffer => "buffer".into(),
        Type::Vector(t) => format!("vector<{}>", jute_type(t)),
        Type::Map(k, v) => format!("map<{}, {}>", jute_type(k), jute_type(v)),
        Type::Record(name) => name.clone(),
    }
}

/// An identifier from a Rust name that may be raw (`r#type`).
fn rust_ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc = "..."]` attributes, one per line, with Markdown-significant characters escaped
/// (schema comments are plain text, and rustdoc must not see code blocks, links or HTML).
fn doc_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            let mut out = String::with_capacity(line.len() + 1);
            out.push(' ');
            for c in line.trim().chars() {
                if matches!(
                    c,
                    '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
                ) {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        })
        .collect();
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

fn doc_attrs(comment: Option<&str>, trailer: String) -> TokenStream {
    let mut lines = comment.map(doc_lines).unwrap_or_default();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(" {trailer}"));
    quote! { #( #[doc = #lines] )* }
}

fn parse_attr(option: &'static str, path: &str, text: &str) -> Result<TokenStream, Error> {
    text.parse::<TokenStream>()
        .map_err(|e| Error::InvalidConfig {
            option,
            path: path.to_owned(),
            reason: format!("attribute text does not lex as Rust tokens: {e}"),
        })
}

impl Gen<'_> {
    fn module_body(&self, node: &ModNode, here: &[String]) -> Result<TokenStream, Error> {
        let mut items = TokenStream::new();
        for &index in &node.records {
            items.extend(self.record(self.records[index], here)?);
        }
        for (rust, child) in &node.children {
            let mut path = here.to_vec();
            path.push(rust.clone());
            let body = self.module_body(child, &path)?;
            let doc = if child.is_module {
                doc_attrs(None, format!("Jute module `{}`.", child.jute_name))
            } else {
                doc_attrs(None, format!("Jute modules under `{}`.", child.jute_name))
            };
            let name = rust_ident(rust);
            items.extend(quote! {
                #doc
                pub mod #name {
                    #body
                }
            });
        }
        Ok(items)
    }

    fn record(&self, record: &Record, here: &[String]) -> Result<TokenStream, Error> {
        let qualified = record.qualified_name();
        let Some(path) = self.paths.get(&qualified) else {
            return Err(Error::InvalidOutput(format!(
                "record {qualified} has no Rust path"
            )));
        };
        let name = rust_ident(&path.name);
        let runtime = &self.runtime;
        let doc = doc_attrs(record.doc.as_deref(), format!("Jute record `{qualified}`."));
        let eq = if self.eq.get(&qualified).copied().unwrap_or(false) {
            quote!(::core::cmp::Eq, ::core::hash::Hash,)
        } else {
            quote!()
        };
        let serde = match &self.config.serde_feature {
            Some(feature) => quote! {
                #[cfg_attr(feature = #feature, derive(::serde::Serialize, ::serde::Deserialize))]
            },
            None => quote!(),
        };
        let krate = if self.config.runtime_crate == "::jute" {
            quote!()
        } else {
            let text = &self.config.runtime_crate;
            quote!(#[jute(crate = #text)])
        };
        let jute_name = &record.name;
        let mut extra = TokenStream::new();
        for (p, attr) in &self.config.type_attributes {
            if path_matches(p, &qualified) {
                extra.extend(parse_attr("type_attribute", p, attr)?);
            }
        }

        // Each field's dotted path and Rust name, checked once for both the record and its view.
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        let mut named = Vec::with_capacity(record.fields.len());
        for field in &record.fields {
            let field_path = format!("{qualified}.{}", field.name);
            let rust = ident::field_name(&field.name).ok_or_else(|| Error::BadName {
                what: "field",
                name: field_path.clone(),
            })?;
            if let Some(other) = seen.insert(rust.clone(), &field.name) {
                return Err(Error::NameCollision {
                    first: format!("field `{qualified}.{other}`"),
                    second: format!("field `{field_path}`"),
                    rust,
                });
            }
            named.push((field, field_path, rust));
        }

        let fields_of = |view: bool| -> Result<Vec<TokenStream>, Error> {
            named
                .iter()
                .map(|(field, path, rust)| self.field(field, path, rust, here, view))
                .collect()
        };
        let fields = fields_of(false)?;
        // The record and its view derive the same traits.
        let derives = quote! {
            #[derive(
                ::core::fmt::Debug,
                ::core::clone::Clone,
                ::core::cmp::PartialEq,
                #eq
                ::core::default::Default,
                #runtime::Jute,
            )]
        };

        let view = if self.config.views && self.borrows.get(&qualified).copied().unwrap_or(false) {
            let view_name = rust_ident(&format!("{}View", path.name));
            let view_doc = doc_attrs(
                None,
                format!(
                    "Borrowed view of [`{}`] (Jute record `{qualified}`): text and buffers point into the input decoded with `jute::view`.",
                    path.name
                ),
            );
            let view_fields = fields_of(true)?;
            quote! {
                #view_doc
                #derives
                #[jute(name = #jute_name)]
                #krate
                pub struct #view_name<'a> {
                    #( #view_fields )*
                }
            }
        } else {
            quote!()
        };

        Ok(quote! {
            #doc
            #derives
            #serde
            #[jute(name = #jute_name)]
            #krate
            #extra
            pub struct #name {
                #( #fields )*
            }

            #view
        })
    }

    fn field(
        &self,
        field: &Field,
        path: &str,
        rust: &str,
        here: &[String],
        view: bool,
    ) -> Result<TokenStream, Error> {
        let name = rust_ident(rust);
        let jute_name = &field.name;
        let mut ty = self.rust_type(&field.ty, path, here, view)?;
        if self.config.nullable.iter().any(|p| p == path) {
            ty = quote!(::core::option::Option<#ty>);
        }
        let trailing = if self.config.trailing.iter().any(|p| p == path) {
            ty = quote!(::core::option::Option<#ty>);
            quote!(#[jute(trailing)])
        } else {
            quote!()
        };
        let doc = doc_attrs(
            field.doc.as_deref(),
            format!("Jute field `{} {}`.", jute_type(&field.ty), field.name),
        );
        let serde = match &self.config.serde_feature {
            Some(feature) if !view => {
                quote!(#[cfg_attr(feature = #feature, serde(rename = #jute_name))])
            }
            _ => quote!(),
        };
        let mut extra = TokenStream::new();
        for (p, attr) in &self.config.field_attributes {
            if !view && path_matches(p, path) {
                extra.extend(parse_attr("field_attribute", p, attr)?);
            }
        }
        Ok(quote! {
            #doc
            #[jute(name = #jute_name)]
            #trailing
            #serde
            #extra
            pub #name: #ty,
        })
    }

    /// The Rust type of a field of type `ty`; in a view (`view`), text and buffers borrow
    /// (`Cow<'a, _>`) and records that hold them are their views.
    fn rust_type(
        &self,
        ty: &Type,
        field: &str,
        here: &[String],
        view: bool,
    ) -> Result<TokenStream, Error> {
        Ok(match ty {
            Type::UString if view => quote!(::std::borrow::Cow<'a, str>),
            Type::Buffer if view => quote!(::std::borrow::Cow<'a, [u8]>),
            Type::Byte => quote!(i8),
            Type::Boolean => quote!(bool),
            Type::Int => quote!(i32),
            Type::Long => quote!(i64),
            Type::Float => quote!(f32),
            Type::Double => quote!(f64),
            Type::UString => match self.config.string_type {
                StringType::String => quote!(::std::string::String),
                StringType::Utf8Bytes => {
                    let runtime = &self.runtime;
                    quote!(#runtime::Utf8Bytes)
                }
            },
            Type::Buffer => match self.config.buffer_type {
                BufferType::Vec => quote!(::std::vec::Vec<u8>),
                BufferType::Bytes => {
                    let runtime = &self.runtime;
                    quote!(#runtime::bytes::Bytes)
                }
            },
            Type::Vector(t) => {
                let t = self.rust_type(t, field, here, view)?;
                quote!(::std::vec::Vec<#t>)
            }
            Type::Map(k, v) => {
                if !is_ord(k) {
                    return Err(Error::Unsupported {
                        field: field.to_owned(),
                        reason: format!(
                            "map key type `{}` is not supported: Rust's BTreeMap needs an ordered key (integers, booleans, strings, buffers or vectors of them)",
                            jute_type(k)
                        ),
                    });
                }
                let k = self.rust_type(k, field, here, view)?;
                let v = self.rust_type(v, field, here, view)?;
                quote!(::std::collections::BTreeMap<#k, #v>)
            }
            Type::Record(name) => {
                let Some(target) = self.paths.get(name) else {
                    return Err(Error::Unsupported {
                        field: field.to_owned(),
                        reason: format!("refers to unknown record `{name}`"),
                    });
                };
                if view && self.borrows.get(name).copied().unwrap_or(false) {
                    let view_target = RustPath {
                        module: target.module.clone(),
                        name: format!("{}View", target.name),
                    };
                    let path = relative_path(here, &view_target);
                    quote!(#path<'a>)
                } else {
                    relative_path(here, target)
                }
            }
        })
    }
}

/// A path from module `here` to `target` made of `super::` and child segments only, so the
/// generated tree works wherever it is placed (crate root or `include!` in a submodule).
fn relative_path(here: &[String], target: &RustPath) -> TokenStream {
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
