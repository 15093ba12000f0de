//! A wallet's lifecycle on its card (`.lifecycle[data-epoch]`): the key
//! epoch of this device's shares; where its backup stands
//! (`.backup-state[data-state=current|stale|none]`, with a warning when it
//! is stale); a backup written to a file under a passphrase (`.backup-*`,
//! with a strength hint); and a refresh of the shares with every member
//! (`.refresh-*`, asked to confirm, progress per member).

use accord_desktop_api::{ExportBackup, ProgressEvent, WalletRef, WalletView};
use leptos::{prelude::*, task::spawn_local};

use crate::widgets::ProgressList;
use crate::{error::Errors, format, ipc};

/// The shortest passphrase the node accepts.
const MIN_PASSPHRASE: usize = 12;

/// A hint of a passphrase's strength: (class, words).
pub fn strength(passphrase: &str) -> (&'static str, &'static str) {
    let len = passphrase.chars().count();
    if len < MIN_PASSPHRASE {
        return ("short", "too short: at least 12 characters");
    }
    let classes = [
        passphrase.chars().any(|c| c.is_lowercase()),
        passphrase.chars().any(|c| c.is_uppercase()),
        passphrase.chars().any(|c| c.is_ascii_digit()),
        passphrase.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    match (len, classes) {
        (20.., 2..) | (16.., 3..) => ("strong", "strong"),
        (16.., _) | (_, 3..) => ("fair", "fair: longer is better (a few random words)"),
        _ => ("weak", "weak: use a few random words"),
    }
}

/// What `.backup-state` says; `at`: when the last backup was made, shown.
pub fn backup_text(state: &str, at: &str) -> String {
    match state {
        "current" => format!("Backed up {at} — current"),
        "stale" => format!(
            "Backup out of date: made {at}, before the shares last changed. It no longer \
             restores this device — make a new one."
        ),
        _ => "No backup of this device's part yet.".to_owned(),
    }
}

/// The lifecycle panel of one wallet; `changed` reloads the wallets.
#[component]
pub fn Lifecycle(
    /// The wallet.
    wallet: WalletView,
    /// Called after a backup or a refresh.
    changed: Callback<()>,
) -> impl IntoView {
    let errors = Errors::get();
    let id = wallet.id.clone();
    let epoch = wallet.epoch;
    let open = RwSignal::new(false);
    let passphrase = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let path = RwSignal::new(format!(
        "accord-{}-epoch{epoch}.accordbackup",
        wallet.name.replace(|c: char| !c.is_alphanumeric(), "-")
    ));
    let written = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hint = move || passphrase.with(|p| strength(p));

    let id2 = id.clone();
    let export = move |_| {
        let (p, p2) = (passphrase.get_untracked(), again.get_untracked());
        if p != p2 {
            written.set(Some("The two passphrases differ.".to_owned()));
            return;
        }
        let request = ExportBackup {
            wallet_id: id2.clone(),
            passphrase: p,
            path: path.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            match ipc::export_backup(&request).await {
                Ok(made) => {
                    passphrase.set(String::new());
                    again.set(String::new());
                    written.set(Some(format!(
                        "Written to {} (key epoch {}). Keep it apart from this device.",
                        made.path, made.epoch
                    )));
                    changed.run(());
                }
                Err(e) => errors.report(e),
            }
            busy.set(false);
        });
    };

    let confirming = RwSignal::new(false);
    let progress = RwSignal::new(Vec::<ProgressEvent>::new());
    let refreshed = RwSignal::new(None::<String>);
    let refresh = move |_| {
        let request = WalletRef {
            wallet_id: id.clone(),
        };
        confirming.set(false);
        busy.set(true);
        progress.set(Vec::new());
        spawn_local(async move {
            let on = move |e| progress.update(|l| format::merge_progress(l, e));
            match ipc::refresh_wallet(&request, on).await {
                Ok(w) => {
                    refreshed.set(Some(format!(
                        "Refreshed: every member is on key epoch {}. Backups made before no \
                         longer work: make a new one.",
                        w.epoch
                    )));
                    changed.run(());
                }
                Err(e) => errors.report(e),
            }
            busy.set(false);
        });
    };

    let state = wallet.backup.clone();
    let state_text = backup_text(&wallet.backup, &format::maybe_time(wallet.backup_at));
    let progress_id = format!("refresh-progress-{}", wallet.id);
    view! {
        <section class="lifecycle" data-epoch=epoch.to_string()>
            <h4>"Keys and backup"</h4>
            <p class="epoch">{format!("Key epoch {epoch}")}</p>
            <p class="backup-state" data-state=state.clone() class:warning=state == "stale">
                {state_text}
            </p>
            <button
                class="backup-open"
                type="button"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Back up this device's part…"
            </button>
            <div class="backup-form" hidden=move || !open.get()>
                <label>
                    "Passphrase"
                    <input
                        class="backup-passphrase"
                        type="password"
                        autocomplete="new-password"
                        prop:value=move || passphrase.get()
                        on:input=move |ev| passphrase.set(event_target_value(&ev))
                    />
                </label>
                <span class="backup-strength" data-strength=move || hint().0>
                    {move || hint().1}
                </span>
                <label>
                    "Again"
                    <input
                        class="backup-passphrase2"
                        type="password"
                        autocomplete="new-password"
                        prop:value=move || again.get()
                        on:input=move |ev| again.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "File (in your home folder unless a full path)"
                    <input
                        class="backup-path"
                        type="text"
                        prop:value=move || path.get()
                        on:input=move |ev| path.set(event_target_value(&ev))
                    />
                </label>
                <button
                    class="backup-export"
                    type="button"
                    disabled=move || busy.get() || hint().0 == "short"
                    on:click=export
                >
                    "Write the backup"
                </button>
                <p class="backup-result">{move || written.get()}</p>
            </div>
            <button
                class="refresh-shares"
                type="button"
                disabled=move || busy.get()
                on:click=move |_| confirming.set(true)
            >
                "Refresh the shares…"
            </button>
            <div class="refresh-ask" hidden=move || !confirming.get()>
                <p>
                    "Every member must be online and approve. The keys and addresses stay; \
                     every earlier copy and backup of the shares stops working."
                </p>
                <button class="refresh-confirm" type="button" on:click=refresh>
                    "Refresh now"
                </button>
                <button class="refresh-cancel" type="button" on:click=move |_| confirming.set(false)>
                    "Cancel"
                </button>
            </div>
            <ProgressList id=progress_id progress=progress />
            <p class="refresh-result">{move || refreshed.get()}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_hints() {
        assert_eq!(strength("short").0, "short");
        assert_eq!(strength("abcdefghijkl").0, "weak");
        assert_eq!(strength("abcdefghijklmnop").0, "fair");
        assert_eq!(strength("Abcdefgh1jkl").0, "fair");
        assert_eq!(strength("correct horse battery staple").0, "strong");
    }

    #[test]
    fn backup_states_in_words() {
        assert!(backup_text("stale", "2026-12-06 10:00:00").contains("out of date"));
        assert!(backup_text("current", "never").contains("current"));
        assert!(backup_text("none", "never").contains("No backup"));
    }
}
