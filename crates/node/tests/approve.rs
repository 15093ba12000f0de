#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The approvers: policies evaluated on real previews (ETH and ERC-20
//! transactions, SOL and SPL transfers, built and previewed by
//! `accord_chains`), the recovery server's approver, the terminal prompt
//! with an in-memory reader and writer, and auto-approve.

use std::collections::BTreeMap;

use accord_chains::ethereum::{self, Address, Gas, U256, erc20};
use accord_chains::solana::programs::TOKEN_PROGRAM;
use accord_chains::solana::{self, Hash, Pubkey, SplTransfer};
use accord_chains::{Amount, Asset, Chain, FeeKind, Preview, Transfer};
use accord_node::approve::{
    Acknowledged, Approver, AutoApprove, Decision, Interactive, KeygenRequest, Member, Policy,
    PolicyError, PolicyOnly, Rule, SignRequest, Violation, evaluate, render,
};

const WALLET: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const BOB: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CAROL: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const USDC: &str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const SOL_USDC: Pubkey = Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");

// ------------------------------------------------------------ builders

fn a(text: &str) -> Address {
    ethereum::address::parse(text).unwrap()
}

fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u8))
}

/// 21 000 gas at 20 gwei: 0.00042 ETH.
fn cheap() -> Gas {
    Gas {
        gas_limit: 21_000,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    }
}

fn eth_preview(tx: &ethereum::UnsignedTx) -> Preview {
    ethereum::preview(&tx.encode(), Some(a(WALLET))).unwrap()
}

fn eth_transfer(to: &str, wei: U256) -> Preview {
    eth_preview(&ethereum::UnsignedTx::eth_transfer(
        1,
        0,
        a(to),
        wei,
        cheap(),
    ))
}

fn erc20_transfer(to: &str, units: u64) -> Preview {
    let gas = Gas {
        gas_limit: 70_000,
        ..cheap()
    };
    eth_preview(&ethereum::UnsignedTx::erc20_transfer(
        1,
        0,
        a(USDC),
        a(to),
        U256::from(units),
        gas,
    ))
}

fn key(seed: u8) -> Pubkey {
    Pubkey::new_from_array([seed; 32])
}

fn sol_transfer(to: &Pubkey, lamports: u64) -> Preview {
    let tx = solana::UnsignedTx::sol_transfer(
        &key(1),
        to,
        lamports,
        Hash::new_from_array([0xab; 32]),
        None,
    )
    .unwrap();
    solana::preview(tx.message_bytes(), "mainnet", Some(&key(1))).unwrap()
}

fn spl_transfer(to: &Pubkey, amount: u64) -> Preview {
    let tx = solana::UnsignedTx::spl_transfer_checked(
        &SplTransfer {
            owner: key(1),
            mint: SOL_USDC,
            decimals: 6,
            to_wallet: *to,
            amount,
            token_program: TOKEN_PROGRAM,
            create_recipient_account: false,
        },
        Hash::new_from_array([0xab; 32]),
        None,
    )
    .unwrap();
    solana::preview(tx.message_bytes(), "mainnet", Some(&key(1))).unwrap()
}

fn rule(chain: Chain, cap: Option<&str>, allow: &[&str], tokens: bool) -> Rule {
    Rule {
        chain,
        max_per_tx: cap.map(str::to_owned),
        allow: allow.iter().map(|s| (*s).to_owned()).collect(),
        tokens,
    }
}

fn policy(rules: Vec<Rule>) -> Policy {
    Policy { rules }
}

/// 1 ETH, in wei.
const ONE_ETH: &str = "1000000000000000000";

// ------------------------------------------------------------ evaluate: Ethereum

