#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! EIP-1559 / EIP-2718 against vectors made by other software:
//!
//! - Ethereum mainnet transaction
//!   `0x0ec0b6a2df4d87424e5f6ad2a654e27aaeb7dac20ae9e8385cc09087ad532ee0`
//!   (its fields, signature, signing hash and sender, as alloy-consensus's
//!   own `eip1559.rs` tests pin them);
//! - the EIP-1559 vectors of ethereumjs (`packages/tx/test/json/eip1559.json`:
//!   fields, private key, signed network RLP), the sender derived here from
//!   the private key with k256 0.13 — not the k256 the library uses;
//! - an unsigned ERC-20 transfer encoded by hand in Python (manual RLP, and
//!   the calldata `cast calldata "transfer(address,uint256)" <to> 1000000`
//!   prints), with its Keccak-256 from pycryptodome.

use accord_chains::ethereum::address::{checksummed, parse};
use accord_chains::ethereum::{Gas, U256, UnsignedTx, preview};
use alloy_primitives::keccak256;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.trim_start_matches("0x")).unwrap()
}

fn h32(s: &str) -> [u8; 32] {
    h(s).try_into().unwrap()
}

#[test]
fn mainnet_transaction() {
    let tx = UnsignedTx::contract_call(
        1,
        0x42,
        parse("0x6069a6c32cf691f5982febae4faf8a6f3ab2f0f6").unwrap(),
        U256::ZERO,
        h(
            "a22cb4650000000000000000000000005eee75727d804a2b13038928d36f8b188945a57a\
             0000000000000000000000000000000000000000000000000000000000000000",
        ),
        Gas {
            gas_limit: 44_386,
            max_fee_per_gas: 0x4a817c800,
            max_priority_fee_per_gas: 0x3b9aca00,
        },
    );
    assert_eq!(
        tx.signing_hash(),
        h32("0d5688ac3897124635b6cf1bc0e29d6dfebceebdc10a54d74f2ef8b56535b682")
    );
    let sender = parse("0xdd6b8b3dc6b7ad97db52f08a275ff4483e024cea").unwrap();
    let signed = tx
        .assemble(
            h32("840cfc572845f5786e702984c2a582528cad4b49b2a10b9db1be7fca90058565"),
            h32("25e7109ceb98168d95b09b18bbf6b685130e0562f233877d492b94eee0c5b6d1"),
            false,
            sender,
        )
        .unwrap();
    assert_eq!(
        signed.hash,
        h32("0ec0b6a2df4d87424e5f6ad2a654e27aaeb7dac20ae9e8385cc09087ad532ee0")
    );
    // The preview of another wallet's bytes: setApprovalForAll is not decoded.
    let p = preview(&tx.encode(), Some(sender)).unwrap();
    assert_eq!(p.network, "mainnet");
    assert_eq!(
        p.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        [
            "unknown_calldata: call to 0x6069a6C32cf691F5982FEbAe4fAf8a6f3AB2F0F6 with unknown function selector 0xa22cb465"
        ]
    );
}

/// `(nonce, value, gas_limit, tip, max_fee, signed network RLP)` from ethereumjs.
const ETHEREUMJS: [(u64, u64, u64, u128, u128, &str); 4] = [
    (
        819,
        43_203_529,
        35_552,
        75_853,
        121_212,
        "b87302f870821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c080a0d067f2167008c59219652f91cbf8788dbca5f771f6e91e2b7657e85b78b472e0a01d305af9fe81fdba43f0dfcd400ed24dcace0a7e30d4e85701dcaaf484cd079e",
    ),
    (
        353,
        61_901_619,
        32_593,
        38_850,
        136_295,
        "b87202f86f821e8e8201618297c283021467827f5194000000000000000000000000000000000000aaaa8403b08b3380c001a004205678f13fc1d7b10feea6513dfa76e24418b6e08097d95c6f93a3b64e536da01d45ad61bfece43862de2cce7d2575a8c1d08c26c87f3cb5f26d7b0be54a91b2",
    ),
    (
        709,
        6_478_043,
        28_335,
        86_252,
        94_636,
        "b87202f86f821e8e8202c5830150ec830171ac826eaf94000000000000000000000000000000000000aaaa8362d8db80c001a09880d133cd636f8c8dce32e2c43494b9f2dc000eee8dc61931e09f866ed04b46a00e44d5c503c7f08b36c8b062c32a963f3dd20a71e95e3d903bfbe7f4da47cd47",
    ),
    (
        119,
        65_456_115,
        62_341,
        24_721,
        107_729,
        "b87002f86d821e8e778260918301a4d182f38594000000000000000000000000000000000000aaaa8403e6c7f380c001a0e38e239770801eb995498c821e55ac9c19ae09184bb27b34be105e02fe3b7615a067c64ca6bd6d9107e85fd581ab2e70a14b637eb36505bb40861ef9d6e800cab6",
    ),
];

