#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Backups (issue 12): a wallet's part exported and restored into an empty
//! store, every share checked against the group keys; and the decoder on
//! hostile files — truncated, bits flipped, huge or weak key-derivation
//! parameters, the wrong passphrase, a wallet already here — always a
//! typed error, never a panic, and nothing written; a backup made before a
//! refresh is stale afterwards, and refused.

use std::sync::Arc;

use accord_mpc::{KeyShare, Parameters, Scheme, sim};
use accord_node::Vault;
use accord_node::backup::format::{self, BackupError, MAX_HEADER};
use accord_node::backup::{BackupState, RestoreError, verify};
use accord_node::secret::Protector;
use accord_node::session::Role;
use accord_node::store::{
    DeviceStore, EpochStore, Member, NewEpoch, NewWalletOwned, Store, StoreError, WalletState,
    WalletStore,
};
use accord_node::wallet::{Network, WalletRef};
use iroh::{EndpointAddr, SecretKey};
use proptest::prelude::*;
use rand_core::OsRng;
use zeroize::Zeroizing;

const PASSPHRASE: &str = "correct horse battery staple";

fn protector() -> Protector {
    Protector::Key(Zeroizing::new([7; 32]))
}

fn store(dir: &std::path::Path) -> Store {
    Store::open(&dir.join("accord.db"), &protector(), 0).unwrap()
}

/// A store holding wallet `w` (2-of-3, party 1, the three schemes) and
/// this device's identity.
fn with_wallet(dir: &std::path::Path) -> Vault {
    with_wallet_named(dir, &"ab".repeat(16), "w")
}

fn with_wallet_named(dir: &std::path::Path, id: &str, name: &str) -> Vault {
    let shares = group()
        .into_iter()
        .map(|all| all.into_iter().find(|s| s.party().get() == 1).unwrap())
        .collect();
    with_shares(dir, id, name, shares)
}

/// Every party's shares of a 2-of-3 group, one list per scheme.
fn group() -> Vec<Vec<Arc<KeyShare>>> {
    Scheme::ALL
        .iter()
        .map(|&scheme| {
            sim::keygen(scheme, Parameters::new(2, 3).unwrap(), &mut OsRng)
                .unwrap()
                .0
        })
        .collect()
}

fn with_shares(dir: &std::path::Path, id: &str, name: &str, shares: Vec<Arc<KeyShare>>) -> Vault {
    let mut s = store(dir);
    let me = SecretKey::from_bytes(&s.device_secret().unwrap()).public();
    let other = |n: u8| SecretKey::from_bytes(&[n; 32]).public();
    let members = [
        (1, me, "desktop"),
        (2, other(2), "phone"),
        (3, other(3), "recovery"),
    ]
    .into_iter()
    .map(|(party, device, name)| Member {
        party,
        device,
        name: name.into(),
        addr: EndpointAddr::new(device),
        role: name.parse().unwrap_or(Role::Member),
    })
    .collect();
    let new = NewWalletOwned {
        id: id.into(),
        name: name.into(),
        network: Network::Regtest,
        shares: shares.into_iter().collect::<Vec<Arc<_>>>(),
        members,
        session: [1; 32],
        epoch: 0,
        initiator: me,
        policy: None,
        policy_approval: Vec::new(),
    };
    s.store_wallet(&new, WalletState::Active, 1).unwrap();
    Vault::with(s)
}

fn exported() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = with_wallet(dir.path());
    vault
        .export_backup(&WalletRef::name("w"), PASSPHRASE, 5)
        .unwrap()
}

