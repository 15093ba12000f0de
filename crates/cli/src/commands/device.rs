//! `accord init` (the device identity) and `accord devices` (the devices
//! paired with this one).

use accord_node::transport::identity;
use serde_json::{Value, json};

use crate::cli::Global;
use crate::error::CliError;
use crate::node;

/// Creates the device identity if there is none; prints the device id.
pub fn init(global: &Global) -> Result<String, CliError> {
    let mut store = node::open(global)?;
    let id = identity::device_id(&mut store)?.to_string();
    Ok(if global.json {
        json!({ "device_id": id }).to_string()
    } else {
        id
    })
}

/// The paired devices: a JSON array, or one line each.
pub fn devices(global: &Global) -> Result<String, CliError> {
    let store = node::open(global)?;
    let devices = store.devices()?;
    if global.json {
        let list: Vec<Value> = devices
            .iter()
            .map(|d| {
                json!({
                    "device_id": d.endpoint_id,
                    "name": d.name,
                    "paired_at": d.paired_at,
                    "last_seen": d.last_seen,
                })
            })
            .collect();
        return Ok(Value::Array(list).to_string());
    }
    let lines: Vec<String> = devices
        .iter()
        .map(|d| {
            let seen = d.last_seen.map_or_else(|| "never".to_owned(), node::utc);
            node::safe(&format!(
                "{} {} paired {} last seen {seen}",
                d.endpoint_id,
                d.name,
                node::utc(d.paired_at)
            ))
        })
        .collect();
    Ok(lines.join("\n"))
}
