//! Solana: the serialized message the wallet's Ed25519 key signs (RFC 8032
//! over the whole message), and the wire transaction once every required
//! signer's slot is filled with a signature that verifies (`verify_strict`).

use base64::Engine as _;
use solana_pubkey::Pubkey;

use super::WalletNetwork as Network;
use super::{
    FinishError, PrepareError, SignatureKind, Signed, ThresholdSignature, WalletPublicKeys,
};
use crate::preview::Preview;
use crate::solana::address::from_public_key;
use crate::solana::preview::preview_tx;
use crate::solana::tx::{AssembleError, UnsignedTx};

/// The wallet's address: its Ed25519 key.
pub(super) fn wallet_address(wallet: &WalletPublicKeys) -> Result<Pubkey, PrepareError> {
    from_public_key(&wallet.ed25519).map_err(PrepareError::SolanaKey)
}

/// The cluster a wallet network previews as: `signet` → `devnet`,
/// `regtest` → `localnet`, the others by their own name.
pub(super) const fn cluster(network: Network) -> &'static str {
    match network {
        Network::Mainnet => "mainnet",
        Network::Testnet => "testnet",
        Network::Signet => "devnet",
        Network::Regtest => "localnet",
    }
}

/// The decoded transaction and the wallet's signer key.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    tx: UnsignedTx,
    signer: Pubkey,
}

/// Decodes, checks that the wallet must sign, previews; one message.
pub(super) fn prepare(
    network: Network,
    unsigned: &[u8],
    wallet: &WalletPublicKeys,
) -> Result<(Preview, Vec<Vec<u8>>, Pending), PrepareError> {
    let signer = wallet_address(wallet)?;
    let tx = UnsignedTx::decode(unsigned).map_err(PrepareError::SolanaDecode)?;
    if !tx.signers().contains(&signer) {
        return Err(PrepareError::NotASigner {
            address: signer.to_string(),
            signers: tx.signers().iter().map(ToString::to_string).collect(),
        });
    }
    let preview =
        preview_tx(&tx, cluster(network), Some(&signer)).map_err(PrepareError::SolanaPreview)?;
    let messages = vec![tx.message_bytes().to_vec()];
    Ok((preview, messages, Pending { tx, signer }))
}

impl Pending {
    /// Places the wallet's signature; every other slot must be filled.
    pub(super) fn finish(&self, signatures: &[ThresholdSignature]) -> Result<Signed, FinishError> {
        let [signature] = signatures else {
            return Err(FinishError::SignatureCount {
                expected: 1,
                got: signatures.len(),
            });
        };
        let tx = self
            .tx
            .with_signature(&self.signer, &signature.bytes)
            .map_err(|e| match e {
                AssembleError::InvalidSignature { .. } => FinishError::InvalidSignature {
                    index: 0,
                    kind: SignatureKind::Ed25519,
                    reason: e.to_string(),
                },
                other => FinishError::Solana(other),
            })?;
        let missing = tx.missing_signers();
        if !missing.is_empty() {
            return Err(FinishError::MissingSigners {
                missing: missing.iter().map(ToString::to_string).collect(),
            });
        }
        // Every slot is filled and verified, so the fee payer's is too.
        let txid = tx
            .transaction_id()
            .ok_or_else(|| FinishError::MissingSigners {
                missing: tx.fee_payer().iter().map(ToString::to_string).collect(),
            })?;
        let raw = tx.wire_bytes();
        Ok(Signed {
            encoded: base64::engine::general_purpose::STANDARD.encode(&raw),
            raw,
            txid,
            psbt: None,
        })
    }
}
