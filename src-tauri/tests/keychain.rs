//! The wrapping key in a real Secret Service: gnome-keyring-daemon,
//! unlocked, on a private D-Bus session bus that this test starts and
//! stops (`tests/support/desktop_env.rs`).
//!
//! Each step runs in a fresh process (this test binary again, with the
//! bus in its environment), as an app start would: the first creates the
//! store and stores the key in the keychain; the second — a restart —
//! reads the key back and opens the same store (same device id); after
//! the entry is deleted the store cannot be opened and nothing else is
//! tried; without any keychain a new device is told so, and no key is
//! written anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../tests/support/desktop_env.rs"]
#[allow(dead_code)]
mod desktop_env;

use std::path::Path;

use accord_desktop::keychain::SERVICE;
use accord_desktop::unlock::{self, ProtectorRecord};
use accord_desktop_api::Lock;
use desktop_env::Keyring;

const STEP: &str = "ACCORD_KEYCHAIN_STEP";
const DIR: &str = "ACCORD_KEYCHAIN_DIR";

/// Runs step `step` of [`step`] in a child process; its stdout.
fn run_step(step: &str, dir: &Path, env: &[(String, String)]) -> String {
    let mut env = env.to_vec();
    env.push((STEP.into(), step.into()));
    env.push((DIR.into(), dir.display().to_string()));
    desktop_env::run_self("step", &env)
}

fn said(stdout: &str, key: &str) -> String {
    stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {stdout}"))
        .to_owned()
}

#[test]
fn the_wrapping_key_lives_in_the_secret_service() {
    let tmp = tempfile::tempdir().unwrap();
    let keyring = Keyring::start(&tmp.path().join("home"));
    let env = keyring.env();
    let dir = tmp.path().join("desktop");

    let first = run_step("create", &dir, &env);
    let device = said(&first, "device");
    let record: ProtectorRecord =
        serde_json::from_slice(&std::fs::read(dir.join("protector.json")).unwrap()).unwrap();
    assert!(matches!(record, ProtectorRecord::Keychain { .. }));
    // The key is not in any file of the data directory.
    let key = said(&first, "key");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let key = hex::decode(&key).unwrap();
        assert!(!bytes.windows(32).any(|w| w == key.as_slice()));
    }

    let second = run_step("reopen", &dir, &env);
    assert_eq!(said(&second, "device"), device, "the same store, read back");
    assert_eq!(said(&second, "key"), key);

    keyring.clear(SERVICE);
    let third = run_step("missing", &dir, &env);
    assert!(third.contains("lock=key_missing"), "{third}");

    // No keychain at all (no session bus): a new device is told so.
    let fresh = tmp.path().join("fresh");
    let none = run_step("none", &fresh, &[]);
    assert!(none.contains("lock=keychain_unavailable"), "{none}");
    assert!(!fresh.join("accord.db").exists(), "no store without a key");
    assert!(!fresh.join("protector.json").exists());
}

/// One step, in a child process (does nothing when run directly).
#[test]
fn step() {
    let Ok(step) = std::env::var(STEP) else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var(DIR).unwrap());
    match step.as_str() {
        "create" | "reopen" => {
            let (mut store, record) =
                unlock::open_automatically(&dir).unwrap_or_else(|lock| panic!("{step}: {lock:?}"));
            let ProtectorRecord::Keychain { entry } = &record else {
                panic!("not the keychain: {record:?}")
            };
            let key = accord_desktop::keychain::load(entry).unwrap();
            // The device id (derived from the sealed device secret): the
            // same store opens to the same identity.
            println!("device={}", store.device_id().unwrap());
            println!("key={}", hex::encode(*key));
        }
        "missing" => match unlock::open_automatically(&dir) {
            Err(Lock::KeyMissing { reason }) => {
                assert!(reason.contains("cannot be opened"), "{reason}");
                println!("lock=key_missing");
            }
            other => panic!("expected KeyMissing, got {:?}", other.map(|(_, r)| r)),
        },
        "none" => match unlock::open_automatically(&dir) {
            Err(Lock::KeychainUnavailable { store_exists, .. }) => {
                assert!(!store_exists);
                println!("lock=keychain_unavailable");
            }
            other => panic!(
                "expected KeychainUnavailable, got {:?}",
                other.map(|(_, r)| r)
            ),
        },
        other => panic!("unknown step {other}"),
    }
}
