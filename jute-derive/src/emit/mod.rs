//! The expansion of `#[derive(Jute)]` from the checked [`Record`]: all wire logic for derived
//! records lives in these emitters, one per piece of the impls.
//!
//! The output is wrapped in `const _: () = { ... };` and names everything by absolute path, so
//! user code that shadows `Result`, `Ok`, `Vec` or `usize` cannot change its meaning.

mod decode;
mod encode;
mod fixed;
mod view;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Record;

/// The `Jute` and `JuteView` impls of `r`.
pub(crate) fn record(r: &Record<'_>) -> TokenStream {
    let krate = &r.krate;
    let name = &r.input.ident;
    let mut generics = r.input.generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.push(syn::parse_quote!(#krate::Jute));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let usize_ty = quote!(::core::primitive::usize);
    let min = encode::min_len(r, quote!(#krate::Jute));
    let len = encode::len(r);
    let fixed = r.is_fixed().then(|| fixed::Fixed::new(r));
    let (encode_body, chunks, exact, decode_body) = match &fixed {
        Some(f) => (f.encode(), quote!(), f.exact(), f.decode()),
        None => (
            encode::fields(r),
            encode::chunks(r),
            quote!(),
            decode::fields(r),
        ),
    };
    let view_impl = view::view_impl(r);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            #view_impl

            #[automatically_derived]
            impl #impl_generics #krate::Jute for #name #ty_generics #where_clause {
                const MIN_ENCODED_LEN: #usize_ty = #min;

                #[inline]
                fn encode<__JuteB: #krate::bytes::BufMut + ?::core::marker::Sized>(
                    &self,
                    __jute_buf: &mut __JuteB,
                ) {
                    #encode_body
                }

                #[inline]
                fn encoded_len(&self) -> #usize_ty {
                    #len
                }

                #chunks

                #exact

                #[inline]
                fn decode<__JuteB: #krate::bytes::Buf>(
                    __jute_d: &mut #krate::Decoder<__JuteB>,
                ) -> ::core::result::Result<Self, #krate::Error> {
                    #decode_body
                }
            }
        };
    }
}
