//! The document of `zk export` and `zk import`: a subtree as one JSON object.
//!
//! ```json
//! {"format": "zk-tree/1",
//!  "nodes": [
//!   {"path": "/", "mode": "persistent", "acl": ["world:anyone:cdrwa"], "data": "{\"port\":1}"},
//!   {"path": "/jobs", "mode": "container", "acl": ["world:anyone:cdrwa"], "data": ""},
//!   {"path": "/jobs/t", "mode": "ttl", "ttlMs": 60000, "acl": ["world:anyone:r"], "dataBase64": "AAE="}
//!  ]}
//! ```
//!
//! Paths are relative to the exported node (`/` is that node itself), sorted, every node
//! after its parent. Modes: see [`Mode`] (an export writes `persistent`). Data is `data` (UTF-8 text) or `dataBase64` (anything else). ACL entries
//! are `SCHEME:ID:PERMS`, as `create --acl` takes them.

use base64::Engine;
use serde_json::{json, Map, Value};
use zk_client::Acl;

use crate::format;

/// The `format` of the documents this version writes and reads.
pub(crate) const FORMAT: &str = "zk-tree/1";

/// The modes a document holds. An export writes `persistent` for every node it keeps:
/// servers report `ephemeralOwner` 0 for containers and TTL nodes (`DataNode`'s client stat
/// hides `EphemeralType`'s marks), so nothing a client reads tells them apart. Sequential
/// nodes are exported under their full name: the flag leaves no trace either. `container`
/// and `ttl` are for documents written or edited by hand, and import honours them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A persistent node.
    Persistent,
    /// A container (deleted by the server once its last child goes).
    Container,
    /// A persistent node with a time to live, in milliseconds.
    Ttl(u64),
}

/// One node of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// Relative to the document's root: `/` for the root itself, `/a/b` below it.
    pub(crate) path: String,
    /// How to create it.
    pub(crate) mode: Mode,
    /// Its ACL.
    pub(crate) acl: Vec<Acl>,
    /// Its data.
    pub(crate) data: Vec<u8>,
}

/// The document for `nodes` (sorted by path here), pretty-printed.
pub(crate) fn to_json(nodes: &[Node]) -> String {
    let mut nodes: Vec<&Node> = nodes.iter().collect();
    nodes.sort_by(|a, b| a.path.cmp(&b.path));
    let items: Vec<Value> = nodes.iter().map(|n| node_json(n)).collect();
    let doc = json!({"format": FORMAT, "nodes": items});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn node_json(n: &Node) -> Value {
    let mut o = Map::new();
    o.insert("path".into(), json!(n.path));
    let mode = match n.mode {
        Mode::Persistent => "persistent",
        Mode::Container => "container",
        Mode::Ttl(ms) => {
            o.insert("ttlMs".into(), json!(ms));
            "ttl"
        }
    };
    o.insert("mode".into(), json!(mode));
    let acl: Vec<String> = n.acl.iter().map(acl_entry).collect();
    o.insert("acl".into(), json!(acl));
    match std::str::from_utf8(&n.data) {
        Ok(text) => o.insert("data".into(), json!(text)),
        Err(_) => o.insert("dataBase64".into(), json!(base64_engine().encode(&n.data))),
    };
    Value::Object(o)
}

/// `SCHEME:ID:PERMS`.
fn acl_entry(a: &Acl) -> String {
    let perms = format::perm_letters(a.perms);
    format!("{}:{}:{perms}", a.id.scheme, a.id.id)
}

fn base64_engine() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Reads a document: the nodes in order (every node after its parent), or what is wrong
/// and where (`nodes[3].acl[0]: ...`).
pub(crate) fn from_json(text: &str) -> Result<Vec<Node>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let format = doc.get("format").and_then(Value::as_str);
    if format != Some(FORMAT) {
        return Err(format!(
            "format: expected {FORMAT:?}, found {}",
            doc.get("format").map_or("nothing".into(), Value::to_string)
        ));
    }
    let items = doc
        .get("nodes")
        .and_then(Value::as_array)
        .ok_or("nodes: expected an array of nodes")?;
    let mut nodes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        nodes.push(parse_node(item).map_err(|e| format!("nodes[{i}].{e}"))?);
    }
    nodes.sort_by(|a, b| a.path.cmp(&b.path));
    check_tree(&nodes)?;
    Ok(nodes)
}

