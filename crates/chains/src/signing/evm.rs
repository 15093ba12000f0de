//! Ethereum: the EIP-1559 signing hash of an unsigned EIP-2718 payload, a
//! refusal of chain ids of the wrong kind of network (EIP-155; the kinds and
//! names are those of [`crate::ethereum::network`], which the preview uses
//! too), and the signed envelope (low s per EIP-2, recovering to the
//! wallet).

use alloy_primitives::Address;

use super::WalletNetwork as Network;
use super::{
    FinishError, PrepareError, SignatureKind, Signed, ThresholdSignature, WalletPublicKeys,
};
use crate::ethereum::address::from_public_key;
use crate::ethereum::network::{ChainKind, known_chain};
use crate::ethereum::tx::UnsignedTx;
use crate::preview::Preview;

/// The wallet's address: the EIP-55 address of its ECDSA key.
pub(super) fn wallet_address(wallet: &WalletPublicKeys) -> Result<Address, PrepareError> {
    from_public_key(&wallet.ecdsa).map_err(PrepareError::EthereumKey)
}

/// Refuses a known chain ([`KNOWN_CHAINS`](crate::ethereum::network::KNOWN_CHAINS))
/// of the other kind: a test chain for a mainnet wallet, a production chain
/// for any other. Unknown chain ids pass.
fn check_chain(network: Network, chain_id: u64) -> Result<(), PrepareError> {
    let Some(known) = known_chain(chain_id) else {
        return Ok(());
    };
    match (network == Network::Mainnet, known.kind) {
        (true, ChainKind::Test) => Err(PrepareError::TestChainForMainnetWallet {
            chain_id,
            name: known.name.to_owned(),
        }),
        (false, ChainKind::Production) => Err(PrepareError::ProductionChainForTestWallet {
            chain_id,
            name: known.name.to_owned(),
            network: network.name().to_owned(),
        }),
        (true, ChainKind::Production) | (false, ChainKind::Test) => Ok(()),
    }
}

/// The decoded transaction and the address its signature must recover to.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    tx: UnsignedTx,
    from: Address,
}

/// Decodes, checks the chain id, previews; one message, the signing hash.
pub(super) fn prepare(
    network: Network,
    unsigned: &[u8],
    wallet: &WalletPublicKeys,
) -> Result<(Preview, Vec<Vec<u8>>, Pending), PrepareError> {
    let from = wallet_address(wallet)?;
    let tx = UnsignedTx::decode(unsigned).map_err(PrepareError::EthereumDecode)?;
    check_chain(network, tx.fields().chain_id)?;
    let preview =
        crate::ethereum::preview(unsigned, Some(from)).map_err(PrepareError::EthereumPreview)?;
    let messages = vec![tx.signing_hash().to_vec()];
    Ok((preview, messages, Pending { tx, from }))
}

impl Pending {
    /// Attaches the one ECDSA signature `r ‖ s` with its recovery id.
    pub(super) fn finish(&self, signatures: &[ThresholdSignature]) -> Result<Signed, FinishError> {
        let [signature] = signatures else {
            return Err(FinishError::SignatureCount {
                expected: 1,
                got: signatures.len(),
            });
        };
        let recovery_id = match signature.recovery_id {
            Some(id @ 0..=3) => id,
            other => return Err(FinishError::RecoveryId { recovery_id: other }),
        };
        let b = &signature.bytes;
        let r: [u8; 32] = core::array::from_fn(|i| b[i]);
        let s: [u8; 32] = core::array::from_fn(|i| b[32 + i]);
        let signed = self
            .tx
            .assemble(r, s, recovery_id & 1 == 1, self.from)
            .map_err(|e| FinishError::InvalidSignature {
                index: 0,
                kind: SignatureKind::Ecdsa,
                reason: e.to_string(),
            })?;
        Ok(Signed {
            encoded: format!("0x{}", hex::encode(&signed.raw)),
            txid: format!("0x{}", hex::encode(signed.hash)),
            raw: signed.raw,
            psbt: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ethereum::network::{KNOWN_CHAINS, Network as EvmNetwork};

    /// The refusals and the preview read one table: each known chain is
    /// refused for exactly the wallets of the other kind, under the name its
    /// preview shows; unknown chain ids pass.
    #[test]
    fn refusals_and_previews_name_chains_alike() {
        for known in &KNOWN_CHAINS {
            let id = known.chain_id;
            let shown = EvmNetwork::from_chain_id(id).name;
            let on_mainnet = check_chain(Network::Mainnet, id);
            let on_testnet = check_chain(Network::Testnet, id);
            match known.kind {
                ChainKind::Test => {
                    assert!(on_testnet.is_ok(), "{id}");
                    assert!(
                        matches!(on_mainnet, Err(PrepareError::TestChainForMainnetWallet { ref name, .. }) if *name == shown),
                        "{id}: {on_mainnet:?}, shown as {shown}"
                    );
                }
                ChainKind::Production => {
                    assert!(on_mainnet.is_ok(), "{id}");
                    assert!(
                        matches!(on_testnet, Err(PrepareError::ProductionChainForTestWallet { ref name, .. }) if *name == shown),
                        "{id}: {on_testnet:?}, shown as {shown}"
                    );
                }
            }
        }
        for (id, name) in [(56, "bnb-smart-chain"), (43_114, "avalanche-c-chain")] {
            assert_eq!(EvmNetwork::from_chain_id(id).name, name);
            assert!(matches!(
                check_chain(Network::Regtest, id),
                Err(PrepareError::ProductionChainForTestWallet { name: ref n, .. }) if n == name
            ));
        }
        for network in Network::ALL {
            assert!(check_chain(network, 999_999).is_ok());
        }
    }
}