#[test]
fn a_backup_restores_the_same_wallet_and_device_into_an_empty_store() {
    let from = tempfile::tempdir().unwrap();
    let mut vault = with_wallet(from.path());
    let file = vault
        .export_backup(&WalletRef::name("w"), PASSPHRASE, 5)
        .unwrap();
    let original = vault.wallet(&WalletRef::name("w")).unwrap();
    let summary = verify(&file, PASSPHRASE).unwrap();
    assert_eq!(
        (summary.party, summary.epoch, summary.schemes.len()),
        (1, 0, 3)
    );

    let to = tempfile::tempdir().unwrap();
    let mut restored = Vault::with(store(to.path()));
    restored.restore_backup(&file, PASSPHRASE, 10).unwrap();
    let back = restored.wallet(&WalletRef::name("w")).unwrap();
    assert_eq!(back.keys, original.keys);
    assert_eq!(back.addresses, original.addresses);
    assert_eq!(back.members, original.members);
    // The same device: its identity came back.
    let mut a = store(from.path());
    drop(restored);
    let mut b = store(to.path());
    assert_eq!(*a.device_secret().unwrap(), *b.device_secret().unwrap());
    // Every share opens and validates.
    let record = b.wallet("w").unwrap();
    for scheme in Scheme::ALL {
        b.share(&record, scheme).unwrap();
    }
    // Restored twice: refused.
    let mut again = Vault::with(b);
    assert!(matches!(
        again.restore_backup(&file, PASSPHRASE, 11),
        Err(RestoreError::Exists(_))
    ));
}

#[test]
fn another_devices_data_directory_is_refused() {
    let file = exported();
    let dir = tempfile::tempdir().unwrap();
    // Another device's store: its own identity, a wallet relying on it.
    let mut vault = with_wallet_named(dir.path(), &"cd".repeat(16), "other");
    let err = vault.restore_backup(&file, PASSPHRASE, 10).unwrap_err();
    assert!(
        matches!(err, RestoreError::Store(StoreError::OtherDevice)),
        "{err}"
    );
    // Nothing written.
    assert_eq!(vault.wallets().unwrap().len(), 1);
}

#[test]
fn the_wrong_passphrase_and_weak_or_huge_kdf_parameters_are_refused() {
    let file = exported();
    assert!(matches!(
        format::open(&file, "not the passphrase"),
        Err(BackupError::Authentication)
    ));
    assert!(matches!(
        format::open(&file, ""),
        Err(BackupError::EmptyPassphrase)
    ));
    // The header rewritten (its length kept) with other KDF parameters:
    // refused before any derivation, whatever the passphrase.
    let header = format::peek(&file).unwrap();
    for (memory, passes) in [(4 * 1024 * 1024, 3), (1024, 3), (65_536, 1), (65_536, 1000)] {
        let mut h = header.clone();
        h.kdf.memory_kib = memory;
        h.kdf.passes = passes;
        let rewritten = rewrite_header(&file, &h);
        assert!(
            matches!(
                format::open(&rewritten, PASSPHRASE),
                Err(BackupError::Kdf(_))
            ),
            "{memory} KiB, {passes} passes"
        );
    }
    // Any other change of the header: the file does not open.
    let mut h = header.clone();
    h.party = 2;
    assert!(matches!(
        format::open(&rewrite_header(&file, &h), PASSPHRASE),
        Err(BackupError::Authentication)
    ));
}

/// `file` with its header replaced by `header`.
fn rewrite_header(file: &[u8], header: &format::Header) -> Vec<u8> {
    let len = u32::from_be_bytes(file[9..13].try_into().unwrap()) as usize;
    let head = serde_json::to_vec(header).unwrap();
    assert!(head.len() <= MAX_HEADER);
    let mut out = file[..9].to_vec();
    out.extend_from_slice(&u32::try_from(head.len()).unwrap().to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&file[13 + len..]);
    out
}

