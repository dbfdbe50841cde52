//! Parsing one file: runs the pest grammar, lowers the parse tree into the [`ast`], and
//! after a syntax error re-parses the file piece by piece (per top-level item, then per
//! class) so that every independent syntax error is reported, not only the first.

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::{self, Span};
use crate::diagnostic::Diagnostic;
use crate::grammar::{JuteParser, Rule};
use crate::scan::{scan, Scan, TokenKind, KEYWORDS, MAX_TYPE_DEPTH};
use crate::source::SourceFile;
use crate::syntax_error::{syntax_diagnostic, SyntaxError};

/// The result of parsing one file.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// Everything that could be parsed (all of the file when there are no diagnostics).
    pub(crate) file: ast::File,
    /// Syntax errors.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Simple names of classes whose declaration had a syntax error; references to them are
    /// not reported as unknown, to avoid follow-up errors.
    pub(crate) poisoned: Vec<String>,
}

pub(crate) fn parse_source(src: &SourceFile) -> Parsed {
    let text = src.text.as_str();
    let scan = scan(text);
    let mut parsed = Parsed {
        file: ast::File {
            path: src.path.clone(),
            items: Vec::new(),
        },
        diagnostics: Vec::new(),
        poisoned: Vec::new(),
    };
    let deep = scan.too_deep(text);
    if !deep.is_empty() {
        for span in deep {
            parsed.diagnostics.push(
                Diagnostic::error(
                    "type nesting is too deep",
                    src.label(
                        span,
                        Some(format!(
                            "more than {MAX_TYPE_DEPTH} nested `vector`/`map` types"
                        )),
                    ),
                )
                .with_note(format!(
                    "types may nest at most {MAX_TYPE_DEPTH} levels deep; this limit keeps the parser from running out of stack"
                )),
            );
        }
        parsed.poisoned = class_names(&scan, text, Span::new(0, text.len()));
        return parsed;
    }
    let lowerer = Lowerer { text, scan: &scan };
    match parse_piece(text, Rule::file, Span::new(0, text.len())) {
        Ok(pair) => {
            for item in pair.into_inner() {
                if let Some(item) = lowerer.item(item, 0) {
                    parsed.file.items.push(item);
                }
            }
        }
        Err(first) => {
            let mut reported = first.pos;
            parsed
                .diagnostics
                .push(syntax_diagnostic(src, &scan, &first));
            recover(src, &scan, &lowerer, &mut parsed, &mut reported);
        }
    }
    parsed
}

/// Parses `text[span]` with `rule`, mapping error positions back into `text`.
fn parse_piece(text: &str, rule: Rule, span: Span) -> Result<Pair<'_, Rule>, SyntaxError> {
    let piece = text.get(span.start..span.end).unwrap_or("");
    match JuteParser::parse(rule, piece) {
        Ok(mut pairs) => pairs.next().ok_or(SyntaxError {
            pos: span.start,
            positives: Vec::new(),
        }),
        Err(e) => {
            let pos = match e.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((p, _)) => p,
            };
            let positives = match e.variant {
                ErrorVariant::ParsingError { positives, .. } => positives,
                ErrorVariant::CustomError { .. } => Vec::new(),
            };
            Err(SyntaxError {
                pos: span.start + pos,
                positives,
            })
        }
    }
}

