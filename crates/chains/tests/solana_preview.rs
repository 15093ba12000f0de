#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Solana previews from raw bytes: transactions made by other encoders (the
//! documented byte layout written out by hand, `solana-system-interface`,
//! `spl-token-interface` and `spl-associated-token-account-interface` with
//! `solana-message`), v0 messages with and without lookup-table accounts,
//! every warning, the fee, and the JSON shape.

use accord_chains::solana::address::associated_token_address;
use accord_chains::solana::fee::ComputeBudget;
use accord_chains::solana::instruction::{compute_budget, system};
use accord_chains::solana::programs::{
    PRECOMPILES, SYSTEM_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM,
};
use accord_chains::solana::{Hash, PreviewError, Pubkey, SplTransfer, UnsignedTx, preview};
use accord_chains::{Asset, FeeKind, Preview, Warning};
use alloy_primitives::U256;
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use solana_instruction::{AccountMeta, Instruction};
use solana_message::compiled_instruction::CompiledInstruction;
use solana_message::v0::{self, MessageAddressTableLookup};
use solana_message::{MessageHeader, VersionedMessage, legacy};

const USDC: Pubkey = Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");

fn key(seed: u8) -> Pubkey {
    Pubkey::new_from_array(
        SigningKey::from_bytes(&[seed; 32])
            .verifying_key()
            .to_bytes(),
    )
}

fn blockhash() -> Hash {
    Hash::new_from_array([0xab; 32])
}

fn message(ixs: &[Instruction], payer: &Pubkey) -> Vec<u8> {
    legacy::Message::new_with_blockhash(ixs, Some(payer), &blockhash()).serialize()
}

/// A solana-instruction 3 instruction (what the interface crates return) as
/// a solana-instruction 4 one (what solana-message 6 takes).
macro_rules! v4 {
    ($ix:expr) => {{
        let ix = $ix;
        Instruction {
            program_id: ix.program_id,
            accounts: ix
                .accounts
                .iter()
                .map(|m| AccountMeta {
                    pubkey: m.pubkey,
                    is_signer: m.is_signer,
                    is_writable: m.is_writable,
                })
                .collect(),
            data: ix.data.clone(),
        }
    }};
}

fn codes(p: &Preview) -> Vec<&'static str> {
    p.warnings.iter().map(Warning::code).collect()
}

fn details(p: &Preview) -> Vec<String> {
    p.warnings.iter().map(ToString::to_string).collect()
}

fn sol_transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Vec<u8> {
    UnsignedTx::sol_transfer(from, to, lamports, blockhash(), None)
        .unwrap()
        .message_bytes()
        .to_vec()
}

// ------------------------------------------------ other encoders' bytes

#[test]
fn transfer_written_out_from_the_documented_layout() {
    let (from, to) = (key(1), key(2));
    let lamports: u64 = 1_234_567_890;
    let mut bytes = vec![1, 0, 1]; // 1 signer, 0 readonly signed, 1 readonly unsigned
    bytes.push(3); // 3 account keys
    bytes.extend_from_slice(from.as_ref());
    bytes.extend_from_slice(to.as_ref());
    bytes.extend_from_slice(&[0; 32]); // System program
    bytes.extend_from_slice(&[0xab; 32]); // recent blockhash
    bytes.push(1); // 1 instruction
    bytes.extend_from_slice(&[2, 2, 0, 1, 12]); // program #2, accounts [0, 1], 12 data bytes
    bytes.extend_from_slice(&2u32.to_le_bytes()); // Transfer
    bytes.extend_from_slice(&lamports.to_le_bytes());

    let p = preview(&bytes, "devnet", Some(&from)).unwrap();
    assert_eq!(p.network, "devnet");
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, to.to_string());
    assert_eq!(p.transfers[0].amount.units(), U256::from(lamports));
    assert_eq!(p.transfers[0].display(), "1.23456789 SOL");
    assert_eq!(p.fee.units(), U256::from(5_000u64));
    assert_eq!(p.fee_kind, FeeKind::Exact);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.details["fee_payer"], from.to_string());
    assert_eq!(p.details["recent_blockhash"], blockhash().to_string());
    assert_eq!(p.details["version"], "legacy");
    assert_eq!(p.calls[0].function, "Transfer");

    // solana-system-interface + solana-message and our builder agree.
    let library = message(&[system::transfer(&from, &to, lamports)], &from);
    assert_eq!(library, bytes);
    assert_eq!(sol_transfer(&from, &to, lamports), bytes);
}

