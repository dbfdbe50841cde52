//! Records whose fields are all fixed-size primitives (`Stat`, `ReplyHeader`, ...): they
//! encode through one stack array and a single `put_slice`, and decode from one bounds check
//! on the input's chunk (falling back to the field-by-field path, and its errors, when the
//! chunk is short); `decode_exact` decodes an input that is exactly one record without a
//! `Decoder` at all. Only for non-generic structs, so the array length is a plain constant.

use proc_macro2::TokenStream;
use quote::quote;

use super::decode;
use crate::model::Record;

/// The byte layout of a fixed-size record.
pub(crate) struct Fixed<'r, 'a> {
    r: &'r Record<'a>,
    /// Each field's start offset, then the total length, as constant expressions.
    offsets: Vec<TokenStream>,
}

impl<'r, 'a> Fixed<'r, 'a> {
    pub(crate) fn new(r: &'r Record<'a>) -> Self {
        let fixed_trait = Self::fixed_trait(r);
        let mut offsets = vec![quote!(0)];
        for f in &r.fields {
            let ty = f.ty;
            let prev = offsets.last().cloned().unwrap_or_default();
            offsets.push(quote!(#prev + <#ty as #fixed_trait>::LEN));
        }
        Self { r, offsets }
    }

    fn fixed_trait(r: &Record<'_>) -> TokenStream {
        let krate = &r.krate;
        quote!(#krate::__private::Fixed)
    }

    fn total(&self) -> TokenStream {
        self.offsets.last().cloned().unwrap_or_default()
    }

    /// `field: <T as Fixed>::read(&__jute_a[from..to])` for each field.
    fn reads(&self) -> Vec<TokenStream> {
        let fixed_trait = Self::fixed_trait(self.r);
        self.r
            .fields
            .iter()
            .zip(self.offsets.windows(2))
            .map(|(f, w)| {
                let (ident, ty, from, to) = (f.ident, f.ty, &w[0], &w[1]);
                quote!(#ident: <#ty as #fixed_trait>::read(&__jute_a[#from..#to]))
            })
            .collect()
    }

    /// The body of `encode`: the fields written into one array, put at once.
    pub(crate) fn encode(&self) -> TokenStream {
        let fixed_trait = Self::fixed_trait(self.r);
        let krate = &self.r.krate;
        let total = self.total();
        let writes = self
            .r
            .fields
            .iter()
            .zip(self.offsets.windows(2))
            .map(|(f, w)| {
                let (ident, ty, from, to) = (f.ident, f.ty, &w[0], &w[1]);
                quote!(<#ty as #fixed_trait>::write(&self.#ident, &mut __jute_a[#from..#to]);)
            });
        quote! {
            const __JUTE_LEN: ::core::primitive::usize = #total;
            let mut __jute_a = [0u8; __JUTE_LEN];
            #(#writes)*
            #krate::__private::put_array(__jute_buf, __jute_a);
        }
    }

    /// The body of `decode`: the one-check fast path, then the field-by-field path outlined
    /// (it runs only when the bytes straddle chunks or are missing, so the inlined fast path
    /// stays a bounds check, loads and stores).
    pub(crate) fn decode(&self) -> TokenStream {
        let krate = &self.r.krate;
        let name = &self.r.input.ident;
        let total = self.total();
        let reads = self.reads();
        let field_reads = decode::reads(self.r);
        let value = decode::construct(self.r, quote!(#name));
        quote! {
            const __JUTE_LEN: ::core::primitive::usize = #total;
            if let ::core::option::Option::Some(__jute_a) =
                #krate::__private::take_array::<__JUTE_LEN, __JuteB>(__jute_d)
            {
                return ::core::result::Result::Ok(Self { #(#reads),* });
            }
            #[cold]
            #[inline(never)]
            fn __jute_decode_fields<__JuteB: #krate::bytes::Buf>(
                __jute_d: &mut #krate::Decoder<__JuteB>,
            ) -> ::core::result::Result<#name, #krate::Error> {
                #field_reads
                ::core::result::Result::Ok(#value)
            }
            __jute_decode_fields(__jute_d)
        }
    }

    /// `decode_exact`: an input of exactly the record's length, without a `Decoder`.
    pub(crate) fn exact(&self) -> TokenStream {
        let total = self.total();
        let reads = self.reads();
        quote! {
            #[inline]
            fn decode_exact(
                __jute_bytes: &[::core::primitive::u8],
            ) -> ::core::option::Option<Self> {
                const __JUTE_LEN: ::core::primitive::usize = #total;
                let __jute_a: &[::core::primitive::u8; __JUTE_LEN] =
                    ::core::convert::TryInto::try_into(__jute_bytes).ok()?;
                ::core::option::Option::Some(Self { #(#reads),* })
            }
        }
    }
}
