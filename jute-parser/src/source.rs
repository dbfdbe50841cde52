//! Source files in memory: byte offsets to line/column, labels for diagnostics, and
//! lexical path normalisation for stable file names.

use std::path::{Component, Path, PathBuf};

use crate::ast::Span;
use crate::diagnostic::Label;
use crate::schema::Location;

/// A file's path and text, with an index of line starts.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub(crate) fn new(path: PathBuf, text: String) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    line_starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    fn clamp(&self, pos: usize) -> usize {
        let mut pos = pos.min(self.text.len());
        while !self.text.is_char_boundary(pos) {
            pos -= 1;
        }
        pos
    }

    /// 0-based line index of `pos`.
    fn line_of(&self, pos: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s <= pos)
            .saturating_sub(1)
    }

    fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    pub(crate) fn location(&self, pos: usize) -> Location {
        let pos = self.clamp(pos);
        let line = self.line_of(pos);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self.text.get(start..pos).map_or(0, |s| s.chars().count()) + 1;
        Location {
            file: self.path.clone(),
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// A label for `span` (which may be empty, e.g. at end of input).
    pub(crate) fn label(&self, span: Span, message: Option<String>) -> Label {
        let start = self.clamp(span.start);
        let end = self.clamp(span.end.max(start));
        let location = self.location(start);
        let len = self.text.get(start..end).map_or(1, |s| s.chars().count());
        Label {
            location,
            len: len.max(1),
            line_text: self.line_text(self.line_of(start)).to_string(),
            message,
        }
    }

    /// A label for the end of input, placed just after the last non-blank character.
    pub(crate) fn eof_label(&self, message: Option<String>) -> Label {
        let trimmed = self.text.trim_end().len();
        self.label(Span::new(trimmed, trimmed), message)
    }
}

/// Lexically normalises a path: drops `.` components and folds `dir/..` pairs.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(comp),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based_chars() {
        let f = SourceFile::new("f".into(), "ab\r\nçd\re".into());
        let loc = f.location(6);
        assert_eq!((loc.line, loc.column), (2, 2));
        assert_eq!(f.location(8).line, 3);
        assert_eq!(f.label(Span::new(4, 7), None).line_text, "çd");
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
        assert_eq!(normalize(Path::new("/../y")), PathBuf::from("/y"));
    }
}
