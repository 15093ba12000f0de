//! The typed effects of Ethereum previews: the ETH sent, each ERC-20 (EIP-20)
//! call followed by what it moves or grants, calldata that cannot be decoded
//! (contract creation: `warning_contract_creation`).

use accord_chains::TokenFunction;

use super::*;

fn effects(tx: &UnsignedTx, wallet: Option<&str>) -> Vec<Effect> {
    show(tx, wallet).effects
}

fn call(data: Vec<u8>) -> UnsignedTx {
    UnsignedTx::contract_call(1, 0, a(USDC), U256::ZERO, data, token_gas())
}

#[test]
fn eth_sent_is_a_transfer() {
    let tx = UnsignedTx::eth_transfer(1, 0, a(BOB), eth(2), cheap());
    match &effects(&tx, Some(WALLET))[..] {
        [Effect::Transfer(t)] => assert_eq!((t.to.as_str(), t.display()), (BOB, "2 ETH".into())),
        other => panic!("{other:?}"),
    }
}

#[test]
fn erc20_transfer_is_a_token_call_then_the_transfer() {
    let tx = UnsignedTx::erc20_transfer(1, 0, a(USDC), a(BOB), U256::from(7u8), token_gas());
    match &effects(&tx, Some(WALLET))[..] {
        [
            Effect::TokenCall {
                contract,
                function: TokenFunction::Transfer,
                from: None,
                to: Some(to),
                amount: Some(amount),
                ..
            },
            Effect::Transfer(t),
        ] => {
            assert_eq!((contract.as_str(), to.as_str()), (USDC, BOB));
            assert_eq!(*amount, U256::from(7u8));
            assert_eq!(
                t.asset,
                Asset::Token {
                    address: USDC.into(),
                    symbol: Some("USDC".into())
                }
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn approvals_state_spender_amount_and_whether_unlimited() {
    for (amount, unlimited) in [(U256::from(1_000u32), false), (U256::MAX, true)] {
        match &effects(&call(erc20::approve(a(BOB), amount)), Some(WALLET))[..] {
            [
                Effect::TokenCall {
                    function: TokenFunction::Approve,
                    to: None,
                    ..
                },
                Effect::Approval {
                    token,
                    spender,
                    amount: a,
                    unlimited: u,
                    ..
                },
            ] => {
                assert_eq!((token.as_str(), spender.as_str()), (USDC, BOB));
                assert_eq!((*a, *u), (amount, unlimited));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn transfer_from_moves_the_wallets_tokens_only_when_from_is_the_wallet() {
    let pull = call(erc20::transfer_from(a(BOB), a(WALLET), U256::from(5u8)));
    match &effects(&pull, Some(WALLET))[..] {
        [
            Effect::TokenCall {
                function: TokenFunction::TransferFrom,
                from: Some(from),
                to: Some(to),
                ..
            },
        ] => assert_eq!((from.as_str(), to.as_str()), (BOB, WALLET)),
        other => panic!("{other:?}"),
    }
    let own = call(erc20::transfer_from(a(WALLET), a(BOB), U256::from(5u8)));
    assert!(matches!(
        &effects(&own, Some(WALLET))[..],
        [
            Effect::TokenCall {
                function: TokenFunction::TransferFrom,
                ..
            },
            Effect::Transfer(_)
        ]
    ));
}

#[test]
fn calldata_that_cannot_be_decoded_is_unknown() {
    let cases = [
        (
            vec![0xde, 0xad, 0xbe, 0xef],
            "unknown function selector 0xdeadbeef",
        ),
        (vec![0xa9], "calldata too short to hold a function selector"),
        (
            erc20::approve(a(BOB), U256::from(1u8))[..20].to_vec(),
            "20 bytes of calldata with the selector of ERC-20 approve(address,uint256)",
        ),
    ];
    for (data, expected) in cases {
        match &effects(&call(data), Some(WALLET))[..] {
            [
                Effect::Unknown {
                    program, detail, ..
                },
            ] => {
                assert_eq!(program, USDC);
                assert!(detail.starts_with(expected), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn json_lists_the_effects() {
    let p = show(&call(erc20::approve(a(BOB), U256::MAX)), Some(WALLET));
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["effects"][0]["kind"], "token_call");
    assert_eq!(v["effects"][0]["function"], "approve");
    assert_eq!(v["effects"][1]["kind"], "approval");
    assert_eq!(v["effects"][1]["spender"], BOB);
    assert_eq!(v["effects"][1]["amount"], U256::MAX.to_string());
    assert_eq!(v["effects"][1]["unlimited"], true);
}
