//! `accord init` (the device identity) and `accord devices` (the devices
//! paired with this one).

use serde_json::{Value, json};

use crate::cli::Global;
use crate::error::CliError;
use crate::node;

/// Creates the device identity if there is none; prints the device id.
pub fn init(global: &Global) -> Result<String, CliError> {
    let mut vault = node::open(global)?;
    let id = vault.device_id()?.to_string();
    Ok(if global.json {
        json!({ "device_id": id }).to_string()
    } else {
        id
    })
}

/// The paired devices: a JSON array, or one line each.
pub fn devices(global: &Global) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let devices = vault.devices()?;
    if global.json {
        let list: Vec<Value> = devices
            .iter()
            .map(|d| {
                json!({
                    "device_id": d.id.to_string(),
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
                d.id,
                d.name,
                node::utc(d.paired_at)
            ))
        })
        .collect();
    Ok(lines.join("\n"))
}
