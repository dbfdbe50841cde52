//! Expansion of `#[derive(Jute)]`: all wire logic for derived records lives here.
//!
//! The output is wrapped in `const _: () = { ... };` and names everything by absolute path, so
//! user code that shadows `Result`, `Ok`, `Vec` or `usize` cannot change its meaning.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{spanned::Spanned, Data, DeriveInput, Fields, GenericArgument, PathArguments, Type};

use crate::attr::{self, Errors};

struct FieldInfo<'a> {
    ident: &'a syn::Ident,
    ty: &'a Type,
    wire_name: String,
    /// For `#[jute(trailing)]` fields, the `T` of `Option<T>`.
    trailing: Option<&'a Type>,
}

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let container = attr::container(&input.attrs, &mut errors);

    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(_) => {
                errors.push(syn::Error::new(
                    s.fields.span(),
                    "Jute records need named fields: the field names appear in error messages",
                ));
                None
            }
            Fields::Unit => {
                errors.push(syn::Error::new(
                    input.ident.span(),
                    "Jute records need named fields; write `struct Name {}` for an empty record",
                ));
                None
            }
        },
        Data::Enum(e) => {
            errors.push(syn::Error::new(
                e.enum_token.span(),
                "#[derive(Jute)] supports structs only: Jute has no enums; implement `jute::Jute` by hand for a tagged layout",
            ));
            None
        }
        Data::Union(u) => {
            errors.push(syn::Error::new(
                u.union_token.span(),
                "#[derive(Jute)] supports structs only, not unions",
            ));
            None
        }
    };

    let mut fields = Vec::new();
    let mut seen_trailing = false;
    for f in named.map(|n| n.named.iter()).into_iter().flatten() {
        let attrs = attr::field(&f.attrs, &mut errors);
        let Some(ident) = f.ident.as_ref() else {
            continue;
        };
        let wire_name = attrs
            .name
            .as_ref()
            .map_or_else(|| ident.unraw_string(), |lit| lit.value());
        let trailing = match attrs.trailing {
            Some(span) => match option_inner(&f.ty) {
                Some(inner) => {
                    seen_trailing = true;
                    Some(inner)
                }
                None => {
                    errors.push(syn::Error::new(
                        f.ty.span(),
                        "a `#[jute(trailing)]` field must have type `Option<T>`: `None` means the input ended before it",
                    ));
                    let _ = span;
                    None
                }
            },
            None => {
                if seen_trailing {
                    errors.push(syn::Error::new(
                        ident.span(),
                        "only `#[jute(trailing)]` fields may follow a trailing field: a field after it could never be told apart from the end of the input",
                    ));
                }
                None
            }
        };
        fields.push(FieldInfo {
            ident,
            ty: &f.ty,
            wire_name,
            trailing,
        });
    }
    errors.finish()?;

    let krate = container
        .krate
        .map_or_else(|| quote!(::jute), |path| quote!(#path));
    let record_name = container
        .name
        .map_or_else(|| input.ident.unraw_string(), |lit| lit.value());

    let name = &input.ident;
    let mut generics = input.generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.push(syn::parse_quote!(#krate::Jute));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let usize_ty = quote!(::core::primitive::usize);
    let min_terms = fields.iter().filter(|f| f.trailing.is_none()).map(|f| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> + <#ty as #krate::Jute>::MIN_ENCODED_LEN)
    });
    let encodes = fields.iter().map(|f| {
        let ident = f.ident;
        match f.trailing {
            Some(_) => quote!(#krate::__private::encode_trailing(&self.#ident, __jute_buf);),
            None => quote!(#krate::Jute::encode(&self.#ident, __jute_buf);),
        }
    });
    let chunk_encodes: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let ident = f.ident;
            match f.trailing {
                Some(_) => quote! {
                    if let ::core::option::Option::Some(v) = &self.#ident {
                        #krate::Jute::encode_chunks(v, __jute_out);
                    }
                },
                None => quote!(#krate::Jute::encode_chunks(&self.#ident, __jute_out);),
            }
        })
        .collect();
    let lens = fields.iter().map(|f| {
        let ident = f.ident;
        match f.trailing {
            Some(_) => quote!(+ #krate::__private::trailing_len(&self.#ident)),
            None => quote!(+ #krate::Jute::encoded_len(&self.#ident)),
        }
    });
    let locals: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("__jute_field{}", i))
        .collect();
    let decodes = fields.iter().zip(&locals).map(|(f, local)| {
        let call = match f.trailing {
            Some(inner) => quote!(#krate::__private::decode_trailing::<#inner, __JuteB>(__jute_d)),
            None => {
                let ty = f.ty;
                quote!(<#ty as #krate::Jute>::decode(__jute_d))
            }
        };
        decode_field(local, call, &record_name, f)
    });
    let idents: Vec<_> = fields.iter().map(|f| f.ident).collect();

    // Records whose fields are all fixed-size primitives (Stat, ReplyHeader, ...) encode
    // through one stack array and a single `put_slice`, and decode from one bounds check on
    // the input's chunk (falling back to the field-by-field path, and its errors, when the
    // chunk is short); `decode_exact` decodes an input that is exactly one record without a
    // `Decoder` at all. Only for non-generic structs, so the array length is a plain constant.
    let fixed = !fields.is_empty()
        && input.generics.params.is_empty()
        && fields
            .iter()
            .all(|f| f.trailing.is_none() && is_fixed_primitive(f.ty));
    let encodes: Vec<TokenStream> = encodes.collect();
    let (fixed_encode, fixed_decode, fixed_exact) = if fixed {
        let fixed_trait = quote!(#krate::__private::Fixed);
        let mut offsets = vec![quote!(0)];
        for f in &fields {
            let ty = f.ty;
            let prev = offsets.last().cloned().unwrap_or_default();
            offsets.push(quote!(#prev + <#ty as #fixed_trait>::LEN));
        }
        let total = offsets.last().cloned().unwrap_or_default();
        let writes = fields.iter().zip(offsets.windows(2)).map(|(f, w)| {
            let (ident, ty, from, to) = (f.ident, f.ty, &w[0], &w[1]);
            quote!(<#ty as #fixed_trait>::write(&self.#ident, &mut __jute_a[#from..#to]);)
        });
        let reads: Vec<TokenStream> = fields
            .iter()
            .zip(offsets.windows(2))
            .map(|(f, w)| {
                let (ident, ty, from, to) = (f.ident, f.ty, &w[0], &w[1]);
                quote!(#ident: <#ty as #fixed_trait>::read(&__jute_a[#from..#to]))
            })
            .collect();
        (
            quote! {
                const __JUTE_LEN: #usize_ty = #total;
                let mut __jute_a = [0u8; __JUTE_LEN];
                #(#writes)*
                #krate::__private::put_array(__jute_buf, __jute_a);
            },
            quote! {
                const __JUTE_LEN: #usize_ty = #total;
                if let ::core::option::Option::Some(__jute_a) =
                    #krate::__private::take_array::<__JUTE_LEN, __JuteB>(__jute_d)
                {
                    return ::core::result::Result::Ok(Self { #(#reads),* });
                }
            },
            quote! {
                #[inline]
                fn decode_exact(
                    __jute_bytes: &[::core::primitive::u8],
                ) -> ::core::option::Option<Self> {
                    const __JUTE_LEN: #usize_ty = #total;
                    let __jute_a: &[::core::primitive::u8; __JUTE_LEN] =
                        ::core::convert::TryInto::try_into(__jute_bytes).ok()?;
                    ::core::option::Option::Some(Self { #(#reads),* })
                }
            },
        )
    } else {
        (quote!(#(#encodes)*), quote!(), quote!())
    };

    // Fixed-size records have no buffers to share: the default (`encode`) is the fast path.
    let chunks_method = if fixed {
        quote!()
    } else {
        quote! {
            #[inline]
            fn encode_chunks(&self, __jute_out: &mut #krate::Chunks) {
                #(#chunk_encodes)*
            }
        }
    };
    // A fixed-size record's field-by-field path runs only when its bytes straddle chunks or
    // are missing; outlining it keeps the inlined fast path a bounds check, loads and stores.
    let decode_body = if fixed {
        quote! {
            #fixed_decode
            #[cold]
            #[inline(never)]
            fn __jute_decode_fields<__JuteB: #krate::bytes::Buf>(
                __jute_d: &mut #krate::Decoder<__JuteB>,
            ) -> ::core::result::Result<#name, #krate::Error> {
                #(#decodes)*
                ::core::result::Result::Ok(#name { #(#idents: #locals),* })
            }
            __jute_decode_fields(__jute_d)
        }
    } else {
        quote! {
            #(#decodes)*
            ::core::result::Result::Ok(Self { #(#idents: #locals),* })
        }
    };
    let view_impl = view_impl(input, &krate, &record_name, &fields);

    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            #view_impl

            #[automatically_derived]
            impl #impl_generics #krate::Jute for #name #ty_generics #where_clause {
                const MIN_ENCODED_LEN: #usize_ty = 0 #(#min_terms)*;

                #[inline]
                fn encode<__JuteB: #krate::bytes::BufMut + ?::core::marker::Sized>(
                    &self,
                    __jute_buf: &mut __JuteB,
                ) {
                    #fixed_encode
                }

                #[inline]
                fn encoded_len(&self) -> #usize_ty {
                    0 #(#lens)*
                }

                #chunks_method

                #fixed_exact

                #[inline]
                fn decode<__JuteB: #krate::bytes::Buf>(
                    __jute_d: &mut #krate::Decoder<__JuteB>,
                ) -> ::core::result::Result<Self, #krate::Error> {
                    #decode_body
                }
            }
        };
    })
}

/// `JuteView<'de>` for the record. With a lifetime parameter the record is a view: each field
/// decodes through its own `JuteView` (text and buffers borrowed from the input). Without one,
/// borrowed decoding is the owned decoding, so owned records can be fields of views.
fn view_impl(
    input: &DeriveInput,
    krate: &TokenStream,
    record_name: &str,
    fields: &[FieldInfo<'_>],
) -> TokenStream {
    let name = &input.ident;
    let de: syn::Lifetime = syn::parse_quote!('__jute_de);
    let view_trait = quote!(#krate::JuteView<#de>);
    let is_view = input.generics.lifetimes().next().is_some();
    let mut generics = input.generics.clone();
    let outlives: Vec<syn::Lifetime> = generics.lifetimes().map(|l| l.lifetime.clone()).collect();
    for param in generics.type_params_mut() {
        if is_view {
            param.bounds.push(syn::parse_quote!(#view_trait));
        } else {
            param.bounds.push(syn::parse_quote!(#krate::Jute));
        }
    }
    let mut de_param = syn::LifetimeParam::new(de.clone());
    de_param.bounds.extend(outlives);
    generics
        .params
        .insert(0, syn::GenericParam::Lifetime(de_param));
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let usize_ty = quote!(::core::primitive::usize);
    let input_ty = quote!(&#de [::core::primitive::u8]);

    let (min, body, exact) = if is_view {
        let min_terms = fields.iter().filter(|f| f.trailing.is_none()).map(|f| {
            let ty = f.ty;
            quote_spanned!(ty.span()=> + <#ty as #view_trait>::MIN_ENCODED_LEN)
        });
        let decodes = fields.iter().map(|f| {
            let call = match f.trailing {
                Some(inner) => quote!(#krate::__private::decode_trailing_view::<#inner>(__jute_d)),
                None => {
                    let ty = f.ty;
                    quote!(<#ty as #view_trait>::decode_view(__jute_d))
                }
            };
            decode_field(f.ident, call, record_name, f)
        });
        let idents = fields.iter().map(|f| f.ident);
        (
            quote!(0 #(#min_terms)*),
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

/// `let #local = <call>;`, returning the call's error placed in the record's field (the
/// owned and the view decoders share it).
fn decode_field(
    local: &syn::Ident,
    call: TokenStream,
    record_name: &str,
    field: &FieldInfo<'_>,
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

/// Whether `ty` is written as a fixed-size Jute primitive: `i8`, `bool`, `i32`, `i64`, `f32`,
/// `f64`, bare or as `core::primitive::X` / `std::primitive::X`. The expansion names the type
/// through `__private::Fixed`, so a look-alike type that is not the primitive fails to compile
/// instead of being mis-encoded.
fn is_fixed_primitive(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    if path.qself.is_some() || path.path.segments.iter().any(|s| !s.arguments.is_empty()) {
        return false;
    }
    let names: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let prim = match names.as_slice() {
        [p] => p,
        [root, m, p] if (root == "core" || root == "std") && m == "primitive" => p,
        _ => return false,
    };
    matches!(prim.as_str(), "i8" | "bool" | "i32" | "i64" | "f32" | "f64")
}

/// `T` if `ty` is written `Option<T>` (also `std::option::Option<T>`, `core::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for syn::Ident {
    fn unraw_string(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("r#").map_or(s.clone(), str::to_owned)
    }
}