#[test]
fn spl_transfer_made_by_the_spl_interface_crates() {
    let (owner, recipient) = (key(1), key(2));
    let source = spl_associated_token_account_interface::address::get_associated_token_address(
        &owner, &USDC,
    );
    let destination = spl_associated_token_account_interface::address::get_associated_token_address(
        &recipient, &USDC,
    );
    let create = v4!(
        spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &owner,
            &recipient,
            &USDC,
            &spl_token_interface::id(),
        )
    );
    let transfer = v4!(spl_token_interface::instruction::transfer_checked(
        &spl_token_interface::id(),
        &source,
        &USDC,
        &destination,
        &owner,
        &[],
        2_500_000,
        6,
    )
    .unwrap());
    let bytes = message(&[create, transfer], &owner);

    let p = preview(&bytes, "mainnet-beta", Some(&owner)).unwrap();
    // The rent for the recipient's token account leaves the wallet too.
    assert_eq!(codes(&p), ["unusual"]);
    assert!(details(&p)[0].contains(&format!(
        "pays up to 0.00203928 SOL (nothing if the account already exists) of rent for \
         creating {recipient}'s token account {destination}"
    )));
    assert_eq!(p.transfers.len(), 2);
    let rent = &p.transfers[0];
    assert_eq!(rent.to, destination.to_string());
    assert_eq!(rent.asset, Asset::Native);
    assert_eq!(rent.amount.units(), U256::from(2_039_280u64));
    let t = &p.transfers[1];
    assert_eq!(t.to, recipient.to_string());
    assert_eq!(t.display(), "2.5 USDC");
    assert_eq!(
        t.asset,
        Asset::Token {
            address: USDC.to_string(),
            symbol: Some("USDC".into())
        }
    );
    assert_eq!(p.fee.units(), U256::from(5_000u64));
    let tc = &p.calls[1];
    assert_eq!(tc.function, "TransferChecked");
    assert_eq!(tc.args["source"], source.to_string());
    assert_eq!(tc.args["destination"], destination.to_string());
    assert_eq!(p.calls[0].args["rent_lamports_if_created"], "2039280");

    // Our builder produces the very same bytes.
    let ours = UnsignedTx::spl_transfer_checked(
        &SplTransfer {
            owner,
            mint: USDC,
            decimals: 6,
            to_wallet: recipient,
            amount: 2_500_000,
            token_program: TOKEN_PROGRAM,
            create_recipient_account: true,
        },
        blockhash(),
        None,
    )
    .unwrap();
    assert_eq!(ours.message_bytes(), bytes);
}

proptest! {
    #[test]
    fn associated_token_address_matches_spl(wallet in any::<[u8; 32]>(), mint in any::<[u8; 32]>(), t22 in any::<bool>()) {
        let (wallet, mint) = (Pubkey::new_from_array(wallet), Pubkey::new_from_array(mint));
        let program = if t22 { TOKEN_2022_PROGRAM } else { TOKEN_PROGRAM };
        let theirs = spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
            &wallet, &mint, &program,
        );
        prop_assert_eq!(associated_token_address(&wallet, &mint, &program), Some(theirs));
    }
}

// ------------------------------------------------ v0 and lookup tables

fn v0_transfer(to_index: u8, lookups: Vec<MessageAddressTableLookup>) -> Vec<u8> {
    let from = key(1);
    let mut data = 2u32.to_le_bytes().to_vec();
    data.extend_from_slice(&7u64.to_le_bytes());
    VersionedMessage::V0(v0::Message {
        header: MessageHeader {
            num_required_signatures: 1,
            num_readonly_signed_accounts: 0,
            num_readonly_unsigned_accounts: 1,
        },
        account_keys: vec![from, key(2), SYSTEM_PROGRAM],
        recent_blockhash: blockhash(),
        instructions: vec![CompiledInstruction {
            program_id_index: 2,
            accounts: vec![0, to_index],
            data,
        }],
        address_table_lookups: lookups,
    })
    .serialize()
}

fn lookup() -> MessageAddressTableLookup {
    MessageAddressTableLookup {
        account_key: key(9),
        writable_indexes: vec![4],
        readonly_indexes: vec![],
    }
}

