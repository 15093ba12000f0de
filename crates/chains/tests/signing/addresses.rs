//! The addresses `signing` derives from a wallet's public keys.

use super::*;

#[test]
fn addresses() {
    let wallet = Single::new(41);
    let secp = Secp256k1::verification_only();
    let internal =
        bitcoin::XOnlyPublicKey::from_slice(&wallet.public.taproot_internal.unwrap()).unwrap();
    for (network, btc) in [
        ("mainnet", bitcoin::Network::Bitcoin),
        ("testnet", bitcoin::Network::Testnet),
        ("signet", bitcoin::Network::Signet),
        ("regtest", bitcoin::Network::Regtest),
    ] {
        // rust-bitcoin tweaks the internal key itself.
        let expected = bitcoin::Address::p2tr(&secp, internal, None, btc).to_string();
        assert_eq!(
            wallet.public.address(Chain::Bitcoin, network).unwrap(),
            expected
        );
        assert_eq!(
            wallet.public.address(Chain::Ethereum, network).unwrap(),
            wallet.eth_address().to_checksum(None)
        );
        assert_eq!(
            wallet.public.address(Chain::Solana, network).unwrap(),
            bs58::encode(wallet.ed25519.verifying_key().to_bytes()).into_string()
        );
    }
    assert!(
        wallet
            .public
            .address(Chain::Bitcoin, "mainnet")
            .unwrap()
            .starts_with("bc1p")
    );
    for chain in Chain::ALL {
        assert_eq!(
            wallet.public.address(chain, "mainnet-beta").unwrap_err(),
            PrepareError::UnknownNetwork("mainnet-beta".into())
        );
    }
    let p2tr = ScriptBuf::new_p2tr_tweaked(wallet.btc_keys(Network::Mainnet).output_key);
    assert!(p2tr.is_p2tr());
}
