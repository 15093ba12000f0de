//! `accord send`: builds a transfer from the chain's node (the wallet's
//! nonce, coins, fees, blockhash), shows its preview and asks, co-signs it
//! with a quorum of the wallet's devices, broadcasts it and waits (at most
//! [`CONFIRM_TIMEOUT`]) until it is in a block. One module per chain;
//! [`http`] carries the chains crate's RPC vocabulary.

mod btc;
mod eth;
mod http;
mod sol;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use accord_chains::{Amount, Chain};
use accord_mpc::Scheme;
use accord_node::approve::Interactive;
use accord_node::runtime::{now, public_keys};
use serde_json::{Value, json};

use crate::cli::{Global, SendArgs};
use crate::commands::sign::{confirm_and_sign, signed_json};
use crate::commands::wallet::print;
use crate::error::CliError;
use crate::node::{self, OnOwnThread};

use self::http::Http;

/// The longest wait for a broadcast transaction to be in a block.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the node is asked whether it is.
pub const POLL: Duration = Duration::from_millis(500);

/// Builds, signs, broadcasts and confirms; prints the preview, the signed
/// transaction, its id and the block.
pub fn send(global: &Global, args: &SendArgs) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let http = Http::new(&args.rpc)?;
    let store = node::open(global)?;
    let wallet = store.wallet(&args.wallet)?;
    let mut keys = BTreeMap::new();
    for scheme in Scheme::ALL {
        keys.insert(scheme, store.group_key(&wallet, scheme)?);
    }
    let keys = public_keys(&keys).ok_or_else(|| {
        CliError::Setup(format!(
            "the public keys of wallet {:?} are incomplete",
            wallet.name
        ))
    })?;
    let approver = Arc::new(OnOwnThread::new(Interactive::terminal()));
    let out = node::block_on(async {
        let unsigned = match chain {
            Chain::Ethereum => eth::build(&http, args, &wallet.network, &keys).await?,
            Chain::Bitcoin => btc::build(&http, args, &wallet.network, &keys).await?,
            Chain::Solana => sol::build(&http, args, &wallet.network, &keys).await?,
        };
        node::with_node(store, "desktop", global, approver, async |node| {
            let outcome = confirm_and_sign(node, &args.wallet, chain, &unsigned, args.yes).await?;
            let txid = &outcome.signed.txid;
            eprintln!("signed {chain} transaction {txid}; broadcasting");
            let confirmed = match chain {
                Chain::Ethereum => eth::broadcast(&http, &outcome.signed).await,
                Chain::Bitcoin => btc::broadcast(&http, &outcome.signed).await,
                Chain::Solana => sol::broadcast(&http, &outcome.signed).await,
            };
            let log = |kind: &str, detail: String| {
                let _ = node.store().log(Some(&wallet), kind, &detail, now());
            };
            let block = match confirmed {
                Ok(block) => block,
                Err(e) => {
                    log("failed", format!("sending {chain} transaction {txid}: {e}"));
                    return Err(e);
                }
            };
            log(
                "sent",
                format!("{chain} transaction {txid} in block {block}"),
            );
            let mut out = signed_json(&outcome)?;
            out.insert("confirmed".into(), json!(true));
            out.insert("block".into(), json!(block));
            Ok(Value::Object(out))
        })
        .await
    })?;
    Ok(print(global, &out))
}

/// `--amount` in base units of an asset with `decimals`, exactly; not zero.
fn amount(text: &str, decimals: u8) -> Result<Amount, CliError> {
    let amount = Amount::parse(text.trim(), decimals)
        .map_err(|e| CliError::Input(format!("--amount: {e}")))?;
    if amount.units().is_zero() {
        return Err(CliError::Input("--amount is zero".into()));
    }
    Ok(amount)
}

pub(super) fn broadcast_error(txid: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Rpc(crate::error::one_line(format!(
        "the node did not accept transaction {txid}: {e}"
    )))
}

pub(super) fn not_confirmed(txid: &str) -> CliError {
    let secs = CONFIRM_TIMEOUT.as_secs();
    CliError::Confirm(format!(
        "transaction {txid} was broadcast but not confirmed within {secs} s; check it later"
    ))
}
