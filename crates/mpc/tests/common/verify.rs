//! Signature checks by libraries that did not make the signatures: k256
//! 0.14's BIP340 verifier (frost-secp256k1-tr is built on k256 0.13),
//! ed25519-dalek `verify_strict`, k256 0.13's ECDSA verification and
//! public-key recovery (DKLs23 is built on k256 0.14). Shared by the tests
//! and the `simulate` example.

use accord_mpc::{GroupKey, Signature};

/// Verifies with a library that did not make the signature: k256 0.14's
/// BIP340 verifier, ed25519-dalek `verify_strict`, k256 0.13's ECDSA verify
/// and recovery of the group key from `(r, s, recovery id)`.
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
            // k256 0.13, not DKLs23's own curve stack (k256 0.14).
            use k256_v13::ecdsa::signature::hazmat::PrehashVerifier;
            use k256_v13::ecdsa::{RecoveryId, VerifyingKey};
            let vk = VerifyingKey::from_sec1_bytes(key).unwrap();
            let sig = k256_v13::ecdsa::Signature::from_scalars(*r, *s).expect("r, s in 1..n");
            assert_eq!(sig.to_bytes()[..], signature.to_bytes()[..], "r ‖ s");
            assert!(sig.normalize_s().is_none(), "s is low");
            vk.verify_prehash(message, &sig)
                .expect("ECDSA signature valid");
            let recid = RecoveryId::from_byte(*recovery_id).expect("recovery id 0..=3");
            let recovered = VerifyingKey::recover_from_prehash(message, &sig, recid)
                .expect("a key recovered from (r, s, recovery id)");
            assert_eq!(
                recovered.to_encoded_point(true).as_bytes(),
                &key[..],
                "the recovery id recovers the group key"
            );
            // Not vacuous: a flipped bit of s does not verify, and the other
            // y-parity does not recover the group key.
            let mut flipped = *s;
            flipped[31] ^= 1;
            let flipped = k256_v13::ecdsa::Signature::from_scalars(*r, flipped).unwrap();
            assert!(vk.verify_prehash(message, &flipped).is_err());
            let parity = RecoveryId::from_byte(recovery_id ^ 1).unwrap();
            assert_ne!(
                VerifyingKey::recover_from_prehash(message, &sig, parity).ok(),
                Some(vk)
            );
        }
        other => panic!("signature does not match the key type: {other:?}"),
    }
}
