//! `accord send --chain ethereum`: an EIP-1559 transfer of ETH or of an
//! ERC-20 token built from the node's answers (chain id checked, pending
//! nonce, fees from `eth_feeHistory` + `eth_maxPriorityFeePerGas`, gas
//! estimate), broadcast with `eth_sendRawTransaction` and confirmed by its
//! receipt (status 1).

use std::time::Instant;

use accord_chains::Chain;
use accord_chains::ethereum::network::NATIVE_DECIMALS;
use accord_chains::ethereum::rpc::{self, EthereumRpc, parse};
use accord_chains::ethereum::{self, Address, SignedTx, tokens};
use accord_chains::rpc::JsonRpcRequest;
use accord_chains::signing::{Signed, WalletPublicKeys};
use serde_json::json;

use super::http::Http;
use super::{CONFIRM_TIMEOUT, POLL, amount, broadcast_error, not_confirmed};
use crate::cli::SendArgs;
use crate::error::CliError;

/// The unsigned EIP-2718 payload.
pub async fn build(
    http: &Http,
    args: &SendArgs,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Vec<u8>, CliError> {
    let from = keys
        .address(Chain::Ethereum, network)
        .map_err(CliError::address)
        .and_then(|a| ethereum::address::parse(&a).map_err(CliError::address))?;
    let to = ethereum::address::parse(&args.to).map_err(|e| address_error("--to", e))?;
    // The chain id is ours to choose, never the node's to impose on a
    // mainnet wallet; the node must serve it.
    let chain_id = match args.chain_id {
        Some(id) => id,
        None if network == "mainnet" => 1,
        None => rpc::chain_id(http).await.map_err(CliError::rpc)?,
    };
    rpc::check_chain_id(http, chain_id)
        .await
        .map_err(CliError::rpc)?;
    let tx = match &args.token {
        None => {
            let value = amount(&args.amount, NATIVE_DECIMALS)?;
            rpc::prepare_eth_transfer(http, chain_id, from, to, value.units()).await
        }
        Some(token) => {
            let token = ethereum::address::parse(token).map_err(|e| address_error("--token", e))?;
            let decimals = token_decimals(http, chain_id, token).await?;
            let value = amount(&args.amount, decimals)?;
            rpc::prepare_erc20_transfer(http, chain_id, from, token, to, value.units()).await
        }
    }
    .map_err(CliError::rpc)?;
    Ok(tx.encode())
}

fn address_error(flag: &str, e: impl std::fmt::Display) -> CliError {
    CliError::address(format!("{flag}: {e}"))
}

/// The token's decimals: from the list of known tokens, else its
/// `decimals()` (the chains crate has no request for it).
async fn token_decimals(http: &Http, chain_id: u64, token: Address) -> Result<u8, CliError> {
    if let Some(known) = tokens::lookup(chain_id, &token) {
        return Ok(known.decimals);
    }
    const METHOD: &str = "eth_call";
    // decimals(): keccak256("decimals()")[..4].
    let request = JsonRpcRequest::new(
        METHOD,
        json!([{ "to": format!("{token:#x}"), "data": "0x313ce567" }, "latest"]),
    );
    let answer = EthereumRpc::call(http, request).await.map_err(|e| {
        CliError::Rpc(crate::error::one_line(format!(
            "cannot read the decimals of token {token}: {e}"
        )))
    })?;
    let word = parse::uint256_word(METHOD, &answer).map_err(|e| {
        CliError::Rpc(crate::error::one_line(format!(
            "{token} does not look like an ERC-20 token (decimals(): {e})"
        )))
    })?;
    u8::try_from(word)
        .ok()
        .filter(|d| *d <= 77)
        .ok_or_else(|| CliError::Rpc(format!("token {token} reports {word} decimals")))
}

/// Broadcasts and waits for the receipt; the block number.
pub async fn broadcast(http: &Http, signed: &Signed) -> Result<u64, CliError> {
    let hash = crate::input::hex(&signed.txid, "the transaction hash")?;
    let hash = <[u8; 32]>::try_from(hash.as_slice())
        .map_err(|_| CliError::Input(format!("{} is not a 32-byte hash", signed.txid)))?;
    let tx = SignedTx {
        raw: signed.raw.clone(),
        hash,
    };
    rpc::send_raw_transaction(http, &tx)
        .await
        .map_err(|e| broadcast_error(&signed.txid, e))?;
    let deadline = Instant::now() + CONFIRM_TIMEOUT;
    loop {
        if let Some(receipt) = rpc::receipt(http, &hash).await.map_err(CliError::rpc)? {
            if !receipt.success {
                return Err(CliError::Confirm(format!(
                    "transaction {} reverted in block {} (status 0)",
                    signed.txid, receipt.block_number
                )));
            }
            return Ok(receipt.block_number);
        }
        if Instant::now() >= deadline {
            return Err(not_confirmed(&signed.txid));
        }
        tokio::time::sleep(POLL).await;
    }
}
