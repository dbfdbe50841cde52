//! Checks of a [`Config`] against the schema: every configured path must name something, and
//! apply to it.

use jute_parser::schema::{Record, Schema, Type};

use crate::config::path_matches;
use crate::{Config, Error};

/// Fails on the first configuration entry that names nothing in the schema or cannot apply.
pub(crate) fn validate_config(
    config: &Config,
    schema: &Schema,
    records: &[&Record],
) -> Result<(), Error> {
    if let Some(prefix) = &config.strip_prefix {
        if !schema.modules.iter().any(|m| path_matches(prefix, &m.name)) {
            return Err(Error::UnmatchedConfig {
                option: "strip_prefix",
                path: prefix.clone(),
                expected: "module",
            });
        }
    }
    let field = |option: &'static str, path: &str| -> Result<(&Record, usize), Error> {
        records
            .iter()
            .find_map(|r| {
                let rest = path
                    .strip_prefix(r.qualified_name().as_str())?
                    .strip_prefix('.')?;
                r.fields
                    .iter()
                    .position(|f| f.name == rest)
                    .map(|i| (*r, i))
            })
            .ok_or_else(|| Error::UnmatchedConfig {
                option,
                path: path.to_owned(),
                expected: "field (write `module.Record.field`)",
            })
    };
    for path in &config.nullable {
        let (record, i) = field("nullable", path)?;
        if !matches!(
            record.fields[i].ty,
            Type::UString | Type::Buffer | Type::Vector(_) | Type::Map(..)
        ) {
            return Err(Error::InvalidConfig {
                option: "nullable",
                path: path.clone(),
                reason: "only ustring, buffer, vector and map fields have a null form".into(),
            });
        }
    }
    for path in &config.trailing {
        let (record, i) = field("trailing", path)?;
        for later in &record.fields[i + 1..] {
            let later_path = format!("{}.{}", record.qualified_name(), later.name);
            if !config.trailing.contains(&later_path) {
                return Err(Error::InvalidConfig {
                    option: "trailing",
                    path: path.clone(),
                    reason: format!("field `{}` follows it and is not trailing: only trailing fields may follow a trailing field", later.name),
                });
            }
        }
    }
    for (path, _) in &config.type_attributes {
        if !records
            .iter()
            .any(|r| path_matches(path, &r.qualified_name()))
        {
            return Err(Error::UnmatchedConfig {
                option: "type_attribute",
                path: path.clone(),
                expected: "module or record",
            });
        }
    }
    for (path, _) in &config.extern_paths {
        if !records
            .iter()
            .any(|r| path_matches(path, &r.qualified_name()))
        {
            return Err(Error::UnmatchedConfig {
                option: "extern_path",
                path: path.clone(),
                expected: "module or record",
            });
        }
    }
    for (path, _) in &config.field_attributes {
        let any = records.iter().any(|r| {
            let q = r.qualified_name();
            r.fields
                .iter()
                .any(|f| path_matches(path, &format!("{q}.{}", f.name)))
        });
        if !any {
            return Err(Error::UnmatchedConfig {
                option: "field_attribute",
                path: path.clone(),
                expected: "module, record or field",
            });
        }
    }
    Ok(())
}
