//! `accord send`: builds a transfer from the chain's node (the wallet's
//! nonce, coins, fees, blockhash), shows its preview and asks, co-signs it
//! with a quorum of the wallet's devices, broadcasts it and waits (at most
//! [`accord_node::rpc::CONFIRM_TIMEOUT`]) until it is in a block. The chain
//! IO is [`accord_node::rpc`]'s, shared with the desktop app.

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_chains::Chain;
use accord_mpc::Scheme;
use accord_node::approve::Interactive;
use accord_node::rpc::{self, Http, Transfer};
use accord_node::runtime::{now, public_keys};
use serde_json::{Value, json};

use crate::cli::{Global, SendArgs};
use crate::commands::sign::{confirm_and_sign, signed_json};
use crate::commands::wallet::print;
use crate::error::CliError;
use crate::node::{self, OnOwnThread};

/// Builds, signs, broadcasts and confirms; prints the preview, the signed
/// transaction, its id and the block.
pub fn send(global: &Global, args: &SendArgs) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let http = Http::new(&args.rpc)?;
    let transfer = Transfer {
        chain,
        to: args.to.clone(),
        amount: args.amount.clone(),
        token: args.token.clone(),
        chain_id: args.chain_id,
        fee_rate: args.fee_rate,
    };
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
        let unsigned = rpc::build(&http, &transfer, &wallet.network, &keys).await?;
        node::with_node(store, "desktop", global, approver, async |node| {
            let outcome = confirm_and_sign(node, &args.wallet, chain, &unsigned, args.yes).await?;
            let txid = &outcome.signed.txid;
            eprintln!("signed {chain} transaction {txid}; broadcasting");
            let confirmed = rpc::broadcast(&http, chain, &outcome.signed)
                .await
                .map_err(CliError::from);
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
