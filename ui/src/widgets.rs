//! Small pieces used by several screens: a copy button, a progress list,
//! a pairing ticket (text and QR code).

use std::time::Duration;

use accord_desktop_api::{ProgressEvent, TicketView};
use leptos::{prelude::*, task::spawn_local};

use crate::{error::Errors, format, ipc};

/// A `.copy` button that puts `text` on the clipboard.
#[component]
pub fn CopyButton(
    /// What to copy.
    #[prop(into)]
    text: Signal<String>,
    /// What is copied, for screen readers (`Copy the address`).
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let errors = Errors::get();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let text = text.get_untracked();
        spawn_local(async move {
            match ipc::copy_text(&text).await {
                Ok(()) => {
                    copied.set(true);
                    set_timeout(move || copied.set(false), Duration::from_millis(1500));
                }
                Err(e) => errors.report(e),
            }
        });
    };
    view! {
        <button type="button" class="copy" aria-label=label on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

/// A `<select>` of the chains (`bitcoin`, `ethereum`, `solana`) bound to
/// `value`.
#[component]
pub fn ChainSelect(
    /// The select's id.
    id: &'static str,
    /// The chain chosen.
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
            {crate::forms::CHAINS
                .into_iter()
                .map(|c| {
                    view! { <option value=c prop:selected=move || value.get() == c>{c}</option> }
                })
                .collect_view()}
        </select>
    }
}

/// A progress list (`<ul id=..>`): one `li[data-party]` per member with
/// its latest state, `name: state — detail`.
#[component]
pub fn ProgressList(
    /// The list's id.
    #[prop(into)]
    id: String,
    /// The latest event per party, ordered by party.
    progress: RwSignal<Vec<ProgressEvent>>,
) -> impl IntoView {
    view! {
        <ul id=id class="progress" aria-live="polite">
            <For
                each=move || progress.get()
                key=|e| (e.party, e.state, e.detail.clone())
                children=|e| {
                    view! {
                        <li data-party=e.party.to_string() data-state=e.state.name()>
                            {format::progress_line(&e)}
                        </li>
                    }
                }
            />
        </ul>
    }
}

/// This device's pairing ticket: the text in `#{prefix}-text` (with a
/// copy button) and the QR code in `#{prefix}-qr`.
#[component]
pub fn TicketBox(
    /// `own-ticket` or `device-ticket`.
    prefix: &'static str,
    /// The ticket.
    ticket: TicketView,
) -> impl IntoView {
    let text = ticket.text.clone();
    view! {
        <div class="ticket">
            <div class="ticket-row">
                <code id=format!("{prefix}-text") class="ticket-text">
                    {ticket.text}
                </code>
                <CopyButton text=text label="Copy the pairing ticket" />
            </div>
            <div
                id=format!("{prefix}-qr")
                class="qr"
                role="img"
                aria-label="The pairing ticket as a QR code"
                inner_html=ticket.qr_svg
            ></div>
            <p class="hint">"Valid until " {format::local_time(ticket.expires_at)}</p>
        </div>
    }
}
