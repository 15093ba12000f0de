//! `accord send`: builds a transfer from the chain's node (the wallet's
//! nonce, coins, fees, blockhash), shows its preview and asks, co-signs it
//! with a quorum of the wallet's devices, broadcasts it and waits (at most
//! [`accord_node::rpc::CONFIRM_TIMEOUT`]) until it is in a block — the
//! node's send workflow (`Node::prepare_send`, `Node::send`), shared with
//! the desktop app.

use std::sync::Arc;

use accord_chains::Chain;
use accord_node::Role;
use accord_node::approve::Interactive;
use accord_node::rpc::Transfer;
use accord_node::wallet::WalletRef;
use serde_json::{Value, json};

use crate::cli::{Global, SendArgs};
use crate::commands::sign::{confirm, signed_json};
use crate::commands::wallet::print;
use crate::error::CliError;
use crate::node;

/// Builds, signs, broadcasts and confirms; prints the preview, the signed
/// transaction, its id and the block.
pub fn send(global: &Global, args: &SendArgs) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let transfer = Transfer {
        chain,
        to: args.to.clone(),
        amount: args.amount.clone(),
        token: args.token.clone(),
        chain_id: args.chain_id,
        fee_rate: args.fee_rate,
    };
    // A URL this build cannot use fails before anything else.
    if let Some(rpc) = &args.rpc {
        accord_node::rpc::Http::new(rpc)?;
    }
    let wallet = WalletRef::name(&args.wallet);
    let vault = node::open(global)?;
    // An unknown wallet fails before anything is started.
    let network = vault.wallet(&wallet)?.wallet.network;
    let rpc = match &args.rpc {
        Some(rpc) => rpc.clone(),
        None => default_rpc(&vault, chain, network, args.chain_id)?,
    };
    accord_node::rpc::Http::new(&rpc)?;
    let approver = Arc::new(Interactive::terminal());
    let out = node::block_on(node::with_node(
        vault,
        Role::Desktop,
        global,
        approver,
        async |node| {
            let draft = node.prepare_send(&wallet, &transfer, &rpc).await?;
            let (preview, verdict) = (draft.prepared.preview.clone(), draft.policy.clone());
            let yes = args.yes;
            tokio::task::spawn_blocking(move || confirm(&preview, verdict.as_ref(), yes))
                .await
                .map_err(|e| CliError::Io(format!("the prompt failed: {e}")))??;
            let printer = node::ProgressPrinter::default();
            let progress = |p| printer.print(p);
            let sent = node.send(&draft, &progress).await?;
            let mut out = signed_json(&sent.signed)?;
            out.insert("confirmed".into(), json!(true));
            out.insert("block".into(), json!(sent.block));
            Ok(Value::Object(out))
        },
    ))?;
    Ok(print(global, &out))
}

/// The endpoints to use without `--rpc`: for an Ethereum `--chain-id` other
/// than the network's, the public RPCs of that chain (the EVM table); else
/// this device's endpoints for the wallet's network (`accord endpoints`).
fn default_rpc(
    vault: &accord_node::Vault,
    chain: Chain,
    network: accord_node::wallet::Network,
    chain_id: Option<u64>,
) -> Result<String, CliError> {
    use accord_node::rpc::presets;
    if chain == Chain::Ethereum
        && let Some(id) = chain_id
        && id != presets::evm_chain_id(network)
    {
        let known = presets::evm(id);
        if known.is_empty() {
            return Err(CliError::Input(format!(
                "no endpoint is known for chain id {id}: pass --rpc URL"
            )));
        }
        return Ok(known.join(", "));
    }
    vault.settings()?.endpoint(chain, network).ok_or_else(|| {
        CliError::Input(format!(
            "no {chain} endpoint for {}: pass --rpc URL",
            network.name()
        ))
    })
}