fn parse_node(item: &Value) -> Result<Node, String> {
    let o = item.as_object().ok_or("expected an object")?;
    for key in o.keys() {
        if !["path", "mode", "ttlMs", "acl", "data", "dataBase64"].contains(&key.as_str()) {
            return Err(format!("{key}: unknown field"));
        }
    }
    let path = o
        .get("path")
        .and_then(Value::as_str)
        .ok_or("path: expected a string")?;
    let path_ok = path == "/"
        || (path.starts_with('/')
            && !path.ends_with('/')
            && zk_client::validate_path(path, false).is_ok());
    if !path_ok {
        return Err(format!(
            "path: expected /, or /name/... relative to the root, found {path:?}"
        ));
    }
    let ttl = o.get("ttlMs");
    let mode = match (o.get("mode").and_then(Value::as_str), ttl) {
        (Some("persistent"), None) => Mode::Persistent,
        (Some("container"), None) => Mode::Container,
        (Some("ttl"), Some(ms)) => match ms.as_u64() {
            Some(ms) if ms > 0 && ms <= zk_client::MAX_TTL_MS as u64 => Mode::Ttl(ms),
            _ => {
                return Err(format!(
                    "ttlMs: expected 1 to {}, found {ms}",
                    zk_client::MAX_TTL_MS
                ))
            }
        },
        (Some("ttl"), None) => return Err("ttlMs: required for mode ttl".into()),
        (Some(_), Some(_)) => return Err("ttlMs: only for mode ttl".into()),
        (other, _) => {
            return Err(format!(
                "mode: expected persistent, container or ttl, found {}",
                other.map_or("nothing".into(), |m| format!("{m:?}"))
            ))
        }
    };
    let entries = o
        .get("acl")
        .and_then(Value::as_array)
        .ok_or("acl: expected an array of SCHEME:ID:PERMS strings")?;
    let mut acl = Vec::with_capacity(entries.len());
    for (j, entry) in entries.iter().enumerate() {
        let text = entry
            .as_str()
            .ok_or(format!("acl[{j}]: expected a string"))?;
        acl.push(format::parse_acl(text).map_err(|e| format!("acl[{j}]: {e}"))?);
    }
    if acl.is_empty() {
        return Err("acl: expected at least one entry".into());
    }
    let data = match (o.get("data"), o.get("dataBase64")) {
        (Some(Value::String(text)), None) => text.as_bytes().to_vec(),
        (None, Some(Value::String(b64))) => base64_engine()
            .decode(b64)
            .map_err(|e| format!("dataBase64: not base64: {e}"))?,
        _ => return Err("data: expected one of data (a string) or dataBase64".into()),
    };
    Ok(Node {
        path: path.to_owned(),
        mode,
        acl,
        data,
    })
}

/// The sorted nodes form one tree: a root `/`, no path twice, every parent present.
fn check_tree(nodes: &[Node]) -> Result<(), String> {
    if nodes.first().map(|n| n.path.as_str()) != Some("/") {
        return Err("nodes: expected the root node (path \"/\")".into());
    }
    let paths: std::collections::BTreeSet<&str> = nodes.iter().map(|n| n.path.as_str()).collect();
    if paths.len() != nodes.len() {
        let dup = nodes.windows(2).find(|w| w[0].path == w[1].path);
        return Err(format!(
            "nodes: path {:?} appears twice",
            dup.map_or("", |w| w[0].path.as_str())
        ));
    }
    for n in &nodes[1..] {
        let parent = parent_of(&n.path);
        if !paths.contains(parent) {
            return Err(format!(
                "nodes: {:?} has no parent {parent:?} in the document",
                n.path
            ));
        }
    }
    Ok(())
}

/// The parent of a non-root path (`/a/b` -> `/a`, `/a` -> `/`).
pub(crate) fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// `base` joined with a document path (`/` is `base` itself).
pub(crate) fn join(base: &str, rel: &str) -> String {
    match (base, rel) {
        (_, "/") => base.to_owned(),
        ("/", _) => rel.to_owned(),
        _ => format!("{base}{rel}"),
    }
}

#[cfg(test)]
#[path = "treedoc_tests.rs"]
mod tests;
