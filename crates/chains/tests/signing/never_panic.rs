//! No bytes, and no mutation of a valid transaction, make `prepare` or
//! `finish` panic.

use super::btc::btc_psbt;
use super::eth::eth_tx;
use super::sol::blockhash;
use super::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prepare_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        prefix in 0usize..4,
        network in prop::sample::select(vec!["mainnet", "testnet", "signet", "regtest", "x"]),
    ) {
        let wallet = Single::new(51);
        let mut input = match prefix {
            0 => Vec::new(),
            1 => b"psbt\xff".to_vec(),
            2 => vec![0x02],
            _ => vec![0x01],
        };
        input.extend(&bytes);
        for chain in Chain::ALL {
            if let Ok(p) = prepare(chain, network, &input, &wallet.public) {
                // Whatever prepares, finishing with junk is an error, not a panic.
                let junk = vec![ThresholdSignature { bytes: [0x11; 64], recovery_id: Some(1) }; p.messages.len()];
                prop_assert!(p.finish(&junk).is_err());
            }
        }
    }

    #[test]
    fn mutated_transactions_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let wallet = Single::new(52);
        let sol = SolTx::sol_transfer(
            &wallet.sol_address(), &Pubkey::new_from_array([3; 32]), 7, blockhash(), None,
        ).unwrap();
        for (chain, mut bytes) in [
            (Chain::Bitcoin, btc_psbt(&wallet).serialize()),
            (Chain::Ethereum, eth_tx(1)),
            (Chain::Solana, sol.wire_bytes()),
        ] {
            for (at, byte) in &edits {
                let i = at % bytes.len();
                bytes[i] = *byte;
            }
            let network = if chain == Chain::Bitcoin { "regtest" } else { "mainnet" };
            if let Ok(p) = prepare(chain, network, &bytes, &wallet.public) {
                let _ = p.finish(&wallet.sign(&p));
            }
        }
    }
}
