//! Finds a record of a schema by a fully qualified, partly qualified or simple name.

use jute_parser::{Record, Schema};

/// Why a record name did not name exactly one record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No record matches; carries close names, best first.
    #[error("unknown record type `{name}`{}", did_you_mean(suggestions))]
    Unknown {
        /// The name as given.
        name: String,
        /// Qualified names of records with similar names.
        suggestions: Vec<String>,
    },
    /// Several records match; carries all of them.
    #[error("record type `{name}` is ambiguous; it could be any of: {}", candidates.join(", "))]
    Ambiguous {
        /// The name as given.
        name: String,
        /// Qualified names of every matching record.
        candidates: Vec<String>,
    },
}

fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!("; did you mean one of: {}?", many.join(", ")),
    }
}

/// Finds the record called `name`.
///
/// `name` may be fully qualified (`org.apache.zookeeper.data.Stat`), or any dotted suffix of
/// a qualified name (`data.Stat`, `Stat`) when exactly one record ends that way. An exact
/// qualified match always wins.
///
/// ```
/// let schema = jute_parser::parse_str(
///     "t.jute",
///     "module a { class Id { ustring id; } } module b { class Id { int id; } class Only { int x; } }",
/// ).unwrap();
/// assert_eq!(jute_value::find_record(&schema, "Only")?.qualified_name(), "b.Only");
/// assert_eq!(jute_value::find_record(&schema, "a.Id")?.qualified_name(), "a.Id");
/// let err = jute_value::find_record(&schema, "Id").unwrap_err();
/// assert_eq!(err.to_string(), "record type `Id` is ambiguous; it could be any of: a.Id, b.Id");
/// # Ok::<(), jute_value::LookupError>(())
/// ```
///
/// # Errors
///
/// [`LookupError::Unknown`] (with suggestions) or [`LookupError::Ambiguous`].
pub fn find_record<'s>(schema: &'s Schema, name: &str) -> Result<&'s Record, LookupError> {
    if let Some(r) = schema.record(name) {
        return Ok(r);
    }
    let matches: Vec<&Record> = schema
        .records()
        .filter(|r| ends_with_component(&r.qualified_name(), name))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(LookupError::Unknown {
            name: name.to_string(),
            suggestions: suggestions(schema, name),
        }),
        many => Err(LookupError::Ambiguous {
            name: name.to_string(),
            candidates: many.iter().map(|r| r.qualified_name()).collect(),
        }),
    }
}

/// Whether `qualified` is `suffix` or ends with `.suffix`.
fn ends_with_component(qualified: &str, suffix: &str) -> bool {
    qualified == suffix
        || qualified
            .strip_suffix(suffix)
            .is_some_and(|head| head.ends_with('.'))
}

/// Qualified names whose simple name is close to the simple name asked for (case-insensitive
/// edit distance of at most a third of its length, at least 1), best first, at most 5.
fn suggestions(schema: &Schema, name: &str) -> Vec<String> {
    let wanted = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    let budget = (wanted.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, String)> = schema
        .records()
        .filter_map(|r| {
            let d = edit_distance(&wanted, &r.name.to_ascii_lowercase());
            (d <= budget).then(|| (d, r.qualified_name()))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        jute_parser::parse_str(
            "t.jute",
            "module org.x.data { class Stat { int a; } class Id { int a; } }
             module org.x.proto { class Id { int a; } class ConnectRequest { int a; } }",
        )
        .unwrap()
    }

    #[test]
    fn exact_suffix_and_simple_names() {
        let s = schema();
        assert_eq!(find_record(&s, "org.x.data.Stat").unwrap().name, "Stat");
        assert_eq!(find_record(&s, "Stat").unwrap().module, "org.x.data");
        assert_eq!(find_record(&s, "proto.Id").unwrap().module, "org.x.proto");
        assert!(matches!(
            find_record(&s, "ata.Stat"),
            Err(LookupError::Unknown { .. })
        ));
    }

    #[test]
    fn ambiguous_and_unknown() {
        let s = schema();
        assert_eq!(
            find_record(&s, "Id").unwrap_err().to_string(),
            "record type `Id` is ambiguous; it could be any of: org.x.data.Id, org.x.proto.Id"
        );
        assert_eq!(
            find_record(&s, "ConectRequest").unwrap_err().to_string(),
            "unknown record type `ConectRequest`; did you mean `org.x.proto.ConnectRequest`?"
        );
        assert_eq!(
            find_record(&s, "Nothing").unwrap_err().to_string(),
            "unknown record type `Nothing`"
        );
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