#[test]
fn v0_with_static_accounts_is_previewed() {
    let p = preview(&v0_transfer(1, vec![]), "mainnet", Some(&key(1))).unwrap();
    assert_eq!(p.details["version"], "0");
    assert_eq!(p.transfers[0].to, key(2).to_string());
    // A lookup table listed but not used by any instruction: still nameable.
    let p = preview(&v0_transfer(1, vec![lookup()]), "mainnet", Some(&key(1))).unwrap();
    assert_eq!(p.details["address_table_lookups"], "1");
    assert_eq!(p.transfers[0].to, key(2).to_string());
}

#[test]
fn v0_recipient_from_a_lookup_table_is_refused() {
    // Account #3 is the first one loaded from the table.
    let err = preview(&v0_transfer(3, vec![lookup()]), "mainnet", None).unwrap_err();
    assert_eq!(
        err,
        PreviewError::LookupTableAccount {
            instruction: 0,
            index: 3
        }
    );
    assert!(err.to_string().contains("address lookup table"));
    // The transaction itself decodes: it is the preview that cannot name it.
    assert!(UnsignedTx::decode(&v0_transfer(3, vec![lookup()])).is_ok());
}

// ------------------------------------------------ warnings

#[test]
fn unknown_program_is_flagged() {
    let from = key(1);
    let memo = Pubkey::from_str_const("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
    let ixs = [
        system::transfer(&from, &key(2), 1_000_000_000),
        Instruction {
            program_id: memo,
            accounts: vec![AccountMeta::new_readonly(from, true)],
            data: b"hello".to_vec(),
        },
    ];
    let p = preview(&message(&ixs, &from), "mainnet", Some(&from)).unwrap();
    assert_eq!(codes(&p), ["unknown_instruction"]);
    // The wallet signs the memo instruction (and, as fee payer, is writable).
    assert_eq!(
        p.warnings[0].to_string(),
        format!(
            "unknown_instruction: runs an instruction of program {memo} (the wallet {from} \
             signs it and is writable in it: it can spend the wallet's SOL and act on \
             everything the wallet owns) that cannot be previewed"
        )
    );
    assert_eq!(p.calls[1].function, "unknown");
    assert_eq!(p.calls[1].args["data_hex"], hex::encode(b"hello"));
    // The memo program is not builtin: 200 000 units, but no price, no fee.
    assert_eq!(p.details["compute_unit_limit"], "203000");
    assert_eq!(p.fee.units(), U256::from(5_000u64));
}

#[test]
fn unknown_instruction_says_when_it_can_act_for_the_wallet() {
    let (w, other) = (key(1), key(2));
    let program = key(7);
    let unknown = |accounts: Vec<AccountMeta>| Instruction {
        program_id: program,
        accounts,
        data: vec![1, 2, 3],
    };
    let text = |ixs: &[Instruction], payer: &Pubkey, wallet: Option<&Pubkey>| {
        let p = preview(&message(ixs, payer), "mainnet", wallet).unwrap();
        let w: Vec<Warning> = p
            .warnings
            .into_iter()
            .filter(|w| w.code() == "unknown_instruction")
            .collect();
        assert_eq!(w.len(), 1);
        w[0].to_string()
    };
    // The wallet only signs (another account pays the fee).
    let t = text(
        &[unknown(vec![AccountMeta::new_readonly(w, true)])],
        &other,
        Some(&w),
    );
    assert!(
        t.contains(&format!(
            "(the wallet {w} signs it: it can act on everything"
        )),
        "{t}"
    );
    // The wallet is only writable.
    let t = text(
        &[unknown(vec![AccountMeta::new(w, false)])],
        &other,
        Some(&w),
    );
    assert!(
        t.contains(&format!("(the wallet {w} is writable in it")),
        "{t}"
    );
    // Read-only, not signing, or not listed at all: just the program.
    let plain = format!(
        "unknown_instruction: runs an instruction of program {program} that cannot be previewed"
    );
    let t = text(
        &[unknown(vec![AccountMeta::new_readonly(w, false)])],
        &other,
        Some(&w),
    );
    assert_eq!(t, plain);
    let t = text(&[unknown(vec![])], &w, Some(&w));
    assert_eq!(t, plain);
    // Wallet unknown: the signers it lists are named.
    let t = text(
        &[unknown(vec![AccountMeta::new_readonly(other, true)])],
        &other,
        None,
    );
    assert!(t.contains(&format!("(signed by {other}: ")), "{t}");
}

#[test]
fn fee_warnings_ratio_and_cap() {
    let from = key(1);
    // 5 000 lamports is more than 5% of 99 999.
    let p = preview(
        &sol_transfer(&from, &key(2), 99_999),
        "mainnet",
        Some(&from),
    )
    .unwrap();
    assert_eq!(codes(&p), ["high_fee"]);
    let p = preview(
        &sol_transfer(&from, &key(2), 100_000),
        "mainnet",
        Some(&from),
    )
    .unwrap();
    assert!(p.warnings.is_empty());
    // A priority fee of 14 SOL... on a 1000 SOL transfer: above the cap only.
    let budget = ComputeBudget {
        unit_limit: 1_400_000,
        micro_lamports_per_unit: 10_000_000_000,
    };
    let tx = UnsignedTx::sol_transfer(&from, &key(2), 1_000_000_000_000, blockhash(), Some(budget))
        .unwrap();
    let p = preview(tx.message_bytes(), "mainnet", Some(&from)).unwrap();
    assert_eq!(codes(&p), ["fee_above_cap"]);
    assert_eq!(p.fee.units(), U256::from(14_000_005_000u64));
    assert_eq!(p.details["priority_fee"], "14000000000");
}

#[test]
fn sending_to_the_wallet_itself() {
    let w = key(1);
    let p = preview(&sol_transfer(&w, &w, 1_000_000_000), "mainnet", Some(&w)).unwrap();
    assert_eq!(codes(&p), ["send_to_self"]);
    // Tokens to the wallet's own associated account, created or not.
    for create in [true, false] {
        let tx = UnsignedTx::spl_transfer_checked(
            &SplTransfer {
                owner: w,
                mint: USDC,
                decimals: 6,
                to_wallet: w,
                amount: 1,
                token_program: TOKEN_PROGRAM,
                create_recipient_account: create,
            },
            blockhash(),
            None,
        )
        .unwrap();
        let p = preview(tx.message_bytes(), "mainnet", Some(&w)).unwrap();
        // Creating its own token account: the rent goes to the wallet's own account too.
        let expected: &[&str] = if create {
            &["unusual", "send_to_self", "send_to_self"]
        } else {
            &["send_to_self"]
        };
        assert_eq!(codes(&p), expected, "create = {create}");
    }
    // Without the wallet, nothing to compare with.
    let p = preview(&sol_transfer(&w, &w, 1_000_000_000), "mainnet", None).unwrap();
    assert!(p.warnings.is_empty());
}

#[test]
fn wallet_that_does_not_sign_or_does_not_pay() {
    let (a, b) = (key(1), key(2));
    let bytes = sol_transfer(&a, &key(3), 1_000_000_000);
    let p = preview(&bytes, "mainnet", Some(&b)).unwrap();
    assert_eq!(codes(&p), ["unusual", "unusual"]);
    let d = details(&p);
    assert!(d[0].contains("not of this wallet"), "{d:?}");
    assert!(d[1].contains("is not a signer"), "{d:?}");

    // b funds the transfer, a pays the fee.
    let bytes = message(&[system::transfer(&b, &key(3), 1_000_000_000)], &a);
    let p = preview(&bytes, "mainnet", Some(&b)).unwrap();
    assert_eq!(codes(&p), ["unusual"]);
    assert!(details(&p)[0].contains("fee is paid by"));
    assert_eq!(p.fee.units(), U256::from(10_000u64), "two signatures");
}

#[test]
fn token_details_that_will_fail_or_cannot_be_named() {
    let owner = key(1);
    // USDC with the wrong decimals.
    let tx = UnsignedTx::spl_transfer_checked(
        &SplTransfer {
            owner,
            mint: USDC,
            decimals: 9,
            to_wallet: key(2),
            amount: 1,
            token_program: TOKEN_PROGRAM,
            create_recipient_account: false,
        },
        blockhash(),
        None,
    )
    .unwrap();
    let p = preview(tx.message_bytes(), "mainnet", Some(&owner)).unwrap();
    assert_eq!(codes(&p), ["unusual"]);
    assert!(details(&p)[0].contains("states 9 decimals for USDC, which has 6"));
    // Not USDC on devnet: no symbol, decimals as stated.
    let p = preview(tx.message_bytes(), "devnet", Some(&owner)).unwrap();
    assert!(p.warnings.is_empty());
    assert_eq!(p.transfers[0].symbol, None);
    assert_eq!(p.transfers[0].amount.decimals(), 9);

    // (An unchecked token Transfer: see token_transfer_without_a_mint_is_a_transfer.)

    // A CreateIdempotent whose account is not the wallet's ATA.
    let wrong = Instruction {
        program_id: accord_chains::solana::programs::ASSOCIATED_TOKEN_PROGRAM,
        accounts: vec![
            AccountMeta::new(owner, true),
            AccountMeta::new(key(6), false),
            AccountMeta::new_readonly(key(2), false),
            AccountMeta::new_readonly(USDC, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            AccountMeta::new_readonly(TOKEN_PROGRAM, false),
        ],
        data: vec![1],
    };
    let p = preview(&message(&[wrong], &owner), "mainnet", Some(&owner)).unwrap();
    // (and the rent it would take)
    assert_eq!(codes(&p), ["unusual", "unusual"]);
    assert!(details(&p)[0].contains("not the associated token account"));
    assert!(details(&p)[1].contains("of rent for creating"));
}

fn unchecked_transfer(
    source: &Pubkey,
    destination: &Pubkey,
    owner: &Pubkey,
    amount: u64,
) -> Instruction {
    v4!(spl_token_interface::instruction::transfer(
        &spl_token_interface::id(),
        source,
        destination,
        owner,
        &[],
        amount,
    )
    .unwrap())
}

#[test]
fn token_transfer_without_a_mint_is_a_transfer() {
    let owner = key(1);
    let source = associated_token_address(&owner, &USDC, &TOKEN_PROGRAM).unwrap();
    let bytes = message(&[unchecked_transfer(&source, &key(5), &owner, 77)], &owner);

    // On mainnet the source is the owner's USDC account: the mint is USDC.
    let p = preview(&bytes, "mainnet", Some(&owner)).unwrap();
    assert_eq!(p.transfers.len(), 1);
    let t = &p.transfers[0];
    assert_eq!(t.to, key(5).to_string());
    assert_eq!(
        t.asset,
        Asset::Token {
            address: USDC.to_string(),
            symbol: Some("USDC".into())
        }
    );
    assert!(t.decimals_known);
    assert_eq!(t.display(), "0.000077 USDC");
    assert_eq!(codes(&p), ["unusual"]);
    assert!(details(&p)[0].contains("states neither mint nor decimals"));
    assert_eq!(p.calls[0].args["mint"], USDC.to_string());

    // On devnet that mint is unknown: the asset named is the source token
    // account, in base units, and the warning says so.
    let p = preview(&bytes, "devnet", Some(&owner)).unwrap();
    let t = &p.transfers[0];
    assert_eq!(
        t.asset,
        Asset::Token {
            address: source.to_string(),
            symbol: None
        }
    );
    assert!(!t.decimals_known);
    assert_eq!(t.display(), "77 base units");
    assert_eq!(t.amount.units(), U256::from(77u64));
    assert_eq!(codes(&p), ["unusual"]);
    let d = &details(&p)[0];
    assert!(d.contains("states neither mint nor decimals"), "{d}");
    assert!(
        d.contains(&format!("token account {source} (shown as the asset")),
        "{d}"
    );
    assert_eq!(p.calls[0].args["mint"], "not stated");
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["transfers"][0]["asset"], source.to_string());
    assert_eq!(json["transfers"][0]["decimals"], serde_json::Value::Null);

    // A delegate's transfer out of someone else's account: nothing proves the mint.
    let p = preview(
        &message(&[unchecked_transfer(&key(9), &key(5), &owner, 5)], &owner),
        "mainnet",
        Some(&owner),
    )
    .unwrap();
    assert_eq!(
        p.transfers[0].asset,
        Asset::Token {
            address: key(9).to_string(),
            symbol: None
        }
    );

    // The destination created in the same transaction names the mint and the
    // recipient; a TransferChecked of the same mint states its decimals.
    let mint = key(8);
    let recipient = key(2);
    let destination = associated_token_address(&recipient, &mint, &TOKEN_PROGRAM).unwrap();
    let create = v4!(
        spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &owner, &recipient, &mint, &spl_token_interface::id(),
        )
    );
    let source = associated_token_address(&owner, &mint, &TOKEN_PROGRAM).unwrap();
    let unchecked = unchecked_transfer(&source, &destination, &owner, 1_500);
    let p = preview(
        &message(&[create.clone(), unchecked.clone()], &owner),
        "devnet",
        Some(&owner),
    )
    .unwrap();
    let t = &p.transfers[1];
    assert_eq!(t.to, recipient.to_string());
    assert_eq!(
        t.asset,
        Asset::Token {
            address: mint.to_string(),
            symbol: None
        }
    );
    assert!(!t.decimals_known);
    assert_eq!(p.calls[1].args["recipient"], recipient.to_string());
    let checked = v4!(spl_token_interface::instruction::transfer_checked(
        &spl_token_interface::id(),
        &source,
        &mint,
        &destination,
        &owner,
        &[],
        1,
        3,
    )
    .unwrap());
    let p = preview(
        &message(&[create, unchecked, checked], &owner),
        "devnet",
        Some(&owner),
    )
    .unwrap();
    assert_eq!(p.transfers[1].display(), "1.5 units");
    assert!(p.transfers[1].decimals_known);
}

