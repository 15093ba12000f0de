//! Signature checks by libraries that did not make the signatures: k256's
//! BIP340 verifier, ed25519-dalek `verify_strict`, k256's ECDSA verification
//! and public-key recovery. Shared by the tests and the `simulate` example.

use accord_mpc::{GroupKey, Signature};

/// Verifies with a library that did not make the signature: k256's BIP340
/// verifier, ed25519-dalek `verify_strict`, k256's ECDSA verify + recovery.
pub fn verify_externally(key: &GroupKey, message: &[u8], signature: &Signature) {
    match (key, signature) {
        (GroupKey::Taproot { output_key, .. }, Signature::Bip340(sig)) => {
            let vk = k256::schnorr::VerifyingKey::from_bytes(output_key.into()).unwrap();
            let sig = k256::schnorr::Signature::try_from(&sig[..]).unwrap();
            vk.verify_raw(message, &sig)
                .expect("BIP340 signature valid for the output key");
        }
        (GroupKey::Ed25519(key), Signature::Ed25519(sig)) => {
            let vk = ed25519_dalek::VerifyingKey::from_bytes(key).unwrap();
            let sig = ed25519_dalek::Signature::from_bytes(sig);
            vk.verify_strict(message, &sig)
                .expect("RFC 8032 signature valid");
        }
        (GroupKey::Secp256k1(key), Signature::Ecdsa { r, s, recovery_id }) => {
            use k256::ecdsa::signature::hazmat::PrehashVerifier;
            use k256::ecdsa::{RecoveryId, VerifyingKey};
            let vk = VerifyingKey::from_sec1_bytes(key).unwrap();
            let sig = k256::ecdsa::Signature::from_slice(&signature.to_bytes()).unwrap();
            assert_eq!(sig.normalize_s(), sig, "s is low");
            assert_eq!(&sig.r().to_bytes()[..], &r[..]);
            assert_eq!(&sig.s().to_bytes()[..], &s[..]);
            vk.verify_prehash(message, &sig)
                .expect("ECDSA signature valid");
            let recid = RecoveryId::from_byte(*recovery_id).expect("recovery id 0..=3");
            let recovered = VerifyingKey::recover_from_prehash(message, &sig, recid).unwrap();
            assert_eq!(recovered, vk, "recovery id recovers the group key");
        }
        other => panic!("signature does not match the key type: {other:?}"),
    }
}
