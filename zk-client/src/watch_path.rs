//! [`WatchPath`]: a watched node's server-side path as the watch registry keys it and as a
//! watcher's handle names it when dropped, kept inline when short.
//!
//! Hand-written (40 lines) rather than a small-string crate: `smol_str` needs a newer Rust
//! than this workspace supports, and `compact_str` brings number-formatting crates nobody
//! here uses.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Paths up to this many bytes take no allocation.
const INLINE: usize = 22;

/// A server-side path: up to 22 bytes inline (24 bytes in all, no allocation), longer ones
/// boxed. Hashes, compares and borrows as its `str`, so maps keyed by it are read with `&str`.
#[derive(Clone)]
pub(crate) struct WatchPath(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Boxed(Box<str>),
}

impl WatchPath {
    /// `path`, inline when it fits.
    pub(crate) fn new(path: &str) -> WatchPath {
        let mut bytes = [0u8; INLINE];
        match bytes.get_mut(..path.len()) {
            Some(room) => {
                room.copy_from_slice(path.as_bytes());
                WatchPath(Repr::Inline {
                    len: path.len() as u8,
                    bytes,
                })
            }
            None => WatchPath(Repr::Boxed(path.into())),
        }
    }

    /// The path.
    pub(crate) fn as_str(&self) -> &str {
        match &self.0 {
            // The bytes were copied whole from a `str` (ASCII paths check in a word or two).
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Boxed(s) => s,
        }
    }
}

impl From<&str> for WatchPath {
    fn from(path: &str) -> WatchPath {
        WatchPath::new(path)
    }
}

impl Deref for WatchPath {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for WatchPath {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for WatchPath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for WatchPath {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for WatchPath {}

impl std::fmt::Debug for WatchPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn short_and_long_paths_read_back_and_key_maps_by_str() {
        let long = format!("/{}", "x".repeat(40));
        let paths = [
            "/",
            "/a",
            "/zk-bench/w/0000000",
            "/exactly-22-bytes-path",
            &long,
        ];
        assert_eq!(paths[3].len(), INLINE);
        let mut map = HashMap::new();
        for (i, p) in paths.iter().enumerate() {
            let key = WatchPath::new(p);
            assert_eq!(key.as_str(), *p);
            assert_eq!(
                matches!(key.0, Repr::Inline { .. }),
                p.len() <= INLINE,
                "{p}"
            );
            map.insert(key, i);
        }
        for (i, p) in paths.iter().enumerate() {
            assert_eq!(map.get(*p), Some(&i), "{p}");
        }
        assert_eq!(std::mem::size_of::<WatchPath>(), 24);
        assert_eq!(WatchPath::new("/ü").as_str(), "/ü");
    }
}