#[test]
fn eth_cap_under_at_and_over() {
    let p = policy(vec![rule(Chain::Ethereum, Some(ONE_ETH), &[], false)]);
    assert_eq!(
        evaluate(
            &p,
            Chain::Ethereum,
            &eth_transfer(BOB, eth(1) / U256::from(2))
        ),
        Ok(())
    );
    assert_eq!(
        evaluate(&p, Chain::Ethereum, &eth_transfer(BOB, eth(1))),
        Ok(())
    );
    let over = eth(1) + U256::from(1u8);
    match evaluate(&p, Chain::Ethereum, &eth_transfer(BOB, over)) {
        Err(Violation::OverCap { amount, cap }) => {
            assert_eq!(amount.units(), over);
            assert_eq!(cap.units(), eth(1));
            assert_eq!(amount.decimals(), 18);
        }
        other => panic!("{other:?}"),
    }
    // No cap: anything.
    let p = policy(vec![rule(Chain::Ethereum, None, &[], false)]);
    assert_eq!(
        evaluate(&p, Chain::Ethereum, &eth_transfer(BOB, eth(1_000))),
        Ok(())
    );
}

#[test]
fn eth_allowlist_is_case_insensitive() {
    let lower = BOB.to_lowercase();
    let p = policy(vec![rule(Chain::Ethereum, Some(ONE_ETH), &[&lower], false)]);
    assert_eq!(
        evaluate(&p, Chain::Ethereum, &eth_transfer(BOB, eth(1))),
        Ok(())
    );
    assert_eq!(
        evaluate(&p, Chain::Ethereum, &eth_transfer(CAROL, eth(1))),
        Err(Violation::NotAllowlisted { to: CAROL.into() })
    );
}

#[test]
fn erc20_needs_tokens_and_the_allowlist() {
    let transfer = erc20_transfer(BOB, 5_000_000);
    let no_tokens = policy(vec![rule(Chain::Ethereum, Some(ONE_ETH), &[], false)]);
    assert_eq!(
        evaluate(&no_tokens, Chain::Ethereum, &transfer),
        Err(Violation::TokensNotAllowed { asset: USDC.into() })
    );
    let tokens_bob = policy(vec![rule(Chain::Ethereum, Some("0"), &[BOB], true)]);
    assert_eq!(evaluate(&tokens_bob, Chain::Ethereum, &transfer), Ok(()));
    assert_eq!(
        evaluate(&tokens_bob, Chain::Ethereum, &erc20_transfer(CAROL, 1)),
        Err(Violation::NotAllowlisted { to: CAROL.into() })
    );
    let tokens_any = policy(vec![rule(Chain::Ethereum, Some("0"), &[], true)]);
    assert_eq!(
        evaluate(&tokens_any, Chain::Ethereum, &erc20_transfer(CAROL, 1)),
        Ok(())
    );
}

#[test]
fn erc20_approve_is_a_token_call_and_its_spender_must_be_allowed() {
    let approve = eth_preview(&ethereum::UnsignedTx::contract_call(
        1,
        0,
        a(USDC),
        U256::ZERO,
        erc20::approve(a(CAROL), U256::from(1_000u32)),
        Gas {
            gas_limit: 60_000,
            ..cheap()
        },
    ));
    assert!(approve.transfers.is_empty());
    let no_tokens = policy(vec![rule(Chain::Ethereum, None, &[], false)]);
    assert_eq!(
        evaluate(&no_tokens, Chain::Ethereum, &approve),
        Err(Violation::TokensNotAllowed { asset: USDC.into() })
    );
    let tokens_bob = policy(vec![rule(Chain::Ethereum, None, &[BOB], true)]);
    assert_eq!(
        evaluate(&tokens_bob, Chain::Ethereum, &approve),
        Err(Violation::NotAllowlisted { to: CAROL.into() })
    );
    let tokens_carol = policy(vec![rule(Chain::Ethereum, None, &[CAROL], true)]);
    assert_eq!(evaluate(&tokens_carol, Chain::Ethereum, &approve), Ok(()));

    // Spending someone else's allowance moves nothing out of the wallet
    // (no transfer), but its recipient must still be allowed.
    let pull = eth_preview(&ethereum::UnsignedTx::contract_call(
        1,
        0,
        a(USDC),
        U256::ZERO,
        erc20::transfer_from(a(BOB), a(CAROL), U256::from(1_000u32)),
        Gas {
            gas_limit: 60_000,
            ..cheap()
        },
    ));
    assert!(pull.transfers.is_empty());
    assert_eq!(
        evaluate(&tokens_bob, Chain::Ethereum, &pull),
        Err(Violation::NotAllowlisted { to: CAROL.into() })
    );
    assert_eq!(evaluate(&tokens_carol, Chain::Ethereum, &pull), Ok(()));
}

