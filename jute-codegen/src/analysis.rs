//! Whole-schema analyses that decide what each record derives and gets: which hold text or
//! buffers (and so get a view), which can derive `Eq`/`Hash`, which types can key a map.

use std::collections::HashMap;

use jute_parser::schema::{Record, Type};

/// Which records hold a `ustring` or `buffer`, directly or through the records they contain.
pub(crate) fn borrowing_records(records: &[&Record]) -> HashMap<String, bool> {
    fixed_point(records, false, |r, borrows| {
        r.fields.iter().any(|f| type_borrows(&f.ty, borrows))
    })
}

fn type_borrows(ty: &Type, borrows: &HashMap<String, bool>) -> bool {
    match ty {
        Type::UString | Type::Buffer => true,
        Type::Vector(t) => type_borrows(t, borrows),
        Type::Map(k, v) => type_borrows(k, borrows) || type_borrows(v, borrows),
        Type::Record(name) => borrows.get(name).copied().unwrap_or(false),
        _ => false,
    }
}

/// Which records can derive `Eq` and `Hash`: those without floating point anywhere inside,
/// following record references to a fixed point.
pub(crate) fn eq_records(records: &[&Record]) -> HashMap<String, bool> {
    fixed_point(records, true, |r, eq| {
        !r.fields.iter().all(|f| type_allows_eq(&f.ty, eq))
    })
}

/// A per-record flag that starts at `start` for every record and flips for a record once
/// `flips(record, flags)` says so, repeated until nothing changes (record references make a
/// record's flag depend on others').
fn fixed_point(
    records: &[&Record],
    start: bool,
    flips: impl Fn(&Record, &HashMap<String, bool>) -> bool,
) -> HashMap<String, bool> {
    let mut flags: HashMap<String, bool> = records
        .iter()
        .map(|r| (r.qualified_name(), start))
        .collect();
    loop {
        let mut changed = false;
        for r in records {
            let q = r.qualified_name();
            if flags.get(&q) == Some(&start) && flips(r, &flags) {
                flags.insert(q, !start);
                changed = true;
            }
        }
        if !changed {
            return flags;
        }
    }
}

fn type_allows_eq(ty: &Type, eq: &HashMap<String, bool>) -> bool {
    match ty {
        Type::Float | Type::Double => false,
        Type::Vector(t) => type_allows_eq(t, eq),
        Type::Map(k, v) => type_allows_eq(k, eq) && type_allows_eq(v, eq),
        Type::Record(name) => eq.get(name).copied().unwrap_or(false),
        _ => true,
    }
}

/// Whether `BTreeMap` accepts the type as a key (generated records are not `Ord`).
pub(crate) fn is_ord(ty: &Type) -> bool {
    match ty {
        Type::Float | Type::Double | Type::Record(_) => false,
        Type::Vector(t) => is_ord(t),
        Type::Map(k, v) => is_ord(k) && is_ord(v),
        _ => true,
    }
}
