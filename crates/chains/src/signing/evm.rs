//! Ethereum: the EIP-1559 signing hash of an unsigned EIP-2718 payload, a
//! refusal of chain ids of the wrong kind of network (EIP-155), and the
//! signed envelope (low s per EIP-2, recovering to the wallet).

use alloy_primitives::Address;

use super::WalletNetwork as Network;
use super::{
    FinishError, PrepareError, SignatureKind, Signed, ThresholdSignature, WalletPublicKeys,
};
use crate::ethereum::address::from_public_key;
use crate::ethereum::tx::UnsignedTx;
use crate::preview::Preview;

/// Test and development chains: refused for a `mainnet` wallet. Includes
/// every test chain `ethereum::network` names.
const TEST_CHAINS: [(u64, &str); 9] = [
    (1_337, "local dev chain"),
    (31_337, "anvil"),
    (11_155_111, "sepolia"),
    (17_000, "holesky"),
    (560_048, "hoodi"),
    (84_532, "base-sepolia"),
    (421_614, "arbitrum-sepolia"),
    (11_155_420, "optimism-sepolia"),
    (80_002, "polygon-amoy"),
];

/// Production chains: refused for any other wallet network. Includes every
/// production chain `ethereum::network` names.
const PRODUCTION_CHAINS: [(u64, &str); 7] = [
    (1, "mainnet"),
    (10, "optimism"),
    (56, "bnb"),
    (137, "polygon"),
    (8_453, "base"),
    (42_161, "arbitrum"),
    (43_114, "avalanche"),
];

/// The wallet's address: the EIP-55 address of its ECDSA key.
pub(super) fn wallet_address(wallet: &WalletPublicKeys) -> Result<Address, PrepareError> {
    from_public_key(&wallet.ecdsa).map_err(PrepareError::EthereumKey)
}

fn name_in(table: &[(u64, &'static str)], chain_id: u64) -> Option<&'static str> {
    table
        .iter()
        .find(|(id, _)| *id == chain_id)
        .map(|(_, name)| *name)
}

/// Refuses a known chain of the other kind; unknown chain ids pass.
fn check_chain(network: Network, chain_id: u64) -> Result<(), PrepareError> {
    if network == Network::Mainnet {
        if let Some(name) = name_in(&TEST_CHAINS, chain_id) {
            return Err(PrepareError::TestChainForMainnetWallet {
                chain_id,
                name: name.to_owned(),
            });
        }
    } else if let Some(name) = name_in(&PRODUCTION_CHAINS, chain_id) {
        return Err(PrepareError::ProductionChainForTestWallet {
            chain_id,
            name: name.to_owned(),
            network: network.name().to_owned(),
        });
    }
    Ok(())
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
        })
    }
}
