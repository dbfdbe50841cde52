//! Multi-operation transactions (`multi`) and batched reads (`multiRead`), framed by hand with
//! `MultiHeader` as ZooKeeper's `MultiOperationRecord` and `MultiResponse` are.

use bytes::Bytes;
use jute::{Decoder, Jute, Utf8Bytes};
use zk_records::data::Stat;
use zk_records::proto::{
    CheckVersionRequest, Create2Response, CreateResponse, DeleteRequest, ErrorResponse,
    GetChildrenRequest, GetChildrenResponse, GetDataRequest, GetDataResponse, MultiHeader,
    SetDataRequest, SetDataResponse,
};
use zk_records::OpCode;

use super::handle::Client;
use super::ops::{CreateOptions, CreateRecord};
use crate::error::Error;
use crate::message::Effect;
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

fn header(op: OpCode) -> MultiHeader {
    MultiHeader {
        r#type: op.code(),
        done: false,
        err: -1,
    }
}

const END: MultiHeader = MultiHeader {
    r#type: -1,
    done: true,
    err: -1,
};

impl Client {
    /// Runs `ops` as one transaction: all apply or none does. A failure names the operation
    /// that failed ([`Error::Multi`] with its index and error).
    pub async fn multi(&self, ops: &[Op]) -> Result<Vec<OpResult>, Error> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let mut body = Vec::new();
        for op in ops {
            let at_path = |p: &str| -> Result<String, Error> {
                validate_path(p, false)?;
                Ok(self.chroot().prepend(p).into_owned())
            };
            match op {
                Op::Check { path, version } => {
                    header(OpCode::Check).encode(&mut body);
                    CheckVersionRequest {
                        path: at_path(path)?.into(),
                        version: *version,
                    }
                    .encode(&mut body);
                }
                Op::Create {
                    path,
                    data,
                    options,
                } => {
                    let server_path = self.chroot().prepend(path).into_owned();
                    let (code, record) =
                        CreateRecord::build(path, server_path, data.clone(), options, false)?;
                    header(code).encode(&mut body);
                    record.encode_into(&mut body);
                }
                Op::Delete { path, version } => {
                    header(OpCode::Delete).encode(&mut body);
                    DeleteRequest {
                        path: at_path(path)?.into(),
                        version: version.unwrap_or(-1),
                    }
                    .encode(&mut body);
                }
                Op::SetData {
                    path,
                    data,
                    version,
                } => {
                    header(OpCode::SetData).encode(&mut body);
                    SetDataRequest {
                        path: at_path(path)?.into(),
                        data: Some(data.clone()),
                        version: version.unwrap_or(-1),
                    }
                    .encode(&mut body);
                }
            }
        }
        END.encode(&mut body);
        let reply = self.call_raw(OpCode::Multi, body, Effect::None).await?;
        if reply.err != 0 {
            return Err(Error::from_server(reply.err, ""));
        }
        let entries = decode_multi(reply.body)?;
        if entries.len() != ops.len() {
            return Err(Error::Protocol(format!(
                "multi reply has {} results for {} operations",
                entries.len(),
                ops.len()
            )));
        }
        if let Some((index, code)) = entries.iter().enumerate().find_map(|(i, e)| match e {
            Entry::Error(code) if *code != 0 => Some((i, *code)),
            _ => None,
        }) {
            return Err(Error::Multi {
                index,
                source: Box::new(Error::from_server(code, ops[index].path())),
            });
        }
        entries
            .into_iter()
            .map(|e| match e {
                Entry::Check => Ok(OpResult::Check),
                Entry::Delete => Ok(OpResult::Delete),
                Entry::Create { path, stat } => Ok(OpResult::Create {
                    path: self.chroot().strip_owned(path),
                    stat,
                }),
                Entry::SetData(stat) => Ok(OpResult::SetData { stat }),
                other => Err(Error::Protocol(format!(
                    "unexpected result {other:?} in a multi reply"
                ))),
            })
            .collect()
    }

    /// Runs several reads in one round trip. Each read succeeds or fails on its own.
    pub async fn multi_read(&self, ops: &[ReadOp]) -> Result<Vec<ReadResult>, Error> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let mut body = Vec::new();
        for op in ops {
            let path = op.path();
            validate_path(path, false)?;
            let server_path = self.chroot().prepend(path).into_owned();
            match op {
                ReadOp::GetData { .. } => {
                    header(OpCode::GetData).encode(&mut body);
                    GetDataRequest {
                        path: server_path.into(),
                        watch: false,
                    }
                    .encode(&mut body);
                }
                ReadOp::GetChildren { .. } => {
                    header(OpCode::GetChildren).encode(&mut body);
                    GetChildrenRequest {
                        path: server_path.into(),
                        watch: false,
                    }
                    .encode(&mut body);
                }
            }
        }
        END.encode(&mut body);
        let reply = self.call_raw(OpCode::MultiRead, body, Effect::None).await?;
        if reply.err != 0 {
            return Err(Error::from_server(reply.err, ""));
        }
        let entries = decode_multi(reply.body)?;
        if entries.len() != ops.len() {
            return Err(Error::Protocol(format!(
                "multiRead reply has {} results for {} reads",
                entries.len(),
                ops.len()
            )));
        }
        entries
            .into_iter()
            .zip(ops)
            .map(|(e, op)| match e {
                Entry::Data(data, stat) => Ok(ReadResult::Data { data, stat }),
                Entry::Children(children) => Ok(ReadResult::Children { children }),
                Entry::Error(code) => Ok(ReadResult::Error(Error::from_server(code, op.path()))),
                other => Err(Error::Protocol(format!(
                    "unexpected result {other:?} in a multiRead reply"
                ))),
            })
            .collect()
    }
}