/// Re-parses the file in pieces after the first syntax error, reporting further errors.
fn recover(
    src: &SourceFile,
    scan: &Scan,
    lowerer: &Lowerer<'_>,
    parsed: &mut Parsed,
    reported: &mut usize,
) {
    let recovery = Recovery { src, scan, lowerer };
    let text = src.text.as_str();
    // Keywords are reserved, so `include`/`module`/`class` can only start those constructs.
    let tops: Vec<usize> = (0..scan.tokens.len())
        .filter(|&i| matches!(construct_word(scan, text, i), "include" | "module"))
        .collect();
    for (n, &ti) in tops.iter().enumerate() {
        let start = scan.tokens[ti].span.start;
        let end = tops
            .get(n + 1)
            .map_or(text.len(), |&next| scan.tokens[next].span.start);
        let seg = Span::new(start, end);
        let rule = if construct_word(scan, text, ti) == "include" {
            Rule::include_only
        } else {
            Rule::module_only
        };
        match parse_piece(text, rule, seg) {
            Ok(pair) => {
                if let Some(item) = pair
                    .into_inner()
                    .next()
                    .and_then(|p| lowerer.item(p, start))
                {
                    parsed.file.items.push(item);
                }
            }
            Err(e) => {
                report(src, scan, parsed, reported, &e);
                if rule == Rule::module_only {
                    recovery.module(parsed, reported, ti, seg, &e);
                }
            }
        }
    }
}

/// The word token `i` is, when it may start a construct (`""` otherwise): a keyword right
/// after `.` is a misused name part, not the start of a construct.
fn construct_word<'t>(scan: &Scan, text: &'t str, i: usize) -> &'t str {
    let t = &scan.tokens[i];
    let after_dot = i
        .checked_sub(1)
        .and_then(|p| scan.tokens.get(p))
        .is_some_and(|p| p.kind == TokenKind::Punct && p.span.text(text) == ".");
    if t.kind == TokenKind::Word && !after_dot {
        t.span.text(text)
    } else {
        ""
    }
}

/// What recovering a broken module reads: the file, its tokens and the lowerer.
struct Recovery<'a> {
    src: &'a SourceFile,
    scan: &'a Scan,
    lowerer: &'a Lowerer<'a>,
}

impl Recovery<'_> {
    /// Keeps what can be kept of the module at token `ti` (spanning `seg`) that failed to
    /// parse with `err`: its name from its header (or from the tokens, when the header itself
    /// is broken), then each class parsed on its own. Classes that do not parse have their
    /// names poisoned, so that references to them report nothing more.
    fn module(
        &self,
        parsed: &mut Parsed,
        reported: &mut usize,
        ti: usize,
        seg: Span,
        err: &SyntaxError,
    ) {
        let (scan, text) = (self.scan, self.src.text.as_str());
        let (start, end) = (seg.start, seg.end);
        let classes: Vec<usize> = (ti..scan.tokens.len())
            .take_while(|&i| scan.tokens[i].span.start < end)
            .filter(|&i| construct_word(scan, text, i) == "class")
            .map(|i| scan.tokens[i].span.start)
            .collect();
        let header_end = classes.first().copied().unwrap_or(end);
        let header = parse_piece(text, Rule::module_header_only, Span::new(start, header_end))
            .ok()
            .and_then(|pair| {
                pair.into_inner()
                    .find(|p| p.as_rule() == Rule::module_name)
                    .map(|p| self.lowerer.name(p, start))
            });
        // If the header itself is broken, the error belongs to it: take the module name from
        // the tokens as far as they look like one, and check every class on its own.
        let header_broken = header.is_none();
        let name = header.or_else(|| module_name_from_tokens(scan, text, ti, header_end));
        let mut module = name.map(|name| ast::Module {
            name,
            classes: Vec::new(),
            span: seg,
        });
        for (k, &cstart) in classes.iter().enumerate() {
            let (cend, rule) = match classes.get(k + 1) {
                Some(&next) => (next, Rule::class_only),
                None => (end, Rule::class_last_only),
            };
            let piece = Span::new(cstart, cend);
            // The module's own error is in this class (reported already) unless the header
            // holds it.
            let holds_error = !header_broken
                && piece.start <= err.pos
                && err.pos < piece.end.max(piece.start + 1);
            let class = if holds_error {
                None
            } else {
                self.class(parsed, reported, rule, piece, err)
            };
            match (class, module.as_mut()) {
                (Some(class), Some(m)) => m.classes.push(class),
                (Some(_), None) => {}
                (None, _) => parsed.poisoned.extend(class_names(scan, text, piece)),
            }
        }
        if let Some(m) = module {
            parsed.file.items.push(ast::Item::Module(m));
        }
    }

    /// One class of a broken module, parsed on its own as `rule`; its error is reported when
    /// it comes after the module's (`err`).
    fn class(
        &self,
        parsed: &mut Parsed,
        reported: &mut usize,
        rule: Rule,
        piece: Span,
        err: &SyntaxError,
    ) -> Option<ast::Class> {
        match parse_piece(self.src.text.as_str(), rule, piece) {
            Ok(pair) => pair
                .into_inner()
                .find(|p| p.as_rule() == Rule::class)
                .map(|p| self.lowerer.class(p, piece.start)),
            Err(e) => {
                if piece.start > err.pos {
                    report(self.src, self.scan, parsed, reported, &e);
                }
                None
            }
        }
    }
}

