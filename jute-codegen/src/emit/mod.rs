//! Emission: the checked schema, its layout and analyses -> `quote!` tokens for the module
//! tree, each record (and its view) and each field. No wire logic: the structs derive
//! `jute::Jute`.

mod docs;
mod field;
mod record;

use std::collections::HashMap;

use jute_parser::schema::Record;
use proc_macro2::TokenStream;
use quote::quote;

use crate::names::{rust_ident, ModNode, RustPath};
use crate::{Config, Error};

/// Everything the emitters need to know about the schema.
pub(crate) struct Gen<'a> {
    pub(crate) config: &'a Config,
    /// The runtime crate's path (`::jute`).
    pub(crate) runtime: syn::Path,
    /// Every record, in schema order (the module tree holds indices into it).
    pub(crate) records: Vec<&'a Record>,
    /// Each record's Rust path, by qualified Jute name.
    pub(crate) paths: HashMap<String, RustPath>,
    /// Which records can derive `Eq` and `Hash`.
    pub(crate) eq: HashMap<String, bool>,
    /// Records that hold text or buffers, directly or nested: those get a view.
    pub(crate) borrows: HashMap<String, bool>,
    /// Records taken from elsewhere (`extern_path`): their Rust paths.
    pub(crate) externs: HashMap<String, TokenStream>,
}

impl Gen<'_> {
    /// The items of module `node` (at Rust path `here`): its records, then its submodules.
    pub(crate) fn module_body(
        &self,
        node: &ModNode,
        here: &[String],
    ) -> Result<TokenStream, Error> {
        let mut items = TokenStream::new();
        for &index in &node.records {
            items.extend(self.record(self.records[index], here)?);
        }
        for (rust, child) in &node.children {
            let mut path = here.to_vec();
            path.push(rust.clone());
            let body = self.module_body(child, &path)?;
            let doc = if child.is_module {
                docs::doc_attrs(None, format!("Jute module `{}`.", child.jute_name))
            } else {
                docs::doc_attrs(None, format!("Jute modules under `{}`.", child.jute_name))
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
}
