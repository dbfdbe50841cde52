//! The decoding side of `Jute`: field by field, each error placed in its field.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::{Field, Record};

/// The locals the owned decoder reads fields into (`__jute_field0`, ...).
fn locals(r: &Record<'_>) -> Vec<syn::Ident> {
    (0..r.fields.len())
        .map(|i| format_ident!("__jute_field{}", i))
        .collect()
}

/// The field reads of `decode` (`let __jute_fieldN = ...;`), without the final `Ok`.
pub(crate) fn reads(r: &Record<'_>) -> TokenStream {
    let krate = &r.krate;
    let decodes = r.fields.iter().zip(locals(r)).map(|(f, local)| {
        let ty = f.ty;
        let call = match f.trailing {
            Some(inner) => quote_spanned!(ty.span()=>
                #krate::__private::decode_trailing::<#inner, __JuteB>(__jute_d)
            ),
            None => quote_spanned!(ty.span()=> <#ty as #krate::Jute>::decode(__jute_d)),
        };
        field(&local, call, &r.name, f)
    });
    quote!(#(#decodes)*)
}

/// `#ty { field: __jute_fieldN, ... }` (with `ty` `Self` or the record's name).
pub(crate) fn construct(r: &Record<'_>, ty: TokenStream) -> TokenStream {
    let idents = r.fields.iter().map(|f| f.ident);
    let locals = locals(r);
    quote!(#ty { #(#idents: #locals),* })
}

/// The body of `decode`, field by field.
pub(crate) fn fields(r: &Record<'_>) -> TokenStream {
    let reads = reads(r);
    let value = construct(r, quote!(Self));
    quote! {
        #reads
        ::core::result::Result::Ok(#value)
    }
}

/// `let #local = <call>;`, returning the call's error placed in the record's field (the
/// owned and the view decoders share it).
pub(crate) fn field(
    local: &syn::Ident,
    call: TokenStream,
    record_name: &str,
    field: &Field<'_>,
) -> TokenStream {
    let wire_name = &field.wire_name;
    quote! {
        let #local = match #call {
            ::core::result::Result::Ok(v) => v,
            ::core::result::Result::Err(e) => {
                return ::core::result::Result::Err(e.in_field(#record_name, #wire_name));
            }
        };
    }
}
