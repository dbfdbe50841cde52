//! Typed diagnostics (errors with source locations) and their rustc-style rendering.
//!
//! A [`Diagnostic`] carries everything needed to render it, including the text of the source
//! lines it points at, so [`Diagnostics`] can be displayed without access to the files.

use std::fmt::{self, Write as _};

use crate::schema::Location;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The schema is invalid; no [`Schema`](crate::Schema) is produced.
    Error,
    /// Something suspicious that does not make the schema invalid.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A span of source text that a diagnostic points at, with an optional message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where the span starts.
    pub location: Location,
    /// Length of the span in characters (at least 1 when rendered; clipped to the line).
    pub len: usize,
    /// The full text of the source line the span starts on, without its line break.
    pub line_text: String,
    /// Text shown next to the span marker.
    pub message: Option<String>,
}

/// One problem found in a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The headline, e.g. ``unknown record type `Sta` ``.
    pub message: String,
    /// The main place the problem is at. `None` only for problems that have no position,
    /// such as a root file that cannot be read.
    pub primary: Option<Label>,
    /// The file the problem concerns when there is no primary label.
    pub file: Option<std::path::PathBuf>,
    /// Further places related to the problem (e.g. "first declared here").
    pub secondary: Vec<Label>,
    /// Free-form notes rendered after the snippet (`= note: ...`).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// Creates an error pointing at `primary`.
    pub fn error(message: impl Into<String>, primary: Label) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            primary: Some(primary),
            file: None,
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Creates an error about a whole file, without a position in it.
    pub fn file_error(message: impl Into<String>, file: impl Into<std::path::PathBuf>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            file: Some(file.into()),
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, label: Label) -> Self {
        self.secondary.push(label);
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.severity, self.message)?;
        let width = std::iter::once(&self.primary)
            .flatten()
            .chain(self.secondary.iter())
            .map(|l| l.location.line.to_string().len())
            .max()
            .unwrap_or(1);
        let pad = " ".repeat(width);
        match (&self.primary, &self.file) {
            (Some(label), _) => {
                let loc = &label.location;
                writeln!(
                    f,
                    "{pad}--> {}:{}:{}",
                    display_path(&loc.file),
                    loc.line,
                    loc.column
                )?;
                render_snippet(f, &pad, label, '^')?;
            }
            (None, Some(file)) => writeln!(f, "{pad}--> {}", display_path(file))?,
            (None, None) => {}
        }
        for label in &self.secondary {
            let loc = &label.location;
            writeln!(
                f,
                "{pad}::: {}:{}:{}",
                display_path(&loc.file),
                loc.line,
                loc.column
            )?;
            render_snippet(f, &pad, label, '-')?;
        }
        if !self.notes.is_empty() && (self.primary.is_some() || !self.secondary.is_empty()) {
            writeln!(f, "{pad} |")?;
        }
        for note in &self.notes {
            let mut lines = note.lines();
            if let Some(first) = lines.next() {
                writeln!(f, "{pad} = note: {first}")?;
            }
            for line in lines {
                writeln!(f, "{pad}         {line}")?;
            }
        }
        Ok(())
    }
}

/// Renders a path with `/` separators so output is the same on every platform.
fn display_path(path: &std::path::Path) -> String {
    let s = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

fn render_snippet(f: &mut fmt::Formatter<'_>, pad: &str, label: &Label, mark: char) -> fmt::Result {
    let line_no = label.location.line.to_string();
    let mut shown = String::new();
    let mut marker_start = 0;
    let mut marker_len = 0;
    let col = label.location.column.max(1) as usize - 1;
    let mut line_chars = 0;
    let mut shown_chars = 0;
    for (i, ch) in label.line_text.chars().enumerate() {
        let before = shown_chars;
        if ch == '\t' {
            shown.push_str("    ");
            shown_chars += 4;
        } else if ch.is_control() {
            shown.push('\u{fffd}');
            shown_chars += 1;
        } else {
            shown.push(ch);
            shown_chars += 1;
        }
        let after = shown_chars;
        if i == col {
            marker_start = before;
        }
        if i >= col && i < col + label.len.max(1) {
            marker_len += after - before;
        }
        line_chars = i + 1;
    }
    if col >= line_chars {
        // The span starts at the end of the line (e.g. "found end of file").
        marker_start = shown_chars + (col - line_chars);
    }
    let marker_len = marker_len.max(1);
    writeln!(f, "{pad} |")?;
    writeln!(f, "{line_no:>width$} | {shown}", width = pad.len())?;
    let mut marks = String::new();
    for _ in 0..marker_start {
        marks.push(' ');
    }
    for _ in 0..marker_len {
        marks.push(mark);
    }
    if let Some(message) = &label.message {
        let _ = write!(marks, " {message}");
    }
    writeln!(f, "{pad} | {marks}")
}

/// A non-empty collection of diagnostics, returned as the error of the parse functions.
///
/// Displays as every diagnostic rendered rustc-style, separated by blank lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Wraps a list of diagnostics.
    pub fn new(items: Vec<Diagnostic>) -> Self {
        Diagnostics { items }
    }

    /// The diagnostics, in the order they were reported (file by file, in source order).
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of diagnostics with [`Severity::Error`].
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Unwraps into the list of diagnostics.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(line: u32, column: u32, len: usize, text: &str, msg: &str) -> Label {
        Label {
            location: Location {
                file: "a/b.jute".into(),
                line,
                column,
            },
            len,
            line_text: text.into(),
            message: Some(msg.into()),
        }
    }

    #[test]
    fn renders_like_rustc() {
        let d = Diagnostic::error(
            "unknown record type `Sta`",
            label(4, 9, 3, "        Sta stat;", "not declared"),
        )
        .with_note("hello");
        let out = d.to_string();
        assert_eq!(
            out,
            "error: unknown record type `Sta`\n --> a/b.jute:4:9\n  |\n4 |         Sta stat;\n  |         ^^^ not declared\n  |\n  = note: hello\n"
        );
    }

    #[test]
    fn tabs_are_expanded_and_marker_follows() {
        let d = Diagnostic::error("x", label(10, 2, 1, "\tab", "here"));
        let out = d.to_string();
        assert!(out.contains("10 |     ab\n   |     ^ here\n"), "{out}");
    }

    #[test]
    fn marker_at_end_of_line() {
        let d = Diagnostic::error("x", label(1, 4, 1, "abc", "eof"));
        assert!(d.to_string().contains("  |    ^ eof"), "{d}");
    }
}
