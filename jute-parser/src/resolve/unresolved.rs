//! Diagnostics for the references the resolve pass could not resolve, each explained by
//! what the resolver knows at the end: the record's own name, a later declaration, a file the
//! root does not read, or nothing of that name.

use std::collections::HashSet;

use super::{Decl, Resolver};
use crate::diagnostic::Diagnostic;

impl Resolver {
    /// Reports every reference that did not resolve: self-references, uses before a
    /// declaration, records a root does not read, and unknown names (with the record meant,
    /// when one has that name).
    pub(super) fn report_unresolved(&mut self) {
        let poisoned: HashSet<String> = self
            .files
            .iter()
            .flat_map(|f| f.poisoned.iter().cloned())
            .collect();
        let unresolved = std::mem::take(&mut self.unresolved);
        let mut reported = HashSet::new();
        for u in unresolved {
            // A file read by several roots is checked in each; one diagnostic per reference.
            if !reported.insert((u.file, u.span.start)) {
                continue;
            }
            let simple = u.written.rsplit('.').next().unwrap_or("").to_string();
            if u.fqn == u.in_record {
                let d = Diagnostic::error(
                    format!("record `{}` refers to itself", u.fqn),
                    self.label(
                        u.file,
                        u.span,
                        "the record is not known until its closing `}`",
                    ),
                )
                .with_note(
                    "Apache's compiler rejects self-references (also inside `vector` or `map`)",
                );
                self.push(u.file, d);
                continue;
            }
            let root_read_decl = |decl: &Decl| {
                self.root_files
                    .get(u.root)
                    .is_some_and(|(_, files)| files.contains(&decl.file))
            };
            if let Some(decl) = self.decls.get(&u.fqn).filter(|d| !root_read_decl(d)) {
                let root = self
                    .root_files
                    .get(u.root)
                    .map_or(u.file, |&(root, _)| root);
                let root = self.files[root].src.path.display().to_string();
                let d = Diagnostic::error(
                    format!("unknown record type `{}`", u.written),
                    self.label(
                        u.file,
                        u.span,
                        format!("not declared in `{root}` or the files it includes"),
                    ),
                )
                .with_secondary(self.label(decl.file, decl.span, "declared here"))
                .with_note(format!(
                    "each file given to Apache's compiler is compiled on its own: `{root}` must include the file that declares the record"
                ));
                self.push(u.file, d);
                continue;
            }
            if let Some(decl) = self.decls.get(&u.fqn) {
                let d = Diagnostic::error(
                    format!("record `{}` is used before its declaration", u.fqn),
                    self.label(u.file, u.span, "used here"),
                )
                .with_secondary(self.label(decl.file, decl.span, "declared here, later"))
                .with_note("records must be declared (or included) before a field uses them, as in Apache's compiler");
                self.push(u.file, d);
                continue;
            }
            if poisoned.contains(&simple) {
                continue;
            }
            let label = if u.written.contains('.') {
                format!("no record `{}` is declared", u.fqn)
            } else {
                format!(
                    "not declared in module `{}` or as a fully qualified name",
                    u.module
                )
            };
            let mut d = Diagnostic::error(
                format!("unknown record type `{}`", u.written),
                self.label(u.file, u.span, label),
            );
            let mut candidates: Vec<&String> = self
                .decls
                .keys()
                .filter(|k| {
                    k.rsplit('.').next() == Some(simple.as_str())
                        && (k.ends_with(&format!(".{}", u.written)) || !u.written.contains('.'))
                })
                .collect();
            candidates.sort();
            if let Some(c) = candidates.first() {
                d = d.with_note(format!(
                    "a record `{c}` exists; write its fully qualified name (unqualified names only refer to the current module, dotted names are always fully qualified)"
                ));
            }
            self.push(u.file, d);
        }
    }
}
