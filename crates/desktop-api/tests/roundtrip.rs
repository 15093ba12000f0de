//! The JSON both sides exchange: stable names, and decoding never panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use accord_desktop_api::*;
use proptest::prelude::*;

#[test]
fn error_codes_and_lock_states_have_stable_names() {
    let e = ApiError::new(ErrorCode::KeychainUnavailable, "no keychain");
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"code":"keychain_unavailable","message":"no keychain"}"#
    );
    let lock = Lock::PassphraseRequired { new_store: true };
    assert_eq!(
        serde_json::to_string(&lock).unwrap(),
        r#"{"state":"passphrase_required","new_store":true}"#
    );
    assert_eq!(Command::PrepareSend.name(), "prepare_send");
    let names: std::collections::BTreeSet<_> = Command::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(names.len(), Command::ALL.len());
}

#[test]
fn the_passphrase_is_not_in_debug_output() {
    let u = Unlock {
        passphrase: "hunter2".into(),
    };
    assert!(!format!("{u:?}").contains("hunter2"));
}

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<Status>(&bytes);
        let _ = serde_json::from_slice::<ApprovalView>(&bytes);
        let _ = serde_json::from_slice::<Settings>(&bytes);
        let _ = serde_json::from_slice::<ApiError>(&bytes);
    }

    #[test]
    fn send_requests_round_trip(to in ".{0,40}", amount in "[0-9.]{0,12}", token in proptest::option::of("[a-z0-9]{0,10}")) {
        let r = SendRequest { wallet_id: "w".into(), chain: "ethereum".into(), to, amount, token };
        let back: SendRequest = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        prop_assert_eq!(back, r);
    }
}
