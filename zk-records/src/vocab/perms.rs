//! ACL permission bits (`ACL.perms`), from `ZooDefs.Perms`.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign, Not};

/// A set of ACL permissions: the `perms` field of [`crate::data::Acl`]. Combine with `|`.
///
/// ```
/// use zk_records::Perms;
/// let p = Perms::READ | Perms::WRITE;
/// assert!(p.contains(Perms::READ));
/// assert!(!p.contains(Perms::ADMIN));
/// assert_eq!(p.bits(), 3);
/// assert_eq!(p.to_string(), "READ|WRITE");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Perms(i32);

impl Perms {
    /// No permission.
    pub const NONE: Perms = Perms(0);
    /// Read data and list children.
    pub const READ: Perms = Perms(1);
    /// Write data.
    pub const WRITE: Perms = Perms(1 << 1);
    /// Create children.
    pub const CREATE: Perms = Perms(1 << 2);
    /// Delete children.
    pub const DELETE: Perms = Perms(1 << 3);
    /// Set the ACL.
    pub const ADMIN: Perms = Perms(1 << 4);
    /// Every permission.
    pub const ALL: Perms = Perms(31);

    const NAMES: [(Perms, &'static str); 5] = [
        (Self::READ, "READ"),
        (Self::WRITE, "WRITE"),
        (Self::CREATE, "CREATE"),
        (Self::DELETE, "DELETE"),
        (Self::ADMIN, "ADMIN"),
    ];

    /// Wraps raw bits as read from the wire (unknown bits are kept).
    pub const fn from_bits(bits: i32) -> Perms {
        Perms(bits)
    }

    /// The raw bits, for the wire.
    pub const fn bits(self) -> i32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Perms) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl From<Perms> for i32 {
    fn from(p: Perms) -> i32 {
        p.0
    }
}

impl From<i32> for Perms {
    fn from(bits: i32) -> Perms {
        Perms(bits)
    }
}

impl BitOr for Perms {
    type Output = Perms;
    fn bitor(self, rhs: Perms) -> Perms {
        Perms(self.0 | rhs.0)
    }
}

impl BitOrAssign for Perms {
    fn bitor_assign(&mut self, rhs: Perms) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for Perms {
    type Output = Perms;
    fn bitand(self, rhs: Perms) -> Perms {
        Perms(self.0 & rhs.0)
    }
}

impl Not for Perms {
    type Output = Perms;
    fn not(self) -> Perms {
        Perms(!self.0 & Self::ALL.0)
    }
}

impl fmt::Display for Perms {
    /// `READ|WRITE`; `NONE` when empty; unknown bits as hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("NONE");
        }
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            let s = if first { "" } else { "|" };
            first = false;
            f.write_str(s)
        };
        for (p, name) in Self::NAMES {
            if self.contains(p) {
                sep(f)?;
                f.write_str(name)?;
            }
        }
        let unknown = self.0 & !Self::ALL.0;
        if unknown != 0 {
            sep(f)?;
            write!(f, "{unknown:#x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_match_upstream() {
        assert_eq!(Perms::READ.bits(), 1);
        assert_eq!(Perms::WRITE.bits(), 2);
        assert_eq!(Perms::CREATE.bits(), 4);
        assert_eq!(Perms::DELETE.bits(), 8);
        assert_eq!(Perms::ADMIN.bits(), 16);
        assert_eq!(Perms::ALL.bits(), 31);
        assert_eq!(
            Perms::READ | Perms::WRITE | Perms::CREATE | Perms::DELETE | Perms::ADMIN,
            Perms::ALL
        );
    }

    #[test]
    fn operations() {
        let mut p = Perms::NONE;
        assert!(p.is_empty());
        p |= Perms::CREATE;
        assert!(p.contains(Perms::CREATE));
        assert!(!p.contains(Perms::CREATE | Perms::READ));
        assert_eq!((Perms::ALL & Perms::READ), Perms::READ);
        assert_eq!(
            !Perms::READ,
            Perms::WRITE | Perms::CREATE | Perms::DELETE | Perms::ADMIN
        );
        assert_eq!(i32::from(Perms::ADMIN), 16);
        assert_eq!(Perms::from(5), Perms::READ | Perms::CREATE);
        assert_eq!(Perms::from_bits(64).bits(), 64);
    }

    #[test]
    fn display() {
        assert_eq!(Perms::NONE.to_string(), "NONE");
        assert_eq!(Perms::ALL.to_string(), "READ|WRITE|CREATE|DELETE|ADMIN");
        assert_eq!(Perms::from_bits(1 | 64).to_string(), "READ|0x40");
    }
}
