//! The benchmark's sessions: plain or TLS, with replies allowed as large as a listing of the
//! watched nodes.

use std::path::Path;
use std::time::Duration;

use zk_client::{Client, TlsConfig};

/// A session to `connect` (over TLS when `tls_ca` is given, gathering replies unless
/// `coalesce` is false), allowed replies as large as a listing of the watched nodes.
pub(crate) async fn connect_one(
    connect: &str,
    tls_ca: Option<&Path>,
    coalesce: bool,
) -> Result<Client, String> {
    let mut builder = Client::builder().coalesce_replies(coalesce);
    if let Some(ca) = tls_ca {
        builder = builder.tls(TlsConfig::new().ca_file(ca));
    }
    builder
        .session_timeout(Duration::from_secs(30))
        // Listing a parent of 100,000 nodes (`--watches`, run again on the same server) is a
        // reply of ~1.1 MB, over the default limit of `jute.maxbuffer` (as for Java's client
        // without `-Djute.maxbuffer`).
        .max_reply_len(64 << 20)
        .connect(connect)
        .await
        .map_err(|e| format!("connecting to {connect}: {e}"))
}
