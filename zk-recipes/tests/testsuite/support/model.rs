//! Checking a tree cache against the server: its events applied to a map (a model of what a
//! user of the stream knows), compared with the tree read directly.

use std::collections::BTreeMap;

use tokio::time::timeout;
use zk_client::Client;
use zk_recipes::{Cache, CacheEvent, CacheEvents, CacheState};

use super::client::WAIT;

/// A node's data, by path.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// What a stream's reader knows, built from its events; every event must make sense where it
/// comes (no `Created` for a node known, no `Changed`/`Deleted` for one unknown).
#[derive(Debug, Default)]
pub struct Model {
    pub nodes: Tree,
    pub state: Option<CacheState>,
    /// Every event, as `+path=data`, `~path=data`, `-path`, `state`.
    pub log: Vec<String>,
}

impl Model {
    pub fn apply(&mut self, event: CacheEvent) {
        let data = |n: &zk_recipes::CachedNode| n.data.clone().unwrap_or_default().to_vec();
        match event {
            CacheEvent::Created(n) => {
                self.log.push(format!("+{}={}", n.path, text(&data(&n))));
                let before = self.nodes.insert(n.path.clone(), data(&n));
                assert!(
                    before.is_none(),
                    "Created for a node already there: {}",
                    n.path
                );
            }
            CacheEvent::Changed { old, new } => {
                self.log
                    .push(format!("~{}={}", new.path, text(&data(&new))));
                assert_eq!(old.path, new.path);
                assert_eq!(old.stat.czxid, new.stat.czxid, "Changed is the same node");
                assert!(new.stat.mzxid > old.stat.mzxid, "Changed goes forward");
                let before = self.nodes.insert(new.path.clone(), data(&new));
                assert_eq!(
                    before,
                    Some(data(&old)),
                    "Changed for {}: old data",
                    new.path
                );
            }
            CacheEvent::Deleted(n) => {
                self.log.push(format!("-{}", n.path));
                let prefix = format!("{}/", n.path);
                assert!(
                    !self.nodes.keys().any(|p| p.starts_with(&prefix)),
                    "Deleted {} before its descendants",
                    n.path
                );
                assert!(
                    self.nodes.remove(&n.path).is_some(),
                    "Deleted an unknown node {}",
                    n.path
                );
            }
            CacheEvent::State(s) => {
                self.log.push(s.to_string());
                self.state = Some(s);
            }
            CacheEvent::Reset => {
                self.log.push("reset".into());
                self.nodes.clear();
            }
        }
    }

    /// Reads events until `pred` holds of the model (within [`WAIT`]).
    pub async fn until(
        &mut self,
        events: &mut CacheEvents,
        what: &str,
        pred: impl Fn(&Model) -> bool,
    ) {
        let done = timeout(WAIT, async {
            while !pred(self) {
                match events.next().await {
                    Some(e) => self.apply(e),
                    None => panic!(
                        "the cache's events ended waiting for {what}; log {:?}",
                        self.log
                    ),
                }
            }
        })
        .await;
        if done.is_err() {
            panic!(
                "{what}: not within {WAIT:?}; model {:?}; log {:?}",
                self.nodes, self.log
            );
        }
    }

    /// Reads events until the model equals `tree` and the state is live.
    pub async fn until_tree(&mut self, events: &mut CacheEvents, tree: &Tree, what: &str) {
        self.until(events, what, |m| {
            m.nodes == *tree && m.state == Some(CacheState::Live)
        })
        .await;
    }

    /// The log since `from`.
    pub fn since(&self, from: usize) -> Vec<String> {
        self.log[from..].to_vec()
    }
}

/// Data as text for the log.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The tree under `root` (included), read directly.
pub async fn read_tree(zk: &Client, root: &str) -> Tree {
    let mut tree = Tree::new();
    let mut pending = vec![root.to_owned()];
    while let Some(path) = pending.pop() {
        let Ok((data, _)) = zk.get_data(&path).await else {
            continue;
        };
        tree.insert(path.clone(), data.to_vec());
        if let Ok(children) = zk.get_children(&path).await {
            for c in children.iter() {
                pending.push(if path == "/" {
                    format!("/{c}")
                } else {
                    format!("{path}/{c}")
                });
            }
        }
    }
    tree
}

/// The cache's contents, as a tree.
pub fn cache_tree(cache: &Cache) -> Tree {
    cache
        .snapshot()
        .into_iter()
        .map(|n| (n.path, n.data.unwrap_or_default().to_vec()))
        .collect()
}
