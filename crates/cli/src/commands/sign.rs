//! `accord sign-tx`: co-sign an unsigned transaction with a quorum of the
//! wallet's devices, after showing its preview and getting a yes. The
//! preview and confirm steps are shared with `accord send`.

use std::io::{BufRead, IsTerminal, Write};

use base64::Engine as _;

use accord_chains::{Chain, Preview};
use accord_node::approve::render;
use accord_node::facade::{SignOutcome, SignRequest};
use accord_node::policy::PolicyCheck;
use accord_node::wallet::WalletRef;
use serde_json::{Map, Value, json};

use crate::cli::{Global, SignTxArgs};
use crate::commands::wallet::print;
use crate::error::CliError;
use crate::input;
use crate::node;

/// Signs `--unsigned` and prints the preview, the signed transaction and
/// its id.
pub fn sign_tx(global: &Global, args: &SignTxArgs) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let unsigned = input::unsigned(&args.unsigned)?;
    let vault = node::open(global)?;
    let wallet = WalletRef::name(&args.wallet);
    // An unknown wallet or a transaction it cannot sign fails before
    // anything is started.
    let prepared = vault.prepare(&wallet, chain, &unsigned)?;
    let mut vault = vault;
    let verdict = vault.recovery_verdict(&wallet, chain, &prepared.preview, &unsigned)?;
    confirm(&prepared.preview, verdict.as_ref(), args.yes)?;
    let request = SignRequest {
        wallet,
        chain,
        unsigned,
        prefer: args.cosigners.clone(),
        only: false,
    };
    if args.psbt_out.is_some() && chain != Chain::Bitcoin {
        return Err(CliError::Input(
            "--psbt-out is for Bitcoin PSBTs only".into(),
        ));
    }
    let outcome = node::as_desktop(vault, global, async |node, progress| {
        Ok(node.sign(&request, progress).await?)
    })?;
    let mut out = signed_json(&outcome)?;
    if let (Some(path), Some(psbt)) = (&args.psbt_out, &outcome.signed.psbt) {
        let text = base64::engine::general_purpose::STANDARD.encode(psbt);
        std::fs::write(path, format!("{text}\n")).map_err(|e| {
            CliError::Io(format!(
                "signed, but the PSBT could not be written to {}: {e}",
                path.display()
            ))
        })?;
        out.insert("psbt_out".into(), json!(path.display().to_string()));
    }
    Ok(print(global, &Value::Object(out)))
}

/// `{"preview": …, "signed": …, "txid": …, "signers": […]}`.
pub fn signed_json(outcome: &SignOutcome) -> Result<Map<String, Value>, CliError> {
    let preview = serde_json::to_value(&outcome.preview).map_err(CliError::preview)?;
    let mut out = Map::new();
    out.insert("preview".into(), preview);
    out.insert("signed".into(), json!(outcome.signed.encoded));
    out.insert("txid".into(), json!(outcome.signed.txid));
    out.insert("signers".into(), json!(outcome.signers));
    if let Some(psbt) = &outcome.signed.psbt {
        // Bitcoin: the signed PSBT too (base64), as --psbt-out writes it.
        let text = base64::engine::general_purpose::STANDARD.encode(psbt);
        out.insert("psbt".into(), json!(text));
    }
    Ok(out)
}

/// Shows the preview on standard error — with what the recovery server
/// will decide by the wallet's policy — and asks "Sign? [y/N]" (unless
/// `yes`); only `y` or `yes` goes on.
pub fn confirm(
    preview: &Preview,
    verdict: Option<&PolicyCheck>,
    yes: bool,
) -> Result<(), CliError> {
    eprintln!("{}", render(preview));
    match verdict {
        Some(v) => eprintln!(
            "  recovery server: {}",
            accord_node::approve::sanitize(&v.describe())
        ),
        None => eprintln!(
            "  recovery server: no policy is in force on this device (none agreed, or the \
             members' approvals have not reached it yet)"
        ),
    }
    if yes {
        return Ok(());
    }
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
