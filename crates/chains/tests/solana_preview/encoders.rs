//! Bytes made by other encoders: the documented layout written out by hand,
//! `solana-system-interface`, `spl-token-interface` and
//! `spl-associated-token-account-interface` with `solana-message`.

use super::*;

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
