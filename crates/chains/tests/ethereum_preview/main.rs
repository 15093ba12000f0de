#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The Ethereum preview, from raw EIP-2718 bytes: transfers, decoded ERC-20
//! calls, the maximum fee, each warning, the typed effects, and no panic on
//! any input.

use accord_chains::ethereum::address::{checksummed, parse};
use accord_chains::ethereum::{Address, Gas, U256, UnsignedTx, erc20, preview};
use accord_chains::{Asset, Effect, FeeKind, Preview};
use proptest::prelude::*;

const WALLET: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const BOB: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const USDC: &str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
/// Solidity 0.4.17, ABI coder v1: masks address words, ignores trailing bytes.
const USDT: &str = "0xdAC17F958D2ee523a2206206994597C13D831ec7";
/// Not in the token table.
const UNKNOWN_TOKEN: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

fn a(text: &str) -> Address {
    parse(text).unwrap()
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

fn token_gas() -> Gas {
    Gas {
        gas_limit: 70_000,
        ..cheap()
    }
}

fn show(tx: &UnsignedTx, wallet: Option<&str>) -> Preview {
    preview(&tx.encode(), wallet.map(a)).unwrap()
}

fn codes(p: &Preview) -> Vec<&'static str> {
    p.warnings.iter().map(|w| w.code()).collect()
}

#[test]
fn eth_transfer() {
    let tx = UnsignedTx::eth_transfer(1, 5, a(BOB), eth(1), cheap());
    let p = show(&tx, Some(WALLET));
    assert_eq!(p.network, "mainnet");
    assert_eq!(p.transfers.len(), 1);
    let t = &p.transfers[0];
    assert_eq!((t.to.as_str(), t.asset.clone()), (BOB, Asset::Native));
    assert_eq!(t.display(), "1 ETH");
    assert_eq!(p.fee.to_string(), "0.00042");
    assert_eq!(p.fee_kind, FeeKind::Maximum);
    assert!(p.warnings.is_empty());
    assert!(p.calls.is_empty());
    for (key, value) in [
        ("chain_id", "1"),
        ("nonce", "5"),
        ("gas_limit", "21000"),
        ("max_fee_per_gas", "20000000000"),
        ("max_priority_fee_per_gas", "1000000000"),
        ("from", WALLET),
        ("to", BOB),
        ("value", "1000000000000000000"),
        ("data_length", "0"),
        ("tx_type", "eip1559"),
    ] {
        assert_eq!(p.details[key], value, "{key}");
    }
    assert_eq!(
        p.details["signing_hash"],
        format!("0x{}", hex::encode(tx.signing_hash()))
    );
    // Without the wallet there is no `from`.
    assert!(!show(&tx, None).details.contains_key("from"));

    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["chain"], "ethereum");
    assert_eq!(json["transfers"][0]["amount"], "1000000000000000000");
    assert_eq!(json["transfers"][0]["asset"], "native");
    assert_eq!(json["transfers"][0]["decimals"], 18);
    assert_eq!(json["fee"], "420000000000000");
    assert_eq!(json["fee_kind"], "maximum");
}

#[test]
fn networks_and_symbols() {
    for (chain_id, name, display) in [
        (11_155_111, "sepolia", "1 ETH"),
        (31_337, "anvil", "1 ETH"),
        (137, "polygon", "1 POL"),
        (999_999, "chain-999999", "1 units"),
    ] {
        let p = show(
            &UnsignedTx::eth_transfer(chain_id, 0, a(BOB), eth(1), cheap()),
            None,
        );
        assert_eq!(p.network, name);
        assert_eq!(p.transfers[0].display(), display);
    }
}

#[test]
fn known_token_transfer() {
    let tx = UnsignedTx::erc20_transfer(
        1,
        0,
        a(USDC),
        a(BOB),
        U256::from(12_500_000u64),
        token_gas(),
    );
    let p = show(&tx, Some(WALLET));
    let t = &p.transfers[0];
    assert_eq!(t.display(), "12.5 USDC");
    assert_eq!(
        t.asset,
        Asset::Token {
            address: USDC.into(),
            symbol: Some("USDC".into())
        }
    );
    assert_eq!(p.calls[0].program, USDC);
    assert_eq!(p.calls[0].args["to"], BOB);
    assert_eq!(p.calls[0].args["amount"], "12500000");
    assert_eq!(p.calls[0].args["amount_display"], "12.5 USDC");
    // No ETH moves, so no "fee above 5%" warning for a token transfer.
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.details["to"], USDC);
    assert_eq!(p.details["data_length"], "68");
}

