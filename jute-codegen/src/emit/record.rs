//! One record's struct (and its borrowed view): derives, serde, `#[jute]` names, docs.

use std::collections::BTreeMap;

use jute_parser::schema::Record;
use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, parse_attr};
use super::Gen;
use crate::config::path_matches;
use crate::names::rust_ident;
use crate::{ident, Error};

impl Gen<'_> {
    /// The struct of `record` (in module `here`) and its view when it gets one.
    pub(super) fn record(&self, record: &Record, here: &[String]) -> Result<TokenStream, Error> {
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
}
