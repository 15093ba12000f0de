//! The device's networks and chain endpoints (one JSON value among the
//! store's settings). Defaults: the network presets (`crate::rpc::presets`:
//! public HTTPS endpoints for mainnet, testnet and signet; the local
//! development nodes of the demo for `regtest`: Anvil on 8545, an Esplora
//! on 3002, a Solana JSON-RPC on 8899). An endpoint left empty uses the
//! presets.

use accord_chains::Chain;
use serde::{Deserialize, Serialize};

use super::Vault;
use crate::rpc::{SendError, endpoint, presets};
use crate::store::StoreError;
use crate::wallet::Network;

const KEY: &str = "desktop.settings";

/// One chain's API on one network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The chain.
    pub chain: Chain,
    /// The network.
    pub network: Network,
    /// `https://` (or loopback/private `http://`) URL, or several
    /// separated by commas, tried in order; empty: none.
    pub url: String,
}

/// The device's networks and endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The network new wallets are for.
    pub default_network: Network,
    /// Every chain's API per network.
    pub endpoints: Vec<Endpoint>,
}

/// Why settings were refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// Not an http(s) URL.
    #[error("endpoint {0:?} is not an http:// or https:// URL")]
    Url(String),
    /// A URL the chain client would refuse (plain `http://` to a remote host).
    #[error("endpoint: {0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Serialize, Deserialize)]
struct Stored {
    default_network: String,
    endpoints: Vec<StoredEndpoint>,
}

#[derive(Serialize, Deserialize)]
struct StoredEndpoint {
    chain: String,
    network: String,
    url: String,
}

impl Default for Settings {
    fn default() -> Self {
        let mut endpoints = Vec::new();
        for network in Network::ALL {
            for chain in Chain::ALL {
                endpoints.push(Endpoint {
                    chain,
                    network,
                    url: presets::joined(chain, network),
                });
            }
        }
        Settings {
            default_network: Network::Regtest,
            endpoints,
        }
    }
}

impl Settings {
    /// The endpoints for `chain` on `network` (one URL or several separated
    /// by commas): the user's, else the network's presets
    /// ([`presets::endpoints`]).
    pub fn endpoint(&self, chain: Chain, network: Network) -> Option<String> {
        let set = self
            .endpoints
            .iter()
            .find(|e| e.chain == chain && e.network == network && !e.url.is_empty())
            .map(|e| e.url.clone());
        set.or_else(|| Some(presets::joined(chain, network)).filter(|u| !u.is_empty()))
    }

    fn from_stored(s: Stored) -> Option<Settings> {
        let endpoints = s
            .endpoints
            .into_iter()
            .map(|e| {
                Some(Endpoint {
                    chain: e.chain.parse().ok()?,
                    network: e.network.parse().ok()?,
                    url: e.url,
                })
            })
            .collect::<Option<_>>()?;
        Some(Settings {
            default_network: s.default_network.parse().ok()?,
            endpoints,
        })
    }

    fn to_stored(&self) -> Stored {
        Stored {
            default_network: self.default_network.name().to_owned(),
            endpoints: self
                .endpoints
                .iter()
                .map(|e| StoredEndpoint {
                    chain: e.chain.name().to_owned(),
                    network: e.network.name().to_owned(),
                    url: e.url.clone(),
                })
                .collect(),
        }
    }
}

impl Vault {
    /// The stored settings, or the defaults (also for a stored value this
    /// build cannot read).
    pub fn settings(&self) -> Result<Settings, StoreError> {
        Ok(self
            .setting(KEY)?
            .and_then(|text| serde_json::from_str::<Stored>(&text).ok())
            .and_then(Settings::from_stored)
            .unwrap_or_default())
    }

    /// Checks and stores `settings`; what was stored.
    pub fn save_settings(&mut self, mut settings: Settings) -> Result<Settings, SettingsError> {
        let allow_http = endpoint::allow_http_from_env();
        for e in &mut settings.endpoints {
            e.url = e.url.trim().to_owned();
            if e.url.is_empty() {
                continue;
            }
            match endpoint::parse_list(&e.url, allow_http) {
                Ok(_) => {}
                Err(SendError::Url { .. }) => return Err(SettingsError::Url(e.url.clone())),
                Err(other) => return Err(SettingsError::Refused(other.to_string())),
            }
        }
        let text = serde_json::to_string(&settings.to_stored()).unwrap_or_default();
        self.set_setting(KEY, &text)?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;
    use crate::secret::Protector;

    fn with(url: &str) -> Settings {
        let mut settings = Settings::default();
        for e in &mut settings.endpoints {
            if e.chain == Chain::Ethereum && e.network == Network::Mainnet {
                e.url = url.to_owned();
            }
        }
        settings
    }

    #[test]
    fn endpoints_are_checked_like_the_chain_client_does() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::open(dir.path(), &Protector::Key(Zeroizing::new([7; 32]))).unwrap();
        let two = " https://a.example/v2/k, https://b.example ";
        let saved = vault.save_settings(with(two)).unwrap();
        assert_eq!(
            saved.endpoint(Chain::Ethereum, Network::Mainnet).as_deref(),
            Some(two.trim())
        );
        assert_eq!(vault.settings().unwrap(), saved);
        assert!(matches!(
            vault.save_settings(with("http://rpc.example.com")),
            Err(SettingsError::Refused(m)) if m.contains("plain http://")
        ));
        assert!(matches!(
            vault.save_settings(with("ftp://x")),
            Err(SettingsError::Url(_))
        ));
        // What was stored before is kept.
        assert_eq!(vault.settings().unwrap(), saved);
        // Emptied: the presets.
        let cleared = vault.save_settings(with("")).unwrap();
        assert_eq!(
            cleared
                .endpoint(Chain::Ethereum, Network::Mainnet)
                .as_deref(),
            Some("https://ethereum-rpc.publicnode.com, https://eth.drpc.org")
        );
    }
}