#[test]
fn close_account_gives_away_the_whole_balance() {
    let (owner, thief) = (key(1), key(3));
    let account = associated_token_address(&owner, &USDC, &TOKEN_PROGRAM).unwrap();
    let close = |destination: &Pubkey, authority: &Pubkey| {
        v4!(spl_token_interface::instruction::close_account(
            &spl_token_interface::id(),
            &account,
            destination,
            authority,
            &[],
        )
        .unwrap())
    };
    // To someone else: a transfer of at least the rent, and a loud warning.
    let p = preview(
        &message(&[close(&thief, &owner)], &owner),
        "mainnet",
        Some(&owner),
    )
    .unwrap();
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, thief.to_string());
    assert_eq!(p.transfers[0].asset, Asset::Native);
    assert_eq!(p.transfers[0].amount.units(), U256::from(2_039_280u64));
    assert_eq!(codes(&p), ["unusual"]);
    let d = &details(&p)[0];
    assert!(
        d.contains(&format!(
            "closes token account {account}: its whole SOL balance goes to {thief}"
        )),
        "{d}"
    );
    assert_eq!(p.calls[0].function, "CloseAccount");
    // Back to the wallet: nothing leaves it.
    let p = preview(
        &message(&[close(&owner, &owner)], &owner),
        "mainnet",
        Some(&owner),
    )
    .unwrap();
    assert!(p.transfers.is_empty());
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // Wallet unknown: shown, to be safe.
    let p = preview(&message(&[close(&owner, &owner)], &owner), "mainnet", None).unwrap();
    assert_eq!(p.transfers.len(), 1);
    // Someone else's account.
    let p = preview(
        &message(&[close(&thief, &key(4))], &owner),
        "mainnet",
        Some(&owner),
    )
    .unwrap();
    assert!(details(&p)[0].contains(&format!("controlled by {}, not by this wallet", key(4))));
}

