#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Policy documents (issue 11): the JSON format and its checks, the hash
//! chain, tightening against loosening, member devices' signatures
//! (verified with `ring`, not the library that made them) and when a
//! version is in force, and the rules on real previews built and decoded
//! by `accord_chains` — each bypass found in review as a regression test,
//! and a property test that what a policy lets through never exceeds its
//! windows.

use accord_chains::ethereum::{self, Address, Gas, U256, erc20};
use accord_chains::solana::programs::TOKEN_PROGRAM;
use accord_chains::solana::{self, Hash, Pubkey, SplTransfer};
use accord_chains::{Chain, Preview};
use accord_node::policy::document::parse_units;
use accord_node::policy::ledger::{LedgerEntry, Spend};
use accord_node::policy::signed::{ChainError, Endorsement, SignatureError, endorse, message};
use accord_node::policy::{
    ActivePolicy, AssetLimits, BookEntry, ChainRules, Change, Context, DelayedTransfer,
    PolicyDocument, Queue, Recipients, Signers, Standing, StandingError, Statement, Verdict,
    Violation, classify, defaults, delayed, evaluate, standing,
};
use accord_node::wallet::Network;
use iroh::SecretKey;
use proptest::prelude::*;

const WALLET_ID: &str = "9f2c7a1e5b3d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";
const WALLET: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const BOB: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CAROL: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const USDC: &str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const DAY: u64 = 86_400;
const NOW: u64 = 1_800_000_000;

// ------------------------------------------------------------ builders

fn a(text: &str) -> Address {
    ethereum::address::parse(text).unwrap()
}

fn gas(limit: u64) -> Gas {
    Gas {
        gas_limit: limit,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    }
}

fn eth_preview(tx: &ethereum::UnsignedTx) -> Preview {
    ethereum::preview(&tx.encode(), Some(a(WALLET))).unwrap()
}

fn eth_on(chain_id: u64, to: &str, wei: u64) -> Preview {
    eth_preview(&ethereum::UnsignedTx::eth_transfer(
        chain_id,
        0,
        a(to),
        U256::from(wei),
        gas(21_000),
    ))
}

fn eth(to: &str, wei: u64) -> Preview {
    eth_on(1, to, wei)
}

fn usdc(to: &str, units: u64) -> Preview {
    eth_preview(&ethereum::UnsignedTx::erc20_transfer(
        1,
        0,
        a(USDC),
        a(to),
        U256::from(units),
        gas(70_000),
    ))
}

fn key(seed: u8) -> Pubkey {
    Pubkey::new_from_array([seed; 32])
}

fn limits(
    asset: &str,
    per_tx: u64,
    window: Option<(u64, u64)>,
    delay_over: Option<u64>,
) -> AssetLimits {
    AssetLimits {
        asset: asset.into(),
        max_per_tx: per_tx.to_string(),
        max_per_window: window.map(|(max, _)| max.to_string()),
        window: window.map(|(_, secs)| secs),
        delay_over: delay_over.map(|d| d.to_string()),
    }
}

fn eth_rules(recipients: Recipients, tokens: bool, assets: Vec<AssetLimits>) -> ChainRules {
    ChainRules {
        chain: Chain::Ethereum,
        chain_id: Some(1),
        recipients,
        tokens,
        assets,
    }
}

fn doc(chains: Vec<ChainRules>) -> PolicyDocument {
    PolicyDocument {
        wallet_id: WALLET_ID.into(),
        version: 1,
        previous: None,
        chains,
        address_book: vec![BookEntry {
            chain: Chain::Ethereum,
            address: BOB.to_lowercase(),
            name: "bob".into(),
        }],
        delay: 2 * DAY,
        replace_delay: 3 * DAY,
        required_approvers: Vec::new(),
    }
}

/// Up to 1000 wei per transaction, 1500 per day, anyone at once.
fn eth_doc() -> PolicyDocument {
    doc(vec![eth_rules(
        Recipients::Anyone,
        false,
        vec![limits("native", 1_000, Some((1_500, DAY)), None)],
    )])
}

fn verdict(
    doc: &PolicyDocument,
    chain: Chain,
    preview: &Preview,
    ledger: &[LedgerEntry],
) -> Verdict {
    evaluate(
        doc,
        preview,
        Context {
            chain,
            now: NOW,
            signers: &[],
            ledger,
            tx: None,
        },
    )
}

fn refused(v: Verdict) -> Violation {
    match v {
        Verdict::Refuse(v) => v,
        other => panic!("not refused: {other:?}"),
    }
}

fn spends(v: Verdict) -> Vec<Spend> {
    match v {
        Verdict::Allow { spends } => spends,
        other => panic!("not allowed: {other:?}"),
    }
}

fn recorded(spends: Vec<Spend>, at: u64) -> Vec<LedgerEntry> {
    spends
        .into_iter()
        .map(|spend| LedgerEntry {
            spend,
            at,
            tx: [at as u8; 32],
        })
        .collect()
}

// ------------------------------------------------------------ the document

