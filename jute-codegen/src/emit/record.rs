//! One record's struct (and its borrowed view): derives, serde, `#[jute]` names, docs.

use std::collections::BTreeMap;

use jute_parser::schema::{Field, Record};
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
        let doc = doc_attrs(record.doc.as_deref(), format!("Jute record `{qualified}`."));
        let serde = match &self.config.serde_feature {
            Some(feature) => quote! {
                #[cfg_attr(feature = #feature, derive(::serde::Serialize, ::serde::Deserialize))]
            },
            None => quote!(),
        };
        let krate = self.crate_attr();
        let jute_name = &record.name;
        let mut extra = TokenStream::new();
        for (p, attr) in &self.config.type_attributes {
            if path_matches(p, &qualified) {
                extra.extend(parse_attr("type_attribute", p, attr)?);
            }
        }
        let named = named_fields(record, &qualified)?;
        let fields_of = |view: bool| -> Result<Vec<TokenStream>, Error> {
            named
                .iter()
                .map(|(field, path, rust)| self.field(field, path, rust, here, view))
                .collect()
        };
        let fields = fields_of(false)?;
        let derives = self.derives(&qualified);
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

    /// The derives of the record `qualified` and of its view (the same traits): `Eq` and
    /// `Hash` where every field allows them.
    fn derives(&self, qualified: &str) -> TokenStream {
        let runtime = &self.runtime;
        let eq = if self.eq.get(qualified).copied().unwrap_or(false) {
            quote!(::core::cmp::Eq, ::core::hash::Hash,)
        } else {
            quote!()
        };
        quote! {
            #[derive(
                ::core::fmt::Debug,
                ::core::clone::Clone,
                ::core::cmp::PartialEq,
                #eq
                ::core::default::Default,
                #runtime::Jute,
            )]
        }
    }

    /// `#[jute(crate = "...")]` when the runtime crate is not at `::jute`.
    fn crate_attr(&self) -> TokenStream {
        if self.config.runtime_crate == "::jute" {
            quote!()
        } else {
            let text = &self.config.runtime_crate;
            quote!(#[jute(crate = #text)])
        }
    }
}

/// Each field of `record` (named `qualified`) with its dotted path and Rust name, checked once
/// for both the record and its view: a name Rust cannot take, or two fields with one Rust
/// name, is an error.
fn named_fields<'r>(
    record: &'r Record,
    qualified: &str,
) -> Result<Vec<(&'r Field, String, String)>, Error> {
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
    Ok(named)
}
