//! `accord address`: the address of a group public key.

use accord_chains::bitcoin::{self, Network};
use accord_chains::{Chain, ethereum, solana};
use serde_json::json;

use crate::cli::AddressArgs;
use crate::error::CliError;
use crate::input;

/// The address, as text or JSON.
pub fn run(args: &AddressArgs, json: bool) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let key = input::hex(&args.public_key, "--public-key")?;
    let (network, address) = match chain {
        Chain::Bitcoin => {
            let network: Network = args.network.as_deref().unwrap_or("mainnet").parse()?;
            let address = bitcoin::address::p2tr(&key, network).map_err(CliError::address)?;
            (network.name().to_owned(), address.to_string())
        }
        Chain::Ethereum => {
            let address = ethereum::address::from_public_key(&key).map_err(CliError::address)?;
            let network = args
                .network
                .clone()
                .unwrap_or_else(|| "any EVM chain".into());
            (network, address.to_checksum(None))
        }
        Chain::Solana => {
            let address = solana::address::from_public_key(&key).map_err(CliError::address)?;
            let network = args.network.clone().unwrap_or_else(|| "mainnet".into());
            (network, address.to_string())
        }
    };
    Ok(if json {
        json!({
            "chain": chain,
            "network": network,
            "address": address,
            "public_key": ::hex::encode(&key),
        })
        .to_string()
    } else {
        address
    })
}