#[test]
fn unknown_calls_and_contract_creation_are_refused() {
    let anything = policy(vec![rule(Chain::Ethereum, None, &[], true)]);
    let unknown = eth_preview(&ethereum::UnsignedTx::contract_call(
        1,
        0,
        a(BOB),
        U256::ZERO,
        vec![0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1],
        Gas {
            gas_limit: 60_000,
            ..cheap()
        },
    ));
    match evaluate(&anything, Chain::Ethereum, &unknown) {
        Err(Violation::UnknownCall { detail }) => {
            assert!(detail.starts_with("unknown_calldata"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    let mut creation = eth_transfer(BOB, eth(0));
    creation
        .warnings
        .insert(0, accord_chains::Warning::ContractCreation);
    assert!(matches!(
        evaluate(&anything, Chain::Ethereum, &creation),
        Err(Violation::UnknownCall { .. })
    ));
}

#[test]
fn a_fee_above_the_chain_cap_is_refused() {
    // 21 000 gas at 10 000 gwei: 0.21 ETH, above the 0.05 ETH cap.
    let gas = Gas {
        max_fee_per_gas: 10_000_000_000_000,
        ..cheap()
    };
    let tx = ethereum::UnsignedTx::eth_transfer(1, 0, a(BOB), eth(1), gas);
    let p = policy(vec![rule(Chain::Ethereum, None, &[], false)]);
    assert!(matches!(
        evaluate(&p, Chain::Ethereum, &eth_preview(&tx)),
        Err(Violation::FeeAboveCap { .. })
    ));
}

#[test]
fn no_rule_mismatch_and_malformed_cap() {
    let sol_only = policy(vec![rule(Chain::Solana, None, &[], false)]);
    assert_eq!(
        evaluate(&sol_only, Chain::Ethereum, &eth_transfer(BOB, eth(1))),
        Err(Violation::NoRule {
            chain: Chain::Ethereum
        })
    );
    assert_eq!(
        evaluate(&sol_only, Chain::Solana, &eth_transfer(BOB, eth(1))),
        Err(Violation::ChainMismatch {
            chain: Chain::Solana,
            preview: Chain::Ethereum
        })
    );
    for cap in ["1.5", "", "-1", "1e18", " 1", "+1"] {
        let p = policy(vec![rule(Chain::Ethereum, Some(cap), &[], false)]);
        assert_eq!(
            evaluate(&p, Chain::Ethereum, &eth_transfer(BOB, eth(1))),
            Err(Violation::Malformed { cap: cap.into() }),
            "{cap:?}"
        );
    }
}

// ------------------------------------------------------------ evaluate: Solana, change

#[test]
fn sol_cap_and_exact_allowlist() {
    let to = key(2);
    let p = policy(vec![rule(Chain::Solana, Some("1000000000"), &[], false)]);
    assert_eq!(
        evaluate(&p, Chain::Solana, &sol_transfer(&to, 999_999_999)),
        Ok(())
    );
    assert_eq!(
        evaluate(&p, Chain::Solana, &sol_transfer(&to, 1_000_000_000)),
        Ok(())
    );
    match evaluate(&p, Chain::Solana, &sol_transfer(&to, 1_000_000_001)) {
        Err(Violation::OverCap { amount, cap }) => {
            assert_eq!(amount, Amount::from_u64(1_000_000_001, 9));
            assert_eq!(cap, Amount::from_u64(1_000_000_000, 9));
        }
        other => panic!("{other:?}"),
    }

    let exact = policy(vec![rule(Chain::Solana, None, &[&to.to_string()], false)]);
    assert_eq!(
        evaluate(&exact, Chain::Solana, &sol_transfer(&to, 5)),
        Ok(())
    );
    // Base58 is case-sensitive: another case is another address.
    let other_case = policy(vec![rule(
        Chain::Solana,
        None,
        &[&to.to_string().to_lowercase()],
        false,
    )]);
    assert_eq!(
        evaluate(&other_case, Chain::Solana, &sol_transfer(&to, 5)),
        Err(Violation::NotAllowlisted { to: to.to_string() })
    );
    assert_eq!(
        evaluate(&exact, Chain::Solana, &sol_transfer(&key(3), 5)),
        Err(Violation::NotAllowlisted {
            to: key(3).to_string()
        })
    );
}

#[test]
fn spl_transfer_needs_tokens() {
    let preview = spl_transfer(&key(2), 2_500_000);
    let no_tokens = policy(vec![rule(Chain::Solana, Some("0"), &[], false)]);
    assert_eq!(
        evaluate(&no_tokens, Chain::Solana, &preview),
        Err(Violation::TokensNotAllowed {
            asset: SOL_USDC.to_string()
        })
    );
    let tokens = policy(vec![rule(Chain::Solana, Some("0"), &[], true)]);
    assert_eq!(evaluate(&tokens, Chain::Solana, &preview), Ok(()));
}

fn btc(to: &str, sat: u64) -> Transfer {
    Transfer {
        to: to.into(),
        amount: Amount::from_u64(sat, 8),
        asset: Asset::Native,
        symbol: Some("BTC".into()),
        decimals_known: true,
    }
}

#[test]
fn change_does_not_count_and_several_outputs_add_up() {
    let preview = Preview {
        chain: Chain::Bitcoin,
        network: "regtest".into(),
        transfers: vec![btc("bcrt1pa", 600), btc("bcrt1pb", 400)],
        change: vec![btc("bcrt1pown", 1_000_000)],
        fee: Amount::from_u64(10, 8),
        fee_kind: FeeKind::Exact,
        calls: vec![],
        effects: vec![],
        warnings: vec![],
        details: BTreeMap::new(),
    };
    let at = policy(vec![rule(
        Chain::Bitcoin,
        Some("1000"),
        &["bcrt1pa", "bcrt1pb"],
        false,
    )]);
    assert_eq!(evaluate(&at, Chain::Bitcoin, &preview), Ok(()));
    let under = policy(vec![rule(Chain::Bitcoin, Some("999"), &[], false)]);
    assert!(matches!(
        evaluate(&under, Chain::Bitcoin, &preview),
        Err(Violation::OverCap { .. })
    ));
    let one = policy(vec![rule(Chain::Bitcoin, None, &["bcrt1pa"], false)]);
    assert_eq!(
        evaluate(&one, Chain::Bitcoin, &preview),
        Err(Violation::NotAllowlisted {
            to: "bcrt1pb".into()
        })
    );
}

// ------------------------------------------------------------ policy JSON

#[test]
fn policy_json() {
    let p = policy(vec![
        rule(Chain::Ethereum, Some(ONE_ETH), &[BOB], true),
        rule(Chain::Solana, None, &[], false),
    ]);
    let json = p.to_json();
    assert!(json.contains("\"ethereum\""), "{json}");
    assert_eq!(Policy::from_json(&json), Ok(p));

    let text = r#"{"rules":[{"chain":"bitcoin","max_per_tx":"100000","allow":[],"tokens":false}]}"#;
    let p = Policy::from_json(text).unwrap();
    assert_eq!(p.rules, [rule(Chain::Bitcoin, Some("100000"), &[], false)]);

    // A misspelt cap does not silently remove it.
    let typo = r#"{"rules":[{"chain":"bitcoin","max_per_txn":"1","allow":[],"tokens":false}]}"#;
    assert!(matches!(
        Policy::from_json(typo),
        Err(PolicyError::Json { .. })
    ));
    let missing = r#"{"rules":[{"chain":"bitcoin","max_per_tx":"1"}]}"#;
    assert!(matches!(
        Policy::from_json(missing),
        Err(PolicyError::Json { .. })
    ));
    let chain = r#"{"rules":[{"chain":"dogecoin","max_per_tx":null,"allow":[],"tokens":false}]}"#;
    assert!(matches!(
        Policy::from_json(chain),
        Err(PolicyError::Json { .. })
    ));
    let twice = policy(vec![
        rule(Chain::Solana, None, &[], false),
        rule(Chain::Solana, Some("1"), &[], false),
    ]);
    assert_eq!(
        Policy::from_json(&twice.to_json()),
        Err(PolicyError::DuplicateRule {
            chain: Chain::Solana
        })
    );
    let bad = policy(vec![rule(Chain::Solana, Some("0.5"), &[], false)]);
    assert_eq!(
        Policy::from_json(&bad.to_json()),
        Err(PolicyError::BadCap {
            chain: Chain::Solana,
            cap: "0.5".into()
        })
    );
}

// ------------------------------------------------------------ approvers

fn member(party: u8, name: &str) -> Member {
    Member {
        party,
        device_id: format!("device{party}"),
        name: name.into(),
        role: name.parse().unwrap_or(accord_node::Role::Member),
        known: true,
    }
}

fn sign_request(preview: Preview) -> SignRequest {
    SignRequest {
        wallet: "savings".into(),
        wallet_id: "w-1234".into(),
        chain: preview.chain,
        preview,
        from: member(2, "desktop"),
    }
}

fn keygen_request() -> KeygenRequest {
    KeygenRequest {
        wallet: "savings".into(),
        threshold: 2,
        parties: 3,
        network: "mainnet".into(),
        members: vec![
            member(1, "phone"),
            member(2, "desktop"),
            member(3, "recovery"),
        ],
        from: member(2, "desktop"),
    }
}

#[test]
fn policy_only() {
    let approver = PolicyOnly;
    assert_eq!(
        pollster::block_on(approver.keygen(&keygen_request())),
        Decision::Approve
    );
    let request = sign_request(eth_transfer(BOB, eth(1)));
    match pollster::block_on(approver.sign(&request, None)) {
        Decision::Reject(reason) => {
            assert!(reason.contains("savings"), "{reason}");
            assert!(reason.contains("accord policy set"), "{reason}");
        }
        Decision::Approve => panic!("approved without a policy"),
    }
    let allows = policy(vec![rule(Chain::Ethereum, Some(ONE_ETH), &[BOB], false)]);
    assert_eq!(
        pollster::block_on(approver.sign(&request, Some(&allows))),
        Decision::Approve
    );
    let refuses = policy(vec![rule(Chain::Ethereum, Some("1"), &[], false)]);
    match pollster::block_on(approver.sign(&request, Some(&refuses))) {
        Decision::Reject(reason) => assert!(reason.contains("cap"), "{reason}"),
        Decision::Approve => panic!("approved over the cap"),
    }
}

#[test]
fn auto_approve_approves() {
    let approver = AutoApprove::new(Acknowledged::ForTestsOnly);
    assert_eq!(
        pollster::block_on(approver.keygen(&keygen_request())),
        Decision::Approve
    );
    let request = sign_request(eth_transfer(BOB, eth(1_000)));
    let refuses = policy(vec![rule(Chain::Ethereum, Some("1"), &[], false)]);
    assert_eq!(
        pollster::block_on(approver.sign(&request, None)),
        Decision::Approve
    );
    assert_eq!(
        pollster::block_on(approver.sign(&request, Some(&refuses))),
        Decision::Approve
    );
}

/// Asks for `request` with `input` typed; the decision and what was shown.
fn ask(input: &str, request: &SignRequest, policy: Option<&Policy>) -> (Decision, String) {
    let prompt = Interactive::new(input.as_bytes(), Vec::new());
    let decision = pollster::block_on(prompt.sign(request, policy));
    let (_, out) = prompt.into_inner();
    (decision, String::from_utf8(out).unwrap())
}

#[test]
fn interactive_answers() {
    let request = sign_request(eth_transfer(BOB, eth(1)));
    for yes in ["y\n", "Y\n", "yes\n", "  YES  \r\n", "y"] {
        assert_eq!(ask(yes, &request, None).0, Decision::Approve, "{yes:?}");
    }
    for no in ["n\n", "no\n", "\n", "yess\n", "ye\n", "sure\n", "nyes\n"] {
        assert!(
            matches!(ask(no, &request, None).0, Decision::Reject(_)),
            "{no:?}"
        );
    }
    match ask("", &request, None).0 {
        Decision::Reject(reason) => assert!(reason.contains("end of input"), "{reason}"),
        Decision::Approve => panic!("EOF approved"),
    }
}

#[test]
fn interactive_shows_the_request() {
    let request = sign_request(eth_transfer(BOB, eth(1)));
    let refuses = policy(vec![rule(Chain::Ethereum, Some("1"), &[], false)]);
    let (_, out) = ask("n\n", &request, Some(&refuses));
    for expected in [
        "savings",
        "w-1234",
        "desktop",
        "ethereum (mainnet)",
        BOB,
        "1 ETH",
        "maximum fee: 0.00042",
        "policy: REFUSES",
        "Approve? [y/N]",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from:\n{out}");
    }
    let allows = policy(vec![rule(Chain::Ethereum, None, &[], false)]);
    let (_, out) = ask("n\n", &request, Some(&allows));
    assert!(out.contains("policy: allows"), "{out}");

    // Tokens and warnings.
    let (_, out) = ask("n\n", &sign_request(erc20_transfer(BOB, 5_000_000)), None);
    assert!(out.contains("send 5 USDC to"), "{out}");
    assert!(out.contains("call "), "{out}");
}

#[test]
fn interactive_keygen_and_hostile_names() {
    let prompt = Interactive::new(&b"yes\n"[..], Vec::new());
    let mut request = keygen_request();
    request.wallet = "evil\u{1b}[2J\u{202e}name".into();
    assert_eq!(
        pollster::block_on(prompt.keygen(&request)),
        Decision::Approve
    );
    let (_, out) = prompt.into_inner();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("2-of-3 on mainnet"), "{out}");
    assert!(out.contains("recovery (recovery, party 3"), "{out}");
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    assert!(out.contains("\\u{1b}[2J"), "{out}");
}

#[test]
fn an_invitation_naming_a_device_never_seen_says_so() {
    let prompt = Interactive::new(&b"n\n"[..], Vec::new());
    let mut request = keygen_request();
    // The "recovery server" the inviter lists was never paired with this
    // device (a compromised desktop listing its own second node).
    request.members[2].known = false;
    pollster::block_on(prompt.keygen(&request));
    let (_, out) = prompt.into_inner();
    let out = String::from_utf8(out).unwrap();
    let line = out
        .lines()
        .find(|l| l.contains("device3"))
        .unwrap_or_else(|| panic!("the member is listed with its device id: {out}"));
    assert!(line.contains("NOT PAIRED with this device"), "{out}");
    for known in ["device1", "device2"] {
        let line = out.lines().find(|l| l.contains(known)).unwrap();
        assert!(!line.contains("NOT PAIRED"), "{out}");
    }
}

#[test]
fn render_lists_everything() {
    let text = render(&sol_transfer(&key(2), 1_500_000_000));
    assert!(text.starts_with("solana (mainnet)"), "{text}");
    assert!(
        text.contains(&format!("send 1.5 SOL to {}", key(2))),
        "{text}"
    );
    assert!(text.contains("fee: 0.000005"), "{text}");
}