#[test]
fn transfer_with_seed_and_nonce_withdrawal_are_transfers() {
    let (w, to) = (key(1), key(2));
    let derived = key(3);
    let with_seed = v4!(solana_system_interface::instruction::transfer_with_seed(
        &derived,
        &w,
        "savings".into(),
        &SYSTEM_PROGRAM,
        &to,
        1_000_000_000,
    ));
    let p = preview(
        &message(std::slice::from_ref(&with_seed), &w),
        "mainnet",
        Some(&w),
    )
    .unwrap();
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, to.to_string());
    assert_eq!(p.transfers[0].display(), "1 SOL");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.calls[0].function, "TransferWithSeed");
    assert_eq!(p.calls[0].args["seed"], "savings");
    // Signed by another base: shown, and flagged.
    let p = preview(&message(&[with_seed], &w), "mainnet", Some(&key(9))).unwrap();
    assert_eq!(p.transfers.len(), 1);
    assert!(details(&p)[0].contains("controlled by"));

    let nonce = key(4);
    let withdraw = v4!(
        solana_system_interface::instruction::withdraw_nonce_account(&nonce, &w, &to, 2_500_000,)
    );
    let p = preview(&message(&[withdraw], &w), "mainnet", Some(&w)).unwrap();
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, to.to_string());
    assert_eq!(p.transfers[0].amount.units(), U256::from(2_500_000u64));
    assert_eq!(p.calls[0].function, "WithdrawNonceAccount");
    assert_eq!(p.calls[0].args["nonce_account"], nonce.to_string());
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn rent_for_creating_a_token_account_is_value_sent() {
    let (payer, owner, mint) = (key(1), key(2), key(8));
    let account = associated_token_address(&owner, &mint, &TOKEN_PROGRAM).unwrap();
    let create = v4!(
        spl_associated_token_account_interface::instruction::create_associated_token_account(
            &payer,
            &owner,
            &mint,
            &spl_token_interface::id(),
        )
    );
    let p = preview(
        &message(std::slice::from_ref(&create), &payer),
        "mainnet",
        Some(&payer),
    )
    .unwrap();
    assert_eq!(p.calls[0].function, "Create");
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, account.to_string());
    assert_eq!(p.transfers[0].asset, Asset::Native);
    assert_eq!(p.transfers[0].amount.units(), U256::from(2_039_280u64));
    assert_eq!(codes(&p), ["unusual"]);
    assert_eq!(
        details(&p)[0],
        format!(
            "unusual: instruction 0: {payer} pays 0.00203928 SOL of rent for creating {owner}'s \
             token account {account} for mint {mint}; that SOL stays in the account, which its \
             owner can close"
        )
    );
    // The fee stays the fee.
    assert_eq!(p.fee.units(), U256::from(5_000u64));

    // Token-2022: the smallest account; more with mint extensions.
    let account = associated_token_address(&owner, &mint, &TOKEN_2022_PROGRAM).unwrap();
    let create22 = v4!(
        spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &payer, &owner, &mint, &TOKEN_2022_PROGRAM,
        )
    );
    let p = preview(&message(&[create22], &payer), "mainnet", Some(&payer)).unwrap();
    assert_eq!(p.transfers[0].to, account.to_string());
    assert_eq!(p.transfers[0].amount.units(), U256::from(2_074_080u64));
    assert!(
        details(&p)[0].contains("0.00207408 SOL or more"),
        "{:?}",
        details(&p)
    );

    // Paid by another signer: shown, and flagged as not the wallet's SOL.
    let p = preview(&message(&[create], &payer), "mainnet", Some(&owner)).unwrap();
    assert_eq!(p.transfers.len(), 1);
    assert!(
        details(&p)
            .iter()
            .any(|d| d.contains(&format!("moves SOL (rent) of {payer}, not of this wallet")))
    );
}

