//! Well-known ids and ACLs, from `ZooDefs.Ids`.

use jute::Utf8Bytes;

use crate::data::{Acl, Id};
use crate::Perms;

/// `world:anyone`: every client.
pub fn anyone_id_unsafe() -> Id {
    Id {
        scheme: Utf8Bytes::from_static("world"),
        id: Utf8Bytes::from_static("anyone"),
    }
}

/// `auth:` (empty id): whoever the creating client is authenticated as.
pub fn auth_ids() -> Id {
    Id {
        scheme: Utf8Bytes::from_static("auth"),
        id: Utf8Bytes::new(),
    }
}

/// Everyone may do anything (`ZooDefs.Ids.OPEN_ACL_UNSAFE`).
pub fn open_acl_unsafe() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::ALL.bits(),
        id: anyone_id_unsafe(),
    }]
}

/// The creator's authenticated ids get every permission (`ZooDefs.Ids.CREATOR_ALL_ACL`).
pub fn creator_all_acl() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::ALL.bits(),
        id: auth_ids(),
    }]
}

/// Everyone may read (`ZooDefs.Ids.READ_ACL_UNSAFE`).
pub fn read_acl_unsafe() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::READ.bits(),
        id: anyone_id_unsafe(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_acls() {
        let world = Id {
            scheme: "world".into(),
            id: "anyone".into(),
        };
        let auth = Id {
            scheme: "auth".into(),
            id: "".into(),
        };
        assert_eq!(anyone_id_unsafe(), world);
        assert_eq!(auth_ids(), auth);
        assert_eq!(
            open_acl_unsafe(),
            vec![Acl {
                perms: 31,
                id: world.clone()
            }]
        );
        assert_eq!(
            creator_all_acl(),
            vec![Acl {
                perms: 31,
                id: auth
            }]
        );
        assert_eq!(
            read_acl_unsafe(),
            vec![Acl {
                perms: 1,
                id: world
            }]
        );
    }

    #[test]
    fn open_acl_bytes() {
        // vector count 1, perms 31, "world", "anyone".
        let bytes = jute::to_vec(&open_acl_unsafe());
        let mut expected = vec![0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 5];
        expected.extend_from_slice(b"world");
        expected.extend_from_slice(&[0, 0, 0, 6]);
        expected.extend_from_slice(b"anyone");
        assert_eq!(bytes, expected);
    }
}
