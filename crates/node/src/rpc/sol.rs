//! Solana over its JSON-RPC API: a System Program transfer of SOL or an SPL
//! Token `TransferChecked` (creating the recipient's associated token
//! account if needed) with the latest blockhash and a priority fee from the
//! recent ones (`getRecentPrioritizationFees`), broadcast with
//! `sendTransaction` and confirmed by `getSignatureStatuses` (at
//! `confirmed`); the balance by `getBalance` (lamports).

use std::time::Instant;

use accord_chains::signing::{Signed, WalletPublicKeys};
use accord_chains::solana::address::associated_token_address;
use accord_chains::solana::fee::ComputeBudget;
use accord_chains::solana::rpc::{Confirmation, SolanaRpc};
use accord_chains::solana::{self, Pubkey, SOL_DECIMALS, SplTransfer, UnsignedTx};
use accord_chains::{Amount, Chain};

use super::error::Field;
use super::{CONFIRM_TIMEOUT, Http, POLL, SendError, Transfer, amount_u64, not_confirmed};

/// The wallet's address on `network`.
fn wallet_address(network: &str, keys: &WalletPublicKeys) -> Result<Pubkey, SendError> {
    keys.address(Chain::Solana, network)
        .map_err(SendError::wallet)
        .and_then(|a| solana::address::parse(&a).map_err(SendError::wallet))
}

/// The unsigned wire transaction.
pub async fn build(
    http: &Http,
    transfer: &Transfer,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Vec<u8>, SendError> {
    let from = wallet_address(network, keys)?;
    let to = solana::address::parse(&transfer.to).map_err(|e| SendError::address(Field::To, e))?;
    let tx = match &transfer.token {
        None => {
            let lamports = amount_u64(&transfer.amount, SOL_DECIMALS)?;
            let priority = priority(http, &from, SOL_TRANSFER_UNITS).await;
            let latest = http.latest_blockhash().await.map_err(SendError::rpc)?;
            UnsignedTx::sol_transfer(&from, &to, lamports, latest.blockhash, priority)
        }
        Some(mint) => {
            let mint =
                solana::address::parse(mint).map_err(|e| SendError::address(Field::Token, e))?;
            let accounts = http
                .token_accounts(&from, &mint)
                .await
                .map_err(SendError::rpc)?;
            let source = accounts
                .iter()
                .find(|a| {
                    associated_token_address(&from, &mint, &a.token_program) == Some(a.address)
                })
                .ok_or_else(|| {
                    SendError::build(format!("the wallet has no token account for mint {mint}"))
                })?;
            let units = amount_u64(&transfer.amount, source.decimals)?;
            let priority = priority(http, &from, SPL_TRANSFER_UNITS).await;
            let latest = http.latest_blockhash().await.map_err(SendError::rpc)?;
            let transfer = SplTransfer {
                owner: from,
                mint,
                decimals: source.decimals,
                to_wallet: to,
                amount: units,
                token_program: source.token_program,
                create_recipient_account: true,
            };
            UnsignedTx::spl_transfer_checked(&transfer, latest.blockhash, priority)
        }
    }
    .map_err(SendError::build)?;
    Ok(tx.wire_bytes())
}

/// Compute units requested for a SOL transfer with a priority fee: the
/// System transfer (150) and the two Compute Budget instructions (150 each),
/// with room.
const SOL_TRANSFER_UNITS: u32 = 1_000;
/// For an SPL `TransferChecked` that may create the recipient's associated
/// token account (about 30 000 together), with room.
const SPL_TRANSFER_UNITS: u32 = 100_000;
/// The highest price per unit taken from the node: 1 lamport (so at most
/// 0.0001 SOL for an SPL transfer); the preview shows the fee either way.
const MAX_MICRO_LAMPORTS_PER_UNIT: u64 = 1_000_000;

/// The priority fee from the recent fees of transactions that wrote to the
/// wallet's account (`getRecentPrioritizationFees`): the 75th percentile
/// of the non-zero ones, capped; none when recent fees were zero or the
/// node does not answer (the priority fee is optional).
async fn priority(http: &Http, wallet: &Pubkey, unit_limit: u32) -> Option<ComputeBudget> {
    let mut fees: Vec<u64> = http
        .recent_prioritization_fees(std::slice::from_ref(wallet))
        .await
        .ok()?
        .into_iter()
        .filter(|f| *f > 0)
        .collect();
    fees.sort_unstable();
    let at = (fees.len() * 3).div_ceil(4).checked_sub(1)?;
    let price = fees.get(at)?.min(&MAX_MICRO_LAMPORTS_PER_UNIT);
    Some(ComputeBudget {
        unit_limit,
        micro_lamports_per_unit: *price,
    })
}

/// Broadcasts and waits until confirmed; the slot.
pub async fn broadcast(http: &Http, signed: &Signed) -> Result<u64, SendError> {
    let signature = http
        .send_transaction(&signed.raw)
        .await
        .map_err(|e| SendError::rejected(&signed.txid, e))?;
    let deadline = Instant::now() + CONFIRM_TIMEOUT;
    loop {
        let statuses = http
            .signature_statuses(std::slice::from_ref(&signature))
            .await
            .map_err(SendError::rpc)?;
        if let Some(Some(status)) = statuses.first() {
            if let Some(error) = &status.error {
                return Err(SendError::Failed(format!(
                    "transaction {signature} failed in slot {}: {error}",
                    status.slot
                )));
            }
            if status.confirmation >= Confirmation::Confirmed {
                return Ok(status.slot);
            }
        }
        if Instant::now() >= deadline {
            return Err(not_confirmed(&signed.txid));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The wallet's balance in lamports, at `confirmed`.
pub async fn balance(
    http: &Http,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Amount, SendError> {
    let address = wallet_address(network, keys)?;
    let lamports = http.balance(&address).await.map_err(SendError::rpc)?;
    Ok(Amount::from_u64(lamports, SOL_DECIMALS))
}