#[test]
fn odd_instructions() {
    let from = key(1);
    // Extra bytes after a System Transfer: the program ignores them.
    let mut ix = system::transfer(&from, &key(2), 1_000_000_000);
    ix.data.push(0);
    let p = preview(&message(&[ix], &from), "mainnet", Some(&from)).unwrap();
    assert_eq!(codes(&p), ["unusual"]);
    assert!(details(&p)[0].contains("carries 1 data bytes its program ignores"));
    assert_eq!(p.transfers.len(), 1);

    // A System instruction too short to decode.
    let mut ix = system::transfer(&from, &key(2), 1);
    ix.data.truncate(6);
    let p = preview(&message(&[ix], &from), "mainnet", Some(&from)).unwrap();
    assert_eq!(codes(&p), ["unknown_instruction"]);
    assert_eq!(p.calls[0].function, "malformed System Transfer");

    // SOL sent to a token account (a program address).
    let ata = associated_token_address(&from, &USDC, &TOKEN_PROGRAM).unwrap();
    let p = preview(
        &sol_transfer(&from, &ata, 1_000_000_000),
        "mainnet",
        Some(&from),
    )
    .unwrap();
    assert_eq!(codes(&p), ["unusual"]);
    assert!(details(&p)[0].contains("a program address"));

    // Two prices: the network refuses the transaction.
    let ixs = [
        compute_budget::set_compute_unit_price(1),
        compute_budget::set_compute_unit_price(2),
        system::transfer(&from, &key(2), 1_000_000_000),
    ];
    let p = preview(&message(&ixs, &from), "mainnet", Some(&from)).unwrap();
    assert_eq!(codes(&p), ["unusual"]);
    assert!(details(&p)[0].contains("network will refuse"));

    // The same key twice: the runtime refuses to load it.
    let dup = legacy::Message {
        header: MessageHeader {
            num_required_signatures: 1,
            num_readonly_signed_accounts: 0,
            num_readonly_unsigned_accounts: 1,
        },
        account_keys: vec![from, key(2), key(2), SYSTEM_PROGRAM],
        recent_blockhash: blockhash(),
        instructions: vec![],
    };
    let p = preview(&dup.serialize(), "mainnet", Some(&from)).unwrap();
    assert_eq!(codes(&p), ["unusual"]);
    assert!(details(&p)[0].contains("appears twice"));

    // CreateAccount moves lamports too.
    let mut data = 0u32.to_le_bytes().to_vec();
    data.extend_from_slice(&5_000_000u64.to_le_bytes());
    data.extend_from_slice(&0u64.to_le_bytes());
    data.extend_from_slice(SYSTEM_PROGRAM.as_ref());
    let create = Instruction {
        program_id: SYSTEM_PROGRAM,
        accounts: vec![AccountMeta::new(from, true), AccountMeta::new(key(4), true)],
        data,
    };
    let p = preview(&message(&[create], &from), "mainnet", Some(&from)).unwrap();
    assert_eq!(p.transfers[0].to, key(4).to_string());
    assert_eq!(p.transfers[0].amount.units(), U256::from(5_000_000u64));
    assert_eq!(p.fee.units(), U256::from(10_000u64));
}

