//! Doc comments and attribute text for the generated items.

use jute_parser::schema::Type;
use proc_macro2::TokenStream;
use quote::quote;

use crate::Error;

/// The Jute spelling of a type, for docs.
pub(crate) fn jute_type(ty: &Type) -> String {
    match ty {
        Type::Byte => "byte".into(),
        Type::Boolean => "boolean".into(),
        Type::Int => "int".into(),
        Type::Long => "long".into(),
        Type::Float => "float".into(),
        Type::Double => "double".into(),
        Type::UString => "ustring".into(),
        Type::Buffer => "buffer".into(),
        Type::Vector(t) => format!("vector<{}>", jute_type(t)),
        Type::Map(k, v) => format!("map<{}, {}>", jute_type(k), jute_type(v)),
        Type::Record(name) => name.clone(),
    }
}

/// `#[doc = "..."]` attributes, one per line, with Markdown-significant characters escaped
/// (schema comments are plain text, and rustdoc must not see code blocks, links or HTML).
fn doc_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            let mut out = String::with_capacity(line.len() + 1);
            out.push(' ');
            // Trimming leaves no indented code block; escaping '`' and '~' leaves no fence
            // (rustdoc would run a fenced or indented block as a doctest).
            for c in line.trim().chars() {
                if matches!(
                    c,
                    '\\' | '`' | '~' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
                ) {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        })
        .collect();
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

pub(crate) fn doc_attrs(comment: Option<&str>, trailer: String) -> TokenStream {
    let mut lines = comment.map(doc_lines).unwrap_or_default();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(" {trailer}"));
    quote! { #( #[doc = #lines] )* }
}

pub(crate) fn parse_attr(
    option: &'static str,
    path: &str,
    text: &str,
) -> Result<TokenStream, Error> {
    text.parse::<TokenStream>()
        .map_err(|e| Error::InvalidConfig {
            option,
            path: path.to_owned(),
            reason: format!("attribute text does not lex as Rust tokens: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::doc_lines;

    /// Fences (backtick and tilde) and indented lines in a schema comment come out as plain
    /// text: escaped fence characters, no leading indentation beyond the one space after `///`.
    #[test]
    fn code_blocks_in_comments_are_inert() {
        let comment = "Example:\n\n~~~\nlet x = 1;\n~~~\n```rust\nfail();\n```\n\n    indented();\n\tx ~~strike~~";
        assert_eq!(
            doc_lines(comment),
            [
                " Example:",
                " ",
                r" \~\~\~",
                " let x = 1;",
                r" \~\~\~",
                r" \`\`\`rust",
                " fail();",
                r" \`\`\`",
                " ",
                " indented();",
                r" x \~\~strike\~\~",
            ]
        );
    }
}
