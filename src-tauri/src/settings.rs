//! Networks and chain endpoints, kept in the store's settings table (one
//! JSON value). Defaults: the local development nodes of the demo for
//! `regtest` (Anvil on 8545, an Esplora on 3002, a Solana test validator
//! on 8899); other networks are empty until the user sets them.

use accord_chains::Chain;
use accord_desktop_api::{Endpoint, Settings};
use accord_node::runtime::NETWORKS;
use accord_node::store::{Store, StoreError};

const KEY: &str = "desktop.settings";

/// The local development endpoint of `chain` (regtest).
fn local(chain: Chain) -> &'static str {
    match chain {
        Chain::Ethereum => "http://127.0.0.1:8545",
        Chain::Bitcoin => "http://127.0.0.1:3002",
        Chain::Solana => "http://127.0.0.1:8899",
    }
}

/// The settings a new device starts with.
pub fn defaults() -> Settings {
    let mut endpoints = Vec::new();
    for network in NETWORKS {
        for chain in [Chain::Bitcoin, Chain::Ethereum, Chain::Solana] {
            endpoints.push(Endpoint {
                chain: chain.to_string(),
                network: network.to_owned(),
                url: if network == "regtest" {
                    local(chain).to_owned()
                } else {
                    String::new()
                },
            });
        }
    }
    Settings {
        default_network: "regtest".into(),
        endpoints,
    }
}

/// The stored settings, or the defaults.
pub fn load(store: &Store) -> Result<Settings, StoreError> {
    Ok(store
        .setting(KEY)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(defaults))
}

/// Why settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Not one of the networks.
    #[error("unknown network {0:?}: mainnet, testnet, signet or regtest")]
    Network(String),
    /// Not a chain.
    #[error("unknown chain {0:?}: bitcoin, ethereum or solana")]
    Chain(String),
    /// Not an http(s) URL.
    #[error("endpoint {0:?} is not an http:// or https:// URL")]
    Url(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks and stores `settings`; what was stored.
pub fn save(store: &mut Store, mut settings: Settings) -> Result<Settings, SettingsError> {
    if !NETWORKS.contains(&settings.default_network.as_str()) {
        return Err(SettingsError::Network(settings.default_network));
    }
    for e in &mut settings.endpoints {
        e.url = e.url.trim().to_owned();
        e.chain
            .parse::<Chain>()
            .map_err(|_| SettingsError::Chain(e.chain.clone()))?;
        if !NETWORKS.contains(&e.network.as_str()) {
            return Err(SettingsError::Network(e.network.clone()));
        }
        let ok = e.url.is_empty()
            || ((e.url.starts_with("http://") || e.url.starts_with("https://"))
                && !e.url.chars().any(char::is_whitespace));
        if !ok {
            return Err(SettingsError::Url(e.url.clone()));
        }
    }
    let text = serde_json::to_string(&settings).unwrap_or_default();
    store.set_setting(KEY, &text)?;
    Ok(settings)
}

/// The endpoint for `chain` on `network`, if one is set.
pub fn endpoint(settings: &Settings, chain: Chain, network: &str) -> Option<String> {
    let name = chain.to_string();
    settings
        .endpoints
        .iter()
        .find(|e| e.chain == name && e.network == network && !e.url.is_empty())
        .map(|e| e.url.clone())
}
