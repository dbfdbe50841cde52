//! Multi-operation transactions (`multi`) and batched reads (`multiRead`), sent as zk-records'
//! `MultiRequest` and answered with `MultiResponse`.

use bytes::Bytes;
use jute::Utf8Bytes;
use zk_records::data::Stat;
use zk_records::proto::{
    CheckVersionRequest, DeleteRequest, GetChildrenRequest, GetDataRequest, SetDataRequest,
};
use zk_records::{MultiOp, MultiReadRequest, MultiRequest, MultiResult};

use super::create::{create_op, CreateOptions};
use super::handle::Client;
use crate::error::Error;
use crate::path::validate_path;

/// One operation of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Fails the transaction unless the node's version matches.
    Check {
        /// The node.
        path: String,
        /// The version it must have.
        version: i32,
    },
    /// Creates a node.
    Create {
        /// The node.
        path: String,
        /// Its data.
        data: Bytes,
        /// Mode, ACL, TTL.
        options: CreateOptions,
    },
    /// Deletes a node.
    Delete {
        /// The node.
        path: String,
        /// The version it must have (`None`: any).
        version: Option<i32>,
    },
    /// Sets a node's data.
    SetData {
        /// The node.
        path: String,
        /// The new data.
        data: Bytes,
        /// The version it must have (`None`: any).
        version: Option<i32>,
    },
}

impl Op {
    /// A version check.
    pub fn check(path: &str, version: i32) -> Op {
        Op::Check {
            path: path.to_owned(),
            version,
        }
    }

    /// A create.
    pub fn create(path: &str, data: impl Into<Bytes>, options: CreateOptions) -> Op {
        Op::Create {
            path: path.to_owned(),
            data: data.into(),
            options,
        }
    }

    /// A delete.
    pub fn delete(path: &str, version: Option<i32>) -> Op {
        Op::Delete {
            path: path.to_owned(),
            version,
        }
    }

    /// A data update.
    pub fn set_data(path: &str, data: impl Into<Bytes>, version: Option<i32>) -> Op {
        Op::SetData {
            path: path.to_owned(),
            data: data.into(),
            version,
        }
    }

    fn path(&self) -> &str {
        match self {
            Op::Check { path, .. }
            | Op::Create { path, .. }
            | Op::Delete { path, .. }
            | Op::SetData { path, .. } => path,
        }
    }
}

/// The result of one operation of a successful transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// The check passed.
    Check,
    /// The node was created at `path`; `stat` is reported for containers and TTL nodes (and
    /// whenever the server sends it).
    Create {
        /// The created path (with its sequence number), relative to the chroot.
        path: String,
        /// The new node's stat, when reported.
        stat: Option<Stat>,
    },
    /// The node was deleted.
    Delete,
    /// The data was set.
    SetData {
        /// The node's new stat.
        stat: Stat,
    },
}

/// One read of a [`Client::multi_read`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOp {
    /// Read a node's data.
    GetData {
        /// The node.
        path: String,
    },
    /// List a node's children.
    GetChildren {
        /// The node.
        path: String,
    },
}

impl ReadOp {
    fn path(&self) -> &str {
        match self {
            ReadOp::GetData { path } | ReadOp::GetChildren { path } => path,
        }
    }
}

/// The result of one read of a [`Client::multi_read`]; each read succeeds or fails alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadResult {
    /// A node's data and stat.
    Data {
        /// The data.
        data: Bytes,
        /// The stat.
        stat: Stat,
    },
    /// A node's children.
    Children {
        /// The names.
        children: Vec<Utf8Bytes>,
    },
    /// This read failed.
    Error(Error),
}