/// `a.b.c` from the tokens after the `module` keyword at token index `ti`, if it starts with
/// a name at all.
fn module_name_from_tokens(
    scan: &Scan,
    text: &str,
    ti: usize,
    end: usize,
) -> Option<ast::QualifiedName> {
    let mut segments = Vec::new();
    let mut i = ti + 1;
    while let Some(t) = scan.tokens.get(i).filter(|t| t.span.end <= end) {
        let word = t.span.text(text);
        if t.kind != TokenKind::Word || KEYWORDS.contains(&word) {
            break;
        }
        segments.push(ast::Ident {
            name: word.to_string(),
            span: t.span,
        });
        match scan.tokens.get(i + 1) {
            Some(dot) if dot.kind == TokenKind::Punct && dot.span.text(text) == "." => i += 2,
            _ => break,
        }
    }
    let span = Span::new(segments.first()?.span.start, segments.last()?.span.end);
    Some(ast::QualifiedName { segments, span })
}

fn report(
    src: &SourceFile,
    scan: &Scan,
    parsed: &mut Parsed,
    reported: &mut usize,
    e: &SyntaxError,
) {
    if e.pos > *reported {
        *reported = e.pos;
        parsed.diagnostics.push(syntax_diagnostic(src, scan, e));
    }
}

/// Names following `class` keywords inside `span`.
fn class_names(scan: &Scan, text: &str, span: Span) -> Vec<String> {
    let from = scan.tokens.partition_point(|t| t.span.start < span.start);
    let to = scan.tokens.partition_point(|t| t.span.end <= span.end);
    let toks: Vec<_> = scan
        .tokens
        .get(from..to.max(from))
        .unwrap_or(&[])
        .iter()
        .collect();
    toks.windows(2)
        .filter(|w| w[0].kind == TokenKind::Word && w[0].span.text(text) == "class")
        .filter(|w| w[1].kind == TokenKind::Word && !KEYWORDS.contains(&w[1].span.text(text)))
        .map(|w| w[1].span.text(text).to_string())
        .collect()
}

/// Lowers pest pairs into AST nodes; `base` is the offset of the parsed piece in the file.
struct Lowerer<'a> {
    text: &'a str,
    scan: &'a Scan,
}