#[test]
fn warnings_most_important_first() {
    let w = key(1);
    let ixs = [
        system::transfer(&w, &w, 10),
        Instruction {
            program_id: key(7),
            accounts: vec![],
            data: vec![],
        },
    ];
    let p = preview(&message(&ixs, &w), "mainnet", Some(&w)).unwrap();
    assert_eq!(
        codes(&p),
        ["unknown_instruction", "send_to_self", "high_fee"]
    );
}

// ------------------------------------------------ fee

#[test]
fn fees_from_compute_budget_and_precompiles() {
    let from = key(1);
    let transfer = system::transfer(&from, &key(2), 1_000_000_000);
    let cases: [(Vec<Instruction>, u64); 4] = [
        (vec![transfer.clone()], 5_000),
        // limit 300 000 at 0.01 lamport per unit: 3 000
        (
            vec![
                compute_budget::set_compute_unit_limit(300_000),
                compute_budget::set_compute_unit_price(10_000),
                transfer.clone(),
            ],
            5_000 + 3_000,
        ),
        // price only: 2 builtin instructions × 3 000 units, ⌈6 000 × 0.333333⌉
        (
            vec![
                compute_budget::set_compute_unit_price(333_333),
                transfer.clone(),
            ],
            5_000 + 2_000,
        ),
        // two Ed25519 precompile signatures are charged like signatures
        (
            vec![
                Instruction {
                    program_id: PRECOMPILES[0],
                    accounts: vec![],
                    data: vec![2, 0],
                },
                transfer.clone(),
            ],
            15_000,
        ),
    ];
    for (ixs, fee) in cases {
        let p = preview(&message(&ixs, &from), "mainnet", None).unwrap();
        assert_eq!(p.fee.units(), U256::from(fee), "{:?}", p.calls);
    }
}

#[test]
fn json_shape() {
    let from = key(1);
    let p = preview(
        &sol_transfer(&from, &key(2), 1_500_000_000),
        "mainnet",
        Some(&from),
    )
    .unwrap();
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["chain"], "solana");
    assert_eq!(v["network"], "mainnet");
    assert_eq!(v["transfers"][0]["to"], key(2).to_string());
    assert_eq!(v["transfers"][0]["amount"], "1500000000");
    assert_eq!(v["transfers"][0]["asset"], "native");
    assert_eq!(v["transfers"][0]["display"], "1.5 SOL");
    assert_eq!(v["transfers"][0]["decimals"], 9);
    assert_eq!(v["fee"], "5000");
    assert_eq!(v["fee_display"], "0.000005");
    assert_eq!(v["fee_kind"], "exact");
    assert_eq!(v["details"]["signers"], from.to_string());
    assert_eq!(v["calls"][0]["function"], "Transfer");
    assert_eq!(v["warnings"], serde_json::json!([]));
}
