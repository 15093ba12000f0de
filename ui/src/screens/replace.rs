//! "A device is lost" on the Devices screen (`#replace-form`): choose the
//! wallet (`#replace-wallet`) and its lost member (`#replace-lost`), paste
//! the new device's pairing ticket (`#replace-ticket`), and replace
//! (`#replace-button`). While the recovery server's delay runs the result
//! (`#replace-result[data-state=pending]`) says until when and that any
//! member can cancel (`#replace-cancel`); ask again after it. Done: the new
//! device holds the lost one's party and every member is on the next key
//! epoch (`data-state=done`). Progress per member in `#replace-progress`.

use accord_desktop_api::{ProgressEvent, ReplaceDevice, WalletRef, WalletView};
use leptos::{prelude::*, task::spawn_local};

use crate::screens::on_shown;
use crate::widgets::ProgressList;
use crate::{error::Errors, format, ipc};

/// What `#replace-result` says: (state, words); `until`: the end of the
/// delay, shown.
pub fn result_text(
    until: Option<&str>,
    epoch: Option<u64>,
    by: Option<&str>,
) -> (&'static str, String) {
    match (until, epoch) {
        (Some(until), _) => (
            "pending",
            format!(
                "The replacement waits for the recovery server's delay until {until}. Every \
                 member is told and any of them can cancel it meanwhile. Replace again after \
                 that time."
            ),
        ),
        (None, Some(epoch)) => (
            "done",
            format!(
                "Replaced: device {} holds the lost device's part; every member is on key \
                 epoch {epoch}. The lost device is removed from the wallet.",
                format::short_id(by.unwrap_or_default())
            ),
        ),
        _ => ("none", String::new()),
    }
}

/// The form.
#[component]
pub fn ReplaceForm(
    /// Whether the screen is shown (the wallets are read again then).
    active: Memo<bool>,
) -> impl IntoView {
    let errors = Errors::get();
    let wallets = RwSignal::new(Vec::<WalletView>::new());
    let wallet = RwSignal::new(String::new());
    let lost = RwSignal::new(String::new());
    let ticket = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let result = RwSignal::new(("none", String::new()));
    let progress = RwSignal::new(Vec::<ProgressEvent>::new());

    let load = move || {
        spawn_local(async move {
            match ipc::wallets().await {
                Ok(list) => {
                    let keep = list.iter().any(|w| w.id == wallet.get_untracked());
                    if !keep && let Some(first) = list.first() {
                        wallet.set(first.id.clone());
                    }
                    wallets.set(list);
                }
                Err(e) => errors.report(e),
            }
        });
    };
    on_shown(active, load);
    let members = move || {
        wallets.with(|ws| {
            ws.iter()
                .find(|w| w.id == wallet.get())
                .map(|w| {
                    w.members
                        .iter()
                        .filter(|m| !m.this_device)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    let replace = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let request = ReplaceDevice {
            wallet_id: wallet.get_untracked(),
            lost_device_id: lost.get_untracked(),
            ticket: ticket.get_untracked(),
        };
        if request.lost_device_id.is_empty() {
            return errors.invalid("Choose the lost device.");
        }
        busy.set(true);
        progress.set(Vec::new());
        spawn_local(async move {
            let on = move |e| progress.update(|l| format::merge_progress(l, e));
            match ipc::replace_device(&request, on).await {
                Ok(r) => {
                    let until = r.pending_until.map(format::local_time);
                    result.set(result_text(until.as_deref(), r.epoch, r.by.as_deref()));
                }
                Err(e) => errors.report(e),
            }
            busy.set(false);
        });
    };
    let cancel = move |_| {
        let request = WalletRef {
            wallet_id: wallet.get_untracked(),
        };
        spawn_local(async move {
            match ipc::cancel_replacement(&request).await {
                Ok(c) => result.set((
                    "cancelled",
                    format!(
                        "Cancelled; {} member(s) told. A new replacement waits the whole delay again.",
                        c.members_told
                    ),
                )),
                Err(e) => errors.report(e),
            }
        });
    };

    view! {
        <form id="replace-form" on:submit=replace>
            <h3>"A device is lost"</h3>
            <p class="hint">
                "Pair the new device (its ticket below): the other members rebuild the lost \
                 device's part for it and every member's shares are refreshed, so the lost \
                 device's copy stops working. The recovery server takes part only after its \
                 replacement delay, and any member can cancel until then."
            </p>
            <label>
                "Wallet"
                <select
                    id="replace-wallet"
                    on:change=move |ev| {
                        wallet.set(event_target_value(&ev));
                        lost.set(String::new());
                    }
                >
                    {move || {
                        wallets
                            .get()
                            .into_iter()
                            .map(|w| view! { <option value=w.id.clone()>{w.name.clone()}</option> })
                            .collect_view()
                    }}
                </select>
            </label>
            <label>
                "Lost device"
                <select id="replace-lost" on:change=move |ev| lost.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || {
                        members()
                            .into_iter()
                            .map(|m| {
                                let label = format!(
                                    "{} (party {}, {})",
                                    m.name,
                                    m.party,
                                    format::short_id(&m.device_id),
                                );
                                view! { <option value=m.device_id.clone()>{label}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <label>
                "The new device's pairing ticket"
                <textarea
                    id="replace-ticket"
                    rows="2"
                    prop:value=move || ticket.get()
                    on:input=move |ev| ticket.set(event_target_value(&ev))
                ></textarea>
            </label>
            <button id="replace-button" type="submit" disabled=move || busy.get()>
                "Replace"
            </button>
            <button id="replace-cancel" type="button" on:click=cancel>
                "Cancel a waiting replacement"
            </button>
            <ProgressList id="replace-progress" progress=progress />
            <p id="replace-result" data-state=move || result.get().0>
                {move || result.get().1}
            </p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_words() {
        assert_eq!(
            result_text(Some("2026-12-06 10:00:00"), None, None).0,
            "pending"
        );
        let (state, text) = result_text(None, Some(2), Some("abcdef0123456789abcdef"));
        assert_eq!(state, "done");
        assert!(text.contains("key epoch 2"), "{text}");
        assert_eq!(result_text(None, None, None).0, "none");
    }
}
