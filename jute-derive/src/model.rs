//! The parsed model of a `#[derive(Jute)]` input: the record and its fields, with every
//! check on the input made here (collected, so one compile reports every mistake once).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{spanned::Spanned, Data, DeriveInput, Fields, Type};

use crate::attr::{self, Errors};
use crate::ty::{is_fixed_primitive, option_inner, unraw};

/// A record to derive for: a struct with named fields.
pub(crate) struct Record<'a> {
    /// The derive input (name, generics).
    pub(crate) input: &'a DeriveInput,
    /// The path of the runtime crate (`::jute`, or `#[jute(crate = "...")]`).
    pub(crate) krate: TokenStream,
    /// The record's Jute name (error messages): the struct's name or `#[jute(name)]`.
    pub(crate) name: String,
    /// The fields, in declaration (wire) order.
    pub(crate) fields: Vec<Field<'a>>,
}

/// One field of the record.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) ty: &'a Type,
    /// The field's Jute name (error messages): its identifier or `#[jute(name)]`.
    pub(crate) wire_name: String,
    /// For `#[jute(trailing)]` fields, the `T` of `Option<T>`.
    pub(crate) trailing: Option<&'a Type>,
}

impl Record<'_> {
    /// Whether every field is a fixed-size primitive of a non-generic struct: such records
    /// encode through one stack array (see `emit::fixed`).
    pub(crate) fn is_fixed(&self) -> bool {
        !self.fields.is_empty()
            && self.input.generics.params.is_empty()
            && self
                .fields
                .iter()
                .all(|f| f.trailing.is_none() && is_fixed_primitive(f.ty))
    }

    /// Whether the record has a lifetime parameter: a borrowed view of its input.
    pub(crate) fn is_view(&self) -> bool {
        self.input.generics.lifetimes().next().is_some()
    }
}

/// Parses and checks `input`; every mistake found is in the error.
pub(crate) fn parse(input: &DeriveInput) -> syn::Result<Record<'_>> {
    let mut errors = Errors::default();
    let container = attr::container(&input.attrs, &mut errors);
    let named = named_fields(input, &mut errors);
    let mut fields = Vec::new();
    let mut seen_trailing = false;
    for f in named.into_iter().flatten() {
        let attrs = attr::field(&f.attrs, &mut errors);
        let Some(ident) = f.ident.as_ref() else {
            continue;
        };
        let wire_name = attrs
            .name
            .as_ref()
            .map_or_else(|| unraw(ident), |lit| lit.value());
        let trailing = if attrs.trailing.is_some() {
            let inner = option_inner(&f.ty);
            match inner {
                Some(_) => seen_trailing = true,
                None => errors.push(syn::Error::new(
                    f.ty.span(),
                    "a `#[jute(trailing)]` field must have type `Option<T>`: `None` means the input ended before it",
                )),
            }
            inner
        } else {
            if seen_trailing {
                errors.push(syn::Error::new(
                    ident.span(),
                    "only `#[jute(trailing)]` fields may follow a trailing field: a field after it could never be told apart from the end of the input",
                ));
            }
            None
        };
        fields.push(Field {
            ident,
            ty: &f.ty,
            wire_name,
            trailing,
        });
    }
    errors.finish()?;
    Ok(Record {
        input,
        krate: container
            .krate
            .map_or_else(|| quote!(::jute), |path| quote!(#path)),
        name: container
            .name
            .map_or_else(|| unraw(&input.ident), |lit| lit.value()),
        fields,
    })
}

/// The named fields of a struct; anything else is an error.
fn named_fields<'a>(
    input: &'a DeriveInput,
    errors: &mut Errors,
) -> Option<syn::punctuated::Iter<'a, syn::Field>> {
    let message = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => return Some(named.named.iter()),
            Fields::Unnamed(_) => syn::Error::new(
                s.fields.span(),
                "Jute records need named fields: the field names appear in error messages",
            ),
            Fields::Unit => syn::Error::new(
                input.ident.span(),
                "Jute records need named fields; write `struct Name {}` for an empty record",
            ),
        },
        Data::Enum(e) => syn::Error::new(
            e.enum_token.span(),
            "#[derive(Jute)] supports structs only: Jute has no enums; implement `jute::Jute` by hand for a tagged layout",
        ),
        Data::Union(u) => syn::Error::new(
            u.union_token.span(),
            "#[derive(Jute)] supports structs only, not unions",
        ),
    };
    errors.push(message);
    None
}
