//! The fee (compute budget and precompile signatures) and the JSON shape.

use super::*;

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
