//! The encoding side of `Jute`: `MIN_ENCODED_LEN`, `encode` field by field, `encoded_len`,
//! `encode_chunks`. Every use of a field's type carries the type's span, so a type that is not
//! Jute is one error, at the field (rustc merges errors of one span).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::Record;

/// `0 + <T as trait>::MIN_ENCODED_LEN + ...` over the non-trailing fields (`trait` is `Jute`
/// or `JuteView<'de>`).
pub(crate) fn min_len(r: &Record<'_>, tr: TokenStream) -> TokenStream {
    let terms = r.fields.iter().filter(|f| f.trailing.is_none()).map(|f| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> + <#ty as #tr>::MIN_ENCODED_LEN)
    });
    quote!(0 #(#terms)*)
}

/// The body of `encode`: each field in order (a trailing field only when `Some`).
pub(crate) fn fields(r: &Record<'_>) -> TokenStream {
    let krate = &r.krate;
    let encodes = r.fields.iter().map(|f| {
        let (ident, ty) = (f.ident, f.ty);
        match f.trailing {
            Some(_) => quote_spanned!(ty.span()=>
                #krate::__private::encode_trailing(&self.#ident, __jute_buf);
            ),
            None => quote_spanned!(ty.span()=>
                <#ty as #krate::Jute>::encode(&self.#ident, __jute_buf);
            ),
        }
    });
    quote!(#(#encodes)*)
}

/// The body of `encoded_len`.
pub(crate) fn len(r: &Record<'_>) -> TokenStream {
    let krate = &r.krate;
    let lens = r.fields.iter().map(|f| {
        let (ident, ty) = (f.ident, f.ty);
        match f.trailing {
            Some(_) => quote_spanned!(ty.span()=> + #krate::__private::trailing_len(&self.#ident)),
            None => quote_spanned!(ty.span()=> + <#ty as #krate::Jute>::encoded_len(&self.#ident)),
        }
    });
    quote!(0 #(#lens)*)
}

/// `encode_chunks`, field by field (fixed-size records keep the default: they have no
/// buffers to share).
pub(crate) fn chunks(r: &Record<'_>) -> TokenStream {
    let krate = &r.krate;
    let encodes = r.fields.iter().map(|f| {
        let (ident, ty) = (f.ident, f.ty);
        match f.trailing {
            Some(_) => quote_spanned! {ty.span()=>
                if let ::core::option::Option::Some(v) = &self.#ident {
                    #krate::Jute::encode_chunks(v, __jute_out);
                }
            },
            None => quote_spanned!(ty.span()=>
                <#ty as #krate::Jute>::encode_chunks(&self.#ident, __jute_out);
            ),
        }
    });
    quote! {
        #[inline]
        fn encode_chunks(&self, __jute_out: &mut #krate::Chunks) {
            #(#encodes)*
        }
    }
}
