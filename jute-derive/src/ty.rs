//! Questions about how a field's type is written: `Option<T>`, a fixed-size primitive, raw
//! identifiers.

use syn::{GenericArgument, PathArguments, Type};

/// Whether `ty` is written as a fixed-size Jute primitive: `i8`, `bool`, `i32`, `i64`, `f32`,
/// `f64`, bare or as `core::primitive::X` / `std::primitive::X`. The expansion names the type
/// through `__private::Fixed`, so a look-alike type that is not the primitive fails to compile
/// instead of being mis-encoded.
pub(crate) fn is_fixed_primitive(ty: &Type) -> bool {
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
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
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

/// The identifier's text without a leading `r#`.
pub(crate) fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or(s.clone(), str::to_owned)
}
