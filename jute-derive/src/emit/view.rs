//! `JuteView<'de>` for the record. With a lifetime parameter the record is a view: each field
//! decodes through its own `JuteView` (text and buffers borrowed from the input). Without one,
//! borrowed decoding is the owned decoding, so owned records can be fields of views.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{decode, encode};
use crate::model::Record;

/// The `JuteView` impl of `r`.
pub(crate) fn view_impl(r: &Record<'_>) -> TokenStream {
    let krate = &r.krate;
    let input = r.input;
    let name = &input.ident;
    let is_view = r.is_view();
    let mut generics = input.generics.clone();
    // A view borrows for its own (first) lifetime, so errors about its fields name the
    // user's lifetime (`JuteView<'a>`); the others outlive it. Owned records are views for
    // any input lifetime, through a fresh one.
    let de: syn::Lifetime = match generics.lifetimes_mut().next() {
        Some(first) => first.lifetime.clone(),
        None => syn::parse_quote!('__jute_de),
    };
    let view_trait = quote!(#krate::JuteView<#de>);
    for param in generics.lifetimes_mut().skip(1) {
        param.bounds.push(de.clone());
    }
    for param in generics.type_params_mut() {
        if is_view {
            param.bounds.push(syn::parse_quote!(#view_trait));
        } else {
            param.bounds.push(syn::parse_quote!(#krate::Jute));
        }
    }
    if !is_view {
        generics.params.insert(
            0,
            syn::GenericParam::Lifetime(syn::LifetimeParam::new(de.clone())),
        );
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let usize_ty = quote!(::core::primitive::usize);
    let input_ty = quote!(&#de [::core::primitive::u8]);

    let (min, body, exact) = if is_view {
        let decodes = r.fields.iter().map(|f| {
            let ty = f.ty;
            let call = match f.trailing {
                Some(inner) => quote_spanned!(ty.span()=>
                    #krate::__private::decode_trailing_view::<#inner>(__jute_d)
                ),
                None => quote_spanned!(ty.span()=> <#ty as #view_trait>::decode_view(__jute_d)),
            };
            decode::field(f.ident, call, &r.name, f)
        });
        let idents = r.fields.iter().map(|f| f.ident);
        (
            encode::min_len(r, view_trait.clone()),
            quote! {
                #(#decodes)*
                ::core::result::Result::Ok(Self { #(#idents),* })
            },
            quote!(),
        )
    } else {
        (
            quote!(<Self as #krate::Jute>::MIN_ENCODED_LEN),
            quote!(<Self as #krate::Jute>::decode(__jute_d)),
            quote! {
                #[inline(always)]
                fn decode_exact_view(__jute_bytes: #input_ty) -> ::core::option::Option<Self> {
                    <Self as #krate::Jute>::decode_exact(__jute_bytes)
                }
            },
        )
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics #view_trait for #name #ty_generics #where_clause {
            const MIN_ENCODED_LEN: #usize_ty = #min;

            #[inline]
            fn decode_view(
                __jute_d: &mut #krate::Decoder<#input_ty>,
            ) -> ::core::result::Result<Self, #krate::Error> {
                #body
            }

            #exact
        }
    }
}
