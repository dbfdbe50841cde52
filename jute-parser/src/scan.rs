//! A lenient tokenizer used next to the pest grammar: it finds comments (for doc text),
//! recovery points after syntax errors, words for "found ..." messages, lexical problems,
//! and nesting that is too deep to hand to the recursive grammar.
//!
//! It never fails: anything it does not understand becomes a [`TokenKind::Other`] token.

use crate::ast::Span;

/// Keywords of the language (reserved: never identifiers).
pub(crate) const KEYWORDS: &[&str] = &[
    "module", "class", "include", "byte", "boolean", "int", "long", "float", "double", "ustring",
    "buffer", "vector", "map",
];

/// How deeply `vector<...>`/`map<...>` may nest before we refuse the input.
pub(crate) const MAX_TYPE_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Identifier or keyword.
    Word,
    /// A string literal; `terminated` is false if it runs to end of input.
    Str { terminated: bool },
    /// One of `{ } < > , ; .`
    Punct,
    /// Any other character (a lexical error in Jute).
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommentKind {
    Line,
    Block,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Comment {
    pub(crate) kind: CommentKind,
    /// Span of the comment, markers included; a line comment excludes its line break.
    pub(crate) span: Span,
    /// A block comment without `*/`, or a line comment without a line break at end of input.
    pub(crate) unterminated: bool,
    /// Starts on the same line as the end of the previous token.
    pub(crate) trailing: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub(crate) tokens: Vec<Token>,
    pub(crate) comments: Vec<Comment>,
}

pub(crate) fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic()
}

pub(crate) fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

pub(crate) fn scan(source: &str) -> Scan {
    let bytes = source.as_bytes();
    let mut out = Scan::default();
    let mut i = 0;
    let mut last_token_end: Option<usize> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let start = i;
                i += 2;
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                out.comments.push(Comment {
                    kind: CommentKind::Line,
                    span: Span::new(start, i),
                    unterminated: i >= bytes.len(),
                    trailing: is_trailing(bytes, last_token_end, start),
                });
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                let mut closed = false;
                while i < bytes.len() {
                    if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        i += 2;
                        closed = true;
                        break;
                    }
                    i += 1;
                }
                out.comments.push(Comment {
                    kind: CommentKind::Block,
                    span: Span::new(start, i),
                    unterminated: !closed,
                    trailing: is_trailing(bytes, last_token_end, start),
                });
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += 1;
                }
                let terminated = i < bytes.len();
                if terminated {
                    i += 1;
                }
                out.tokens.push(Token {
                    kind: TokenKind::Str { terminated },
                    span: Span::new(start, i),
                });
                last_token_end = Some(i);
            }
            b'{' | b'}' | b'<' | b'>' | b',' | b';' | b'.' => {
                out.tokens.push(Token {
                    kind: TokenKind::Punct,
                    span: Span::new(i, i + 1),
                });
                i += 1;
                last_token_end = Some(i);
            }
            _ if is_ident_start(c) => {
                let start = i;
                while i < bytes.len() && is_ident_char(bytes[i]) {
                    i += 1;
                }
                out.tokens.push(Token {
                    kind: TokenKind::Word,
                    span: Span::new(start, i),
                });
                last_token_end = Some(i);
            }
            _ => {
                let start = i;
                // Advance by one whole character.
                i += source[i..].chars().next().map_or(1, char::len_utf8);
                out.tokens.push(Token {
                    kind: TokenKind::Other,
                    span: Span::new(start, i),
                });
                last_token_end = Some(i);
            }
        }
    }
    out
}

fn is_trailing(bytes: &[u8], last_token_end: Option<usize>, start: usize) -> bool {
    match last_token_end {
        Some(end) => !bytes[end..start].iter().any(|&b| b == b'\n' || b == b'\r'),
        None => false,
    }
}

impl Scan {
    /// The first token starting at or after `pos`.
    pub(crate) fn token_at(&self, pos: usize) -> Option<&Token> {
        let idx = self.tokens.partition_point(|t| t.span.end <= pos);
        self.tokens.get(idx)
    }

    /// The comment containing `pos`, if any.
    pub(crate) fn comment_at(&self, pos: usize) -> Option<&Comment> {
        let idx = self.comments.partition_point(|c| c.span.end <= pos);
        self.comments
            .get(idx)
            .filter(|c| c.span.start <= pos && pos <= c.span.end)
            .or_else(|| {
                // An unterminated comment ends at end of input, which `pos` may equal.
                self.comments
                    .get(idx.wrapping_sub(1))
                    .filter(|c| c.unterminated && pos == c.span.end)
            })
    }

