//! Node creation modes (`CreateRequest.flags`), from `CreateMode.java`.

use super::code_enum::code_enum;

code_enum! {
    /// How a node is created: the `flags` of `CreateRequest`/`CreateTTLRequest`. Values from
    /// upstream `CreateMode`.
    pub enum CreateMode {
        /// A node that outlives the session.
        Persistent = 0 => "PERSISTENT",
        /// A node deleted when the session ends.
        Ephemeral = 1 => "EPHEMERAL",
        /// A persistent node whose name gets a monotonically increasing suffix.
        PersistentSequential = 2 => "PERSISTENT_SEQUENTIAL",
        /// An ephemeral node whose name gets a monotonically increasing suffix.
        EphemeralSequential = 3 => "EPHEMERAL_SEQUENTIAL",
        /// A node the server deletes once its last child is gone.
        Container = 4 => "CONTAINER",
        /// A persistent node deleted after its TTL when it has no children.
        PersistentWithTtl = 5 => "PERSISTENT_WITH_TTL",
        /// A sequential persistent node with a TTL.
        PersistentSequentialWithTtl = 6 => "PERSISTENT_SEQUENTIAL_WITH_TTL",
    }
}

impl CreateMode {
    /// The value of the request's `flags` field.
    pub const fn flag(self) -> i32 {
        self.code()
    }

    /// Whether the node is deleted when the session ends.
    pub const fn is_ephemeral(self) -> bool {
        matches!(self, Self::Ephemeral | Self::EphemeralSequential)
    }

    /// Whether the server appends a sequence number to the name.
    pub const fn is_sequential(self) -> bool {
        matches!(
            self,
            Self::PersistentSequential
                | Self::EphemeralSequential
                | Self::PersistentSequentialWithTtl
        )
    }

    /// Whether this is a container node.
    pub const fn is_container(self) -> bool {
        matches!(self, Self::Container)
    }

    /// Whether the node has a time to live (created with `CreateTTLRequest`).
    pub const fn is_ttl(self) -> bool {
        matches!(
            self,
            Self::PersistentWithTtl | Self::PersistentSequentialWithTtl
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::UnknownCode;

    #[test]
    fn flags_and_predicates() {
        // (mode, flag, ephemeral, sequential, container, ttl), as in upstream CreateMode.
        let table = [
            (CreateMode::Persistent, 0, false, false, false, false),
            (CreateMode::Ephemeral, 1, true, false, false, false),
            (
                CreateMode::PersistentSequential,
                2,
                false,
                true,
                false,
                false,
            ),
            (CreateMode::EphemeralSequential, 3, true, true, false, false),
            (CreateMode::Container, 4, false, false, true, false),
            (CreateMode::PersistentWithTtl, 5, false, false, false, true),
            (
                CreateMode::PersistentSequentialWithTtl,
                6,
                false,
                true,
                false,
                true,
            ),
        ];
        assert_eq!(table.len(), CreateMode::ALL.len());
        for (mode, flag, e, s, c, t) in table {
            assert_eq!(mode.flag(), flag);
            assert_eq!(i32::from(mode), flag);
            assert_eq!(CreateMode::try_from(flag), Ok(mode));
            assert_eq!(
                (
                    mode.is_ephemeral(),
                    mode.is_sequential(),
                    mode.is_container(),
                    mode.is_ttl()
                ),
                (e, s, c, t),
                "{mode}"
            );
        }
        assert_eq!(
            CreateMode::try_from(7),
            Err(UnknownCode {
                kind: "CreateMode",
                value: 7
            })
        );
        assert_eq!(
            CreateMode::try_from(-1),
            Err(UnknownCode {
                kind: "CreateMode",
                value: -1
            })
        );
    }
}
