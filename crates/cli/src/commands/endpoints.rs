//! `accord endpoints`: the chain endpoints this device uses per network
//! (the desktop's Settings, one store): the user's, else the network's
//! presets (`accord_node::rpc::presets`).

use accord_chains::Chain;
use accord_node::facade::settings::{Settings, SettingsError};
use accord_node::wallet::Network;
use serde_json::{Value, json};

use crate::cli::{EndpointsArgs, EndpointsCommand, Global};
use crate::commands::wallet::print;
use crate::error::{CliError, one_line};
use crate::node;

/// Shows the endpoints, or sets one chain's on one network and shows them.
/// `{"endpoints":[{"chain","network","urls","preset"}]}`.
pub fn run(global: &Global, args: &EndpointsArgs) -> Result<String, CliError> {
    let mut vault = node::open(global)?;
    let mut settings = vault.settings()?;
    if let Some(EndpointsCommand::Set(set)) = &args.set {
        let chain: Chain = set.chain.parse()?;
        let network: Network = set.network.parse()?;
        for e in &mut settings.endpoints {
            if e.chain == chain && e.network == network {
                e.url = set.urls.trim().to_owned();
            }
        }
        settings = vault.save_settings(settings).map_err(|e| match e {
            SettingsError::Store(e) => CliError::Store(e),
            e => CliError::Input(one_line(e)),
        })?;
    }
    Ok(print(global, &listing(&settings)))
}

fn listing(settings: &Settings) -> Value {
    let mut rows = Vec::new();
    for network in Network::ALL {
        for chain in Chain::ALL {
            let set = settings
                .endpoints
                .iter()
                .any(|e| e.chain == chain && e.network == network && !e.url.is_empty());
            let preset = accord_node::rpc::presets::joined(chain, network);
            let urls = settings.endpoint(chain, network).unwrap_or_default();
            rows.push(json!({
                "chain": chain.name(),
                "network": network.name(),
                "urls": urls,
                "preset": !set || urls == preset,
            }));
        }
    }
    json!({ "endpoints": rows })
}
