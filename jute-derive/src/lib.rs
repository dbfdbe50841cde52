//! `#[derive(Jute)]`: use it through the `jute` crate (`use jute::Jute;`), which documents the
//! attributes and re-exports this macro next to the trait.
//!
//! Layers, as serde_derive's: `attr` reads `#[jute(...)]`, `model` builds the checked
//! `model::Record` (every mistake collected), `emit` writes the impls from it.

mod attr;
mod emit;
mod model;
mod ty;

use proc_macro::TokenStream;

/// Derives `jute::Jute` for a struct with named fields, encoding them in declaration order.
///
/// See the `jute` crate for the supported attributes (`name`, `trailing`, `crate`).
#[proc_macro_derive(Jute, attributes(jute))]
pub fn derive_jute(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    model::parse(&input)
        .map(|record| emit::record(&record))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
