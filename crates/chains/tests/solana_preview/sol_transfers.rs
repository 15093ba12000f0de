//! System instructions other than `Transfer` that move SOL:
//! `TransferWithSeed` and `WithdrawNonceAccount`.

use super::*;

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
