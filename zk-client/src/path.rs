//! ZooKeeper path rules (`PathUtils.validatePath`) and the chroot that prefixes every path.

use std::borrow::Cow;

use crate::error::Error;

/// The node holding the ensemble configuration: outside every chroot, so read and watched at
/// this path whatever the client's chroot.
pub const CONFIG_NODE: &str = "/zookeeper/config";

/// Checks `path` against ZooKeeper's rules for node paths.
///
/// A path is absolute (`/` first), has no empty, `.` or `..` component, does not end with `/`
/// (except the root) and holds no NUL, control characters (U+0001..U+001F, U+007F..U+009F),
/// private-use characters (U+E000..U+F8FF), U+FFF0..U+FFFF, or characters outside the Basic
/// Multilingual Plane (Java sees those as surrogates, which it refuses).
///
/// With `sequential`, the server appends a counter, so a trailing `/` is allowed (the node's
/// name will be the counter alone): the path is checked as if a digit followed.
pub fn validate_path(path: &str, sequential: bool) -> Result<(), Error> {
    let reason = if sequential {
        path_problem(&format!("{path}1"))
    } else {
        path_problem(path)
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(Error::InvalidPath {
            path: path.to_owned(),
            reason,
        }),
    }
}

/// Whether `path` is valid by a single pass over its bytes, for the common case: printable
/// ASCII only, absolute, no trailing `/`, no empty, `.` or `..` component. `false` means "not
/// sure": [`path_problem`] then checks (and explains) the slow way.
///
/// It runs on every request, so it stays one pass: the general check (a `split` plus a
/// `char_indices` pass) is for paths that fail it.
fn plainly_valid(path: &[u8]) -> bool {
    let [b'/', rest @ ..] = path else {
        return false;
    };
    // Per byte one compare with `/` and one range check; a component's content is looked at
    // only at its end.
    let mut start = 0;
    for (i, &b) in rest.iter().enumerate() {
        if b == b'/' {
            if !plain_component(&rest[start..i]) {
                return false;
            }
            start = i + 1;
        } else if !(0x20..=0x7e).contains(&b) {
            return false;
        }
    }
    plain_component(&rest[start..])
}

/// A component that is neither empty nor `.` nor `..`.
#[inline(always)]
fn plain_component(component: &[u8]) -> bool {
    !matches!(component, b"" | b"." | b"..")
}

/// What is wrong with `path`, or `None` when it is valid.
fn path_problem(path: &str) -> Option<String> {
    if plainly_valid(path.as_bytes()) {
        return None;
    }
    general_problem(path)
}

/// [`path_problem`] without the fast path.
fn general_problem(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("path must not be empty".into());
    }
    if !path.starts_with('/') {
        return Some("path must start with /".into());
    }
    if path.len() == 1 {
        return None;
    }
    if path.ends_with('/') {
        return Some("path must not end with /".into());
    }
    for (i, component) in path.split('/').enumerate().skip(1) {
        match component {
            "" => return Some(format!("empty node name in component {i}")),
            "." | ".." => return Some(format!("relative path component {component:?}")),
            _ => {}
        }
    }
    for (at, c) in path.char_indices() {
        let u = c as u32;
        if u == 0 {
            return Some(format!("NUL character at byte {at}"));
        }
        if (0x01..=0x1f).contains(&u)
            || (0x7f..=0x9f).contains(&u)
            || (0xe000..=0xf8ff).contains(&u)
            || (0xfff0..=0xffff).contains(&u)
            || u > 0xffff
        {
            return Some(format!("invalid character {c:?} (U+{u:04X}) at byte {at}"));
        }
    }
    None
}

/// A client's chroot: a path prefixed to every path sent and stripped from every path received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chroot(Option<String>);

impl Chroot {
    /// No chroot: paths go to the server unchanged.
    pub fn none() -> Chroot {
        Chroot(None)
    }

    /// A chroot at `path`, which must be a valid path; `/` means no chroot.
    pub fn new(path: &str) -> Result<Chroot, Error> {
        validate_path(path, false)?;
        Ok(if path == "/" {
            Chroot(None)
        } else {
            Chroot(Some(path.to_owned()))
        })
    }

