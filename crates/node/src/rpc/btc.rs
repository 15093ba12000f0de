//! Bitcoin over the Esplora REST API: a BIP341 key-path spend of the
//! wallet's coins (`GET /address/:a/utxo`; largest first, as few as cover
//! the payment and fee, change back to the wallet) at the server's
//! six-block fee estimate (`GET /fee-estimates`) or the given rate,
//! broadcast with `POST /tx` and confirmed by `GET /tx/:txid/status`; the
//! balance from `GET /address/:a` (`chain_stats` + `mempool_stats`).

use std::time::Instant;

use accord_chains::Amount;
use accord_chains::bitcoin::build::{Utxo, build as build_psbt};
use accord_chains::bitcoin::rpc;
use accord_chains::bitcoin::{self, Network, WalletKeys};
use accord_chains::signing::{Signed, WalletPublicKeys};

use super::error::Field;
use super::{CONFIRM_TIMEOUT, Http, POLL, SendError, Transfer, amount_u64, not_confirmed};

/// The confirmation target of the fee estimate, in blocks.
const TARGET_BLOCKS: u16 = 6;

/// Decimals of a bitcoin (satoshi).
const DECIMALS: u8 = 8;

/// The wallet's Taproot keys on `network`.
fn wallet(network: Network, keys: &WalletPublicKeys) -> Result<WalletKeys, SendError> {
    WalletKeys::new(
        &keys.taproot_output,
        keys.taproot_internal.as_ref().map(|k| k.as_slice()),
        network,
    )
    .map_err(SendError::wallet)
}

/// The unsigned PSBT (binary).
pub async fn build(
    http: &Http,
    transfer: &Transfer,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Vec<u8>, SendError> {
    if transfer.token.is_some() {
        return Err(SendError::Unsupported("tokens on Bitcoin".into()));
    }
    let network: Network = network.parse()?;
    let wallet = wallet(network, keys)?;
    let to = bitcoin::address::parse(&transfer.to, network)
        .map_err(|e| SendError::address(Field::To, e))?;
    let sat = amount_u64(&transfer.amount, DECIMALS)?;
    let from = wallet.address();
    let utxos: Vec<Utxo> = rpc::utxos(http, &from)
        .await
        .map_err(SendError::rpc)?
        .into_iter()
        .map(|u| u.utxo)
        .collect();
    if utxos.is_empty() {
        return Err(SendError::build(format!(
            "the wallet's address {from} has no coins"
        )));
    }
    let rate = match transfer.fee_rate {
        Some(rate) => rate,
        None => fee_rate(http, network).await?,
    };
    let recipients = [(to, ::bitcoin::Amount::from_sat(sat))];
    let inputs = bitcoin::build::select(&wallet, &utxos, &recipients, rate);
    let psbt = build_psbt(&wallet, &inputs, &recipients, rate).map_err(SendError::build)?;
    Ok(psbt.serialize())
}

/// The server's estimate for [`TARGET_BLOCKS`]; 1 sat/vB on a test
/// network whose server has no estimates (regtest usually has none) — the
/// preview shows the fee before anyone signs.
async fn fee_rate(http: &Http, network: Network) -> Result<u64, SendError> {
    let estimates = rpc::fee_estimates(http).await.map_err(SendError::rpc)?;
    match rpc::fee_rate_for(&estimates, TARGET_BLOCKS) {
        Some(rate) => Ok(rate),
        None if network != Network::Mainnet => Ok(1),
        None => Err(SendError::NoFeeEstimate),
    }
}

/// Broadcasts and waits for a block; its height.
pub async fn broadcast(http: &Http, signed: &Signed) -> Result<u64, SendError> {
    let tx: ::bitcoin::Transaction = ::bitcoin::consensus::deserialize(&signed.raw)
        .map_err(|e| SendError::build(format!("the signed transaction does not decode: {e}")))?;
    let txid = rpc::broadcast(http, &tx)
        .await
        .map_err(|e| SendError::rejected(&signed.txid, e))?;
    let deadline = Instant::now() + CONFIRM_TIMEOUT;
    loop {
        if let Some(height) = rpc::status(http, &txid).await.map_err(SendError::rpc)? {
            return Ok(u64::from(height));
        }
        if Instant::now() >= deadline {
            return Err(not_confirmed(&signed.txid));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The balance of the wallet's address, confirmed and unconfirmed.
pub async fn balance(
    http: &Http,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Amount, SendError> {
    let network: Network = network.parse()?;
    let address = wallet(network, keys)?.address();
    let sat = rpc::balance(http, &address).await.map_err(SendError::rpc)?;
    Ok(Amount::from_u64(sat.to_sat(), DECIMALS))
}
