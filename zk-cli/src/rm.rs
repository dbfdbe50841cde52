//! `rm -r`: deletes a subtree, children before parents, tolerating concurrent changes.

use zk_client::Error;

use crate::connect::Session;

/// How often the tree is listed again when a node gains children while being deleted.
const ATTEMPTS: usize = 5;

/// `parent/name`, without doubling the slash under `/`.
pub(crate) fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Deletes `root` and everything under it. A node that disappears meanwhile is fine (someone
/// else deleted it); a node that gains a child meanwhile makes us list again. `NoNode` for
/// `root` itself, before anything was deleted, is reported.
pub(crate) async fn delete_tree(s: &Session, root: &str) -> Result<(), Error> {
    let mut last = None;
    for attempt in 0..ATTEMPTS {
        // Breadth-first listing: every node comes after its parent, so deleting in reverse
        // order deletes children first.
        let mut order = vec![root.to_owned()];
        let mut next = 0;
        while next < order.len() {
            let path = order[next].clone();
            match s.call(s.client.get_children(&path)).await {
                Ok(children) => order.extend(children.iter().map(|c| child_path(&path, c))),
                Err(Error::NoNode { .. }) if next > 0 || attempt > 0 => {}
                Err(e) => return Err(e),
            }
            next += 1;
        }
        let mut retry = false;
        for path in order.iter().rev() {
            match s.call(s.client.delete(path, None)).await {
                Ok(()) | Err(Error::NoNode { .. }) => {}
                Err(e @ Error::NotEmpty { .. }) => {
                    last = Some(e);
                    retry = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if !retry {
            return Ok(());
        }
    }
    Err(last.unwrap_or(Error::NotEmpty {
        path: root.to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_paths() {
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
    }
}
