//! `services`: the instances registered in Apache Curator's x-discovery layout
//! (`<base>/<service>/<id>`, zk-recipes' `ServiceDiscovery`), as JSON in Curator's own shape.

use std::io::Write;

use clap::Args;
use zk_recipes::discovery::{ServiceDiscovery, DEFAULT_BASE_PATH};

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::format;
use crate::lock::recipe_failure;

/// `services`.
#[derive(Debug, Args)]
pub(crate) struct ServicesArgs {
    /// The base path of the discovery layout (Curator's `basePath`).
    #[arg(long, default_value = DEFAULT_BASE_PATH)]
    base: String,
    /// One service: print its instances as a JSON array. Without it: every service, as one
    /// JSON object of arrays by service name.
    name: Option<String>,
}

/// Runs `services`.
pub(crate) async fn run(s: &Session, a: &ServicesArgs) -> Result<u8, Failure> {
    let discovery = ServiceDiscovery::new(s.client.clone(), &a.base).map_err(recipe_failure)?;
    let text = match &a.name {
        Some(name) => instances_json(&discovery, name).await?,
        None => {
            let mut fields = Vec::new();
            for name in discovery.query_for_names().await.map_err(recipe_failure)? {
                let instances = instances_json(&discovery, &name).await?;
                fields.push(format!("{}:{instances}", format::json_str(&name)));
            }
            format!("{{{}}}", fields.join(","))
        }
    };
    format::line(&text)?;
    Ok(exit::OK)
}

/// The instances of service `name` as a JSON array, each as Curator writes it (the
/// `enabled` field included). A node that is not an instance is reported on stderr and left
/// out.
async fn instances_json(discovery: &ServiceDiscovery, name: &str) -> Result<String, Failure> {
    let path = discovery.path_for_name(name);
    let mut nodes: Vec<String> = match discovery.client().get_children(&path).await {
        Ok(children) => children.iter().map(|c| c.to_string()).collect(),
        Err(zk_client::Error::NoNode { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    nodes.sort();
    let mut items = Vec::with_capacity(nodes.len());
    for node in nodes {
        match discovery.query_for_instance(name, &node).await {
            Ok(Some(instance)) => {
                items.push(String::from_utf8_lossy(&instance.to_json(true)).into_owned());
            }
            Ok(None) => {}
            Err(e @ zk_recipes::Error::BadInstance { .. }) => {
                // A warning only: the listing goes on.
                let _ = writeln!(std::io::stderr(), "zk: skipped {e}");
            }
            Err(e) => return Err(recipe_failure(e)),
        }
    }
    Ok(format!("[{}]", items.join(",")))
}
