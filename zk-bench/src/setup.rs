//! Setup: the benchmark's parent nodes and the key nodes with `--value-size` bytes each,
//! created (or rewritten) before anything is measured.

use bytes::Bytes;
use tokio::task::JoinSet;
use zk_bench_harness::nodes::{key_path, CREATED, KEYS, ROOT, WATCHED};
use zk_client::{Client, CreateOptions, Error, Op};

use crate::args::Args;

/// Creates per `multi` during setup.
const MULTI_BATCH: usize = 500;

/// Creates the root, the key nodes (with `--value-size` bytes) and the parents.
pub(crate) async fn setup(client: &Client, args: &Args) -> Result<(), String> {
    for p in [ROOT, KEYS, CREATED, WATCHED] {
        ensure(client, p).await?;
    }
    let value = Bytes::from(vec![b'x'; args.value_size]);
    let created = create_missing(
        client,
        KEYS,
        (0..args.keys).map(key_path).collect(),
        value.clone(),
    )
    .await?;
    // Keys from an earlier run may hold another size: rewrite them, pipelined.
    let (data, _) = client
        .get_data(&key_path(0))
        .await
        .map_err(|e| format!("reading {}: {e}", key_path(0)))?;
    if data.len() != args.value_size {
        let mut running = JoinSet::new();
        for i in 0..args.keys {
            let c = client.clone();
            let v = value.clone();
            running.spawn(async move { c.set_data(&key_path(i), v, None).await });
            if running.len() >= 256 {
                if let Some(r) = running.join_next().await {
                    r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
                }
            }
        }
        while let Some(r) = running.join_next().await {
            r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
        }
    }
    if created > 0 {
        eprintln!("setup: created {created} key nodes");
    }
    Ok(())
}

/// Creates `path` unless it exists.
async fn ensure(client: &Client, path: &str) -> Result<(), String> {
    match client
        .create(path, Vec::new(), &CreateOptions::persistent())
        .await
    {
        Ok(_) | Err(Error::NodeExists { .. }) => Ok(()),
        Err(e) => Err(format!("creating {path}: {e}")),
    }
}

/// Creates the missing nodes among `paths` (in `multi` batches, several at a time) with
/// `data`; how many it created.
pub(crate) async fn create_missing(
    client: &Client,
    parent: &str,
    paths: Vec<String>,
    data: Bytes,
) -> Result<usize, String> {
    let existing: std::collections::HashSet<String> = client
        .get_children(parent)
        .await
        .map_err(|e| format!("listing {parent}: {e}"))?
        .into_iter()
        .map(|c| format!("{parent}/{c}"))
        .collect();
    let missing: Vec<String> = paths
        .into_iter()
        .filter(|p| !existing.contains(p))
        .collect();
    let n = missing.len();
    let mut batches = missing.chunks(MULTI_BATCH);
    let mut running = JoinSet::new();
    loop {
        while running.len() < 8 {
            let Some(batch) = batches.next() else { break };
            let ops: Vec<Op> = batch
                .iter()
                .map(|p| Op::create(p, data.clone(), CreateOptions::persistent()))
                .collect();
            let c = client.clone();
            running.spawn(async move { c.multi(&ops).await });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        done.map_err(|e| format!("setup task: {e}"))?
            .map_err(|e| format!("creating nodes under {parent}: {e}"))?;
    }
    Ok(n)
}
