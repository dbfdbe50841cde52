//! One field: its Rust type (owned or borrowed in a view), `Option` for nullable and trailing
//! fields, attributes and docs.

use jute_parser::schema::{Field, Type};
use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, jute_type, parse_attr};
use super::Gen;
use crate::analysis::is_ord;
use crate::config::path_matches;
use crate::names::{relative_path, rust_ident, RustPath};
use crate::{BufferType, Error, StringType};

impl Gen<'_> {
    /// The field's declaration in the record (or, with `view`, in its view).
    pub(super) fn field(
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
    pub(super) fn rust_type(
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
            Type::Record(name) if self.externs.contains_key(name) => {
                // External records are used owned, in views too (owned records are views).
                self.externs[name].clone()
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
