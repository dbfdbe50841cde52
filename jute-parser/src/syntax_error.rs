//! Syntax errors in human words: a pest failure at a byte offset -> a [`Diagnostic`] that
//! names what was expected and what was found, and recognises lexical problems (unterminated
//! comments and strings, stray characters, reserved words used as names).

use crate::ast::Span;
use crate::diagnostic::Diagnostic;
use crate::grammar::{describe_all, Rule};
use crate::scan::{Scan, TokenKind, KEYWORDS};
use crate::source::SourceFile;

/// A syntax error at a byte offset, before it is turned into a diagnostic.
pub(crate) struct SyntaxError {
    /// Where the parse failed.
    pub(crate) pos: usize,
    /// The rules that would have been accepted there.
    pub(crate) positives: Vec<Rule>,
}

/// Turns a pest failure into a diagnostic with human words, recognising lexical problems.
pub(crate) fn syntax_diagnostic(src: &SourceFile, scan: &Scan, e: &SyntaxError) -> Diagnostic {
    let text = src.text.as_str();
    let expected = describe_all(&e.positives);
    if let Some(c) = scan
        .comment_at(e.pos)
        .filter(|c| c.unterminated && c.span.start == e.pos)
    {
        return match c.kind {
            crate::scan::CommentKind::Block => Diagnostic::error(
                "unterminated block comment",
                src.label(
                    Span::new(c.span.start, c.span.start + 2),
                    Some("comment starts here and is never closed with `*/`".into()),
                ),
            ),
            crate::scan::CommentKind::Line => Diagnostic::error(
                "line comment at end of file is not followed by a line break",
                src.label(c.span, Some("add a line break after this comment".into())),
            )
            .with_note(
                "Apache's compiler rejects a `//` comment that ends the file without a line break",
            ),
        };
    }
    let token = scan.token_at(e.pos).filter(|t| t.span.start == e.pos);
    let Some(token) = token else {
        let message = if e.positives.is_empty() {
            "unexpected end of file".to_string()
        } else {
            format!("expected {expected}, found end of file")
        };
        return Diagnostic::error(message, src.eof_label(Some(format!("expected {expected}"))));
    };
    let tok_text = token.span.text(text);
    match token.kind {
        TokenKind::Str { terminated: false } => Diagnostic::error(
            "unterminated string literal",
            src.label(
                Span::new(token.span.start, token.span.start + 1),
                Some("string starts here and has no closing `\"`".into()),
            ),
        ),
        TokenKind::Str { terminated: true } if tok_text == "\"\"" => Diagnostic::error(
            "empty string literal",
            src.label(token.span, Some("an include path must not be empty".into())),
        ),
        TokenKind::Other => {
            let ch = tok_text.chars().next().unwrap_or('?');
            let mut d = Diagnostic::error(
                format!("unexpected character {}", show_char(ch)),
                src.label(token.span, Some(format!("expected {expected}"))),
            );
            if ch.is_whitespace() {
                d = d.with_note(
                    "only space, tab, carriage return and line feed are whitespace in Jute",
                );
            } else if ch == '_' || ch.is_ascii_digit() {
                d = d.with_note("identifiers must start with an ASCII letter");
            } else if ch.is_alphabetic() {
                d = d.with_note("identifiers may only contain ASCII letters, digits and `_`");
            }
            d
        }
        _ => {
            let found = describe_token(token.kind, tok_text);
            let mut d = Diagnostic::error(
                format!("expected {expected}, found {found}"),
                src.label(token.span, Some(format!("expected {expected}"))),
            );
            let wants_name = e.positives.iter().any(|r| {
                matches!(
                    r,
                    Rule::ident
                        | Rule::class_name
                        | Rule::field_name
                        | Rule::module_name
                        | Rule::type_name
                )
            });
            if wants_name && KEYWORDS.contains(&tok_text) {
                d = d.with_note(format!(
                    "`{tok_text}` is a reserved word in Jute and cannot be used as a name"
                ));
            }
            d
        }
    }
}

fn show_char(ch: char) -> String {
    if ch.is_control() || ch.is_whitespace() {
        format!("U+{:04X}", u32::from(ch))
    } else {
        format!("`{ch}`")
    }
}

fn describe_token(kind: TokenKind, text: &str) -> String {
    match kind {
        TokenKind::Word if KEYWORDS.contains(&text) => format!("keyword `{text}`"),
        TokenKind::Word => format!("identifier `{text}`"),
        TokenKind::Str { .. } => format!("string {text}"),
        TokenKind::Punct | TokenKind::Other => format!("`{text}`"),
    }
}