    /// Doc text for an item starting at `start` and ending at `end`: the block of
    /// non-trailing comments directly above it (no blank line in between) followed by a
    /// comment trailing on the line where the item ends.
    pub(crate) fn doc_for(&self, source: &str, start: usize, end: Option<usize>) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        let before = self.comments.partition_point(|c| c.span.end <= start);
        let prev_token_end = {
            let idx = self.tokens.partition_point(|t| t.span.end <= start);
            idx.checked_sub(1)
                .and_then(|i| self.tokens.get(i))
                .map_or(0, |t| t.span.end)
        };
        let mut next_start = start;
        let mut leading = Vec::new();
        for c in self.comments[..before].iter().rev() {
            if c.span.start < prev_token_end || c.trailing {
                break;
            }
            let gap = source.get(c.span.end..next_start).unwrap_or("");
            if newline_count(gap) > 1 {
                break;
            }
            leading.push(*c);
            next_start = c.span.start;
        }
        for c in leading.iter().rev() {
            parts.push(comment_text(source, c));
        }
        if let Some(end) = end {
            let idx = self.comments.partition_point(|c| c.span.start < end);
            if let Some(c) = self.comments.get(idx) {
                let gap = source.get(end..c.span.start).unwrap_or("\n");
                if newline_count(gap) == 0 && c.trailing {
                    parts.push(comment_text(source, c));
                }
            }
        }
        let text = parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if text.is_empty() {
            None
        } else {
            Some(text)
        }
    }

    /// Checks `<` nesting; returns the spans of `<` tokens that exceed [`MAX_TYPE_DEPTH`].
    pub(crate) fn too_deep(&self, source: &str) -> Vec<Span> {
        let mut depth = 0usize;
        let mut out = Vec::new();
        for t in &self.tokens {
            if t.kind != TokenKind::Punct {
                continue;
            }
            match t.span.text(source) {
                "<" => {
                    depth += 1;
                    if depth == MAX_TYPE_DEPTH + 1 {
                        out.push(t.span);
                    }
                }
                ">" => depth = depth.saturating_sub(1),
                ";" | "{" | "}" => depth = 0,
                _ => {}
            }
        }
        out
    }
}

fn newline_count(s: &str) -> usize {
    // A CR LF pair counts once.
    s.replace("\r\n", "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\r')
        .count()
}

/// Strips comment markers and ` * ` decoration; drops blank lines at both ends.
fn comment_text(source: &str, c: &Comment) -> String {
    let raw = c.span.text(source);
    let lines: Vec<String> = match c.kind {
        CommentKind::Line => {
            let body = raw.trim_start_matches('/');
            let body = body.strip_prefix(' ').unwrap_or(body);
            vec![body.trim_end().to_string()]
        }
        CommentKind::Block => {
            let body = raw.strip_prefix("/*").unwrap_or(raw);
            let body = body.strip_suffix("*/").unwrap_or(body);
            let body = body.trim_start_matches('*');
            body.lines()
                .map(|line| {
                    let t = line.trim_start();
                    let t = match t.strip_prefix('*') {
                        Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
                        None => t,
                    };
                    t.trim_end().to_string()
                })
                .collect()
        }
    };
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    match (first, last) {
        (Some(a), Some(b)) => lines[a..=b].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_tokens_and_comments() {
        let s = scan("module a /* x */ { // y\n}");
        assert_eq!(s.tokens.len(), 4);
        assert_eq!(s.comments.len(), 2);
        assert!(s.comments[0].trailing);
        assert!(!s.comments[1].unterminated);
        let s = scan("a // y");
        assert!(s.comments[0].unterminated);
        let s = scan("a /* y");
        assert!(s.comments[0].unterminated);
    }

    #[test]
    fn doc_text_is_cleaned() {
        let src = "x;\n/**\n * Hello\n *  world\n */\n// more\nclass";
        let s = scan(src);
        let start = src.find("class").unwrap_or(0);
        assert_eq!(
            s.doc_for(src, start, None).as_deref(),
            Some("Hello\n world\nmore")
        );
    }

    #[test]
    fn blank_line_and_trailing_comments_detach() {
        let src = "a; // trailing of a\n// lost\n\nb; // mine\nc;";
        let s = scan(src);
        let b = src.find("b;").unwrap_or(0);
        assert_eq!(s.doc_for(src, b, Some(b + 2)).as_deref(), Some("mine"));
        let c = src.find("c;").unwrap_or(0);
        assert_eq!(s.doc_for(src, c, Some(c + 2)), None);
    }

    #[test]
    fn depth_limit() {
        let deep = format!("{}int{}", "vector<".repeat(70), ">".repeat(70));
        let s = scan(&deep);
        assert_eq!(s.too_deep(&deep).len(), 1);
    }
}
