//! Close names for unknown record types in schema diagnostics (`jute check`, `--schema`), as
//! `--type` suggests them: ``= note: did you mean `a.b.Stat`?``.
//!
//! A schema that fails to resolve has no [`jute_parser::Schema`], so the declared records
//! are gathered from the files' syntax trees (each root and what it includes).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jute_parser::ast::Item;
use jute_parser::{Diagnostic, Diagnostics};

/// Files larger than this are left out of the search (the parser refuses them too).
const MAX_FILE_LEN: u64 = 16 << 20;
/// At most this many files are read while following includes.
const MAX_FILES: usize = 1024;
/// At most this many names are suggested.
const MAX_SUGGESTIONS: usize = 5;

/// Adds a note with close names to each "unknown record type" error that has no note yet.
///
/// `roots` are the schema files as given; `stdin` is the text of a schema read from stdin
/// (parsed as `name`), if any.
pub(crate) fn add(
    diagnostics: Diagnostics,
    roots: &[PathBuf],
    stdin: Option<(&Path, &str)>,
) -> Diagnostics {
    if !diagnostics.iter().any(|d| unknown_type(d).is_some()) {
        return diagnostics;
    }
    let declared = declared_records(roots, stdin);
    let items = diagnostics
        .into_vec()
        .into_iter()
        .map(|d| with_suggestion(d, &declared))
        .collect();
    Diagnostics::new(items)
}

/// The type name of an unknown-type error whose notes say nothing yet (the parser already
/// notes a record of the same simple name in another module).
fn unknown_type(d: &Diagnostic) -> Option<&str> {
    if !d.notes.is_empty() {
        return None;
    }
    d.message
        .strip_prefix("unknown record type `")?
        .strip_suffix('`')
}

fn with_suggestion(mut d: Diagnostic, declared: &[String]) -> Diagnostic {
    let Some(name) = unknown_type(&d) else {
        return d;
    };
    let close = close_names(name, declared);
    let quoted: Vec<String> = close.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => {}
        [one] => d.notes.push(format!("did you mean {one}?")),
        many => d
            .notes
            .push(format!("did you mean one of {}?", many.join(", "))),
    }
    d
}

/// Qualified names whose simple name is within a case-insensitive edit distance of a third
/// of the wanted simple name's length (at least 1), best first.
fn close_names(name: &str, declared: &[String]) -> Vec<String> {
    let wanted = simple(name).to_ascii_lowercase();
    let budget = (wanted.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &String)> = declared
        .iter()
        .filter_map(|q| {
            let d = strsim::levenshtein(&wanted, &simple(q).to_ascii_lowercase());
            (d <= budget).then_some((d, q))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, q)| q.clone())
        .collect()
}

fn simple(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The qualified names of the records declared in the roots and the files they include.
fn declared_records(roots: &[PathBuf], stdin: Option<(&Path, &str)>) -> Vec<String> {
    let mut names = Vec::new();
    let mut queue: Vec<PathBuf> = Vec::new();
    if let Some((name, text)) = stdin {
        collect(name, text, &mut names, &mut queue);
    }
    queue.extend(roots.iter().rev().cloned());
    let mut seen = HashSet::new();
    while let Some(path) = queue.pop() {
        if seen.len() >= MAX_FILES || !seen.insert(path.clone()) {
            continue;
        }
        let small = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_LEN);
        if let Some(text) = small.then(|| std::fs::read_to_string(&path).ok()).flatten() {
            collect(&path, &text, &mut names, &mut queue);
        }
    }
    names
}

/// Adds the records of one file to `names` and its includes to `queue`.
fn collect(path: &Path, text: &str, names: &mut Vec<String>, queue: &mut Vec<PathBuf>) {
    let Ok(file) = jute_parser::parse_ast(path, text) else {
        return;
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    for item in file.items {
        match item {
            Item::Include(include) => queue.push(dir.join(&include.path)),
            Item::Module(module) => {
                let prefix = module.name.joined();
                names.extend(
                    module
                        .classes
                        .iter()
                        .map(|c| format!("{prefix}.{}", c.name.name)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::close_names;

    #[test]
    fn close_names_by_simple_name_best_first() {
        let declared = [
            "a.b.Stat".to_owned(),
            "a.b.StatPersisted".to_owned(),
            "c.State".to_owned(),
            "c.Id".to_owned(),
        ];
        assert_eq!(close_names("Sta", &declared), ["a.b.Stat"]);
        assert_eq!(close_names("x.Stats", &declared), ["a.b.Stat", "c.State"]);
        assert!(close_names("Zxid", &declared).is_empty());
    }
}