    /// The chroot path, or `None` for the root.
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The server-side path for a client path (`/` maps to the chroot itself).
    pub fn prepend<'a>(&self, path: &'a str) -> Cow<'a, str> {
        match &self.0 {
            None => Cow::Borrowed(path),
            Some(root) if path == "/" => Cow::Owned(root.clone()),
            Some(root) => Cow::Owned(format!("{root}{path}")),
        }
    }

    /// The client path for a server-side path. A path outside the chroot is returned
    /// unchanged: the ensemble configuration (`/zookeeper/config`, outside every chroot), or
    /// (logged) one a correct server never sends.
    pub fn strip<'a>(&self, server_path: &'a str) -> Cow<'a, str> {
        let Some(root) = &self.0 else {
            return Cow::Borrowed(server_path);
        };
        match server_path.strip_prefix(root.as_str()) {
            Some("") => Cow::Borrowed("/"),
            Some(rest) if rest.starts_with('/') => Cow::Borrowed(rest),
            // The ensemble configuration is outside every chroot, and keeps its path.
            _ if server_path == CONFIG_NODE => Cow::Borrowed(server_path),
            _ => {
                tracing::warn!(server_path, chroot = %root, "server path outside the chroot");
                Cow::Borrowed(server_path)
            }
        }
    }

    /// Like [`Chroot::strip`], reusing `server_path`'s allocation when there is no chroot.
    pub fn strip_owned(&self, server_path: String) -> String {
        match self.0 {
            None => server_path,
            Some(_) => self.strip(&server_path).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) -> bool {
        validate_path(p, false).is_ok()
    }

    #[test]
    fn valid_paths() {
        for p in [
            "/",
            "/a",
            "/a/b",
            "/a.b",
            "/..a",
            "/a..",
            "/.a/b.",
            "/...",
            "/a/...",
            "/zookeeper",
            "/ü/ñ",
            "/a b",
            "/\u{a0}",
            "/\u{ffef}",
        ] {
            assert!(ok(p), "{p:?} should be valid");
        }
    }

    #[test]
    fn invalid_paths() {
        for p in [
            "",
            "a",
            "a/b",
            "/a/",
            "//",
            "/a//b",
            "/.",
            "/..",
            "/a/.",
            "/a/..",
            "/./a",
            "/../a",
            "/a\0b",
            "/a\u{1}",
            "/\u{1f}",
            "/\u{7f}",
            "/\u{9f}",
            "/\u{e000}",
            "/\u{f8ff}",
            "/\u{fff0}",
            "/\u{ffff}",
            "/\u{1f600}",
        ] {
            assert!(!ok(p), "{p:?} should be invalid");
        }
    }

    #[test]
    fn fast_path_agrees_with_the_general_check() {
        // Every string of up to 6 characters over an alphabet that hits each rule.
        let alphabet = ['/', '.', 'a', ' ', '~', '\u{1}', '\u{7f}', 'ü'];
        let mut paths = vec![String::new()];
        let mut checked = 0;
        for _ in 0..6 {
            let mut next = Vec::new();
            for p in &paths {
                for c in alphabet {
                    let q = format!("{p}{c}");
                    if plainly_valid(q.as_bytes()) {
                        assert_eq!(general_problem(&q), None, "{q:?}");
                    }
                    checked += 1;
                    next.push(q);
                }
            }
            paths = next;
        }
        assert!(checked > 200_000);
        assert!(plainly_valid(b"/zk-bench/k/0000001"));
        assert!(!plainly_valid(b"/a/.."));
    }

    #[test]
    fn errors_name_the_path_and_reason() {
        let err = validate_path("/a//b", false).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidPath {
                path: "/a//b".into(),
                reason: "empty node name in component 2".into()
            }
        );
        let msg = validate_path("/x\u{1}", false).unwrap_err().to_string();
        assert!(msg.contains("U+0001") && msg.contains("/x"), "{msg}");
    }

    #[test]
    fn sequential_allows_trailing_slash() {
        assert!(validate_path("/a/", true).is_ok());
        assert!(validate_path("/a/b-", true).is_ok());
        assert!(validate_path("/", true).is_ok());
        assert!(validate_path("/a//", true).is_err());
        assert!(validate_path("/a/.", true).is_ok(), "becomes /a/.1");
        assert!(validate_path("a", true).is_err());
    }

    #[test]
    fn chroot_prepend_and_strip() {
        let c = Chroot::new("/app/x").unwrap();
        assert_eq!(c.prepend("/"), "/app/x");
        assert_eq!(c.prepend("/n"), "/app/x/n");
        assert_eq!(c.strip("/app/x"), "/");
        assert_eq!(c.strip("/app/x/n/m"), "/n/m");
        assert_eq!(c.strip("/app/xy"), "/app/xy", "not a component boundary");
        assert_eq!(c.strip("/other"), "/other");
        assert_eq!(c.strip_owned("/app/x/q".into()), "/q");
        let none = Chroot::new("/").unwrap();
        assert_eq!(none, Chroot::none());
        assert_eq!(none.prepend("/a"), "/a");
        assert_eq!(none.strip("/a"), "/a");
        assert!(Chroot::new("/a/").is_err());
        assert!(Chroot::new("rel").is_err());
    }
}