#[test]
fn documents_round_trip_and_unknown_fields_are_refused() {
    let d = eth_doc();
    let back = PolicyDocument::from_json(&d.to_json()).unwrap();
    assert_eq!(back, d);
    assert_eq!(back.hash(), d.hash());
    // A misspelt field must not silently drop a cap.
    let misspelt = d.to_json().replace("\"max_per_tx\"", "\"max_per_txn\"");
    assert!(PolicyDocument::from_json(&misspelt).is_err());
    let extra = d.to_json().replacen('{', "{\"admin\": true,", 1);
    assert!(PolicyDocument::from_json(&extra).is_err());
    // The default policy of every network is a valid document.
    for n in Network::ALL {
        defaults::first_policy(WALLET_ID, n).check().unwrap();
    }
}

#[test]
fn documents_that_break_the_rules_are_refused() {
    let bad = |edit: &dyn Fn(&mut PolicyDocument)| {
        let mut d = eth_doc();
        edit(&mut d);
        assert!(d.check().is_err(), "{}", d.to_json());
        assert!(PolicyDocument::from_json(&d.to_json()).is_err());
    };
    bad(&|d| d.chains[0].chain_id = None);
    bad(&|d| d.chains[0].assets[0].max_per_tx = "0100".into());
    bad(&|d| d.chains[0].assets[0].max_per_tx = "1e18".into());
    bad(&|d| d.chains[0].assets[0].max_per_tx = String::new());
    bad(&|d| d.chains[0].assets[0].window = None);
    bad(&|d| d.chains[0].assets[0].window = Some(0));
    bad(&|d| {
        let again = d.chains[0].assets[0].clone();
        d.chains[0].assets.push(again);
    });
    bad(&|d| {
        let again = d.chains[0].clone();
        d.chains.push(again);
    });
    bad(&|d| {
        let mut again = d.address_book[0].clone();
        again.address = BOB.into(); // the same address, other case
        again.name = "bob again".into();
        d.address_book.push(again);
    });
    bad(&|d| d.address_book[0].name = "bo\u{1b}[2Jb".into());
    bad(&|d| d.version = 2);
    bad(&|d| d.previous = Some("00".repeat(32)));
    bad(&|d| d.wallet_id = "not hex".into());
    bad(&|d| d.delay = 400 * DAY);
    assert_eq!(parse_units("0"), Some(U256::ZERO));
    assert_eq!(parse_units("00"), None);
}

#[test]
fn every_field_is_in_the_hash() {
    let d = eth_doc();
    let changed = |edit: &dyn Fn(&mut PolicyDocument)| {
        let mut e = d.clone();
        edit(&mut e);
        assert_ne!(e.hash(), d.hash());
    };
    changed(&|e| e.delay += 1);
    changed(&|e| e.replace_delay += 1);
    changed(&|e| e.chains[0].tokens = true);
    changed(&|e| e.chains[0].chain_id = Some(137));
    changed(&|e| e.chains[0].assets[0].max_per_tx = "1001".into());
    changed(&|e| e.address_book[0].name = "rob".into());
    changed(&|e| e.required_approvers.push("ab".repeat(32)));
    changed(&|e| e.wallet_id = "ab".repeat(32));
}

// ------------------------------------------------------------ changes

/// The eth document's successor with a cap of 10 wei per transaction.
fn tighter(d: &PolicyDocument) -> PolicyDocument {
    next(d, |e| e.chains[0].assets[0].max_per_tx = "10".into())
}

fn next(d: &PolicyDocument, edit: impl Fn(&mut PolicyDocument)) -> PolicyDocument {
    let mut n = d.clone();
    n.version = d.version + 1;
    n.previous = Some(d.hash_hex());
    edit(&mut n);
    n
}

#[test]
fn tightening_and_loosening() {
    let d = eth_doc();
    let tight = |e: &dyn Fn(&mut PolicyDocument)| {
        assert_eq!(classify(&d, &next(&d, e)), Change::Tightening);
    };
    let loose = |e: &dyn Fn(&mut PolicyDocument)| {
        assert!(classify(&d, &next(&d, e)).loosens());
    };
    tight(&|_| {});
    tight(&|e| e.chains[0].assets[0].max_per_tx = "999".into());
    tight(&|e| e.chains[0].assets[0].max_per_window = Some("1000".into()));
    tight(&|e| e.chains[0].assets[0].window = Some(2 * DAY));
    tight(&|e| e.chains[0].assets[0].delay_over = Some("10".into()));
    tight(&|e| e.chains[0].recipients = Recipients::BookOnly);
    tight(&|e| e.address_book.clear());
    tight(&|e| e.delay = 3 * DAY);
    tight(&|e| e.chains.clear());
    tight(&|e| e.required_approvers.push("ab".repeat(32)));

    loose(&|e| e.chains[0].assets[0].max_per_tx = "1001".into());
    loose(&|e| e.chains[0].assets[0].max_per_window = None);
    loose(&|e| e.chains[0].assets[0].window = Some(DAY / 2));
    loose(&|e| e.chains[0].tokens = true);
    loose(&|e| e.chains[0].assets.push(limits(USDC, 1, None, None)));
    loose(&|e| e.chains[0].chain_id = Some(137));
    loose(&|e| {
        e.address_book.push(BookEntry {
            chain: Chain::Ethereum,
            address: CAROL.into(),
            name: "carol".into(),
        })
    });
    loose(&|e| e.delay = 0);
    loose(&|e| e.replace_delay = 0);
    // The Term Finance step: a delay to zero with tighter caps is still a
    // loosening.
    loose(&|e| {
        e.delay = 0;
        e.chains[0].assets[0].max_per_tx = "1".into();
    });
    let mut with_delay = d.clone();
    with_delay.chains[0].assets[0].delay_over = Some("100".into());
    let lifted = next(&with_delay, |e| e.chains[0].assets[0].delay_over = None);
    assert!(classify(&with_delay, &lifted).loosens());
}

