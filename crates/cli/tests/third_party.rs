#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The `accord` binary on inputs made by other wallets' libraries:
//! bitcoinjs-lib and embit PSBTs, viem EIP-1559 serializations, @solana/web3.js
//! and @solana/spl-token transactions, and addresses those libraries compute.
//! Every expectation in `fixtures/third_party/fixtures.json` was computed by
//! the generating library, not by Accord (see that folder's README.md).
//!
//! One test per case, so a case that shows a bug in Accord can be marked
//! `#[ignore = "..."]` on its own; `every_fixture_has_a_test` keeps the list
//! here and the file in step.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine;
use serde_json::Value;

const FIXTURES: &str = include_str!("fixtures/third_party/fixtures.json");

fn fixtures() -> &'static Value {
    static PARSED: OnceLock<Value> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(FIXTURES).expect("fixtures.json is JSON"))
}

fn find(section: &str, name: &str) -> &'static Value {
    fixtures()[section]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {section} case {name} in fixtures.json"))
}

fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

/// Runs `accord` and returns stdout, failing the test with stderr otherwise.
fn accord(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .output()
        .expect("accord runs");
    assert!(
        out.status.success(),
        "accord {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `accord preview --json` for `case`, with `unsigned` as the `--unsigned` value.
fn preview_json(case: &Value, unsigned: &str) -> Value {
    let mut args = vec![
        "preview",
        "--chain",
        s(&case["chain"]),
        "--network",
        s(&case["network"]),
        "--unsigned",
        unsigned,
        "--json",
    ];
    if let Some(wallet) = case.get("wallet") {
        args.extend(["--wallet", s(wallet)]);
    }
    let out = accord(&args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// The `to`, `amount`, `asset` of each transfer.
fn movements(list: &Value) -> Vec<(String, String, String)> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {list}"))
        .iter()
        .map(|t| {
            (
                s(&t["to"]).to_owned(),
                s(&t["amount"]).to_owned(),
                s(&t["asset"]).to_owned(),
            )
        })
        .collect()
}

/// The stable codes of the warnings (`"code: text"`), sorted.
fn warning_codes(list: &Value) -> Vec<String> {
    let mut codes: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| s(w).split(':').next().unwrap().trim().to_owned())
        .collect();
    codes.sort();
    codes
}

fn check_preview(name: &str) {
    let case = find("preview", name);
    let expect = &case["expect"];
    let got = preview_json(case, s(&case["unsigned"]));
    let ctx = format!("{name} ({}): {got:#}", s(&case["library"]));

    assert_eq!(got["chain"], case["chain"], "{ctx}");
    assert_eq!(got["network"], expect["network"], "network of {ctx}");
    assert_eq!(
        movements(&got["transfers"]),
        movements(&expect["transfers"]),
        "transfers of {ctx}"
    );
    if let Some(change) = expect.get("change") {
        assert_eq!(
            movements(&got["change"]),
            movements(change),
            "change of {ctx}"
        );
    }
    assert_eq!(got["fee"], expect["fee"], "fee of {ctx}");
    assert_eq!(got["fee_kind"], expect["fee_kind"], "fee kind of {ctx}");
    let mut want_codes: Vec<String> = expect["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| s(w).to_owned())
        .collect();
    want_codes.sort();
    assert_eq!(
        warning_codes(&got["warnings"]),
        want_codes,
        "warnings of {ctx}"
    );
    for (key, want) in expect["details"].as_object().unwrap() {
        assert_eq!(&got["details"][key], want, "details.{key} of {ctx}");
    }
    if let Some(calls) = expect.get("calls") {
        for want in calls.as_array().unwrap() {
            let found = got["calls"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["function"] == want["function"])
                .unwrap_or_else(|| panic!("no call {} in {ctx}", want["function"]));
            for (arg, value) in want["args"].as_object().unwrap() {
                assert_eq!(
                    &found["args"][arg], value,
                    "{}.{arg} of {ctx}",
                    want["function"]
                );
            }
        }
    }
}

fn check_address(name: &str) {
    let case = find("address", name);
    let chain = s(&case["chain"]);
    let key = s(&case["public_key"]);
    let mut args = vec!["address", "--chain", chain, "--public-key", key];
    if let Some(network) = case.get("network") {
        args.extend(["--network", s(network)]);
    }
    let ctx = format!("{name} ({})", s(&case["library"]));
    assert_eq!(accord(&args), s(&case["address"]), "{ctx}");
    args.push("--json");
    let json: Value = serde_json::from_str(&accord(&args)).unwrap();
    assert_eq!(json["address"], case["address"], "{ctx}: {json}");
    assert_eq!(json["chain"], chain, "{ctx}: {json}");
    if let Some(network) = case.get("network") {
        assert_eq!(&json["network"], network, "{ctx}: {json}");
    }
}

macro_rules! previews {
    ($($(#[$attr:meta])* $name:ident,)*) => {
        const PREVIEW_TESTS: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                check_preview(stringify!($name));
            }
        )*
    };
}

macro_rules! addresses {
    ($($name:ident,)*) => {
        const ADDRESS_TESTS: &[&str] = &[$(stringify!($name)),*];
        mod address {
            $(
                #[test]
                fn $name() {
                    super::check_address(stringify!($name));
                }
            )*
        }
    };
}

previews! {
    // bitcoinjs-lib
    btc_p2tr_witness_utxo,
    btc_p2tr_witness_utxo_no_wallet,
    btc_p2tr_non_witness_utxo,
    btc_p2tr_non_witness_utxo_no_wallet,
    btc_p2tr_older_outputs_signet,
    btc_p2tr_older_outputs_signet_no_wallet,
    // embit
    btc_embit_regtest,
    // viem
    eth_transfer_mainnet,
    eth_transfer_sepolia_access_list,
    eth_erc20_transfer_usdc,
    eth_erc20_approve_unlimited,
    eth_contract_creation_sepolia,
    eth_transfer_base_zero_tip,
    // @solana/web3.js, @solana/spl-token
    sol_legacy_transfer_message,
    sol_legacy_transfer_wire,
    sol_v0_transfer_wire,
    sol_v0_transfer_message,
    sol_compute_budget_priority_fee,
    sol_spl_transfer_checked_create_ata,
    sol_v0_two_signers,
    sol_legacy_two_transfers_message,
}

addresses! {
    eth_compressed_a,
    eth_uncompressed_a,
    eth_compressed_b,
    eth_compressed_c,
    sol_a,
    sol_b,
    sol_c,
    btc_output_key_a_mainnet,
    btc_output_key_b_mainnet,
    btc_output_key_c_testnet,
    btc_output_key_d_signet,
    btc_output_key_e_regtest,
}

#[test]
fn every_fixture_has_a_test() {
    for (section, tests) in [("preview", PREVIEW_TESTS), ("address", ADDRESS_TESTS)] {
        let in_file: BTreeSet<&str> = fixtures()[section]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| s(&c["name"]))
            .collect();
        let in_tests: BTreeSet<&str> = tests.iter().copied().collect();
        assert_eq!(in_file, in_tests, "{section} cases vs tests");
    }
}

/// The same bytes given as `@FILE` (raw binary) preview exactly as given inline.
#[test]
fn raw_bytes_from_a_file_preview_the_same() {
    let dir = std::env::temp_dir().join(format!("accord-third-party-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for case in fixtures()["preview"].as_array().unwrap() {
        let name = s(&case["name"]);
        let text = s(&case["unsigned"]);
        let bytes = match s(&case["encoding"]) {
            "hex" => hex::decode(text.trim_start_matches("0x")).unwrap(),
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
            other => panic!("{name}: unknown encoding {other}"),
        };
        // Raw bytes that happen to read as hex or base64 text would be taken as text.
        if std::str::from_utf8(&bytes).is_ok() {
            continue;
        }
        let path: PathBuf = dir.join(format!("{name}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        let from_file = preview_json(case, &format!("@{}", path.display()));
        let inline = preview_json(case, text);
        assert_eq!(from_file, inline, "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
