#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The approvers: the recovery server's (it follows the policy's verdict),
//! the terminal prompt with an in-memory reader and writer (on real
//! previews built by `accord_chains`), and auto-approve. The policy rules
//! themselves: tests/policy.rs.

use accord_chains::Preview;
use accord_chains::ethereum::{self, Address, Gas, U256};
use accord_chains::solana::{self, Hash, Pubkey};
use accord_node::approve::{
    Acknowledged, Approver, AutoApprove, Decision, Interactive, KeygenRequest, Member, PolicyOnly,
    SignRequest, render,
};
use accord_node::policy::{PolicyCheck, Verdict, Violation};

const WALLET: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const BOB: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const USDC: &str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";

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

/// A verdict of policy version 3.
fn check(verdict: Verdict) -> PolicyCheck {
    PolicyCheck {
        version: 3,
        hash: "ab".repeat(32),
        verdict,
        queued: None,
    }
}

fn allows() -> PolicyCheck {
    check(Verdict::Allow { spends: vec![] })
}

fn refuses() -> PolicyCheck {
    check(Verdict::Refuse(Violation::OverPerTx {
        asset: "native".into(),
        amount: eth(1),
        max: U256::from(1u8),
    }))
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
        proposal: None,
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
        policy: vec!["bitcoin: BTC: up to 0.01 BTC per transfer".into()],
        refresh: None,
        replaced: None,
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
            assert!(reason.contains("no policy in force"), "{reason}");
        }
        Decision::Approve => panic!("approved without a policy"),
    }
    assert_eq!(
        pollster::block_on(approver.sign(&request, Some(&allows()))),
        Decision::Approve
    );
    match pollster::block_on(approver.sign(&request, Some(&refuses()))) {
        Decision::Reject(reason) => assert!(reason.contains("maximum"), "{reason}"),
        Decision::Approve => panic!("approved over the cap"),
    }
    // A delayed transaction is not signed now.
    let delayed = check(Verdict::Delay {
        spends: vec![],
        seconds: 172_800,
        reasons: vec!["not in the address book".into()],
    });
    match pollster::block_on(approver.sign(&request, Some(&delayed))) {
        Decision::Reject(reason) => assert!(
            reason.contains("DELAYS") && reason.contains("48 h"),
            "{reason}"
        ),
        Decision::Approve => panic!("a delayed transaction approved at once"),
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
    assert_eq!(
        pollster::block_on(approver.sign(&request, None)),
        Decision::Approve
    );
    assert_eq!(
        pollster::block_on(approver.sign(&request, Some(&refuses()))),
        Decision::Approve
    );
}

/// Asks for `request` with `input` typed; the decision and what was shown.
fn ask(input: &str, request: &SignRequest, policy: Option<&PolicyCheck>) -> (Decision, String) {
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
    let (_, out) = ask("n\n", &request, Some(&refuses()));
    for expected in [
        "savings",
        "w-1234",
        "desktop",
        "ethereum (mainnet)",
        BOB,
        "1 ETH",
        "maximum fee: 0.00042",
        "policy v3: REFUSES",
        "the recovery server will not co-sign it",
        "Approve? [y/N]",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from:\n{out}");
    }
    let (_, out) = ask("n\n", &request, Some(&allows()));
    assert!(out.contains("policy v3: allows"), "{out}");

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
