//! The warnings: unknown programs and what they may do to the wallet, fees,
//! self-sends, a wallet that does not sign or pay, odd instructions, and
//! their order.

use super::*;

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
    match &p.effects[..] {
        [Effect::Transfer(_), Effect::Unknown { program, .. }] => {
            assert_eq!(program, &memo.to_string())
        }
        other => panic!("{other:?}"),
    }
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