impl Lowerer<'_> {
    fn span(&self, pair: &Pair<'_, Rule>, base: usize) -> Span {
        let s = pair.as_span();
        Span::new(base + s.start(), base + s.end())
    }

    fn item(&self, pair: Pair<'_, Rule>, base: usize) -> Option<ast::Item> {
        match pair.as_rule() {
            Rule::include => {
                let span = self.span(&pair, base);
                let string = pair.into_inner().find(|p| p.as_rule() == Rule::string)?;
                let path_span = self.span(&string, base);
                let quoted = string.as_str();
                let path = quoted
                    .get(1..quoted.len().saturating_sub(1))
                    .unwrap_or("")
                    .to_string();
                Some(ast::Item::Include(ast::Include {
                    path,
                    path_span,
                    span,
                }))
            }
            Rule::module => {
                let span = self.span(&pair, base);
                let mut name = None;
                let mut classes = Vec::new();
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::module_name => name = Some(self.name(p, base)),
                        Rule::class => classes.push(self.class(p, base)),
                        _ => {}
                    }
                }
                Some(ast::Item::Module(ast::Module {
                    name: name?,
                    classes,
                    span,
                }))
            }
            _ => None,
        }
    }

    fn name(&self, pair: Pair<'_, Rule>, base: usize) -> ast::QualifiedName {
        let segments: Vec<ast::Ident> = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(&p, base))
            .collect();
        // The pair's own span may include trailing trivia; use first to last segment.
        let span = match (segments.first(), segments.last()) {
            (Some(a), Some(b)) => Span::new(a.span.start, b.span.end),
            _ => Span::new(base, base),
        };
        ast::QualifiedName { segments, span }
    }

    fn ident(&self, pair: &Pair<'_, Rule>, base: usize) -> ast::Ident {
        ast::Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair, base),
        }
    }

    fn class(&self, pair: Pair<'_, Rule>, base: usize) -> ast::Class {
        let span = self.span(&pair, base);
        let mut name = ast::Ident {
            name: String::new(),
            span,
        };
        let mut fields = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::class_name => name = self.ident(&p, base),
                Rule::field => fields.push(self.field(p, base)),
                _ => {}
            }
        }
        ast::Class {
            name,
            doc: self.scan.doc_for(self.text, span.start, None),
            fields,
            span,
        }
    }

    fn field(&self, pair: Pair<'_, Rule>, base: usize) -> ast::Field {
        let span = self.span(&pair, base);
        let mut ty = None;
        let mut name = ast::Ident {
            name: String::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::field_type => ty = Some(self.ty(p, base)),
                Rule::field_name => name = self.ident(&p, base),
                _ => {}
            }
        }
        ast::Field {
            ty: ty.unwrap_or(ast::TypeExpr {
                kind: ast::TypeKind::Primitive(ast::Primitive::Int),
                span,
            }),
            name,
            doc: self.scan.doc_for(self.text, span.start, Some(span.end)),
            span,
        }
    }

    /// Lowers a `field_type` pair. Recursion depth is bounded by [`MAX_TYPE_DEPTH`].
    fn ty(&self, pair: Pair<'_, Rule>, base: usize) -> ast::TypeExpr {
        let span = self.span(&pair, base);
        let inner = pair.into_inner().next();
        let kind = match inner {
            Some(p) => match p.as_rule() {
                Rule::primitive => ast::TypeKind::Primitive(
                    ast::Primitive::from_keyword(p.as_str()).unwrap_or(ast::Primitive::Int),
                ),
                Rule::vector_type => {
                    let elem = p
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::field_type)
                        .map(|q| self.ty(q, base));
                    match elem {
                        Some(e) => ast::TypeKind::Vector(Box::new(e)),
                        None => ast::TypeKind::Primitive(ast::Primitive::Int),
                    }
                }
                Rule::map_type => {
                    let mut parts = p
                        .into_inner()
                        .filter(|q| q.as_rule() == Rule::field_type)
                        .map(|q| self.ty(q, base));
                    match (parts.next(), parts.next()) {
                        (Some(k), Some(v)) => ast::TypeKind::Map(Box::new(k), Box::new(v)),
                        _ => ast::TypeKind::Primitive(ast::Primitive::Int),
                    }
                }
                _ => ast::TypeKind::Named(self.name(p, base)),
            },
            None => ast::TypeKind::Primitive(ast::Primitive::Int),
        };
        let span = match &kind {
            ast::TypeKind::Named(q) => q.span,
            _ => span,
        };
        ast::TypeExpr { kind, span }
    }
}