// ------------------------------------------------------------ signatures

struct Team {
    desktop: SecretKey,
    phone: SecretKey,
    recovery: SecretKey,
    signers: Signers,
}

fn team() -> Team {
    let k = |b: u8| SecretKey::from_bytes(&[b; 32]);
    let (desktop, phone, recovery) = (k(1), k(2), k(3));
    let id = |k: &SecretKey| hex::encode(k.public().as_bytes());
    let signers = Signers {
        user_devices: vec![id(&desktop), id(&phone)],
        others: vec![id(&recovery)],
        threshold: 2,
    };
    Team {
        desktop,
        phone,
        recovery,
        signers,
    }
}

#[test]
fn endorsements_verify_with_another_library_and_bind_the_statement() {
    let t = team();
    let d = eth_doc();
    let e = endorse(&t.phone, &d, Statement::Approve);
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ED25519,
        hex::decode(&e.device).unwrap(),
    );
    let sig = hex::decode(&e.signature).unwrap();
    public
        .verify(&message(WALLET_ID, &d.hash(), Statement::Approve), &sig)
        .unwrap();
    // Not a cancel, not another document, not another wallet.
    assert!(
        public
            .verify(&message(WALLET_ID, &d.hash(), Statement::Cancel), &sig)
            .is_err()
    );
    let other = next(&d, |_| {});
    assert!(
        public
            .verify(&message(WALLET_ID, &other.hash(), Statement::Approve), &sig)
            .is_err()
    );
    assert!(
        public
            .verify(
                &message(&"ab".repeat(32), &d.hash(), Statement::Approve),
                &sig
            )
            .is_err()
    );
}

#[test]
fn the_first_version_needs_every_member() {
    let t = team();
    let d = eth_doc();
    let approve = |k: &SecretKey| endorse(k, &d, Statement::Approve);
    let two = [approve(&t.desktop), approve(&t.phone)];
    assert!(matches!(
        standing(None, &d, &two, &t.signers, None, NOW).unwrap(),
        Standing::Pending { needs: 1, .. }
    ));
    let all = [approve(&t.desktop), approve(&t.phone), approve(&t.recovery)];
    assert_eq!(
        standing(None, &d, &all, &t.signers, None, NOW).unwrap(),
        Standing::Active
    );
}

#[test]
fn a_tightening_applies_once_any_member_signs() {
    let t = team();
    let d = eth_doc();
    let tighter = tighter(&d);
    assert!(matches!(
        standing(Some(&d), &tighter, &[], &t.signers, None, NOW).unwrap(),
        Standing::Pending { needs: 1, .. }
    ));
    let by_desktop = [endorse(&t.desktop, &tighter, Statement::Approve)];
    assert_eq!(
        standing(Some(&d), &tighter, &by_desktop, &t.signers, None, NOW).unwrap(),
        Standing::Active
    );
}

#[test]
fn a_loosening_needs_a_quorum_of_user_devices_then_the_current_delay() {
    let t = team();
    let d = eth_doc();
    // Raise the cap and drop the delay to zero in the same step.
    let looser = next(&d, |e| {
        e.chains[0].assets[0].max_per_tx = "1000000".into();
        e.delay = 0;
    });
    let approve = |k: &SecretKey| endorse(k, &looser, Statement::Approve);
    // The desktop (stolen) and the recovery server: not enough.
    let thief = [approve(&t.desktop), approve(&t.recovery)];
    match standing(Some(&d), &looser, &thief, &t.signers, None, NOW).unwrap() {
        Standing::Pending {
            needs: 1,
            effective_at: None,
            loosens,
        } => assert!(
            loosens.iter().any(|w| w.contains("delay drops")),
            "{loosens:?}"
        ),
        other => panic!("{other:?}"),
    }
    // With the phone: in force after the *current* delay (2 days), not the
    // new one (0).
    let quorum = [approve(&t.desktop), approve(&t.phone)];
    let seen = NOW;
    assert!(matches!(
        standing(Some(&d), &looser, &quorum, &t.signers, Some(seen), NOW + DAY).unwrap(),
        Standing::Pending { needs: 0, effective_at: Some(at), .. } if at == seen + 2 * DAY
    ));
    assert_eq!(
        standing(
            Some(&d),
            &looser,
            &quorum,
            &t.signers,
            Some(seen),
            seen + 2 * DAY
        )
        .unwrap(),
        Standing::Active
    );
    // A member's cancel while pending ends it; after, it changes nothing.
    let mut cancelled = quorum.to_vec();
    cancelled.push(endorse(&t.recovery, &looser, Statement::Cancel));
    assert!(matches!(
        standing(
            Some(&d),
            &looser,
            &cancelled,
            &t.signers,
            Some(seen),
            NOW + DAY
        )
        .unwrap(),
        Standing::Cancelled { .. }
    ));
    assert_eq!(
        standing(
            Some(&d),
            &looser,
            &cancelled,
            &t.signers,
            Some(seen),
            seen + 2 * DAY
        )
        .unwrap(),
        Standing::Active
    );
}

