//! Ethereum over its JSON-RPC API (execution-apis): an EIP-1559 transfer of
//! ETH or of an EIP-20 (ERC-20) token built from the node's answers (EIP-155
//! chain id checked, pending nonce, fees from `eth_feeHistory` +
//! `eth_maxPriorityFeePerGas`, gas estimate), broadcast with
//! `eth_sendRawTransaction` and confirmed by its receipt (status 1); the
//! balance by `eth_getBalance(address, "latest")`.

use std::time::Instant;

use accord_chains::ethereum::network::NATIVE_DECIMALS;
use accord_chains::ethereum::rpc::{self, EthereumRpc, parse, requests};
use accord_chains::ethereum::{self, Address, SignedTx, tokens};
use accord_chains::signing::{Signed, WalletPublicKeys};
use accord_chains::{Amount, Chain};

use super::error::{Field, one_line};
use super::{CONFIRM_TIMEOUT, Http, POLL, SendError, Transfer, amount, not_confirmed};

/// The wallet's address on `network`.
fn wallet_address(network: &str, keys: &WalletPublicKeys) -> Result<Address, SendError> {
    keys.address(Chain::Ethereum, network)
        .map_err(SendError::wallet)
        .and_then(|a| ethereum::address::parse(&a).map_err(SendError::wallet))
}

/// The unsigned EIP-2718 payload.
pub async fn build(
    http: &Http,
    transfer: &Transfer,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Vec<u8>, SendError> {
    let from = wallet_address(network, keys)?;
    let to =
        ethereum::address::parse(&transfer.to).map_err(|e| SendError::address(Field::To, e))?;
    // The chain id is ours to choose, never the node's to impose on a
    // mainnet wallet; the node must serve it.
    let chain_id = match transfer.chain_id {
        Some(id) => id,
        None if network == "mainnet" => 1,
        None => rpc::chain_id(http).await.map_err(SendError::rpc)?,
    };
    rpc::check_chain_id(http, chain_id)
        .await
        .map_err(SendError::rpc)?;
    let tx = match &transfer.token {
        None => {
            let value = amount(&transfer.amount, NATIVE_DECIMALS)?;
            rpc::prepare_eth_transfer(http, chain_id, from, to, value.units()).await
        }
        Some(token) => {
            let token =
                ethereum::address::parse(token).map_err(|e| SendError::address(Field::Token, e))?;
            let decimals = token_decimals(http, chain_id, token).await?;
            let value = amount(&transfer.amount, decimals)?;
            rpc::prepare_erc20_transfer(http, chain_id, from, token, to, value.units()).await
        }
    }
    .map_err(SendError::rpc)?;
    Ok(tx.encode())
}

/// The token's decimals: from the list of known tokens, else its
/// `decimals()` (optional in EIP-20; at most 77, what 256 bits hold).
async fn token_decimals(http: &Http, chain_id: u64, token: Address) -> Result<u8, SendError> {
    if let Some(known) = tokens::lookup(chain_id, &token) {
        return Ok(known.decimals);
    }
    let request = requests::erc20_decimals(token);
    let method = request.method;
    let answer = EthereumRpc::call(http, request).await.map_err(|e| {
        SendError::Rpc(one_line(format!(
            "cannot read the decimals of token {token}: {e}"
        )))
    })?;
    let word = parse::uint256_word(method, &answer).map_err(|e| {
        SendError::Rpc(one_line(format!(
            "{token} does not look like an ERC-20 token (decimals(): {e})"
        )))
    })?;
    u8::try_from(word)
        .ok()
        .filter(|d| *d <= 77)
        .ok_or_else(|| SendError::Rpc(format!("token {token} reports {word} decimals")))
}

/// Broadcasts and waits for the receipt; the block number.
pub async fn broadcast(http: &Http, signed: &Signed) -> Result<u64, SendError> {
    let hash = hash(&signed.txid)?;
    let tx = SignedTx {
        raw: signed.raw.clone(),
        hash,
    };
    rpc::send_raw_transaction(http, &tx)
        .await
        .map_err(|e| SendError::rejected(&signed.txid, e))?;
    let deadline = Instant::now() + CONFIRM_TIMEOUT;
    loop {
        if let Some(receipt) = rpc::receipt(http, &hash).await.map_err(SendError::rpc)? {
            if !receipt.success {
                return Err(SendError::Failed(format!(
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

/// The 32-byte transaction hash from its `0x` hex.
fn hash(txid: &str) -> Result<[u8; 32], SendError> {
    let t = txid.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let bytes = hex::decode(t)
        .map_err(|e| SendError::Input(format!("the transaction hash is not valid hex: {e}")))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| SendError::Input(format!("{txid} is not a 32-byte hash")))
}

/// The wallet's balance in wei, at the latest block.
pub async fn balance(
    http: &Http,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Amount, SendError> {
    let address = wallet_address(network, keys)?;
    let wei = rpc::balance(http, address).await.map_err(SendError::rpc)?;
    Ok(Amount::from_units(wei, NATIVE_DECIMALS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_hashes() {
        let h = format!("0x{}", "ab".repeat(32));
        assert_eq!(hash(&h), Ok([0xab; 32]));
        assert_eq!(hash(&"AB".repeat(32)), Ok([0xab; 32]));
        assert!(matches!(hash("0xabc"), Err(SendError::Input(_))));
        assert_eq!(
            hash("0xabcd"),
            Err(SendError::Input("0xabcd is not a 32-byte hash".into()))
        );
    }
}
