//! `#[derive(Jute)]`: use it through the `jute` crate (`use jute::Jute;`), which documents the
//! attributes and re-exports this macro next to the trait.

mod attr;
mod expand;

use proc_macro::TokenStream;

/// Derives `jute::Jute` for a struct with named fields, encoding them in declaration order.
///
/// See the `jute` crate for the supported attributes (`name`, `trailing`, `crate`).
#[proc_macro_derive(Jute, attributes(jute))]
pub fn derive_jute(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