#[test]
fn forged_foreign_and_unchained_signatures_are_refused() {
    let t = team();
    let d = eth_doc();
    let tighter = tighter(&d);
    // A signature on another document.
    let mut forged = endorse(&t.desktop, &d, Statement::Approve);
    forged.device = hex::encode(t.desktop.public().as_bytes());
    assert!(matches!(
        standing(Some(&d), &tighter, &[forged], &t.signers, None, NOW),
        Err(StandingError::Signature(SignatureError::Invalid { .. }))
    ));
    // A stranger's valid signature.
    let stranger = SecretKey::from_bytes(&[9; 32]);
    let theirs = endorse(&stranger, &tighter, Statement::Approve);
    assert!(matches!(
        standing(Some(&d), &tighter, &[theirs], &t.signers, None, NOW),
        Err(StandingError::Signature(SignatureError::NotMember { .. }))
    ));
    // A version that does not name the one in force.
    let mut unchained = tighter.clone();
    unchained.previous = Some("00".repeat(32));
    let signed = endorse(&t.desktop, &unchained, Statement::Approve);
    assert!(matches!(
        standing(Some(&d), &unchained, &[signed], &t.signers, None, NOW),
        Err(StandingError::Chain(ChainError::NotNext { .. }))
    ));
    // A second "first" version.
    let again = endorse(&t.desktop, &d, Statement::Approve);
    assert!(matches!(
        standing(Some(&d), &d, &[again], &t.signers, None, NOW),
        Err(StandingError::Chain(_))
    ));
}

// ------------------------------------------------------------ rules: the bypasses

#[test]
fn truncated_erc20_calldata_is_refused_even_with_tokens_allowed() {
    let mut data = erc20::transfer(a(BOB), U256::from(1u8));
    data.truncate(20); // the short-address attack
    let p = eth_preview(&ethereum::UnsignedTx::contract_call(
        1,
        0,
        a(USDC),
        U256::ZERO,
        data,
        gas(60_000),
    ));
    let d = doc(vec![eth_rules(
        Recipients::Anyone,
        true,
        vec![
            limits("native", 1_000, None, None),
            limits(USDC, u64::MAX, None, None),
        ],
    )]);
    assert!(matches!(
        refused(verdict(&d, Chain::Ethereum, &p, &[])),
        Violation::Uncertain { .. }
    ));
    // And a call the preview does not know.
    let p = eth_preview(&ethereum::UnsignedTx::contract_call(
        1,
        0,
        a(CAROL),
        U256::ZERO,
        vec![0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1],
        gas(60_000),
    ));
    assert!(matches!(
        refused(verdict(&d, Chain::Ethereum, &p, &[])),
        Violation::Uncertain { .. }
    ));
}

/// A legacy Solana message with one instruction of `program` over
/// `accounts` (indices into `keys`), signed by `keys[0]`.
fn sol_message(
    keys: &[Pubkey],
    readonly_unsigned: u8,
    program: u8,
    accounts: &[u8],
    data: &[u8],
) -> Vec<u8> {
    let mut m = vec![1, 0, readonly_unsigned, keys.len() as u8];
    for k in keys {
        m.extend_from_slice(&k.to_bytes());
    }
    m.extend_from_slice(&[0xab; 32]);
    m.push(1);
    m.push(program);
    m.push(accounts.len() as u8);
    m.extend_from_slice(accounts);
    m.push(data.len() as u8);
    m.extend_from_slice(data);
    m
}

fn sol_doc(tokens: bool) -> PolicyDocument {
    let mut d = doc(vec![ChainRules {
        chain: Chain::Solana,
        chain_id: None,
        recipients: Recipients::Anyone,
        tokens,
        assets: vec![limits("native", 10_000_000_000, None, None)],
    }]);
    d.address_book.clear();
    d
}