#[test]
fn unknown_token_shows_base_units() {
    let tx = UnsignedTx::erc20_transfer(
        1,
        0,
        a(UNKNOWN_TOKEN),
        a(BOB),
        U256::from(777u64),
        token_gas(),
    );
    let p = show(&tx, None);
    let t = &p.transfers[0];
    assert!(!t.decimals_known);
    assert_eq!(t.symbol, None);
    assert_eq!(t.display(), "777 base units");
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["transfers"][0]["decimals"], serde_json::Value::Null);
    assert_eq!(json["transfers"][0]["asset"], UNKNOWN_TOKEN);
    // USDC's address on another chain is not USDC.
    let tx =
        UnsignedTx::erc20_transfer(11_155_111, 0, a(USDC), a(BOB), U256::from(1u8), token_gas());
    assert!(!show(&tx, None).transfers[0].decimals_known);
}

#[test]
fn warning_unknown_calldata() {
    let call = |data: Vec<u8>| {
        UnsignedTx::contract_call(1, 0, a(UNKNOWN_TOKEN), U256::ZERO, data, token_gas())
    };
    let p = show(&call(hex::decode("deadbeef00").unwrap()), None);
    assert_eq!(codes(&p), ["unknown_calldata"]);
    assert_eq!(
        p.warnings[0].to_string(),
        format!(
            "unknown_calldata: call to {UNKNOWN_TOKEN} with unknown function selector 0xdeadbeef"
        )
    );
    assert!(p.transfers.is_empty() && p.calls.is_empty());
    let p = show(&call(vec![0xa9, 0x05]), None);
    assert_eq!(
        p.warnings[0].to_string(),
        format!("unknown_calldata: call to {UNKNOWN_TOKEN} with calldata too short to decode")
    );
    // A known selector with arguments too short to decode is not decoded either.
    let data = erc20::transfer(a(BOB), U256::from(1u8));
    let p = show(&call(data[..67].to_vec()), None);
    assert_eq!(codes(&p), ["unusual"]);
    assert!(
        p.warnings[0]
            .to_string()
            .contains("transfer(address,uint256)")
    );
    assert!(p.transfers.is_empty() && p.calls.is_empty());
}

/// USDT (Solidity 0.4.17, ABI coder v1) and every Solidity >= 0.5 token
/// ignore trailing calldata; ABI coder v1 uses the low 20 bytes of an
/// address word. The tokens move, so the preview must show them moving.
#[test]
fn non_canonical_erc20_calldata_is_shown_as_the_token_executes_it() {
    let call = |token: &str, data: Vec<u8>| {
        UnsignedTx::contract_call(1, 0, a(token), U256::ZERO, data, token_gas())
    };
    // transfer with 4 trailing bytes.
    let mut data = erc20::transfer(a(BOB), U256::from(12_500_000u64));
    data.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    let p = show(&call(USDT, data), Some(WALLET));
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, BOB);
    assert_eq!(p.transfers[0].display(), "12.5 USDT");
    assert_eq!(p.calls.len(), 1);
    assert_eq!(p.calls[0].function, "transfer");
    assert_eq!(p.calls[0].args["to"], BOB);
    assert_eq!(codes(&p), ["unusual"]);
    let w = p.warnings[0].to_string();
    assert!(w.contains("transfer(address,uint256)"), "{w}");
    assert!(w.contains("4 extra bytes"), "{w}");
    assert!(w.contains("tokens ignore"), "{w}");

    // transfer whose address word has dirty high bytes: the low 20 bytes receive.
    let mut data = erc20::transfer(a(BOB), U256::from(1_000_000u64));
    data[4..16].copy_from_slice(&[0xff; 12]);
    let p = show(&call(USDT, data), Some(WALLET));
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, BOB);
    assert_eq!(p.transfers[0].display(), "1 USDT");
    assert_eq!(codes(&p), ["unusual"]);
    let w = p.warnings[0].to_string();
    assert!(w.contains("non-canonical address word for `to`"), "{w}");
    assert!(!w.contains("extra bytes"), "{w}");

    // transferFrom out of the wallet, both oddities: a transfer, both named.
    let mut data = erc20::transfer_from(a(WALLET), a(BOB), U256::from(3_000_000u64));
    data[4] = 1;
    data.push(0);
    let p = show(&call(USDC, data), Some(WALLET));
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].display(), "3 USDC");
    assert_eq!(p.calls[0].args["from"], WALLET);
    let w = p.warnings[0].to_string();
    assert!(w.contains("1 extra bytes") && w.contains("`from`"), "{w}");

    // approve with trailing bytes: still an unlimited approval, after the calldata warning.
    let mut data = erc20::approve(a(BOB), U256::MAX);
    data.extend_from_slice(&[0; 32]);
    let p = show(&call(USDC, data), Some(WALLET));
    assert_eq!(codes(&p), ["unusual", "unlimited_approval"]);
    assert!(p.transfers.is_empty());
    assert_eq!(p.calls[0].function, "approve");
}

