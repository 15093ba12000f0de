//! The typed effects of Solana previews: transfers (with Compute Budget
//! instructions, which have none), and an SPL `TransferChecked` to a wallet
//! whose token account the transaction creates (`CloseAccount`, `Transfer`
//! and unknown instructions: in `tokens` and `warnings`).

use super::*;

#[test]
fn sol_transfer_with_a_priority_fee_is_one_transfer() {
    let (from, to) = (key(1), key(2));
    let budget = ComputeBudget {
        unit_limit: 1_000,
        micro_lamports_per_unit: 5,
    };
    let tx = UnsignedTx::sol_transfer(&from, &to, 42, blockhash(), Some(budget)).unwrap();
    let p = preview(tx.message_bytes(), "mainnet", Some(&from)).unwrap();
    assert_eq!(
        p.calls.len(),
        3,
        "two compute budget instructions and the transfer"
    );
    match &p.effects[..] {
        [Effect::Transfer(t)] => assert_eq!(t, &p.transfers[0]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn spl_transfer_creating_the_recipients_account() {
    let (owner, recipient) = (key(1), key(2));
    let tx = UnsignedTx::spl_transfer_checked(
        &SplTransfer {
            owner,
            mint: USDC,
            decimals: 6,
            to_wallet: recipient,
            amount: 1_500_000,
            token_program: TOKEN_PROGRAM,
            create_recipient_account: true,
        },
        blockhash(),
        None,
    )
    .unwrap();
    let p = preview(tx.message_bytes(), "mainnet", Some(&owner)).unwrap();
    let source = associated_token_address(&owner, &USDC, &TOKEN_PROGRAM).unwrap();
    let created = associated_token_address(&recipient, &USDC, &TOKEN_PROGRAM).unwrap();
    match &p.effects[..] {
        [
            Effect::Transfer(rent),
            Effect::TokenCall {
                contract,
                function: TokenFunction::TransferChecked,
                from: Some(from),
                to: Some(to),
                amount: Some(amount),
                ..
            },
            Effect::Transfer(tokens),
        ] => {
            assert_eq!(
                (&rent.to, rent.asset.clone()),
                (&created.to_string(), Asset::Native)
            );
            assert_eq!(contract, &TOKEN_PROGRAM.to_string());
            assert_eq!(from, &source.to_string());
            // The recipient is named as the wallet, as in the transfer.
            assert_eq!(to, &recipient.to_string());
            assert_eq!(*amount, U256::from(1_500_000u64));
            assert_eq!(tokens.display(), "1.5 USDC");
            assert_eq!([rent, tokens], [&p.transfers[0], &p.transfers[1]]);
        }
        other => panic!("{other:?}"),
    }
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["effects"][1]["kind"], "token_call");
    assert_eq!(v["effects"][1]["function"], "transfer_checked");
    assert_eq!(v["effects"][1]["amount"], "1500000");
    assert_eq!(v["effects"][2]["kind"], "transfer");
}
