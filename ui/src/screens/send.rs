//! Send: the form (`#send-wallet`, `#send-chain`, `#send-to`,
//! `#send-amount`, `#send-token`), the preview (`#send-preview`,
//! `#send-policy`) from `prepare_send`, and only after
//! `#send-confirm-button` the co-signing (`#send-progress`) and the result
//! (`#send-result`: `#send-txid`, `#send-block`) — or, with a note
//! (`#send-note`), `#send-propose-button` proposes it to the wallet's team
//! instead (`#send-proposed`; each member approves on their Approvals
//! screen, and it is signed once a quorum approved). Changing the form
//! drops the preview, so what is confirmed is what was shown.

use accord_desktop_api::{
    DraftRef, ProposalCard, ProposeDraft, SendPreview, SendResult, WalletView,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::Errors,
    format,
    forms::SendForm,
    ipc,
    preview::{Policy, Preview},
    screens::on_shown,
    widgets::{ChainSelect, CopyButton, ProgressList},
};

/// The form's fields.
#[derive(Clone, Copy)]
struct Fields {
    wallet_id: RwSignal<String>,
    chain: RwSignal<String>,
    to: RwSignal<String>,
    amount: RwSignal<String>,
    token: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        Fields {
            wallet_id: RwSignal::new(String::new()),
            chain: RwSignal::new("ethereum".to_owned()),
            to: RwSignal::new(String::new()),
            amount: RwSignal::new(String::new()),
            token: RwSignal::new(String::new()),
        }
    }

    /// The form as typed; tracked when called in a reactive context.
    fn form(self) -> SendForm {
        SendForm {
            wallet_id: self.wallet_id.get(),
            chain: self.chain.get(),
            to: self.to.get(),
            amount: self.amount.get(),
            token: self.token.get(),
        }
    }
}

