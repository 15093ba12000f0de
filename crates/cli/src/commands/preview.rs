//! `accord preview`: what a co-signer would show before signing.

use accord_chains::bitcoin::{self, Network, WalletKeys};
use accord_chains::{Chain, Preview, ethereum, solana};

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
            // The chain id inside the transaction decides; a --network that
            // disagrees with it is a mistake worth stopping for.
            if let Some(asked) = &args.network
                && !asked.eq_ignore_ascii_case(&preview.network)
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
        text(&preview)
    })
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

/// A person's reading of the preview.
fn text(p: &Preview) -> String {
    let mut out = format!("{} ({})\n", p.chain, p.network);
    for t in &p.transfers {
        out.push_str(&format!("  send {} to {}\n", t.display(), t.to));
    }
    for t in &p.change {
        out.push_str(&format!("  change {} back to {}\n", t.display(), t.to));
    }
    for c in &p.calls {
        let args: Vec<String> = c.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&format!(
            "  call {}.{}({})\n",
            c.program,
            c.function,
            args.join(", ")
        ));
    }
    let kind = match p.fee_kind {
        accord_chains::FeeKind::Exact => "fee",
        accord_chains::FeeKind::Maximum => "maximum fee",
    };
    out.push_str(&format!(
        "  {kind}: {} ({} base units)\n",
        p.fee,
        p.fee.units()
    ));
    for w in &p.warnings {
        out.push_str(&format!("  WARNING {w}\n"));
    }
    out.trim_end().to_owned()
}