#[test]
fn ethereumjs_vectors() {
    use k256_v13::ecdsa::SigningKey;
    let key = SigningKey::from_slice(&h(
        "8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63",
    ))
    .unwrap();
    let point = key.verifying_key().to_encoded_point(false);
    let sender = alloy_primitives::Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..]);
    assert_eq!(
        checksummed(&sender),
        "0xFE3B557E8Fb62b89F4916B721be55cEb828dBd73"
    );
    let aaaa = parse("0x000000000000000000000000000000000000aaaa").unwrap();
    for (nonce, value, gas_limit, tip, max_fee, network_rlp) in ETHEREUMJS {
        let network = h(network_rlp);
        // Network form: an RLP string (0xb8, length) wrapping the EIP-2718 envelope.
        assert_eq!(network[0], 0xb8);
        assert_eq!(usize::from(network[1]), network.len() - 2);
        let envelope = &network[2..];
        // The envelope ends with y_parity (0x80 or 0x01), 0xa0 ‖ r, 0xa0 ‖ s.
        let tail = &envelope[envelope.len() - 67..];
        assert_eq!((tail[1], tail[34]), (0xa0, 0xa0));
        let y_parity = match tail[0] {
            0x80 => false,
            0x01 => true,
            other => panic!("parity byte {other:#x}"),
        };
        let r: [u8; 32] = tail[2..34].try_into().unwrap();
        let s: [u8; 32] = tail[35..67].try_into().unwrap();

        let tx = UnsignedTx::eth_transfer(
            7822,
            nonce,
            aaaa,
            U256::from(value),
            Gas {
                gas_limit,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: tip,
            },
        );
        // Recovering `sender` from (r, s, parity) proves the signing hash is right.
        let signed = tx.assemble(r, s, y_parity, sender).unwrap();
        assert_eq!(signed.raw, envelope, "nonce {nonce}");
        assert_eq!(signed.hash, keccak256(envelope).0);
        // And k256 0.13 verifies (r, s) over our signing hash with the key.
        use k256_v13::ecdsa::signature::hazmat::PrehashVerifier;
        let sig = k256_v13::ecdsa::Signature::from_scalars(r, s).unwrap();
        key.verifying_key()
            .verify_prehash(&tx.signing_hash(), &sig)
            .unwrap();
    }
}

/// An unsigned ERC-20 `transfer` of 1 USDC on mainnet, nonce 42, encoded by
/// hand in Python (not by this crate).
const PY_UNSIGNED: &str = "02f86d012a84773594008509502f900082fde894a0b86991c6218b36c1d19d4a2e9eb0ce3606eb4880b844a9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c800000000000000000000000000000000000000000000000000000000000f4240c0";
/// `cast calldata "transfer(address,uint256)" 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 1000000`.
const CAST_CALLDATA: &str = "a9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c800000000000000000000000000000000000000000000000000000000000f4240";
/// keccak256(PY_UNSIGNED), pycryptodome.
const PY_SIGNING_HASH: &str = "c17d88e60f05dec2fd5f55ea3502dc9fffe13167205c9309c2c7a6ef65ac58de";

#[test]
fn hand_encoded_erc20_transfer() {
    let bytes = h(PY_UNSIGNED);
    assert!(PY_UNSIGNED.contains(CAST_CALLDATA));
    let decoded = UnsignedTx::decode(&bytes).unwrap();
    assert_eq!(decoded.signing_hash(), h32(PY_SIGNING_HASH));

    let usdc = parse("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48").unwrap();
    let to = parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8").unwrap();
    let built = UnsignedTx::erc20_transfer(
        1,
        42,
        usdc,
        to,
        U256::from(1_000_000u64),
        Gas {
            gas_limit: 65_000,
            max_fee_per_gas: 40_000_000_000,
            max_priority_fee_per_gas: 2_000_000_000,
        },
    );
    assert_eq!(built.encode(), bytes);
    assert_eq!(built, decoded);

    let p = preview(&bytes, None).unwrap();
    assert_eq!(p.transfers.len(), 1);
    let t = &p.transfers[0];
    assert_eq!(t.to, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assert_eq!(t.display(), "1 USDC");
    assert_eq!(t.amount.units(), U256::from(1_000_000u64));
    assert!(t.decimals_known);
    assert_eq!(p.calls[0].function, "transfer");
    assert_eq!(p.fee.to_string(), "0.0026");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.details["signing_hash"], format!("0x{PY_SIGNING_HASH}"));
}
