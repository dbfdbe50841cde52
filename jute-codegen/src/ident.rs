//! Jute names to Rust identifiers: `UpperCamelCase` types, `snake_case` fields and modules,
//! keywords escaped.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that are keywords in some Rust edition (strict and reserved). A field or module with
/// one of these names is written as a raw identifier (`r#type`), except the few that cannot be
/// raw (see [`NOT_RAW`]).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that `r#` cannot escape: these get a trailing underscore instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// The Rust spelling of a Jute record name: `UpperCamelCase`, e.g. `ACL` -> `Acl`,
/// `CreateTTLRequest` -> `CreateTtlRequest`. Returns `None` when nothing usable is left.
pub fn type_name(jute: &str) -> Option<String> {
    escape(jute.to_upper_camel_case())
}

/// The Rust spelling of a Jute field name: `snake_case`, e.g. `lastZxidSeen` ->
/// `last_zxid_seen`, `type` -> `r#type`. Returns `None` when nothing usable is left.
pub fn field_name(jute: &str) -> Option<String> {
    escape(jute.to_snake_case())
}

/// The Rust spelling of one segment of a Jute module name (same rules as fields).
pub fn module_name(jute: &str) -> Option<String> {
    field_name(jute)
}

fn escape(name: String) -> Option<String> {
    let first = name.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    if NOT_RAW.contains(&name.as_str()) {
        Some(format!("{name}_"))
    } else if KEYWORDS.contains(&name.as_str()) {
        Some(format!("r#{name}"))
    } else {
        Some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        let table = [
            ("ACL", "Acl"),
            ("Id", "Id"),
            ("Stat", "Stat"),
            ("StatPersisted", "StatPersisted"),
            ("StatPersistedV1", "StatPersistedV1"),
            ("ClientInfo", "ClientInfo"),
            ("ConnectRequest", "ConnectRequest"),
            ("CreateTTLRequest", "CreateTtlRequest"),
            ("CreateTTLTxn", "CreateTtlTxn"),
            ("GetACLRequest", "GetAclRequest"),
            ("GetACLResponse", "GetAclResponse"),
            ("SetACLTxn", "SetAclTxn"),
            ("GetSASLRequest", "GetSaslRequest"),
            ("Create2Response", "Create2Response"),
            ("GetChildren2Request", "GetChildren2Request"),
            ("SetWatches2", "SetWatches2"),
            ("CreateTxnV0", "CreateTxnV0"),
            ("TxnDigest", "TxnDigest"),
            ("WhoAmIResponse", "WhoAmIResponse"),
            ("lowercase", "Lowercase"),
            ("snake_case_name", "SnakeCaseName"),
            ("HTTPServer", "HttpServer"),
            ("type", "Type"),
            ("self", "Self_"),
            ("Self", "Self_"),
        ];
        for (jute, rust) in table {
            assert_eq!(
                type_name(jute).as_deref(),
                Some(rust),
                "type name of {jute}"
            );
        }
    }

    #[test]
    fn field_names() {
        let table = [
            ("lastZxidSeen", "last_zxid_seen"),
            ("timeOut", "time_out"),
            ("cversion", "cversion"),
            ("ephemeralOwner", "ephemeral_owner"),
            ("protocolVersion", "protocol_version"),
            ("sessionId", "session_id"),
            ("passwd", "passwd"),
            ("readOnly", "read_only"),
            ("relativeZxid", "relative_zxid"),
            ("persistentRecursiveWatches", "persistent_recursive_watches"),
            ("parentCVersion", "parent_c_version"),
            ("paths2Delete", "paths2_delete"),
            ("prefixPath", "prefix_path"),
            ("serverid", "serverid"),
            ("authinfo", "authinfo"),
            ("dataLength", "data_length"),
            ("czxid", "czxid"),
            ("ACL", "acl"),
            ("clientInfo", "client_info"),
            ("already_snake", "already_snake"),
            // Keywords that can be raw.
            ("type", "r#type"),
            ("match", "r#match"),
            ("async", "r#async"),
            ("await", "r#await"),
            ("dyn", "r#dyn"),
            ("try", "r#try"),
            ("gen", "r#gen"),
            ("abstract", "r#abstract"),
            ("yield", "r#yield"),
            ("fn", "r#fn"),
            ("loop", "r#loop"),
            ("ref", "r#ref"),
            ("move", "r#move"),
            ("Type", "r#type"),
            ("Struct", "r#struct"),
            // Keywords that cannot be raw.
            ("self", "self_"),
            ("Self", "self_"),
            ("super", "super_"),
            ("crate", "crate_"),
            // Not keywords.
            ("union", "union"),
            ("default", "default"),
            ("string", "string"),
        ];
        for (jute, rust) in table {
            assert_eq!(
                field_name(jute).as_deref(),
                Some(rust),
                "field name of {jute}"
            );
        }
    }

    #[test]
    fn module_names() {
        for (jute, rust) in [
            ("proto", "proto"),
            ("data", "data"),
            ("quorum", "quorum"),
            ("zooKeeper", "zoo_keeper"),
            ("type", "r#type"),
            ("crate", "crate_"),
        ] {
            assert_eq!(
                module_name(jute).as_deref(),
                Some(rust),
                "module name of {jute}"
            );
        }
    }

    #[test]
    fn unusable_names() {
        for name in ["", "_", "__"] {
            assert_eq!(field_name(name), None, "field {name:?}");
            assert_eq!(type_name(name), None, "type {name:?}");
        }
    }
}
