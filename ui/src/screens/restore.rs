//! Restore from a backup, on the first-run (create) screen
//! (`#restore-form`): the file (`#restore-path`, in the home folder unless
//! a full path), its passphrase (`#restore-passphrase`), `#restore-button`.
//! Every share is checked before anything is written; then the app runs as
//! the device of the backup, whose peers recognise it without pairing
//! again. `#restore-result` says what was restored.

use accord_desktop_api::RestoreBackup;
use leptos::{prelude::*, task::spawn_local};

use crate::{error::Errors, ipc};

/// What `#restore-result` says.
pub fn restored_text(wallet: &str, party: u8, epoch: u64) -> String {
    format!(
        "Restored wallet {wallet} (this device is its party {party}, key epoch {epoch}). Its \
         members recognise this device: open Wallets."
    )
}

/// The form.
#[component]
pub fn RestoreForm() -> impl IntoView {
    let errors = Errors::get();
    let path = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<String>);
    let restore = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let request = RestoreBackup {
            path: path.get_untracked(),
            passphrase: passphrase.get_untracked(),
        };
        if request.path.trim().is_empty() {
            return errors.invalid("Choose the backup file.");
        }
        busy.set(true);
        spawn_local(async move {
            match ipc::restore_backup(&request).await {
                Ok(r) => {
                    passphrase.set(String::new());
                    result.set(Some(restored_text(&r.wallet, r.party, r.epoch)));
                }
                Err(e) => errors.report(e),
            }
            busy.set(false);
        });
    };
    view! {
        <form id="restore-form" on:submit=restore>
            <h3>"Or restore from a backup"</h3>
            <label>
                "Backup file (in your home folder unless a full path)"
                <input
                    id="restore-path"
                    type="text"
                    prop:value=move || path.get()
                    on:input=move |ev| path.set(event_target_value(&ev))
                />
            </label>
            <label>
                "Its passphrase"
                <input
                    id="restore-passphrase"
                    type="password"
                    autocomplete="off"
                    prop:value=move || passphrase.get()
                    on:input=move |ev| passphrase.set(event_target_value(&ev))
                />
            </label>
            <button id="restore-button" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Restoring…" } else { "Restore" }}
            </button>
            <p id="restore-result" aria-live="polite">{move || result.get()}</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restored_in_words() {
        let text = restored_text("family", 1, 2);
        assert!(text.contains("family") && text.contains("party 1") && text.contains("epoch 2"));
    }
}