#[test]
fn closing_a_token_account_is_refused_whatever_its_rent() {
    // SPL Token CloseAccount (instruction 9): account, destination, owner.
    let (owner, account, thief) = (key(1), key(5), key(3));
    let m = sol_message(
        &[owner, account, thief, TOKEN_PROGRAM],
        1,
        3,
        &[1, 2, 0],
        &[9],
    );
    let p = solana::preview(&m, "mainnet", Some(&owner)).unwrap();
    // Even a policy allowing 10 SOL per transaction to anyone, tokens
    // included: a wrapped-SOL account's whole balance would go.
    assert!(matches!(
        refused(verdict(&sol_doc(true), Chain::Solana, &p, &[])),
        Violation::Uncertain { detail } if detail.contains("closes")
    ));
}

#[test]
fn an_spl_transfer_without_its_mint_is_refused() {
    // SPL Token Transfer (3): source, destination, owner; 8-byte amount.
    let (owner, source, dest) = (key(1), key(5), key(6));
    let mut data = vec![3];
    data.extend_from_slice(&7u64.to_le_bytes());
    let m = sol_message(
        &[owner, source, dest, TOKEN_PROGRAM],
        1,
        3,
        &[1, 2, 0],
        &data,
    );
    let p = solana::preview(&m, "mainnet", Some(&owner)).unwrap();
    let mut d = sol_doc(true);
    d.chains[0]
        .assets
        .push(limits(&source.to_string(), u64::MAX, None, None));
    assert!(matches!(
        refused(verdict(&d, Chain::Solana, &p, &[])),
        Violation::Uncertain { detail } if detail.contains("mint")
    ));
}

#[test]
fn spl_transfers_need_tokens_and_their_mints_limits() {
    let mint = Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    let tx = solana::UnsignedTx::spl_transfer_checked(
        &SplTransfer {
            owner: key(1),
            mint,
            decimals: 6,
            to_wallet: key(2),
            amount: 5_000,
            token_program: TOKEN_PROGRAM,
            create_recipient_account: false,
        },
        Hash::new_from_array([0xab; 32]),
        None,
    )
    .unwrap();
    let p = solana::preview(tx.message_bytes(), "mainnet", Some(&key(1))).unwrap();
    assert!(matches!(
        refused(verdict(&sol_doc(false), Chain::Solana, &p, &[])),
        Violation::TokensNotAllowed { .. }
    ));
    // Tokens allowed, but this mint has no limits: `tokens: true` is not
    // "any amount".
    assert!(matches!(
        refused(verdict(&sol_doc(true), Chain::Solana, &p, &[])),
        Violation::NoLimits { .. }
    ));
    let mut d = sol_doc(true);
    d.chains[0]
        .assets
        .push(limits(&mint.to_string(), 4_999, None, None));
    assert!(matches!(
        refused(verdict(&d, Chain::Solana, &p, &[])),
        Violation::OverPerTx { .. }
    ));
    d.chains[0].assets[1].max_per_tx = "5000".into();
    assert_eq!(spends(verdict(&d, Chain::Solana, &p, &[])).len(), 1);
}

#[test]
fn evm_rules_are_per_chain_id() {
    // Rules for Polygon (137) allow nothing on mainnet (1).
    let mut d = eth_doc();
    d.chains[0].chain_id = Some(137);
    assert_eq!(
        refused(verdict(&d, Chain::Ethereum, &eth(BOB, 1), &[])),
        Violation::NoRules {
            chain: Chain::Ethereum,
            chain_id: Some(1)
        }
    );
    assert_eq!(
        spends(verdict(&d, Chain::Ethereum, &eth_on(137, BOB, 1), &[])).len(),
        1
    );
}

#[test]
fn erc20_amounts_and_approvals_count_against_the_tokens_limits() {
    let d = doc(vec![eth_rules(
        Recipients::Anyone,
        true,
        vec![
            limits("native", 1_000, None, None),
            limits(USDC, 100, Some((150, DAY)), None),
        ],
    )]);
    let first = spends(verdict(&d, Chain::Ethereum, &usdc(CAROL, 100), &[]));
    assert_eq!(first[0].asset, USDC);
    let ledger = recorded(first, NOW - 60);
    assert!(matches!(
        refused(verdict(&d, Chain::Ethereum, &usdc(CAROL, 100), &ledger)),
        Violation::OverWindow { .. }
    ));
    // An unlimited approval is more than any cap.
    let approve = eth_preview(&ethereum::UnsignedTx::contract_call(
        1,
        0,
        a(USDC),
        U256::ZERO,
        erc20::approve(a(CAROL), U256::MAX),
        gas(60_000),
    ));
    assert!(matches!(
        refused(verdict(&d, Chain::Ethereum, &approve, &[])),
        Violation::OverPerTx { .. }
    ));
}

