//! The benchmark's nodes: where `zk-bench` puts the keys, the created nodes and the watched
//! ones (the Java, Python and Rust peer harnesses use the same names), and the created nodes
//! a run's `delete` operations take.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Root of everything the benchmark creates.
pub const ROOT: &str = "/zk-bench";
/// Parent of the key nodes (the children listed by `children` operations).
pub const KEYS: &str = "/zk-bench/k";
/// Parent of nodes created by `create` operations.
pub const CREATED: &str = "/zk-bench/c";
/// Parent of the nodes watched by `--watches`.
pub const WATCHED: &str = "/zk-bench/w";

/// The path of key `i`.
pub fn key_path(i: usize) -> String {
    format!("{KEYS}/{i:07}")
}

/// The path of watched node `i`.
pub fn watched_path(i: usize) -> String {
    format!("{WATCHED}/{i:07}")
}

/// The nodes one run creates: fresh names under [`CREATED`] for `create` operations, and the
/// created ones not yet deleted, oldest first, for `delete` operations.
#[derive(Debug)]
pub struct Created {
    prefix: String,
    seq: AtomicU64,
    queue: Mutex<VecDeque<String>>,
}

impl Created {
    /// Names for the client `label` in this process (so that concurrent runs never collide).
    pub fn new(label: &str) -> Created {
        Created {
            prefix: format!("{CREATED}/{label}-{}", std::process::id()),
            seq: AtomicU64::new(0),
            queue: Mutex::new(VecDeque::new()),
        }
    }

    /// A fresh path for a `create`.
    pub fn next_path(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.prefix)
    }

    /// Remembers a created node for a later `delete`.
    pub fn push(&self, path: String) {
        if let Ok(mut q) = self.queue.lock() {
            q.push_back(path);
        }
    }

    /// The oldest created node not yet deleted.
    pub fn victim(&self) -> Option<String> {
        self.queue.lock().ok().and_then(|mut q| q.pop_front())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(key_path(42), "/zk-bench/k/0000042");
        assert_eq!(watched_path(7), "/zk-bench/w/0000007");
        let created = Created::new("x");
        let (a, b) = (created.next_path(), created.next_path());
        assert!(a.starts_with("/zk-bench/c/x-") && a.ends_with("-0"), "{a}");
        assert!(b.ends_with("-1"), "{b}");
        assert_eq!(created.victim(), None);
        created.push(a.clone());
        created.push(b);
        assert_eq!(created.victim(), Some(a));
    }
}
