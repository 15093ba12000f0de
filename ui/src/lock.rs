//! The lock screen, shown while the store is not unlocked: says why
//! (`#lock-message`, `data-state`), and asks for a passphrase where one
//! opens the store (`#passphrase`, `#passphrase-repeat` for a new store,
//! `#unlock-button`).

use accord_desktop_api::{Lock, Unlock};
use leptos::{prelude::*, task::spawn_local};

use crate::{app::AppStatus, error::Errors, ipc};

/// What the lock screen shows for a state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockView {
    /// `data-state`: the state's name.
    pub state: &'static str,
    /// The message.
    pub message: String,
    /// Whether a passphrase can be typed.
    pub ask_passphrase: bool,
    /// Whether it is asked twice (a new store).
    pub repeat: bool,
}

impl LockView {
    /// What to show for `lock` (`None`: the backend has not answered).
    pub fn of(lock: Option<&Lock>) -> Self {
        let view = |state, message: String, ask_passphrase, repeat| LockView {
            state,
            message,
            ask_passphrase,
            repeat,
        };
        match lock {
            None => view("starting", "Starting…".to_owned(), false, false),
            Some(Lock::Opening) => view(
                "opening",
                "Opening this device's store…".to_owned(),
                false,
                false,
            ),
            Some(Lock::Unlocked) => view("unlocked", "Unlocked.".to_owned(), false, false),
            Some(Lock::KeychainUnavailable {
                reason,
                store_exists,
            }) => {
                let then = if *store_exists {
                    "Enter the passphrase that protects this device's store."
                } else {
                    "You can protect this device's store with a passphrase instead. \
                     It is never stored; without it the store cannot be opened."
                };
                view(
                    "keychain_unavailable",
                    format!("No OS keychain is available: {reason}. {then}"),
                    true,
                    !*store_exists,
                )
            }
            Some(Lock::PassphraseRequired { new_store }) => view(
                "passphrase_required",
                if *new_store {
                    "Choose a passphrase to protect this device's store. \
                     Without it the store cannot be opened."
                        .to_owned()
                } else {
                    "Enter the passphrase that protects this device's store.".to_owned()
                },
                true,
                *new_store,
            ),
            Some(Lock::KeyMissing { reason }) => view(
                "key_missing",
                format!(
                    "The key shares on this device cannot be opened: the keychain entry \
                     holding their key is gone ({reason})."
                ),
                false,
                false,
            ),
            Some(Lock::Failed { error }) => view(
                "failed",
                format!("Opening this device's store failed: {}", error.message),
                false,
                false,
            ),
        }
    }
}

/// The lock screen.
#[component]
pub fn LockScreen() -> impl IntoView {
    let status = AppStatus::get();
    let errors = Errors::get();
    let shown = Memo::new(move |_| status.0.with(|s| LockView::of(s.as_ref().map(|s| &s.lock))));
    let passphrase = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    let unlock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let phrase = passphrase.get_untracked();
        if phrase.is_empty() {
            errors.invalid("Enter the passphrase.");
            return;
        }
        if shown.get_untracked().repeat && phrase != repeat.get_untracked() {
            errors.invalid("The two passphrases differ.");
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let answer = ipc::unlock_with_passphrase(&Unlock { passphrase: phrase }).await;
            passphrase.set(String::new());
            repeat.set(String::new());
            busy.set(false);
            match answer {
                Ok(new) => status.0.set(Some(new)),
                Err(e) => errors.report(e),
            }
        });
    };

    view! {
        <main id="lock" class="lock">
            <h1>"Accord"</h1>
            <p id="lock-message" data-state=move || shown.with(|v| v.state)>
                {move || shown.with(|v| v.message.clone())}
            </p>
            <Show when=move || shown.with(|v| v.ask_passphrase)>
                <form class="unlock" on:submit=unlock>
                    <label for="passphrase">"Passphrase"</label>
                    <input
                        id="passphrase"
                        type="password"
                        autocomplete="current-password"
                        bind:value=passphrase
                    />
                    <Show when=move || shown.with(|v| v.repeat)>
                        <label for="passphrase-repeat">"Repeat the passphrase"</label>
                        <input
                            id="passphrase-repeat"
                            type="password"
                            autocomplete="new-password"
                            bind:value=repeat
                        />
                    </Show>
                    <button id="unlock-button" type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Unlocking…" } else { "Unlock" }}
                    </button>
                </form>
            </Show>
            <Show when=move || {
                shown.with(|v| matches!(v.state, "key_missing" | "failed"))
            }>
                <button
                    id="retry-button"
                    type="button"
                    disabled=move || busy.get()
                    on:click=move |_| {
                        errors.clear();
                        busy.set(true);
                        spawn_local(async move {
                            // `reopen` answers with the status after trying:
                            // unlocked (the app opens) or why not, again.
                            let answer = ipc::reopen().await;
                            busy.set(false);
                            match answer {
                                Ok(new) => status.0.set(Some(new)),
                                Err(e) => errors.report(e),
                            }
                        });
                    }
                >
                    {move || if busy.get() { "Checking…" } else { "Check again" }}
                </button>
            </Show>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keychain_unavailable_says_so_and_offers_a_passphrase() {
        let v = LockView::of(Some(&Lock::KeychainUnavailable {
            reason: "no D-Bus session".to_owned(),
            store_exists: false,
        }));
        assert!(
            v.message
                .starts_with("No OS keychain is available: no D-Bus session")
        );
        assert!(v.ask_passphrase && v.repeat);
    }

    #[test]
    fn passphrase_asked_twice_only_for_new_store() {
        let v = LockView::of(Some(&Lock::PassphraseRequired { new_store: false }));
        assert!(v.ask_passphrase && !v.repeat);
        let v = LockView::of(Some(&Lock::PassphraseRequired { new_store: true }));
        assert!(v.repeat);
    }

    #[test]
    fn key_missing_offers_no_passphrase() {
        let v = LockView::of(Some(&Lock::KeyMissing {
            reason: "entry deleted".to_owned(),
        }));
        assert_eq!(v.state, "key_missing");
        assert!(v.message.contains("keychain entry"));
        assert!(!v.ask_passphrase);
    }
}