#[test]
fn a_window_is_spent_once_then_refills() {
    let d = eth_doc();
    // Two transfers under the per-transaction cap whose sum is over the
    // window: the first is signed, the second refused.
    let first = spends(verdict(&d, Chain::Ethereum, &eth(CAROL, 900), &[]));
    let ledger = recorded(first, NOW - 3600);
    match refused(verdict(&d, Chain::Ethereum, &eth(CAROL, 900), &ledger)) {
        Violation::OverWindow { spent, max, .. } => {
            assert_eq!(spent, U256::from(900u32));
            assert_eq!(max, U256::from(1_500u32));
        }
        other => panic!("{other:?}"),
    }
    // What is left of the window still goes.
    assert_eq!(
        spends(verdict(&d, Chain::Ethereum, &eth(CAROL, 600), &ledger)).len(),
        1
    );
    // A day later the window has refilled.
    let old = recorded(
        spends(verdict(&d, Chain::Ethereum, &eth(CAROL, 900), &[])),
        NOW - DAY,
    );
    assert_eq!(
        spends(verdict(&d, Chain::Ethereum, &eth(CAROL, 900), &old)).len(),
        1
    );
    // Another chain id's spends are another window.
    let mut other = ledger.clone();
    other[0].spend.chain_id = Some(137);
    assert_eq!(
        spends(verdict(&d, Chain::Ethereum, &eth(CAROL, 900), &other)).len(),
        1
    );
}

#[test]
fn recipients_book_and_delays() {
    let mut d = eth_doc();
    d.chains[0].recipients = Recipients::BookOnly;
    assert_eq!(
        refused(verdict(&d, Chain::Ethereum, &eth(CAROL, 1), &[])),
        Violation::NotInBook { to: CAROL.into() }
    );
    // Bob is in the book (written in lower case: compared without case).
    assert_eq!(
        spends(verdict(&d, Chain::Ethereum, &eth(BOB, 1), &[])).len(),
        1
    );
    d.chains[0].recipients = Recipients::BookOrDelay;
    match verdict(&d, Chain::Ethereum, &eth(CAROL, 1), &[]) {
        Verdict::Delay {
            seconds, reasons, ..
        } => {
            assert_eq!(seconds, 2 * DAY);
            assert!(reasons[0].contains("not in the address book"));
        }
        other => panic!("{other:?}"),
    }
    // Over `delay_over`, even to Bob.
    d.chains[0].assets[0].delay_over = Some("500".into());
    assert!(matches!(
        verdict(&d, Chain::Ethereum, &eth(BOB, 501), &[]),
        Verdict::Delay { .. }
    ));
    assert!(matches!(
        verdict(&d, Chain::Ethereum, &eth(BOB, 500), &[]),
        Verdict::Allow { .. }
    ));
}

#[test]
fn required_approvers_must_sign() {
    let mut d = eth_doc();
    let phone = "cd".repeat(32);
    d.required_approvers.push(phone.clone());
    let cx = |signers: &'static [String]| Context {
        chain: Chain::Ethereum,
        now: NOW,
        signers,
        ledger: &[],
        tx: None,
    };
    let without: &'static [String] = Box::leak(vec!["ab".repeat(32)].into_boxed_slice());
    assert!(matches!(
        evaluate(&d, &eth(BOB, 1), cx(without)),
        Verdict::Refuse(Violation::MissingApprover { .. })
    ));
    let with: &'static [String] = Box::leak(vec!["ab".repeat(32), phone].into_boxed_slice());
    assert!(matches!(
        evaluate(&d, &eth(BOB, 1), cx(with)),
        Verdict::Allow { .. }
    ));
}

#[test]
fn unlisted_chains_and_assets_move_nothing() {
    let d = eth_doc();
    let sol = {
        let tx = solana::UnsignedTx::sol_transfer(
            &key(1),
            &key(2),
            1,
            Hash::new_from_array([0xab; 32]),
            None,
        )
        .unwrap();
        solana::preview(tx.message_bytes(), "mainnet", Some(&key(1))).unwrap()
    };
    assert!(matches!(
        refused(verdict(&d, Chain::Solana, &sol, &[])),
        Violation::NoRules { .. }
    ));
    // ETH rules without native limits: ETH does not move.
    let mut d = eth_doc();
    d.chains[0].assets.clear();
    assert!(matches!(
        refused(verdict(&d, Chain::Ethereum, &eth(BOB, 1), &[])),
        Violation::NoLimits { .. }
    ));
}

// ------------------------------------------------------------ the property

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For any sequence of transfers at any times, what the policy lets
    /// through (recorded as the co-signer records it) never exceeds the
    /// per-transaction maximum, nor the window's maximum over any window.
    #[test]
    fn what_is_allowed_never_exceeds_the_windows(
        steps in proptest::collection::vec((0u64..1_200, 0u64..20_000, 0u8..2), 1..40),
    ) {
        let d = eth_doc();
        let mut ledger: Vec<LedgerEntry> = Vec::new();
        let mut now = NOW;
        for (amount, gap, to) in steps {
            now += gap;
            let to = if to == 0 { BOB } else { CAROL };
            let v = evaluate(&d, &eth(to, amount), Context {
                chain: Chain::Ethereum,
                now,
                signers: &[],
                ledger: &ledger,
                tx: None,
            });
            if let Verdict::Allow { spends } = v {
                for spend in spends {
                    prop_assert!(spend.amount <= U256::from(1_000u32));
                    ledger.push(LedgerEntry { spend, at: now, tx: [0; 32] });
                }
            }
        }
        // Every window of a day (ending at a recorded spend) holds at most
        // the window's maximum.
        for end in &ledger {
            let total = ledger
                .iter()
                .filter(|e| e.at <= end.at && e.at > end.at.saturating_sub(DAY))
                .fold(U256::ZERO, |acc, e| acc + e.spend.amount);
            prop_assert!(total <= U256::from(1_500u32), "{total} in the day up to {}", end.at);
        }
    }
}

