//! The `accord` binary as a user runs it: addresses from known keys,
//! previews from files and text, and one-line errors with a non-zero exit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn accord(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .output()
        .expect("runs")
}

fn ok(args: &[&str]) -> String {
    let out = accord(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn fails(args: &[&str]) -> String {
    let out = accord(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    err
}

const BIP86_OUTPUT_KEY: &str = "a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c";

#[test]
fn addresses_from_known_keys() {
    // BIP86 test vector.
    assert_eq!(
        ok(&[
            "address",
            "--chain",
            "bitcoin",
            "--public-key",
            BIP86_OUTPUT_KEY
        ]),
        "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
    );
    let regtest = ok(&[
        "address",
        "--chain",
        "bitcoin",
        "--network",
        "regtest",
        "--public-key",
        BIP86_OUTPUT_KEY,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&regtest).unwrap();
    assert_eq!(v["network"], "regtest");
    assert!(v["address"].as_str().unwrap().starts_with("bcrt1p"));
    // The secp256k1 generator (private key 1): a well-known Ethereum address.
    assert_eq!(
        ok(&[
            "address",
            "--chain",
            "ethereum",
            "--public-key",
            "0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"
        ]),
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    );
    assert_eq!(
        ok(&[
            "address",
            "--chain",
            "solana",
            "--public-key",
            &"01".repeat(32)
        ]),
        "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi"
    );
}

#[test]
fn preview_a_psbt_from_another_wallet() {
    let file = format!(
        "@{}/../chains/tests/fixtures/bitcoin/bip371-valid-key-path-input.b64",
        manifest_dir()
    );
    let json = ok(&[
        "preview",
        "--chain",
        "bitcoin",
        "--unsigned",
        &file,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["chain"], "bitcoin");
    assert_eq!(v["network"], "mainnet");
    assert_eq!(
        v["transfers"][0]["to"],
        "bc1qw68pa66v7ssgvcpnlq9valc0jus8gjtfv208as"
    );
    assert_eq!(v["transfers"][0]["amount"], "4999997000");
    assert_eq!(v["transfers"][0]["asset"], "native");
    assert_eq!(v["fee"], "3000");
    assert!(v["warnings"].as_array().unwrap().is_empty());
    let text = ok(&["preview", "--chain", "bitcoin", "--unsigned", &file]);
    assert!(
        text.contains("send 49.99997 BTC to bc1qw68pa66v7ssgvcpnlq9valc0jus8gjtfv208as"),
        "{text}"
    );
}

#[test]
fn errors_are_one_line() {
    assert!(
        fails(&["address", "--chain", "dogecoin", "--public-key", "00"]).contains("unknown chain")
    );
    assert!(fails(&["address", "--chain", "bitcoin", "--public-key", "zz"]).contains("hex"));
    // A bad EIP-55 checksum (one letter's case changed), and an address of the wrong network.
    let eth = "0x02f86d012a84773594008509502f900082fde894a0b86991c6218b36c1d19d4a2e9eb0ce3606eb4880b844a9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c800000000000000000000000000000000000000000000000000000000000f4240c0";
    assert!(
        fails(&[
            "preview",
            "--chain",
            "ethereum",
            "--unsigned",
            eth,
            "--wallet",
            "0x7E5F4552091A69125d5DfCb7b8C2659029395bdf"
        ])
        .to_lowercase()
        .contains("checksum")
    );
    let psbt = format!(
        "@{}/../chains/tests/fixtures/bitcoin/bip371-valid-key-path-input.b64",
        manifest_dir()
    );
    assert!(
        fails(&[
            "preview",
            "--chain",
            "bitcoin",
            "--unsigned",
            &psbt,
            "--wallet",
            "tb1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqp3mvzv"
        ])
        .contains("not a mainnet address")
    );
    assert!(
        fails(&[
            "preview",
            "--chain",
            "ethereum",
            "--network",
            "sepolia",
            "--unsigned",
            eth
        ])
        .contains("chain id 1")
    );
    // --network names the chain by name or by EIP-155 chain id.
    for agrees in ["1", "mainnet", "MAINNET"] {
        let v: serde_json::Value = serde_json::from_str(&ok(&[
            "--json",
            "preview",
            "--chain",
            "ethereum",
            "--network",
            agrees,
            "--unsigned",
            eth,
        ]))
        .unwrap();
        assert_eq!(v["details"]["chain_id"], "1", "{agrees}: {v}");
    }
    assert!(
        fails(&[
            "preview",
            "--chain",
            "ethereum",
            "--network",
            "11155111",
            "--unsigned",
            eth
        ])
        .contains("chain id 1")
    );
    assert!(
        fails(&[
            "address",
            "--chain",
            "bitcoin",
            "--network",
            "moon",
            "--public-key",
            BIP86_OUTPUT_KEY
        ])
        .contains("network")
    );
    assert!(fails(&["address", "--chain", "bitcoin", "--public-key", "02"]).contains("32 bytes"));
    assert!(
        fails(&[
            "preview",
            "--chain",
            "bitcoin",
            "--unsigned",
            "cHNidP8BAAA="
        ])
        .contains("PSBT")
    );
    assert!(
        fails(&[
            "preview",
            "--chain",
            "bitcoin",
            "--unsigned",
            "@/no/such/file"
        ])
        .contains("cannot read")
    );
    assert!(fails(&["preview", "--chain", "ethereum", "--unsigned", "0x01"]).starts_with("error"));
    assert!(fails(&["preview", "--chain", "solana", "--unsigned", "00"]).starts_with("error"));
    assert!(
        fails(&[
            "preview",
            "--chain",
            "bitcoin",
            "--unsigned",
            "00",
            "--wallet",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        ])
        .starts_with("error")
    );
    assert!(fails(&["address", "--chain", "bitcoin"]).contains("--public-key"));
    fails(&["frobnicate"]);
    assert!(fails(&[]).contains("no command"));
}

/// This package's directory, as `cargo test` gives it when it runs the test
/// (the path compiled in may be another checkout's, when a target directory
/// is shared).
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}