#[test]
fn truncated_files_say_so() {
    let file = exported();
    for cut in [0, 5, 8, 9, 12, 13, 100, file.len() / 2, file.len() - 1] {
        let err = format::open(&file[..cut], PASSPHRASE).unwrap_err();
        assert!(
            matches!(
                err,
                BackupError::Truncated | BackupError::NotABackup | BackupError::Header(_)
            ),
            "cut at {cut}: {err}"
        );
    }
    assert!(matches!(
        format::open(&file[..file.len() - 1], PASSPHRASE),
        Err(BackupError::Truncated)
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A flipped byte anywhere, or bytes cut or appended: a typed error,
    /// never a panic, never a backup that opens; and a restore of it
    /// writes nothing.
    #[test]
    fn mutated_files_never_open(at in any::<prop::sample::Index>(), bit in 0u8..8, tail in prop::collection::vec(any::<u8>(), 0..4)) {
        let file = FILE.with(Clone::clone);
        let mut bad = file.clone();
        let i = at.index(bad.len());
        bad[i] ^= 1 << bit;
        bad.extend_from_slice(&tail);
        prop_assert!(format::open(&bad, PASSPHRASE).is_err());
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::with(store(dir.path()));
        prop_assert!(vault.restore_backup(&bad, PASSPHRASE, 1).is_err());
        prop_assert!(vault.wallets().unwrap().is_empty());
    }

    /// Random bytes behind the magic: a typed error, never a panic.
    #[test]
    fn random_files_are_refused(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut file = b"ACCORDBK\x01".to_vec();
        file.extend_from_slice(&body);
        prop_assert!(format::open(&file, PASSPHRASE).is_err());
        prop_assert!(format::open(&body, PASSPHRASE).is_err());
    }
}

thread_local! {
    static FILE: Vec<u8> = exported();
}

#[test]
fn a_backup_that_opens_but_does_not_hold_together_is_refused() {
    let file = exported();
    let (header, secrets) = format::open(&file, PASSPHRASE).unwrap();
    let reseal = |h: &format::Header, s: &format::Secrets| {
        format::seal(h, s, PASSPHRASE, &mut OsRng).unwrap()
    };
    let refused = |f: &[u8]| {
        let err = verify(f, PASSPHRASE).unwrap_err();
        assert!(matches!(err, RestoreError::Inconsistent(_)), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::with(store(dir.path()));
        assert!(vault.restore_backup(f, PASSPHRASE, 1).is_err());
        assert!(vault.wallets().unwrap().is_empty(), "nothing written");
    };
    assert!(verify(&reseal(&header, &secrets), PASSPHRASE).is_ok());
    // Another wallet's group key for a share.
    let mut h = header.clone();
    let taproot = h.group_keys["frost-taproot"].clone();
    h.group_keys.insert("ecdsa".into(), taproot);
    refused(&reseal(&h, &secrets));
    // Another party.
    let mut h = header.clone();
    h.party = 2;
    refused(&reseal(&h, &secrets));
    // Another device's identity.
    let mut h = header.clone();
    h.device = SecretKey::from_bytes(&[9; 32]).public().to_string();
    refused(&reseal(&h, &secrets));
}

#[test]
fn a_backup_made_before_a_refresh_is_stale_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let all = group();
    let mine = |shares: &[Vec<Arc<KeyShare>>]| -> Vec<Arc<KeyShare>> {
        shares
            .iter()
            .map(|list| list.iter().find(|s| s.party().get() == 1).unwrap().clone())
            .collect()
    };
    let id = "cd".repeat(16);
    let mut vault = with_shares(dir.path(), &id, "w", mine(&all));
    let wallet = WalletRef::name("w");
    let file = vault.export_backup(&wallet, PASSPHRASE, 10).unwrap();
    assert_eq!(vault.backup_state(&wallet).unwrap(), BackupState::Current);

    // Every party refreshes; this one stores and switches to its new shares.
    let refreshed: Vec<Vec<Arc<KeyShare>>> = all
        .iter()
        .map(|list| sim::refresh(list, &mut OsRng).unwrap().0)
        .collect();
    drop(vault);
    let mut s = store(dir.path());
    let me = SecretKey::from_bytes(&s.device_secret().unwrap()).public();
    let new = NewEpoch {
        wallet: id.clone(),
        epoch: 1,
        session: [3; 32],
        initiator: me,
        shares: mine(&refreshed),
        replace: None,
    };
    s.store_epoch(&new, 20).unwrap();
    s.commit_epoch(&id, &[3; 32], 21).unwrap();
    let mut vault = Vault::with(s);

    assert_eq!(vault.backup_state(&wallet).unwrap(), BackupState::Stale);
    let err = vault.restore_backup(&file, PASSPHRASE, 30).unwrap_err();
    assert!(
        matches!(
            err,
            RestoreError::Stale {
                backup: 0,
                current: 1
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("replace the device"), "{err}");
    // Nothing changed: still epoch 1, still the refreshed share.
    let w = vault.wallet(&wallet).unwrap().wallet;
    assert_eq!(w.epoch, 1);
    // A new backup is current again and of epoch 1.
    let again = vault.export_backup(&wallet, PASSPHRASE, 40).unwrap();
    assert_eq!(vault.backup_state(&wallet).unwrap(), BackupState::Current);
    assert_eq!(verify(&again, PASSPHRASE).unwrap().epoch, 1);
}