#[test]
fn a_retry_of_the_same_transaction_does_not_count_against_itself() {
    let d = eth_doc();
    let first = spends(verdict(&d, Chain::Ethereum, &eth(CAROL, 900), &[]));
    let ledger: Vec<LedgerEntry> = first
        .into_iter()
        .map(|spend| LedgerEntry {
            spend,
            at: NOW - 60,
            tx: [7; 32],
        })
        .collect();
    let cx = |tx| Context {
        chain: Chain::Ethereum,
        now: NOW,
        signers: &[],
        ledger: &ledger,
        tx,
    };
    // The same transaction again (its signing crashed, or was retried).
    assert!(matches!(
        evaluate(&d, &eth(CAROL, 900), cx(Some(&[7; 32]))),
        Verdict::Allow { .. }
    ));
    // Another one: the window holds the first.
    assert!(matches!(
        evaluate(&d, &eth(CAROL, 900), cx(Some(&[8; 32]))),
        Verdict::Refuse(Violation::OverWindow { .. })
    ));
}

/// `doc` as a device holds it: approved by each of `by`, received at `at`.
fn held(doc: &PolicyDocument, by: &[(&SecretKey, u64)]) -> accord_node::policy::StoredVersion {
    accord_node::policy::StoredVersion {
        document: doc.clone(),
        statements: by
            .iter()
            .map(|(k, at)| (endorse(k, doc, Statement::Approve), *at))
            .collect(),
        received_at: by.iter().map(|(_, at)| *at).min().unwrap_or(0),
    }
}

#[test]
fn resolve_waits_out_a_loosenings_delay_from_when_its_quorum_arrived() {
    use accord_node::policy::resolve;
    let t = team();
    let mut d = eth_doc();
    d.delay = 6;
    let looser = next(&d, |e| e.chains[0].assets[0].max_per_tx = "5000".into());
    let versions = vec![
        held(&d, &[(&t.desktop, 10), (&t.phone, 10), (&t.recovery, 10)]),
        held(&looser, &[(&t.desktop, 100), (&t.phone, 200)]),
    ];
    let at = |now| resolve(&versions, &t.signers, now);
    assert_eq!(at(201).active, Some(d.clone()));
    assert!(matches!(
        at(201).pending[0].standing,
        Standing::Pending {
            effective_at: Some(206),
            ..
        }
    ));
    assert_eq!(at(206).active, Some(looser));
}

#[test]
fn of_two_competing_tightenings_every_device_picks_the_same() {
    use accord_node::policy::resolve;
    let t = team();
    let d = eth_doc();
    let first = held(&d, &[(&t.desktop, 10), (&t.phone, 10), (&t.recovery, 10)]);
    let by = |k: &SecretKey, cap: &str| {
        held(
            &next(&d, |e| e.chains[0].assets[0].max_per_tx = cap.into()),
            &[(k, 20)],
        )
    };
    let (a, b) = (by(&t.desktop, "10"), by(&t.phone, "20"));
    let one = resolve(&[first.clone(), a.clone(), b.clone()], &t.signers, 30);
    let other = resolve(&[first, b, a], &t.signers, 30);
    assert!(one.active.is_some());
    assert_eq!(one.active, other.active);
    assert_eq!(one.active.unwrap().version, 2);
}

// ------------------------------------------------------ delayed transfers

fn delaying_doc() -> PolicyDocument {
    doc(vec![eth_rules(
        Recipients::Anyone,
        false,
        vec![limits("native", 1_000, None, Some(500))],
    )])
}

fn eth_tx(nonce: u64, to: &str, wei: u64, fee: u64) -> (Preview, [u8; 32]) {
    use sha2::Digest as _;
    let tx = ethereum::UnsignedTx::eth_transfer(
        1,
        nonce,
        a(to),
        U256::from(wei),
        Gas {
            gas_limit: 21_000,
            max_fee_per_gas: u128::from(fee),
            max_priority_fee_per_gas: 1_000_000_000,
        },
    );
    (eth_preview(&tx), sha2::Sha256::digest(tx.encode()).into())
}

fn checked(
    queue: &[DelayedTransfer],
    now: u64,
    (preview, tx): &(Preview, [u8; 32]),
) -> accord_node::policy::PolicyCheck {
    ActivePolicy {
        document: delaying_doc(),
        ledger: Vec::new(),
        delayed: queue.to_vec(),
        now,
    }
    .check(Chain::Ethereum, preview, &[], tx)
}

