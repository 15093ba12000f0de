//! `accord preview`: what a co-signer would show before signing.

use accord_chains::bitcoin::{self, Network, WalletKeys};
use accord_chains::{Chain, ethereum, solana};

use crate::cli::PreviewArgs;
use crate::error::CliError;
use crate::input;

/// The preview, as JSON or text.
pub fn run(args: &PreviewArgs, json: bool) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let bytes = input::unsigned(&args.unsigned)?;
    let preview = match chain {
        Chain::Bitcoin => {
            let network: Network = args.network.as_deref().unwrap_or("mainnet").parse()?;
            let wallet = args
                .wallet
                .as_deref()
                .map(|w| bitcoin_wallet(w, network))
                .transpose()?;
            bitcoin::preview::preview(&bytes, network, wallet.as_ref())
                .map_err(CliError::preview)?
        }
        Chain::Ethereum => {
            let wallet = args
                .wallet
                .as_deref()
                .map(ethereum::address::parse)
                .transpose()
                .map_err(CliError::address)?;
            let preview = ethereum::preview::preview(&bytes, wallet).map_err(CliError::preview)?;
            // The chain id inside the transaction decides; a --network (name
            // or chain id) that disagrees with it is a mistake worth
            // stopping for.
            if let Some(asked) = &args.network
                && !same_evm_network(asked, &preview)
            {
                return Err(CliError::Preview(format!(
                    "the transaction is for {} (chain id {}), not {asked}",
                    preview.network,
                    preview.details.get("chain_id").map_or("?", String::as_str)
                )));
            }
            preview
        }
        Chain::Solana => {
            let network = args.network.as_deref().unwrap_or("mainnet");
            let wallet = args
                .wallet
                .as_deref()
                .map(solana::address::parse)
                .transpose()
                .map_err(CliError::address)?;
            solana::preview::preview(&bytes, network, wallet.as_ref()).map_err(CliError::preview)?
        }
    };
    Ok(if json {
        serde_json::to_string(&preview).map_err(CliError::preview)?
    } else {
        accord_node::approve::render(&preview)
    })
}

/// Whether `asked` (a network name such as `mainnet`, or an EIP-155 chain
/// id such as `1`) names the network of `preview`.
fn same_evm_network(asked: &str, preview: &accord_chains::Preview) -> bool {
    let asked = asked.trim();
    let chain_id = preview.details.get("chain_id").map(String::as_str);
    asked.eq_ignore_ascii_case(&preview.network)
        || (asked.parse::<u64>().is_ok() && chain_id == Some(asked))
}

/// A Bitcoin wallet from its P2TR address.
fn bitcoin_wallet(address: &str, network: Network) -> Result<WalletKeys, CliError> {
    let address = bitcoin::address::parse(address, network).map_err(CliError::address)?;
    let script = address.script_pubkey();
    let key = script
        .as_bytes()
        .get(2..34)
        .filter(|_| script.is_p2tr())
        .ok_or_else(|| CliError::Address(format!("{address} is not a Taproot (P2TR) address")))?;
    WalletKeys::new(key, None, network).map_err(CliError::address)
}
