//! `accord send --chain solana`: a System transfer of SOL or an SPL
//! `TransferChecked` (creating the recipient's associated token account if
//! needed) with the latest blockhash, broadcast with `sendTransaction` and
//! confirmed by `getSignatureStatuses` (at `confirmed`).

use std::time::Instant;

use accord_chains::Chain;
use accord_chains::signing::{Signed, WalletPublicKeys};
use accord_chains::solana::address::associated_token_address;
use accord_chains::solana::rpc::{Confirmation, SolanaRpc};
use accord_chains::solana::{self, SplTransfer, UnsignedTx};

use super::http::Http;
use super::{CONFIRM_TIMEOUT, POLL, amount, broadcast_error, not_confirmed};
use crate::cli::SendArgs;
use crate::error::CliError;

/// The unsigned wire transaction.
pub async fn build(
    http: &Http,
    args: &SendArgs,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Vec<u8>, CliError> {
    let from = keys
        .address(Chain::Solana, network)
        .map_err(CliError::address)
        .and_then(|a| solana::address::parse(&a).map_err(CliError::address))?;
    let to =
        solana::address::parse(&args.to).map_err(|e| CliError::address(format!("--to: {e}")))?;
    let too_large = || CliError::Input(format!("--amount {} is too large", args.amount));
    let tx = match &args.token {
        None => {
            let lamports =
                u64::try_from(amount(&args.amount, accord_chains::solana::SOL_DECIMALS)?.units())
                    .map_err(|_| too_large())?;
            let latest = http.latest_blockhash().await.map_err(CliError::rpc)?;
            UnsignedTx::sol_transfer(&from, &to, lamports, latest.blockhash, None)
        }
        Some(mint) => {
            let mint = solana::address::parse(mint)
                .map_err(|e| CliError::address(format!("--token: {e}")))?;
            let accounts = http
                .token_accounts(&from, &mint)
                .await
                .map_err(CliError::rpc)?;
            let source = accounts
                .iter()
                .find(|a| {
                    associated_token_address(&from, &mint, &a.token_program) == Some(a.address)
                })
                .ok_or_else(|| {
                    CliError::build(format!("the wallet has no token account for mint {mint}"))
                })?;
            let units = u64::try_from(amount(&args.amount, source.decimals)?.units())
                .map_err(|_| too_large())?;
            let latest = http.latest_blockhash().await.map_err(CliError::rpc)?;
            let transfer = SplTransfer {
                owner: from,
                mint,
                decimals: source.decimals,
                to_wallet: to,
                amount: units,
                token_program: source.token_program,
                create_recipient_account: true,
            };
            UnsignedTx::spl_transfer_checked(&transfer, latest.blockhash, None)
        }
    }
    .map_err(CliError::build)?;
    Ok(tx.wire_bytes())
}

/// Broadcasts and waits until confirmed; the slot.
pub async fn broadcast(http: &Http, signed: &Signed) -> Result<u64, CliError> {
    let signature = http
        .send_transaction(&signed.raw)
        .await
        .map_err(|e| broadcast_error(&signed.txid, e))?;
    let deadline = Instant::now() + CONFIRM_TIMEOUT;
    loop {
        let statuses = http
            .signature_statuses(std::slice::from_ref(&signature))
            .await
            .map_err(CliError::rpc)?;
        if let Some(Some(status)) = statuses.first() {
            if let Some(error) = &status.error {
                return Err(CliError::Confirm(format!(
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
