//! Key epochs in the store: a refresh's shares are stored beside the ones
//! in use and unusable until committed; commit switches in one transaction
//! (the old shares gone, the epoch moved on) and is idempotent; drop leaves
//! the wallet as it was; shares of another party or group key, or of an
//! epoch that is not the next, are refused; a pending epoch survives a
//! restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use accord_mpc::{KeyShare, Parameters, Scheme, sim};
use accord_node::secret::Protector;
use accord_node::session::Role;
use accord_node::store::{
    EpochStore, KeygenOutcome, Member, NewEpoch, NewWalletOwned, Store, StoreError, WalletState,
    WalletStore,
};
use accord_node::wallet::Network;
use iroh::{EndpointAddr, SecretKey};
use rand_core::OsRng;

const WALLET: &str = "00112233445566778899aabbccddeeff";

fn id(n: u8) -> iroh::EndpointId {
    SecretKey::from_bytes(&[n; 32]).public()
}

/// Two parties' Ed25519 shares, and the same refreshed.
fn shares() -> (Vec<Arc<KeyShare>>, Vec<Arc<KeyShare>>) {
    let params = Parameters::new(2, 2).unwrap();
    let (old, _) = sim::keygen(Scheme::FrostEd25519, params, &mut OsRng).unwrap();
    let (new, _) = sim::refresh(&old, &mut OsRng).unwrap();
    (old, new)
}

fn store_with(share: &Arc<KeyShare>) -> Store {
    let mut store = Store::in_memory(&Protector::Key(zeroize::Zeroizing::new([7; 32])), 1).unwrap();
    let new = NewWalletOwned {
        id: WALLET.into(),
        name: "w".into(),
        network: Network::Regtest,
        shares: vec![share.clone()],
        members: [1u8, 2]
            .iter()
            .map(|&p| Member {
                party: p,
                device: id(p),
                name: format!("m{p}"),
                addr: EndpointAddr::new(id(p)),
                role: Role::Member,
            })
            .collect(),
        session: [9; 32],
        epoch: 0,
        initiator: id(1),
        policy: None,
        policy_approval: Vec::new(),
    };
    store.store_wallet(&new, WalletState::Active, 1).unwrap();
    store
}

fn epoch(shares: Vec<Arc<KeyShare>>, epoch: u64, session: u8) -> NewEpoch {
    NewEpoch {
        wallet: WALLET.into(),
        epoch,
        session: [session; 32],
        initiator: id(1),
        shares,
        replace: None,
    }
}

fn secret(store: &Store) -> Vec<u8> {
    let w = store.wallet_by_id(WALLET).unwrap();
    store
        .share(&w, Scheme::FrostEd25519)
        .unwrap()
        .to_bytes()
        .unwrap()
        .to_vec()
}

#[test]
fn a_refresh_is_stored_beside_the_shares_in_use_then_switched_to_or_dropped() {
    let (old, new) = shares();
    let mut store = store_with(&old[0]);
    let before = secret(&store);

    // Refused: another party's share, another key, not the next epoch.
    let other = shares().0;
    for (bad, e) in [
        (vec![new[1].clone()], 1),
        (vec![other[0].clone()], 1),
        (vec![new[0].clone()], 2),
    ] {
        assert!(matches!(
            store.store_epoch(&epoch(bad, e, 5), 2),
            Err(StoreError::Mismatched(_))
        ));
    }
    assert!(store.pending_epochs().unwrap().is_empty());

    // Stored: unusable, the wallet unchanged.
    store
        .store_epoch(&epoch(vec![new[0].clone()], 1, 5), 2)
        .unwrap();
    assert_eq!(secret(&store), before);
    assert_eq!(store.wallet_by_id(WALLET).unwrap().epoch, 0);
    let pending = store.pending_epochs().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].epoch, pending[0].initiator), (1, id(1)));
    assert_eq!(
        store.epoch_outcome(&[5; 32]).unwrap(),
        KeygenOutcome::Pending
    );

    // Dropped by another session's id: nothing happens; by its own: gone.
    store.drop_epoch(WALLET, &[6; 32], "test", 3).unwrap();
    assert_eq!(store.pending_epochs().unwrap().len(), 1);
    store.drop_epoch(WALLET, &[5; 32], "test", 3).unwrap();
    assert!(store.pending_epochs().unwrap().is_empty());
    assert_eq!(secret(&store), before);
    assert_eq!(
        store.epoch_outcome(&[5; 32]).unwrap(),
        KeygenOutcome::Unknown
    );

    // Stored again, committed: the new share in use, the old one gone.
    store
        .store_epoch(&epoch(vec![new[0].clone()], 1, 7), 4)
        .unwrap();
    assert_eq!(store.commit_epoch(WALLET, &[7; 32], 5).unwrap(), 1);
    let after = secret(&store);
    assert_ne!(after, before);
    assert_eq!(after, new[0].to_bytes().unwrap().to_vec());
    assert_eq!(store.wallet_by_id(WALLET).unwrap().epoch, 1);
    assert!(store.pending_epochs().unwrap().is_empty());
    assert_eq!(
        store.epoch_outcome(&[7; 32]).unwrap(),
        KeygenOutcome::Committed
    );
    // Committing again is done already; another session is unknown.
    assert_eq!(store.commit_epoch(WALLET, &[7; 32], 6).unwrap(), 1);
    assert!(matches!(
        store.commit_epoch(WALLET, &[8; 32], 6),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn a_pending_refresh_survives_a_restart() {
    let (old, new) = shares();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accord.db");
    let protector = Protector::Key(zeroize::Zeroizing::new([7; 32]));
    {
        let mut store = Store::open(&path, &protector, 1).unwrap();
        let new_wallet = NewWalletOwned {
            id: WALLET.into(),
            name: "w".into(),
            network: Network::Regtest,
            shares: vec![old[0].clone()],
            members: vec![],
            session: [9; 32],
            epoch: 0,
            initiator: id(1),
            policy: None,
            policy_approval: Vec::new(),
        };
        store
            .store_wallet(&new_wallet, WalletState::Active, 1)
            .unwrap();
        store
            .store_epoch(&epoch(vec![new[0].clone()], 1, 5), 2)
            .unwrap();
    }
    let mut store = Store::open(&path, &protector, 3).unwrap();
    assert_eq!(store.pending_epochs().unwrap().len(), 1);
    store.commit_epoch(WALLET, &[5; 32], 4).unwrap();
    assert_eq!(secret(&store), new[0].to_bytes().unwrap().to_vec());
}
