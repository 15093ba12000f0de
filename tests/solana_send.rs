#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `accord send` on Solana end to end (issue 13), across processes,
//! against the Solana **test node** of `accord-testnodes` (LiteSVM: the
//! Agave SVM with signature verification and blockhash checks, in its own
//! process, decoding the wire bytes with bincode + solana-transaction 4):
//!
//! - SOL: the recipient gets exactly the amount, the wallet pays amount +
//!   the fee the preview showed.
//! - An SPL token (`TransferChecked`): the recipient's associated token
//!   account is created in the same transaction and holds the amount.
//! - Hostile answers: a blockhash of another cluster (refused by the node:
//!   nothing executed) and a mint with 255 decimals (refused before
//!   anything is signed).

mod common;

use accord_chains::solana::address::{associated_token_address, parse};
use accord_chains::solana::programs::TOKEN_PROGRAM;
use accord_testnodes::http::Server;
use accord_testnodes::solana::{Hostile, Solana, litesvm_binary};
use common::Trio;

const LAMPORTS_PER_SOL: u64 = 1_000_000_000;
/// A recipient (any valid address).
const TO: &str = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T";
/// Mints (any valid addresses nobody holds a key of).
const MINT: &str = "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB";
const ODD_MINT: &str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

#[test]
fn send_sol_and_an_spl_token_and_refuse_a_hostile_node() {
    let binary = litesvm_binary(
        &std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("solana-litesvm-node"),
    )
    .unwrap();
    let solana = Solana::start(&binary).unwrap();
    let server = Server::start(0, solana.handler()).unwrap();
    let trio = Trio::new(true, &[]);
    let wallet = trio.wallet.solana.clone();
    solana.airdrop(&wallet, 2 * LAMPORTS_PER_SOL).unwrap();
    let send = |amount: &str, token: Option<&str>| -> Vec<String> {
        let mut args: Vec<String> = [
            "send", "--wallet", "w", "--chain", "solana", "--to", TO, "--amount", amount, "--rpc",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.push(server.url());
        if let Some(token) = token {
            args.extend(["--token".to_owned(), token.to_owned()]);
        }
        args.push("--yes".into());
        args
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        trio.desktop.json(&args)
    };
    let fails = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        trio.desktop.fails(&args)
    };

    // A blockhash of another cluster: signed as shown, refused by the node.
    solana.set_hostile(Hostile::ForeignBlockhash);
    let err = fails(send("0.5", None));
    assert!(err.contains("did not accept"), "{err}");
    assert!(err.contains("Blockhash"), "{err}");
    assert_eq!(solana.balance(&wallet).unwrap(), 2 * LAMPORTS_PER_SOL);
    solana.set_hostile(Hostile::No);

    // SOL.
    let out = run(send("0.5", None));
    assert_eq!(out["confirmed"], true, "{out}");
    assert_eq!(solana.balance(TO).unwrap(), LAMPORTS_PER_SOL / 2);
    let fee: u64 = out["preview"]["fee"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        solana.balance(&wallet).unwrap(),
        2 * LAMPORTS_PER_SOL - LAMPORTS_PER_SOL / 2 - fee,
        "the wallet paid the amount and the previewed fee"
    );

    // An SPL token (6 decimals); the recipient has no account for it yet.
    let (owner, mint) = (parse(&wallet).unwrap(), parse(MINT).unwrap());
    let source = associated_token_address(&owner, &mint, &TOKEN_PROGRAM).unwrap();
    solana.create_mint(MINT, 6, 1_000_000_000).unwrap();
    solana
        .create_token_account(&source.to_string(), &wallet, MINT, 10_000_000)
        .unwrap();
    let target = associated_token_address(&parse(TO).unwrap(), &mint, &TOKEN_PROGRAM).unwrap();
    assert_eq!(solana.token_balance(&target.to_string()).unwrap(), None);
    // Recent slots paid a priority fee: so does this transfer, within the
    // compute units it asks for (LiteSVM would fail it otherwise).
    solana.set_priority_fee(5_000);
    let before = solana.balance(&wallet).unwrap();
    let out = run(send("2.5", Some(MINT)));
    assert_eq!(out["confirmed"], true, "{out}");
    let fee: u64 = out["preview"]["fee"].as_str().unwrap().parse().unwrap();
    // 5000 lamports a signature + 100 000 units × 5000 micro-lamports.
    assert_eq!(fee, 5_000 + 500, "{out}");
    let rent = before - fee - solana.balance(&wallet).unwrap();
    assert!(rent > 0, "the wallet paid the new account's rent");
    assert_eq!(
        solana.token_balance(&target.to_string()).unwrap(),
        Some(2_500_000),
        "the recipient's account was created and holds 2.5"
    );
    assert_eq!(
        solana.token_balance(&source.to_string()).unwrap(),
        Some(7_500_000)
    );

    // A mint that claims 255 decimals: refused before anything is signed.
    let odd = parse(ODD_MINT).unwrap();
    let odd_source = associated_token_address(&owner, &odd, &TOKEN_PROGRAM).unwrap();
    solana.create_mint(ODD_MINT, 255, 1).unwrap();
    solana
        .create_token_account(&odd_source.to_string(), &wallet, ODD_MINT, 1)
        .unwrap();
    let before = solana.balance(&wallet).unwrap();
    let err = fails(send("1", Some(ODD_MINT)));
    assert!(err.contains("decimals") || err.contains("amount"), "{err}");
    assert_eq!(solana.balance(&wallet).unwrap(), before);
}
