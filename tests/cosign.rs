#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Co-signing across processes (issue 4): each device is its own `accord`
//! process with its own data directory and wrapping key, on loopback
//! (`--no-relay`). The phone and the recovery server are `accord cosigner
//! serve` daemons; the desktop is the command line itself.
//!
//! - The three devices agree on the wallet the desktop created with their
//!   tickets (`wallet list` on each data directory).
//! - Every pair of devices signs on every chain (9 signatures), each
//!   checked by a verifier that did not make it: libbitcoinconsensus
//!   (BIP341), alloy + k256 0.13 signer recovery (EIP-1559),
//!   ed25519-dalek `verify_strict` (RFC 8032).
//! - `accord send` broadcasts an Ethereum transfer to a real Anvil node; it
//!   is mined (receipt status 1) and the recipient's balance moves by the
//!   amount.
//! - A recovery server without `--auto-approve` signs by the wallet's
//!   policy only (its first, agreed at creation with `wallet create
//!   --policy`): a transfer under the cap (then mined on Anvil), and it
//!   declines one over the cap with the policy's reason in the command's
//!   error. (tests/policies.rs: windows, changes, tampering, crashes.)
//!
//! Anvil is `$ACCORD_ANVIL` (set by scripts/test), else `anvil` on `PATH`.

#[path = "support/anvil.rs"]
mod anvil;
mod common;

use std::time::Instant;

use accord_chains::Chain;
use anvil::{Anvil, hex_u128};
use common::{
    ANVIL_ACCOUNT_1, ANVIL_ACCOUNT_2, CHAIN_ID, CHAINS, ETHER, Trio, Unsigned, eth_transfer,
    unsigned, verify, verify_ethereum,
};
use serde_json::json;

