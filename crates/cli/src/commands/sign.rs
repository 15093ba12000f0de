//! `accord sign-tx`: co-sign an unsigned transaction with a quorum of the
//! wallet's devices, after showing its preview and getting a yes. The
//! preview → confirm → sign flow is shared with `accord send`.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use accord_chains::Chain;
use accord_node::Node;
use accord_node::approve::{Interactive, render};
use accord_node::runtime::SignOutcome;
use serde_json::{Map, Value, json};

use crate::cli::{Global, SignTxArgs};
use crate::commands::wallet::print;
use crate::error::CliError;
use crate::input;
use crate::node::{self, OnOwnThread};

/// Signs `--unsigned` and prints the preview, the signed transaction and
/// its id.
pub fn sign_tx(global: &Global, args: &SignTxArgs) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let bytes = input::unsigned(&args.unsigned)?;
    let store = node::open(global)?;
    // An unknown wallet fails before anything is started.
    store.wallet(&args.wallet)?;
    let approver = Arc::new(OnOwnThread::new(Interactive::terminal()));
    let outcome = node::block_on(node::with_node(
        store,
        "desktop",
        global,
        approver,
        async |node| confirm_and_sign(node, &args.wallet, chain, &bytes, args.yes).await,
    ))?;
    Ok(print(global, &Value::Object(signed_json(&outcome)?)))
}

/// `{"preview": …, "signed": …, "txid": …}`.
pub fn signed_json(outcome: &SignOutcome) -> Result<Map<String, Value>, CliError> {
    let preview = serde_json::to_value(&outcome.preview).map_err(CliError::preview)?;
    let mut out = Map::new();
    out.insert("preview".into(), preview);
    out.insert("signed".into(), json!(outcome.signed.encoded));
    out.insert("txid".into(), json!(outcome.signed.txid));
    Ok(out)
}

/// Shows the preview on standard error, asks (unless `yes`), then
/// co-signs.
pub async fn confirm_and_sign(
    node: &Node,
    wallet: &str,
    chain: Chain,
    unsigned: &[u8],
    yes: bool,
) -> Result<SignOutcome, CliError> {
    let prepared = node.prepare(wallet, chain, unsigned)?;
    eprintln!("{}", render(&prepared.preview));
    if !yes {
        tokio::task::spawn_blocking(ask)
            .await
            .map_err(|e| CliError::Io(format!("the prompt failed: {e}")))??;
    }
    let printer = node::ProgressPrinter::default();
    let progress = |p| printer.print(p);
    Ok(node.sign(wallet, chain, unsigned, &progress).await?)
}

/// "Sign? [y/N]" on the terminal; only `y` or `yes` goes on.
fn ask() -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Refused(
            "refusing to sign without confirmation: pass --yes".into(),
        ));
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "Sign? [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Io(format!("cannot read the answer: {e}")))?;
    let answer = answer.trim();
    if answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(CliError::Refused(
            "not signed: declined at the prompt".into(),
        ))
    }
}