/// One decoded result of a multi reply.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    Check,
    Delete,
    Create { path: String, stat: Option<Stat> },
    SetData(Stat),
    Data(Bytes, Stat),
    Children(Vec<Utf8Bytes>),
    Error(i32),
}

/// Decodes a `MultiResponse`: results, each after a `MultiHeader`, until a header says done.
pub(crate) fn decode_multi(body: Bytes) -> Result<Vec<Entry>, Error> {
    let mut d = Decoder::new(body);
    let mut out = Vec::new();
    loop {
        let h = MultiHeader::decode(&mut d)?;
        if h.done {
            break;
        }
        let entry = match OpCode::try_from(h.r#type) {
            Ok(OpCode::Create) => Entry::Create {
                path: CreateResponse::decode(&mut d)?.path.to_string(),
                stat: None,
            },
            Ok(OpCode::Create2 | OpCode::CreateTtl | OpCode::CreateContainer) => {
                let r = Create2Response::decode(&mut d)?;
                Entry::Create {
                    path: r.path.to_string(),
                    stat: Some(r.stat),
                }
            }
            Ok(OpCode::Delete) => Entry::Delete,
            Ok(OpCode::Check) => Entry::Check,
            Ok(OpCode::SetData) => Entry::SetData(SetDataResponse::decode(&mut d)?.stat),
            Ok(OpCode::GetData) => {
                let r = GetDataResponse::decode(&mut d)?;
                Entry::Data(r.data.unwrap_or_default(), r.stat)
            }
            Ok(OpCode::GetChildren) => {
                Entry::Children(GetChildrenResponse::decode(&mut d)?.children)
            }
            Ok(OpCode::Error) => Entry::Error(ErrorResponse::decode(&mut d)?.err),
            _ => {
                return Err(Error::Protocol(format!(
                    "invalid type {} in a multi reply",
                    h.r#type
                )))
            }
        };
        out.push(entry);
    }
    if d.remaining() != 0 {
        return Err(Error::Protocol(format!(
            "{} bytes after the end of a multi reply",
            d.remaining()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_results_until_done() {
        let mut v = Vec::new();
        header(OpCode::Create).encode(&mut v);
        CreateResponse { path: "/a".into() }.encode(&mut v);
        header(OpCode::Delete).encode(&mut v);
        header(OpCode::Error).encode(&mut v);
        ErrorResponse { err: -101 }.encode(&mut v);
        header(OpCode::SetData).encode(&mut v);
        SetDataResponse {
            stat: Stat::default(),
        }
        .encode(&mut v);
        END.encode(&mut v);
        assert_eq!(
            decode_multi(Bytes::from(v)).unwrap(),
            [
                Entry::Create {
                    path: "/a".into(),
                    stat: None
                },
                Entry::Delete,
                Entry::Error(-101),
                Entry::SetData(Stat::default())
            ]
        );
    }

    #[test]
    fn rejects_bad_multi_replies() {
        let mut v = Vec::new();
        header(OpCode::Ping).encode(&mut v);
        END.encode(&mut v);
        assert!(matches!(
            decode_multi(Bytes::from(v)),
            Err(Error::Protocol(_))
        ));
        let mut v = Vec::new();
        header(OpCode::Check).encode(&mut v);
        assert!(decode_multi(Bytes::from(v)).is_err(), "missing end marker");
        let mut v = Vec::new();
        END.encode(&mut v);
        v.push(0);
        assert!(decode_multi(Bytes::from(v)).is_err(), "trailing bytes");
    }
}