#[test]
fn fee_warnings_apply_whatever_the_calldata() {
    // 1 000 000 gas at 51 gwei: 0.051 ETH > 0.05 ETH cap.
    let gas = Gas {
        gas_limit: 1_000_000,
        max_fee_per_gas: 51_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    let call =
        |data: Vec<u8>, value: U256| UnsignedTx::contract_call(1, 0, a(USDC), value, data, gas);
    let transfer = erc20::transfer(a(BOB), U256::from(1u8));
    let mut trailing = transfer.clone();
    trailing.push(0);
    for (data, first) in [
        (transfer.clone(), None),
        (trailing, Some("unusual")),
        (transfer[..40].to_vec(), Some("unusual")),
        (vec![1, 2, 3, 4, 5], Some("unknown_calldata")),
        (vec![1], Some("unknown_calldata")),
    ] {
        let p = show(&call(data.clone(), U256::ZERO), None);
        let expected: Vec<&str> = first.into_iter().chain(["fee_above_cap"]).collect();
        assert_eq!(codes(&p), expected, "{}", hex::encode(&data));
        // With a little ETH sent too: the 5% rule as well.
        let p = show(&call(data, U256::from(1u8)), None);
        assert_eq!(codes(&p).last(), Some(&"high_fee"));
        assert!(codes(&p).contains(&"fee_above_cap"));
    }
}

#[test]
fn warning_unlimited_approval() {
    let approve = |amount: U256| {
        UnsignedTx::contract_call(
            1,
            0,
            a(USDC),
            U256::ZERO,
            erc20::approve(a(BOB), amount),
            token_gas(),
        )
    };
    let uint96_max = (U256::from(1u8) << 96) - U256::from(1u8);
    for unlimited in [
        U256::MAX,
        U256::MAX - U256::from(1u8),
        U256::from(u128::MAX) + U256::from(1u8),
        // type(uint128).max, and type(uint96).max (infinite for UNI and COMP).
        U256::from(u128::MAX),
        uint96_max,
    ] {
        let p = show(&approve(unlimited), Some(WALLET));
        assert_eq!(codes(&p), ["unlimited_approval"]);
        assert_eq!(
            p.warnings[0].to_string(),
            format!(
                "unlimited_approval: {BOB} may spend an unlimited amount of token USDC ({USDC})"
            )
        );
        assert!(p.transfers.is_empty(), "an approval moves nothing yet");
        assert_eq!(p.calls[0].function, "approve");
        assert_eq!(p.calls[0].args["spender"], BOB);
    }
    let p = show(&approve(U256::from(5_000_000u64)), Some(WALLET));
    assert!(p.warnings.is_empty());
    assert_eq!(p.calls[0].args["amount_display"], "5 USDC");
    // Just below type(uint96).max is a (huge) limited approval.
    let p = show(&approve(uint96_max - U256::from(1u8)), Some(WALLET));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn transfer_from() {
    let tx = |from: &str| {
        UnsignedTx::contract_call(
            1,
            0,
            a(USDC),
            U256::ZERO,
            erc20::transfer_from(a(from), a(BOB), U256::from(3_000_000u64)),
            token_gas(),
        )
    };
    // Out of the wallet: a transfer.
    let p = show(&tx(WALLET), Some(WALLET));
    assert_eq!(p.transfers[0].display(), "3 USDC");
    assert_eq!(p.calls[0].function, "transferFrom");
    assert_eq!(p.calls[0].args["from"], WALLET);
    // Someone else's tokens under an allowance: the call only.
    let p = show(&tx(UNKNOWN_TOKEN), Some(WALLET));
    assert!(p.transfers.is_empty());
    assert_eq!(p.calls.len(), 1);
    // Wallet unknown: shown as a transfer, to be safe.
    assert_eq!(show(&tx(UNKNOWN_TOKEN), None).transfers.len(), 1);
}

#[test]
fn warning_high_fee_ratio() {
    // Fee 0.00042 ETH; 5% of 0.0084 ETH is exactly that.
    let at_limit =
        UnsignedTx::eth_transfer(1, 0, a(BOB), U256::from(8_400_000_000_000_000u64), cheap());
    assert!(show(&at_limit, None).warnings.is_empty());
    let below =
        UnsignedTx::eth_transfer(1, 0, a(BOB), U256::from(8_399_999_999_999_999u64), cheap());
    let p = show(&below, None);
    assert_eq!(codes(&p), ["high_fee"]);
    assert_eq!(
        p.warnings[0].to_string(),
        "high_fee: the fee (0.00042) is more than 5% of the amount sent (0.008399999999999999)"
    );
}

#[test]
fn warning_fee_above_cap() {
    // 1 000 000 gas at 51 gwei: 0.051 ETH > 0.05 ETH.
    let gas = Gas {
        gas_limit: 1_000_000,
        max_fee_per_gas: 51_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    let p = show(&UnsignedTx::eth_transfer(1, 0, a(BOB), eth(100), gas), None);
    assert_eq!(codes(&p), ["fee_above_cap"]);
    assert_eq!(
        p.warnings[0].to_string(),
        "fee_above_cap: the fee (0.051) is above 0.05"
    );
    // Exactly the cap is fine.
    let gas = Gas {
        max_fee_per_gas: 50_000_000_000,
        ..gas
    };
    assert!(
        show(&UnsignedTx::eth_transfer(1, 0, a(BOB), eth(100), gas), None)
            .warnings
            .is_empty()
    );
    // A huge fee on a tiny amount: both fee warnings.
    let gas = Gas {
        gas_limit: u64::MAX,
        max_fee_per_gas: u128::MAX,
        max_priority_fee_per_gas: 0,
    };
    let p = show(
        &UnsignedTx::eth_transfer(1, 0, a(BOB), U256::from(1u8), gas),
        None,
    );
    assert_eq!(codes(&p), ["fee_above_cap", "high_fee"]);
    assert_eq!(p.fee.units(), U256::from(u64::MAX) * U256::from(u128::MAX));
}

#[test]
fn warning_send_to_self() {
    let p = show(
        &UnsignedTx::eth_transfer(1, 0, a(WALLET), eth(1), cheap()),
        Some(WALLET),
    );
    assert_eq!(codes(&p), ["send_to_self"]);
    assert_eq!(
        p.warnings[0].to_string(),
        format!("send_to_self: sends to the wallet's own address {WALLET}")
    );
    // Tokens too.
    let tx = UnsignedTx::erc20_transfer(1, 0, a(USDC), a(WALLET), U256::from(1u8), token_gas());
    assert_eq!(codes(&show(&tx, Some(WALLET))), ["send_to_self"]);
    // Unknown wallet: nothing to compare with.
    assert!(show(&tx, None).warnings.is_empty());
}

#[test]
fn warning_contract_creation() {
    // A deployment cannot be built with the transfer builders: take the bytes
    // of a transfer and empty the `to` field (0x94 ‖ 20 bytes -> 0x80).
    let wallet = a(WALLET);
    let bytes = UnsignedTx::contract_call(
        31_337,
        0,
        Address::repeat_byte(0xee),
        U256::from(7u8),
        vec![0x60, 0x80, 0x60, 0x40],
        token_gas(),
    )
    .encode();
    let hex_tx = hex::encode(&bytes);
    let to = format!("94{}", "ee".repeat(20));
    let create = hex_tx.replacen(&to, "80", 1);
    let mut create = hex::decode(create).unwrap();
    // Fix the list length (shorter by 20 bytes): short list header 0xc0 + len.
    assert!(create[1] >= 0xc0 && create[1] <= 0xf7);
    create[1] -= 20;
    let p = preview(&create, Some(wallet)).unwrap();
    assert_eq!(codes(&p), ["contract_creation", "high_fee"]);
    assert_eq!(p.details["to"], "(contract creation)");
    // The address a deployment from Anvil's first account at nonce 0 gets.
    let created = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    assert_eq!(p.details["contract_address"], created);
    assert_eq!(p.transfers[0].to, created);
    assert_eq!(p.transfers[0].amount.units(), U256::from(7u8));
    assert!(p.calls.is_empty(), "init code is not calldata");
    assert!(matches!(
        &p.effects[..],
        [Effect::ContractCreation { address: Some(address), .. }, Effect::Transfer(_)]
            if address == created
    ));
    let p = preview(&create, None).unwrap();
    assert_eq!(p.transfers[0].to, "(new contract)");
    assert!(matches!(
        &p.effects[0],
        Effect::ContractCreation { address: None, .. }
    ));
}

#[test]
fn unusual_transactions() {
    // ETH to the zero address.
    let p = show(
        &UnsignedTx::eth_transfer(1, 0, Address::ZERO, eth(1), cheap()),
        None,
    );
    assert_eq!(codes(&p), ["unusual"]);
    assert!(p.warnings[0].to_string().contains("zero address"));
    // Tokens to the token contract.
    let p = show(
        &UnsignedTx::erc20_transfer(1, 0, a(USDC), a(USDC), U256::from(1u8), token_gas()),
        None,
    );
    assert_eq!(codes(&p), ["unusual"]);
    assert!(p.warnings[0].to_string().contains("token contract itself"));
    // A tip above the maximum fee.
    let gas = Gas {
        max_priority_fee_per_gas: cheap().max_fee_per_gas + 1,
        ..cheap()
    };
    let p = show(&UnsignedTx::eth_transfer(1, 0, a(BOB), eth(1), gas), None);
    assert_eq!(codes(&p), ["unusual"]);
    // A zero-value plain transfer is still shown.
    let p = show(
        &UnsignedTx::eth_transfer(1, 0, a(BOB), U256::ZERO, cheap()),
        None,
    );
    assert_eq!(p.transfers[0].display(), "0 ETH");
}

#[test]
fn warnings_most_important_first() {
    // Unknown calldata sent with ETH to self, with a fee above the cap.
    let gas = Gas {
        gas_limit: 10_000_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1,
    };
    let tx = UnsignedTx::contract_call(1, 0, a(WALLET), eth(1), vec![1, 2, 3, 4], gas);
    let p = show(&tx, Some(WALLET));
    assert_eq!(
        codes(&p),
        [
            "unknown_calldata",
            "send_to_self",
            "fee_above_cap",
            "high_fee"
        ]
    );
    assert_eq!(checksummed(&a(WALLET)), WALLET);
}

#[test]
fn refuses_what_is_not_an_unsigned_eip1559_transaction() {
    let bytes = UnsignedTx::eth_transfer(1, 0, a(BOB), eth(1), cheap()).encode();
    let mut legacy = bytes.clone();
    legacy.remove(0);
    for bad in [
        vec![],
        legacy,
        vec![0x01, 0xc0],
        vec![0x02, 0xc0],
        [bytes.clone(), vec![0]].concat(),
    ] {
        let err = preview(&bad, None).unwrap_err();
        assert!(!err.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn preview_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), typed in any::<bool>()) {
        let mut input = bytes;
        if typed {
            input.insert(0, 0x02);
        }
        let _ = preview(&input, None);
        let _ = preview(&input, Some(Address::repeat_byte(1)));
    }

    #[test]
    fn preview_never_panics_on_mutations(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..5),
        wallet in any::<Option<[u8; 20]>>(),
    ) {
        let txs = [
            UnsignedTx::eth_transfer(1, 0, a(BOB), eth(1), cheap()),
            UnsignedTx::erc20_transfer(1, 9, a(USDC), a(BOB), U256::MAX, token_gas()),
            UnsignedTx::contract_call(1, 1, a(USDC), U256::ZERO, erc20::approve(a(BOB), U256::MAX), token_gas()),
            UnsignedTx::contract_call(137, 2, a(USDC), U256::ZERO,
                erc20::transfer_from(a(WALLET), a(BOB), U256::from(1u8)), token_gas()),
        ];
        let mut bytes = txs[which].encode();
        for (at, byte, op) in edits {
            let i = at % (bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        if let Ok(p) = preview(&bytes, wallet.map(Address::from)) {
            // Whatever previews is exactly what gets signed.
            let tx = UnsignedTx::decode(&bytes).unwrap();
            prop_assert_eq!(&p.details["signing_hash"], &format!("0x{}", hex::encode(tx.signing_hash())));
            prop_assert_eq!(tx.encode(), bytes);
            // The transfer effects are the transfers.
            let effects: Vec<_> = p.effects.iter().filter_map(Effect::transfer).collect();
            prop_assert_eq!(effects, p.transfers.iter().collect::<Vec<_>>());
        }
    }

    #[test]
    fn erc20_amounts_survive(amount in any::<[u8; 32]>(), nonce in any::<u64>()) {
        let amount = U256::from_be_bytes(amount);
        let tx = UnsignedTx::erc20_transfer(1, nonce, a(USDC), a(BOB), amount, token_gas());
        let p = preview(&tx.encode(), None).unwrap();
        prop_assert_eq!(p.transfers[0].amount.units(), amount);
    }
}

mod effects;