#[test]
fn a_transfer_is_known_by_what_it_moves_not_by_its_bytes() {
    let (p, _) = eth_tx(0, BOB, 600, 20_000_000_000);
    let id = delayed::intent(WALLET_ID, &p);
    // Another nonce and fee, the address in lower case: the same transfer.
    let (q, _) = eth_tx(7, &BOB.to_lowercase(), 600, 35_000_000_000);
    assert_eq!(delayed::intent(WALLET_ID, &q), id);
    // Another amount, recipient, chain id or wallet: another.
    assert_ne!(
        delayed::intent(WALLET_ID, &eth_tx(0, BOB, 601, 20_000_000_000).0),
        id
    );
    assert_ne!(
        delayed::intent(WALLET_ID, &eth_tx(0, CAROL, 600, 20_000_000_000).0),
        id
    );
    assert_ne!(delayed::intent(WALLET_ID, &eth_on(5, BOB, 600)), id);
    assert_ne!(delayed::intent(&"ab".repeat(32), &p), id);
}

#[test]
fn a_delayed_transfer_is_signed_once_after_its_delay_unless_cancelled() {
    let first = eth_tx(0, BOB, 600, 20_000_000_000);
    let later = eth_tx(1, BOB, 600, 30_000_000_000);
    // Not queued: queued now, not allowed.
    let c = checked(&[], NOW, &first);
    let q = c.queued.clone().expect("queued");
    assert_eq!(
        q.queue,
        Queue::New {
            eligible_at: NOW + 2 * DAY
        }
    );
    assert!(!c.allows());
    assert!(
        c.describe().contains("queued as transfer"),
        "{}",
        c.describe()
    );
    // Under the delay's amount: no queue.
    let small = checked(&[], NOW, &eth_tx(0, BOB, 500, 20_000_000_000));
    assert!(small.allows() && small.queued.is_none());

    let entry = DelayedTransfer {
        intent: q.intent,
        summary: q.summary.clone(),
        first_seen: NOW,
        eligible_at: NOW + 2 * DAY,
        used_by: None,
        cancelled_by: Vec::new(),
    };
    // Waiting, then ready — for another transaction of the same transfer.
    let waiting = checked(std::slice::from_ref(&entry), NOW + DAY, &later);
    assert!(matches!(
        waiting.queued.unwrap().queue,
        Queue::Waiting { .. }
    ));
    assert!(!checked(std::slice::from_ref(&entry), NOW + 2 * DAY - 1, &later).allows());
    let ready = checked(std::slice::from_ref(&entry), NOW + 2 * DAY, &later);
    assert!(ready.allows());
    assert_eq!(ready.uses(), Some(q.intent));

    // Used by `later`: its retry is still allowed, another transaction of
    // the same transfer waits again.
    let used = DelayedTransfer {
        used_by: Some(later.1),
        ..entry.clone()
    };
    assert!(checked(std::slice::from_ref(&used), NOW + 2 * DAY, &later).allows());
    let again = checked(std::slice::from_ref(&used), NOW + 2 * DAY, &first);
    assert!(!again.allows());
    assert!(matches!(again.queued.unwrap().queue, Queue::New { .. }));

    // Forgotten a week after its delay: queued afresh.
    let stale = checked(
        std::slice::from_ref(&entry),
        NOW + 2 * DAY + delayed::READY_FOR + 1,
        &later,
    );
    assert!(!stale.allows());

    // Cancelled: refused, also after the delay and a week later.
    let cancelled = DelayedTransfer {
        cancelled_by: vec!["cd".repeat(32)],
        ..entry
    };
    for now in [NOW + 2 * DAY, NOW + 30 * DAY] {
        let c = checked(std::slice::from_ref(&cancelled), now, &later);
        assert!(!c.allows());
        assert!(c.describe().contains("CANCELLED"), "{}", c.describe());
    }
}

#[test]
fn transfer_cancels_verify_with_another_library_and_bind_the_transfer() {
    let t = team();
    let (p, _) = eth_tx(0, BOB, 600, 20_000_000_000);
    let id = delayed::intent(WALLET_ID, &p);
    let c = delayed::sign_cancel(&t.phone, WALLET_ID, &id);
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ED25519,
        hex::decode(&c.device).unwrap(),
    );
    let sig = hex::decode(&c.signature).unwrap();
    public
        .verify(&delayed::cancel_message(WALLET_ID, &id), &sig)
        .unwrap();
    delayed::verify_cancel(WALLET_ID, &id, &c).unwrap();
    // Not for another transfer or wallet; not as an approval.
    let other = delayed::intent(WALLET_ID, &eth_tx(0, BOB, 601, 20_000_000_000).0);
    assert!(delayed::verify_cancel(WALLET_ID, &other, &c).is_err());
    assert!(delayed::verify_cancel(&"ab".repeat(32), &id, &c).is_err());
    let approve = Endorsement {
        statement: Statement::Approve,
        ..c.clone()
    };
    assert!(delayed::verify_cancel(WALLET_ID, &id, &approve).is_err());
    // Nor a policy statement's signature taken for a cancel.
    let e = endorse(&t.phone, &delaying_doc(), Statement::Cancel);
    assert!(delayed::verify_cancel(WALLET_ID, &id, &e).is_err());
}
