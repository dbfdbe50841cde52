//! Curator's `UriSpec`: a URI template such as `{scheme}://{address}:{port}/api`, parsed
//! into literal and variable parts and written as JSON the way Jackson writes Curator's class
//! (`{"parts":[{"value":"scheme","variable":true},...]}`).

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// One part of a [`UriSpec`]: literal text, or the name of a variable to replace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UriPart {
    /// The text, or the variable's name.
    #[serde(default)]
    pub value: String,
    /// Whether it is a variable (`{name}` in the template).
    #[serde(default)]
    pub variable: bool,
}

/// A URI template with `{variable}` fields (Curator's `UriSpec`). The predefined variables
/// are `scheme` (`http`, or `https` when the instance has an SSL port), `name`, `id`,
/// `address`, `port`, `ssl-port`, `registration-time-utc`, `service-type` (lowercase), and
/// `[` / `]` for literal braces.
///
/// ```
/// use zk_recipes::discovery::{ServiceInstance, UriSpec};
///
/// let spec = UriSpec::parse("{scheme}://{address}:{port}/api")?;
/// let instance = ServiceInstance::builder("api")
///     .address("10.0.0.7")
///     .port(8080)
///     .uri_spec(spec)
///     .build()?;
/// assert_eq!(instance.build_uri(&Default::default()), "http://10.0.0.7:8080/api");
/// # Ok::<(), zk_recipes::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct UriSpec {
    /// The parts in order.
    #[serde(default)]
    pub parts: Vec<UriPart>,
}

impl UriSpec {
    /// Parses a template as Curator does: text between `{` and `}` (trimmed) is a variable;
    /// a `{` inside a variable, a `}` outside one, or an unclosed `{` is an error.
    pub fn parse(raw: &str) -> Result<UriSpec, Error> {
        let bad = |at: usize, reason: &str| Error::InvalidUriSpec {
            spec: raw.to_owned(),
            at,
            reason: reason.to_owned(),
        };
        let mut parts = Vec::new();
        let mut inside = false;
        let mut start = 0;
        for (at, c) in raw.char_indices() {
            if c != '{' && c != '}' {
                continue;
            }
            push_part(&mut parts, &raw[start..at], inside);
            start = at + 1;
            match (c, inside) {
                ('{', true) => {
                    return Err(bad(at, "expected `}` to close the variable, found `{`"))
                }
                ('}', false) => return Err(bad(at, "found `}` without a `{` before it")),
                _ => inside = !inside,
            }
        }
        push_part(&mut parts, &raw[start..], inside);
        if inside {
            return Err(bad(raw.len(), "expected `}` to close the last variable"));
        }
        Ok(UriSpec { parts })
    }
}

/// Adds the text between two braces as a part (Java's tokenizer yields no empty tokens).
fn push_part(parts: &mut Vec<UriPart>, text: &str, variable: bool) {
    if text.is_empty() {
        return;
    }
    let value = if variable { text.trim() } else { text };
    parts.push(UriPart {
        value: value.to_owned(),
        variable,
    });
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn part(value: &str, variable: bool) -> UriPart {
        UriPart {
            value: value.into(),
            variable,
        }
    }

    #[test]
    fn parses_as_curator() {
        let spec = UriSpec::parse("{scheme}://foo.com:{ port }/x{[}").unwrap();
        assert_eq!(
            spec.parts,
            [
                part("scheme", true),
                part("://foo.com:", false),
                part("port", true),
                part("/x", false),
                part("[", true),
            ]
        );
        assert_eq!(
            serde_json::to_string(&UriSpec::parse("{a}/b").unwrap()).unwrap(),
            r#"{"parts":[{"value":"a","variable":true},{"value":"/b","variable":false}]}"#
        );
        assert!(UriSpec::parse("{}").unwrap().parts.is_empty());
    }

    #[test]
    fn rejects_unbalanced_braces() {
        for (raw, at) in [("{a{b}}", 2), ("a}", 1), ("x{a", 3)] {
            match UriSpec::parse(raw) {
                Err(Error::InvalidUriSpec { at: found, .. }) => assert_eq!(found, at, "{raw}"),
                other => panic!("{raw}: {other:?}"),
            }
        }
        let e = UriSpec::parse("a}").unwrap_err().to_string();
        assert!(e.contains("a}") && e.contains("byte 1"), "{e}");
    }

    #[test]
    fn builds_with_overrides_and_missing_values() {
        let spec = UriSpec::parse("{scheme}://{host}:{port}{[}{]}").unwrap();
        let mut vars = HashMap::new();
        vars.insert("port".to_owned(), "99".to_owned());
        assert_eq!(spec.build(None, &vars), "http://:99{}");
    }
}