/// The send screen.
#[component]
pub fn SendScreen(
    /// Whether it is shown.
    active: Memo<bool>,
) -> impl IntoView {
    let errors = Errors::get();
    let fields = Fields::new();
    let wallets = RwSignal::new(Vec::<WalletView>::new());
    let prepared = RwSignal::new(None::<SendPreview>);
    let preparing = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let progress = RwSignal::new(Vec::new());
    let result = RwSignal::new(None::<SendResult>);
    let note = RwSignal::new(String::new());
    let proposed = RwSignal::new(None::<ProposalCard>);

    on_shown(active, move || {
        spawn_local(async move {
            match ipc::wallets().await {
                Ok(list) => {
                    let current = fields.wallet_id.get_untracked();
                    if !list.iter().any(|w| w.id == current)
                        && let Some(first) = list.first()
                    {
                        fields.wallet_id.set(first.id.clone());
                    }
                    wallets.set(list);
                }
                Err(e) => errors.report(e),
            }
        });
    });

    // Any change to the form drops the preview: only what was shown can
    // be confirmed.
    Effect::new(move |_| {
        let _ = fields.form();
        if !sending.get_untracked() {
            prepared.set(None);
        }
    });

    let preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let form = untrack(|| fields.form());
        let request = match form.request() {
            Ok(r) => r,
            Err(message) => return errors.invalid(message),
        };
        preparing.set(true);
        result.set(None);
        proposed.set(None);
        progress.set(Vec::new());
        spawn_local(async move {
            let answer = ipc::prepare_send(&request).await;
            preparing.set(false);
            match answer {
                // Edited while it was being built: that preview is stale.
                Ok(_) if untrack(|| fields.form()) != form => {}
                Ok(p) => prepared.set(Some(p)),
                Err(e) => errors.report(e),
            }
        });
    };

    let confirm = move |_| {
        let Some(draft) = prepared.with_untracked(|p| p.as_ref().map(|p| p.draft.clone())) else {
            return;
        };
        errors.clear();
        sending.set(true);
        progress.set(Vec::new());
        result.set(None);
        spawn_local(async move {
            let answer = ipc::send(&DraftRef { draft }, move |event| {
                progress.update(|list| format::merge_progress(list, event));
            })
            .await;
            sending.set(false);
            // The draft is used up either way.
            prepared.set(None);
            match answer {
                Ok(r) => result.set(Some(r)),
                Err(e) => errors.report(e),
            }
        });
    };

    let propose = move |_| {
        let Some(draft) = prepared.with_untracked(|p| p.as_ref().map(|p| p.draft.clone())) else {
            return;
        };
        errors.clear();
        sending.set(true);
        let request = ProposeDraft {
            draft,
            note: note.get_untracked(),
        };
        spawn_local(async move {
            let answer = ipc::propose_draft(&request).await;
            sending.set(false);
            // The draft is used up either way.
            prepared.set(None);
            match answer {
                Ok(card) => {
                    note.set(String::new());
                    proposed.set(Some(card));
                }
                Err(e) => errors.report(e),
            }
        });
    };

    view! {
        <section id="screen-send" class="screen" hidden=move || !active.get()>
            <h2>"Send"</h2>
            <form class="send-form" on:submit=preview>
                <fieldset disabled=move || sending.get()>
                    <div class="field">
                        <label for="send-wallet">"From wallet"</label>
                        <select
                            id="send-wallet"
                            on:change=move |ev| fields.wallet_id.set(event_target_value(&ev))
                        >
                            <For
                                each=move || wallets.get()
                                key=|w| w.id.clone()
                                children=move |w| {
                                    let id = w.id.clone();
                                    view! {
                                        <option
                                            value=w.id
                                            prop:selected=move || fields.wallet_id.get() == id
                                        >
                                            {format!(
                                                "{} ({}, {})",
                                                w.name,
                                                format::quorum(w.threshold, w.parties),
                                                w.network,
                                            )}
                                        </option>
                                    }
                                }
                            />
                        </select>
                    </div>
                    <div class="field">
                        <label for="send-chain">"Chain"</label>
                        <ChainSelect id="send-chain" value=fields.chain />
                    </div>
                    <div class="field">
                        <label for="send-to">"To"</label>
                        <input id="send-to" type="text" spellcheck="false" bind:value=fields.to />
                    </div>
                    <div class="field">
                        <label for="send-amount">"Amount"</label>
                        <input
                            id="send-amount"
                            type="text"
                            inputmode="decimal"
                            placeholder="0.5"
                            bind:value=fields.amount
                        />
                    </div>
                    <div class="field">
                        <label for="send-token">"Token (optional)"</label>
                        <input
                            id="send-token"
                            type="text"
                            spellcheck="false"
                            placeholder="contract or mint; empty for the native coin"
                            bind:value=fields.token
                        />
                    </div>
                    <button
                        id="send-preview-button"
                        type="submit"
                        disabled=move || preparing.get() || sending.get()
                    >
                        {move || if preparing.get() { "Building…" } else { "Preview" }}
                    </button>
                </fieldset>
            </form>
            {move || {
                prepared
                    .get()
                    .map(|p| {
                        view! {
                            <div id="send-preview" class="panel">
                                <h3>"Check before you sign"</h3>
                                <Preview preview=p.preview fee_id="preview-fee" />
                                <Policy verdict=p.policy id="send-policy" />
                                <div class="field">
                                    <label for="send-note">"Note for the team (when proposing)"</label>
                                    <input
                                        id="send-note"
                                        type="text"
                                        maxlength="1024"
                                        placeholder="what it is for"
                                        bind:value=note
                                    />
                                </div>
                                <div class="actions">
                                    <button
                                        id="send-confirm-button"
                                        type="button"
                                        class="primary"
                                        disabled=move || sending.get()
                                        on:click=confirm
                                    >
                                        {move || if sending.get() { "Signing…" } else { "Confirm and send" }}
                                    </button>
                                    <button
                                        id="send-propose-button"
                                        type="button"
                                        disabled=move || sending.get()
                                        on:click=propose
                                    >
                                        "Propose to the team"
                                    </button>
                                    <button
                                        id="send-cancel"
                                        type="button"
                                        disabled=move || sending.get()
                                        on:click=move |_| prepared.set(None)
                                    >
                                        "Cancel"
                                    </button>
                                </div>
                            </div>
                        }
                    })
            }}
            <Show when=move || sending.get() || progress.with(|p| !p.is_empty())>
                <h3>"Co-signing"</h3>
                <ProgressList id="send-progress" progress=progress />
            </Show>
            {move || result.get().map(|r| view! { <Sent result=r /> })}
            {move || {
                proposed
                    .get()
                    .map(|p| {
                        view! {
                            <div id="send-proposed" class="panel" data-proposal-id=p.id.clone()>
                                <h3>"Proposed to the team"</h3>
                                <p>
                                    {format!(
                                        "{} of {} approvals so far. Each member approves it on their Approvals screen; it is signed as soon as a quorum approved.",
                                        p.approvals,
                                        p.needs,
                                    )}
                                </p>
                            </div>
                        }
                    })
            }}
        </section>
    }
}

/// A sent transaction.
#[component]
fn Sent(result: SendResult) -> impl IntoView {
    let txid = result.txid.clone();
    view! {
        <div id="send-result" class="panel" data-chain=result.chain.clone()>
            <h3>"Sent"</h3>
            <p>
                "Transaction " <code id="send-txid">{result.txid}</code>
                <CopyButton text=txid label="Copy the transaction id" />
            </p>
            <p>"In block " <span id="send-block">{result.block.to_string()}</span></p>
            <p class="signers">"Signed by " {result.signers.join(", ")}</p>
        </div>
    }
}
