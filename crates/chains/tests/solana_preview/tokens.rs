//! SPL Token instructions: details that will fail or cannot be named,
//! `Transfer` without a mint, `CloseAccount`, and the rent of the token
//! accounts a transaction creates.

use super::*;

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
    match &p.effects[..] {
        [
            Effect::TokenCall {
                contract,
                function: TokenFunction::Transfer,
                from: Some(from),
                to: Some(to),
                amount: Some(amount),
                ..
            },
            Effect::Transfer(effect),
        ] => {
            assert_eq!(contract, &TOKEN_PROGRAM.to_string());
            assert_eq!((from, to), (&source.to_string(), &t.to));
            assert_eq!(*amount, U256::from(77u64));
            assert_eq!(effect, t);
        }
        other => panic!("{other:?}"),
    }

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
    // Effects: the call, the close (its balance unknown but for a lower
    // bound), and the transfer of that bound.
    match &p.effects[..] {
        [
            Effect::TokenCall {
                function: TokenFunction::CloseAccount,
                from: Some(from),
                to: Some(to),
                amount: None,
                ..
            },
            Effect::Close {
                account: closed,
                destination,
                at_least: Some(least),
                ..
            },
            Effect::Transfer(t),
        ] => {
            assert_eq!((from, to), (&account.to_string(), &thief.to_string()));
            assert_eq!((closed, destination), (from, to));
            assert_eq!(
                (least.units(), least.decimals()),
                (U256::from(2_039_280u64), 9)
            );
            assert_eq!(t, &p.transfers[0]);
        }
        other => panic!("{other:?}"),
    }
    // Back to the wallet: nothing leaves it.
    let p = preview(
        &message(&[close(&owner, &owner)], &owner),
        "mainnet",
        Some(&owner),
    )
    .unwrap();
    assert!(p.transfers.is_empty());
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert!(matches!(
        &p.effects[..],
        [Effect::TokenCall { .. }, Effect::Close { .. }]
    ));
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
