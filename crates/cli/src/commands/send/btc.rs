//! `accord send --chain bitcoin`: a BIP341 key-path spend of every coin of
//! the wallet's address (Esplora `GET /address/:a/utxo`) at the server's
//! six-block fee estimate (or `--fee-rate`), broadcast with `POST /tx` and
//! confirmed by `GET /tx/:txid/status`.

use std::time::Instant;

use accord_chains::bitcoin::build::{Utxo, build as build_psbt};
use accord_chains::bitcoin::rpc;
use accord_chains::bitcoin::{self, Network, WalletKeys};
use accord_chains::signing::{Signed, WalletPublicKeys};

use super::http::Http;
use super::{CONFIRM_TIMEOUT, POLL, amount, broadcast_error, not_confirmed};
use crate::cli::SendArgs;
use crate::error::CliError;

/// The confirmation target of the fee estimate, in blocks.
const TARGET_BLOCKS: u16 = 6;

/// The unsigned PSBT (binary).
pub async fn build(
    http: &Http,
    args: &SendArgs,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Vec<u8>, CliError> {
    if args.token.is_some() {
        return Err(CliError::Unsupported("tokens on Bitcoin".into()));
    }
    let network: Network = network.parse()?;
    let wallet = WalletKeys::new(
        &keys.taproot_output,
        keys.taproot_internal.as_ref().map(|k| k.as_slice()),
        network,
    )
    .map_err(CliError::address)?;
    let to = bitcoin::address::parse(&args.to, network)
        .map_err(|e| CliError::address(format!("--to: {e}")))?;
    let sat = u64::try_from(amount(&args.amount, 8)?.units())
        .map_err(|_| CliError::Input(format!("--amount {} is too large", args.amount)))?;
    let from = wallet.address();
    let utxos: Vec<Utxo> = rpc::utxos(http, &from)
        .await
        .map_err(CliError::rpc)?
        .into_iter()
        .map(|u| u.utxo)
        .collect();
    if utxos.is_empty() {
        return Err(CliError::build(format!(
            "the wallet's address {from} has no coins"
        )));
    }
    let rate = match args.fee_rate {
        Some(rate) => rate,
        None => fee_rate(http, network).await?,
    };
    let psbt = build_psbt(
        &wallet,
        &utxos,
        &[(to, ::bitcoin::Amount::from_sat(sat))],
        rate,
    )
    .map_err(CliError::build)?;
    Ok(psbt.serialize())
}

/// The server's estimate for [`TARGET_BLOCKS`]; 1 sat/vB on a test
/// network whose server has no estimates (regtest usually has none).
async fn fee_rate(http: &Http, network: Network) -> Result<u64, CliError> {
    let estimates = rpc::fee_estimates(http).await.map_err(CliError::rpc)?;
    match rpc::fee_rate_for(&estimates, TARGET_BLOCKS) {
        Some(rate) => Ok(rate),
        None if network != Network::Mainnet => {
            eprintln!("no fee estimate from the server: using 1 sat/vB");
            Ok(1)
        }
        None => Err(CliError::Rpc(
            "the server has no fee estimate: pass --fee-rate SAT_PER_VB".into(),
        )),
    }
}

/// Broadcasts and waits for a block; its height.
pub async fn broadcast(http: &Http, signed: &Signed) -> Result<u64, CliError> {
    let tx: ::bitcoin::Transaction = ::bitcoin::consensus::deserialize(&signed.raw)
        .map_err(|e| CliError::build(format!("the signed transaction does not decode: {e}")))?;
    let txid = rpc::broadcast(http, &tx)
        .await
        .map_err(|e| broadcast_error(&signed.txid, e))?;
    let deadline = Instant::now() + CONFIRM_TIMEOUT;
    loop {
        if let Some(height) = rpc::status(http, &txid).await.map_err(CliError::rpc)? {
            return Ok(u64::from(height));
        }
        if Instant::now() >= deadline {
            return Err(not_confirmed(&signed.txid));
        }
        tokio::time::sleep(POLL).await;
    }
}
