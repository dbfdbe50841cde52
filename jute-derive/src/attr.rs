//! Parsing of `#[jute(...)]` attributes into plain data, collecting every error with its span.

use syn::{spanned::Spanned, Attribute, LitStr, Path};

/// Accumulates errors so one compile reports all of them.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(err),
            None => self.0 = Some(err),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Attributes on the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    /// `#[jute(crate = "...")]`
    pub(crate) krate: Option<Path>,
    /// `#[jute(name = "...")]`
    pub(crate) name: Option<LitStr>,
}

/// Attributes on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// `#[jute(name = "...")]`
    pub(crate) name: Option<LitStr>,
    /// `#[jute(trailing)]`, with the attribute's span for error messages.
    pub(crate) trailing: Option<proc_macro2::Span>,
}

fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    what: &str,
    span: proc_macro2::Span,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            span,
            format!("duplicate `jute({what})` attribute"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// The string of `name = "..."`, refused when empty (error messages show the name).
fn name_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let lit: LitStr = meta.value()?.parse()?;
    if lit.value().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            "`jute(name)` must not be empty: error messages name records and fields by it",
        ));
    }
    Ok(lit)
}

pub(crate) fn container(attrs: &[Attribute], errors: &mut Errors) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("jute")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                let path: Path = lit.parse()?;
                set_once(&mut out.krate, path, "crate", span)
            } else if meta.path.is_ident("name") {
                let lit = name_value(&meta)?;
                set_once(&mut out.name, lit, "name", span)
            } else if meta.path.is_ident("trailing") {
                Err(meta.error("`jute(trailing)` belongs on a field, not on the struct"))
            } else {
                Err(meta.error(
                    "unknown jute attribute; expected `crate = \"...\"` or `name = \"...\"`",
                ))
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

pub(crate) fn field(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("jute")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("name") {
                let lit = name_value(&meta)?;
                set_once(&mut out.name, lit, "name", span)
            } else if meta.path.is_ident("trailing") {
                set_once(&mut out.trailing, span, "trailing", span)
            } else if meta.path.is_ident("crate") {
                Err(meta.error("`jute(crate = ...)` belongs on the struct, not on a field"))
            } else {
                Err(meta
                    .error("unknown jute field attribute; expected `name = \"...\"` or `trailing`"))
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}
