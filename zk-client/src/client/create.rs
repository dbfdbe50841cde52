//! How a node is created: [`CreateOptions`] (mode, ACL, TTL) and the request each mode is sent
//! as, shared by `create`/`create2` and the creates of a `multi`.

use std::time::Duration;

use bytes::Bytes;
use zk_records::data::Acl;
use zk_records::proto::{CreateRequest, CreateTtlRequest};
use zk_records::{CreateMode, MultiOp};

use crate::error::Error;
use crate::path::validate_path;

/// Largest TTL the server accepts (`EphemeralType.TTL`'s 40-bit limit), in milliseconds.
pub const MAX_TTL_MS: i64 = (1 << 40) - 1;

/// How to create a node: mode, ACL, and for TTL modes the time to live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOptions {
    /// The creation mode.
    pub mode: CreateMode,
    /// The ACL (must not be empty). Default: open to anyone (`world:anyone`, all permissions).
    pub acl: Vec<Acl>,
    /// Time to live for `PersistentWithTtl` / `PersistentSequentialWithTtl` (required there,
    /// refused elsewhere).
    pub ttl: Option<Duration>,
}

impl CreateOptions {
    /// Options for `mode` with the open ACL.
    pub fn new(mode: CreateMode) -> CreateOptions {
        CreateOptions {
            mode,
            acl: zk_records::open_acl_unsafe(),
            ttl: None,
        }
    }

    /// A persistent node with the open ACL.
    pub fn persistent() -> CreateOptions {
        CreateOptions::new(CreateMode::Persistent)
    }

    /// An ephemeral node with the open ACL.
    pub fn ephemeral() -> CreateOptions {
        CreateOptions::new(CreateMode::Ephemeral)
    }

    /// Replaces the ACL.
    pub fn with_acl(mut self, acl: Vec<Acl>) -> CreateOptions {
        self.acl = acl;
        self
    }

    /// Sets the time to live (TTL modes only).
    pub fn with_ttl(mut self, ttl: Duration) -> CreateOptions {
        self.ttl = Some(ttl);
        self
    }

    /// Checks the options and returns the TTL in milliseconds, if any.
    fn ttl_ms(&self) -> Result<Option<i64>, Error> {
        let ttl_mode = matches!(
            self.mode,
            CreateMode::PersistentWithTtl | CreateMode::PersistentSequentialWithTtl
        );
        match (ttl_mode, self.ttl) {
            (true, Some(ttl)) => {
                let ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
                if ms <= 0 || ms > MAX_TTL_MS {
                    Err(Error::InvalidArgument(format!(
                        "TTL must be between 1 ms and {MAX_TTL_MS} ms, got {ttl:?}"
                    )))
                } else {
                    Ok(Some(ms))
                }
            }
            (true, None) => Err(Error::InvalidArgument(format!("{} needs a TTL", self.mode))),
            (false, Some(_)) => Err(Error::InvalidArgument(format!(
                "{} takes no TTL",
                self.mode
            ))),
            (false, None) => Ok(None),
        }
    }
}

/// A create request, as the operation the server wants for the mode.
#[derive(Debug)]
pub(crate) enum CreateOp {
    /// `create`: answered with the path.
    Plain(CreateRequest),
    /// `create2`: answered with the path and stat.
    WithStat(CreateRequest),
    /// `createContainer`: answered with the path and stat.
    Container(CreateRequest),
    /// `createTTL`: answered with the path and stat.
    Ttl(CreateTtlRequest),
}

impl From<CreateOp> for MultiOp {
    fn from(op: CreateOp) -> MultiOp {
        match op {
            CreateOp::Plain(r) => MultiOp::Create(r),
            CreateOp::WithStat(r) => MultiOp::Create2(r),
            CreateOp::Container(r) => MultiOp::CreateContainer(r),
            CreateOp::Ttl(r) => MultiOp::CreateTtl(r),
        }
    }
}

/// Validates a create and builds its request for server-side path `server_path`: `create`
/// (or `create2` when `stat` is asked for), `createContainer`, `createTTL`.
pub(crate) fn create_op(
    path: &str,
    server_path: String,
    data: Bytes,
    options: &CreateOptions,
    stat: bool,
) -> Result<CreateOp, Error> {
    validate_path(path, options.mode.is_sequential())?;
    if options.acl.is_empty() {
        return Err(Error::InvalidAcl {
            path: path.to_owned(),
        });
    }
    let flags = options.mode.flag();
    if let Some(ttl) = options.ttl_ms()? {
        return Ok(CreateOp::Ttl(CreateTtlRequest {
            path: server_path.into(),
            data: Some(data),
            acl: options.acl.clone(),
            flags,
            ttl,
        }));
    }
    let request = CreateRequest {
        path: server_path.into(),
        data: Some(data),
        acl: options.acl.clone(),
        flags,
    };
    Ok(if options.mode == CreateMode::Container {
        CreateOp::Container(request)
    } else if stat {
        CreateOp::WithStat(request)
    } else {
        CreateOp::Plain(request)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk_records::OpCode;

    #[test]
    fn create_record_choice() {
        let data = Bytes::from_static(b"d");
        let p = |o: &CreateOptions, stat| {
            create_op("/a", "/r/a".into(), data.clone(), o, stat)
                .map(|op| MultiOp::from(op).op_code())
        };
        assert_eq!(p(&CreateOptions::persistent(), false), Ok(OpCode::Create));
        assert_eq!(p(&CreateOptions::persistent(), true), Ok(OpCode::Create2));
        assert_eq!(
            p(&CreateOptions::new(CreateMode::Container), false),
            Ok(OpCode::CreateContainer)
        );
        let ttl =
            CreateOptions::new(CreateMode::PersistentWithTtl).with_ttl(Duration::from_secs(1));
        assert_eq!(p(&ttl, false), Ok(OpCode::CreateTtl));
        assert!(matches!(
            p(&CreateOptions::new(CreateMode::PersistentWithTtl), false),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            p(
                &CreateOptions::persistent().with_ttl(Duration::from_secs(1)),
                false
            ),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            p(&CreateOptions::persistent().with_acl(vec![]), false),
            Err(Error::InvalidAcl { .. })
        ));
        let zero = CreateOptions::new(CreateMode::PersistentWithTtl).with_ttl(Duration::ZERO);
        assert!(p(&zero, false).is_err());
    }

    #[test]
    fn sequential_paths_may_end_with_slash() {
        let o = CreateOptions::new(CreateMode::PersistentSequential);
        assert!(create_op("/q/", "/q/".into(), Bytes::new(), &o, false).is_ok());
        assert!(create_op(
            "/q/",
            "/q/".into(),
            Bytes::new(),
            &CreateOptions::persistent(),
            false
        )
        .is_err());
    }
}