impl Client {
    /// Runs `ops` as one transaction: all apply or none does. A failure names the operation
    /// that failed ([`Error::Multi`] with its index and error).
    pub async fn multi(&self, ops: &[Op]) -> Result<Vec<OpResult>, Error> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let request = MultiRequest {
            ops: ops
                .iter()
                .map(|op| self.multi_op(op))
                .collect::<Result<_, _>>()?,
        };
        // Through the one request path: large node data is written from the callers' `Bytes`.
        let results = self.request(&request, "").await?.results;
        if results.len() != ops.len() {
            return Err(Error::Protocol(format!(
                "multi reply has {} results for {} operations",
                results.len(),
                ops.len()
            )));
        }
        if let Some((index, code)) = results.iter().enumerate().find_map(|(i, r)| match r {
            MultiResult::Error(code) if *code != 0 => Some((i, *code)),
            _ => None,
        }) {
            return Err(Error::Multi {
                index,
                source: Box::new(Error::from_server(code, ops[index].path())),
            });
        }
        results
            .into_iter()
            .map(|r| match r {
                MultiResult::Check => Ok(OpResult::Check),
                MultiResult::Delete => Ok(OpResult::Delete),
                MultiResult::Create(r) => Ok(OpResult::Create {
                    path: self.chroot().strip_owned(r.path.to_string()),
                    stat: None,
                }),
                MultiResult::Create2 { response, .. } => Ok(OpResult::Create {
                    path: self.chroot().strip_owned(response.path.to_string()),
                    stat: Some(response.stat),
                }),
                MultiResult::SetData(r) => Ok(OpResult::SetData { stat: r.stat }),
                other => Err(Error::Protocol(format!(
                    "unexpected result {other:?} in a multi reply"
                ))),
            })
            .collect()
    }

    /// The request record of one operation, its path validated and chrooted.
    fn multi_op(&self, op: &Op) -> Result<MultiOp, Error> {
        let at_path = |p: &str| -> Result<Utf8Bytes, Error> {
            validate_path(p, false)?;
            Ok(self.chroot().prepend(p).into_owned().into())
        };
        Ok(match op {
            Op::Check { path, version } => MultiOp::Check(CheckVersionRequest {
                path: at_path(path)?,
                version: *version,
            }),
            Op::Create {
                path,
                data,
                options,
            } => {
                let server_path = self.chroot().prepend(path).into_owned();
                create_op(path, server_path, data.clone(), options, false)?.into()
            }
            Op::Delete { path, version } => MultiOp::Delete(DeleteRequest {
                path: at_path(path)?,
                version: version.unwrap_or(-1),
            }),
            Op::SetData {
                path,
                data,
                version,
            } => MultiOp::SetData(SetDataRequest {
                path: at_path(path)?,
                data: Some(data.clone()),
                version: version.unwrap_or(-1),
            }),
        })
    }

    /// Runs several reads in one round trip. Each read succeeds or fails on its own.
    pub async fn multi_read(&self, ops: &[ReadOp]) -> Result<Vec<ReadResult>, Error> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let mut request = MultiRequest::default();
        for op in ops {
            let path = op.path();
            validate_path(path, false)?;
            let server_path = self.chroot().prepend(path).into_owned().into();
            request.ops.push(match op {
                ReadOp::GetData { .. } => MultiOp::GetData(GetDataRequest {
                    path: server_path,
                    watch: false,
                }),
                ReadOp::GetChildren { .. } => MultiOp::GetChildren(GetChildrenRequest {
                    path: server_path,
                    watch: false,
                }),
            });
        }
        let results = self.request(&MultiReadRequest(request), "").await?.results;
        if results.len() != ops.len() {
            return Err(Error::Protocol(format!(
                "multiRead reply has {} results for {} reads",
                results.len(),
                ops.len()
            )));
        }
        results
            .into_iter()
            .zip(ops)
            .map(|(r, op)| match r {
                MultiResult::GetData(r) => Ok(ReadResult::Data {
                    data: r.data.unwrap_or_default(),
                    stat: r.stat,
                }),
                MultiResult::GetChildren(r) => Ok(ReadResult::Children {
                    children: r.children,
                }),
                MultiResult::Error(code) => {
                    Ok(ReadResult::Error(Error::from_server(code, op.path())))
                }
                other => Err(Error::Protocol(format!(
                    "unexpected result {other:?} in a multiRead reply"
                ))),
            })
            .collect()
    }
}