#[test]
fn every_pair_of_devices_cosigns_on_every_chain() {
    let started = Instant::now();
    let mut trio = Trio::new(true, &[]);
    let w = trio.wallet.clone();
    let created = started.elapsed();

    // 1. The three stores hold the same wallet: same keys, same addresses,
    //    each device its own party. (`wallet list` starts no node, so it may
    //    run beside a daemon on the same data directory.)
    let ids = [
        trio.desktop.ok(&["init"]),
        trio.phone_daemon.as_ref().unwrap().device_id.clone(),
        trio.recovery_daemon.as_ref().unwrap().device_id.clone(),
    ];
    for (device, party) in [(&trio.desktop, 1), (&trio.phone, 2), (&trio.recovery, 3)] {
        let list = device.json(&["wallet", "list"]);
        let wallets = list.as_array().unwrap();
        assert_eq!(wallets.len(), 1, "{}: {list}", device.name);
        let listed = &wallets[0];
        assert_eq!(listed["wallet"], "w");
        assert_eq!(listed["threshold"], 2);
        assert_eq!(listed["parties"], 3);
        assert_eq!(listed["party"], party, "{}", device.name);
        assert_eq!(listed["network"], "regtest");
        assert_eq!(listed["addresses"], w.json["addresses"], "{}", device.name);
        assert_eq!(
            listed["public_keys"], w.json["public_keys"],
            "{}",
            device.name
        );
        let members: Vec<(u64, &str, &str)> = listed["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["party"].as_u64().unwrap(),
                    m["name"].as_str().unwrap(),
                    m["device_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            members,
            vec![
                (1, "desktop", ids[0].as_str()),
                (2, "phone", ids[1].as_str()),
                (3, "recovery", ids[2].as_str()),
            ],
            "{}",
            device.name
        );
    }

    // 2. Each pair signs a distinct transaction on each chain (distinct, so
    //    that no finished signature of another pair is reused).
    let mut timings = Vec::new();
    // Desktop + phone: the desktop's first quorum.
    for chain in CHAINS {
        let tx = unsigned(chain, &w, 0);
        let s = trio.desktop.sign("w", &tx);
        verify(&w, &tx, &s.signed);
        assert_eq!(trio.desktop.signed_with("w", &s.txid), "phone");
        assert_eq!(s.preview["chain"], chain.name(), "{}", s.preview);
        timings.push(("desktop+phone", chain, s.elapsed));
    }
    // Desktop + recovery: the phone is stopped, so the desktop's retry
    // finds the recovery server (the command line has no flag to prefer a
    // co-signer).
    trio.stop_phone();
    for chain in CHAINS {
        let tx = unsigned(chain, &w, 1);
        let s = trio.desktop.sign("w", &tx);
        verify(&w, &tx, &s.signed);
        assert_eq!(trio.desktop.signed_with("w", &s.txid), "recovery");
        timings.push(("desktop+recovery", chain, s.elapsed));
    }
    // Phone + recovery: the phone's own command line proposes (its daemon
    // stopped: one process per data directory); the desktop is not
    // running, so after it is found unreachable the recovery server signs.
    for chain in CHAINS {
        let tx = unsigned(chain, &w, 2);
        let s = trio.phone.sign("w", &tx);
        verify(&w, &tx, &s.signed);
        assert_eq!(trio.phone.signed_with("w", &s.txid), "recovery");
        timings.push(("phone+recovery", chain, s.elapsed));
    }

    // The co-signers' own logs: what each co-signed, and for whom.
    let cosigned = |events: Vec<(String, String)>, proposer: &str| {
        events
            .iter()
            .filter(|(kind, detail)| {
                kind == "cosigned" && detail.ends_with(&format!("proposed by {proposer}"))
            })
            .count()
    };
    assert_eq!(cosigned(trio.phone.events("w"), "desktop"), 3);
    let recovery_log = trio.recovery.events("w");
    assert_eq!(cosigned(recovery_log.clone(), "desktop"), 3);
    assert_eq!(cosigned(recovery_log, "phone"), 3);

    trio.recovery_daemon.take().unwrap().stop();
    eprintln!("wallet created in {created:?}");
    for (pair, chain, elapsed) in timings {
        eprintln!("{pair} {chain}: sign-tx {elapsed:?}");
    }
    eprintln!("total {:?}", started.elapsed());
}

/// A first policy: up to `cap` wei per transfer on chain 31337, to anyone,
/// no window, no delays.
fn cap_policy(cap: u128) -> String {
    json!({
        "chains": [{"chain": "ethereum", "chain_id": CHAIN_ID, "recipients": "anyone",
                    "tokens": false, "assets": [{"asset": "native", "max_per_tx": cap.to_string()}]}],
        "delay": 0,
        "replace_delay": 259200
    })
    .to_string()
}

#[test]
fn send_on_anvil_and_the_recovery_servers_policy() {
    let started = Instant::now();
    let anvil = Anvil::start();
    // The recovery server decides by policy alone (no --auto-approve).
    let mut trio = Trio::with_policy(false, &[], Some(&cap_policy(ETHER / 10)));
    let w = trio.wallet.clone();

    // 3. `accord send`: built from the node, co-signed by desktop + phone,
    //    broadcast and mined.
    anvil.rpc(
        "anvil_setBalance",
        json!([w.ethereum, format!("{:#x}", 10 * ETHER)]),
    );
    let recipient_before = anvil.balance(ANVIL_ACCOUNT_1);
    let send_started = Instant::now();
    let out = trio.desktop.json(&[
        "send",
        "--wallet",
        "w",
        "--chain",
        "ethereum",
        "--to",
        ANVIL_ACCOUNT_1,
        "--amount",
        "0.5",
        "--rpc",
        &anvil.url,
        "--yes",
    ]);
    let send_elapsed = send_started.elapsed();
    assert_eq!(out["confirmed"], true, "{out}");
    let txid = out["txid"].as_str().unwrap();
    let raw = hex::decode(out["signed"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let (signer, hash) = verify_ethereum(&w, &raw, None);
    assert_eq!(format!("0x{}", hex::encode(hash)), txid.to_lowercase());
    assert_eq!(trio.desktop.signed_with("w", txid), "phone");
    let receipt = anvil.receipt(txid);
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert_eq!(
        receipt["from"].as_str().unwrap(),
        format!("{signer:#x}"),
        "{receipt}"
    );
    assert_eq!(
        receipt["to"].as_str().unwrap(),
        ANVIL_ACCOUNT_1.to_lowercase()
    );
    assert_eq!(
        u64::from_str_radix(
            receipt["blockNumber"]
                .as_str()
                .unwrap()
                .trim_start_matches("0x"),
            16
        )
        .unwrap(),
        out["block"].as_u64().unwrap()
    );
    assert_eq!(
        anvil.balance(ANVIL_ACCOUNT_1) - recipient_before,
        ETHER / 2,
        "the recipient got exactly 0.5 ETH"
    );
    let gas = hex_u128(&receipt["gasUsed"]) * hex_u128(&receipt["effectiveGasPrice"]);
    assert_eq!(anvil.balance(&w.ethereum), 10 * ETHER - ETHER / 2 - gas);
    assert!(
        trio.desktop
            .events("w")
            .iter()
            .any(|(kind, detail)| kind == "sent" && detail.contains(txid))
    );

    // 4. The recovery server's policy (the wallet's first, agreed at
    //    creation: up to 0.1 ETH per transfer on chain 31337, to anyone).
    //    The phone is stopped, so every signing below ends up proposed to
    //    the recovery server.
    trio.first_policy_in_force();
    trio.stop_phone();
    let small = Unsigned {
        chain: Chain::Ethereum,
        bytes: eth_transfer(1, ANVIL_ACCOUNT_2, ETHER / 20),
        spent: Vec::new(),
    };
    let large = Unsigned {
        chain: Chain::Ethereum,
        bytes: eth_transfer(1, ANVIL_ACCOUNT_2, ETHER / 5),
        spent: Vec::new(),
    };
    // Under the cap: co-signed by the recovery server, and mined.
    let s = trio.desktop.sign("w", &small);
    verify(&w, &small, &s.signed);
    assert_eq!(trio.desktop.signed_with("w", &s.txid), "recovery");
    let other_before = anvil.balance(ANVIL_ACCOUNT_2);
    let sent = anvil.rpc("eth_sendRawTransaction", json!([s.signed]));
    assert_eq!(sent.as_str().unwrap(), s.txid.to_lowercase());
    assert_eq!(anvil.receipt(&s.txid)["status"], "0x1");
    assert_eq!(anvil.balance(ANVIL_ACCOUNT_2) - other_before, ETHER / 20);
    // Over the cap: declined, with the policy's reason.
    let err = trio.desktop.sign_fails("w", &large);
    assert!(err.contains("recovery declined"), "{err}");
    let cap = ETHER / 10;
    assert!(
        err.contains(&format!(
            "moves {} base units of native, above the maximum of {cap} per transaction",
            ETHER / 5
        )),
        "{err}"
    );
    let rejected = trio
        .recovery
        .events("w")
        .into_iter()
        .filter(|(kind, detail)| kind == "rejected" && detail.contains("above the maximum"))
        .count();
    assert_eq!(rejected, 1, "the recovery server logged its refusal");

    trio.recovery_daemon.take().unwrap().stop();
    eprintln!(
        "send (build, sign, broadcast, mined) {send_elapsed:?}; total {:?}",
        started.elapsed()
    );
}

#[test]
fn legacy_and_eip2930_transactions_from_other_wallets_are_signed_and_mined() {
    use alloy_consensus::transaction::SignableTransaction;
    use alloy_consensus::{TxEip2930, TxLegacy};
    use alloy_primitives::{Address, Bytes, TxKind, U256};
    use std::str::FromStr;

    let anvil = Anvil::start();
    let trio = Trio::new(true, &[]);
    let w = trio.wallet.clone();
    anvil.rpc(
        "anvil_setBalance",
        json!([w.ethereum, format!("{:#x}", 10 * ETHER)]),
    );
    let to = TxKind::Call(Address::from_str(ANVIL_ACCOUNT_1).unwrap());
    let gas_price = 5_000_000_000u128;
    // As ethers or viem serialize them unsigned: legacy in its EIP-155
    // signing form, EIP-2930 as 0x01 ‖ rlp(fields).
    let legacy = TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce: 0,
        gas_price,
        gas_limit: 21_000,
        to,
        value: U256::from(ETHER / 10),
        input: Bytes::new(),
    };
    let eip2930 = TxEip2930 {
        chain_id: CHAIN_ID,
        nonce: 1,
        gas_price,
        gas_limit: 21_000,
        to,
        value: U256::from(ETHER / 5),
        input: Bytes::new(),
        access_list: Default::default(),
    };
    let before = anvil.balance(ANVIL_ACCOUNT_1);
    for (kind, unsigned) in [
        ("legacy", legacy.encoded_for_signing()),
        ("eip2930", eip2930.encoded_for_signing()),
    ] {
        let out = trio.desktop.json(&[
            "sign-tx",
            "--wallet",
            "w",
            "--chain",
            "ethereum",
            "--unsigned",
            &hex::encode(&unsigned),
            "--yes",
        ]);
        assert_eq!(out["preview"]["details"]["tx_type"], kind, "{out}");
        assert_eq!(
            out["preview"]["details"]["gas_price"],
            gas_price.to_string(),
            "{out}"
        );
        let signed = out["signed"].as_str().unwrap();
        let raw = hex::decode(signed.trim_start_matches("0x")).unwrap();
        let (_, hash) = verify_ethereum(&w, &raw, Some(&unsigned));
        let sent = anvil.rpc("eth_sendRawTransaction", json!([signed]));
        assert_eq!(sent.as_str().unwrap(), format!("0x{}", hex::encode(hash)));
        let receipt = anvil.receipt(sent.as_str().unwrap());
        assert_eq!(receipt["status"], "0x1", "{kind}: {receipt}");
    }
    assert_eq!(
        anvil.balance(ANVIL_ACCOUNT_1) - before,
        ETHER / 10 + ETHER / 5
    );

    // Without an EIP-155 chain id (replayable on every chain): refused.
    let pre155 = TxLegacy {
        chain_id: None,
        nonce: 2,
        ..legacy
    };
    let err = trio.desktop.fails(&[
        "sign-tx",
        "--wallet",
        "w",
        "--chain",
        "ethereum",
        "--unsigned",
        &hex::encode(pre155.encoded_for_signing()),
        "--yes",
    ]);
    assert!(err.contains("EIP-155 chain id"), "{err}");
}

#[test]
fn send_an_erc20_token_on_anvil() {
    let anvil = Anvil::start();
    let trio = Trio::new(true, &[]);
    let w = trio.wallet.clone();
    anvil.rpc(
        "anvil_setBalance",
        json!([w.ethereum, format!("{:#x}", ETHER)]),
    );
    // The test token (6 decimals), 100 of it to the wallet.
    let token = anvil.deploy_test_token(&w.ethereum);
    let balance_of = |who: &str| anvil.erc20_balance(&token, who);
    assert_eq!(balance_of(&w.ethereum), 100_000_000);

    let out = trio.desktop.json(&[
        "send",
        "--wallet",
        "w",
        "--chain",
        "ethereum",
        "--token",
        &token,
        "--to",
        ANVIL_ACCOUNT_1,
        "--amount",
        "12.5",
        "--rpc",
        &anvil.url,
        "--yes",
    ]);
    assert_eq!(out["confirmed"], true, "{out}");
    // The preview named the token transfer, in the token's units.
    let transfer = &out["preview"]["transfers"][0];
    assert_eq!(transfer["amount"], "12500000", "{out}");
    assert_eq!(
        transfer["to"].as_str().unwrap().to_lowercase(),
        ANVIL_ACCOUNT_1.to_lowercase(),
        "{out}"
    );
    let txid = out["txid"].as_str().unwrap();
    let raw = hex::decode(out["signed"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let (signer, _) = verify_ethereum(&w, &raw, None);
    let receipt = anvil.receipt(txid);
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert_eq!(receipt["from"].as_str().unwrap(), format!("{signer:#x}"));
    assert_eq!(balance_of(ANVIL_ACCOUNT_1), 12_500_000);
    assert_eq!(balance_of(&w.ethereum), 87_500_000);
}
