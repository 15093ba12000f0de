//! Requests from other members (key generation, co-signing): one
//! `.approval[data-approval-id]` each with what it does (the same preview
//! as Send), the policy's verdict, and `.approve` / `.reject` buttons.

use accord_desktop_api::{ApprovalView, Decide};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::Errors,
    format, ipc,
    preview::{Policy, Preview},
    screens::on_shown,
    shell::Nav,
};

/// The approvals screen; the list is the one the navigation polls.
#[component]
pub fn ApprovalsScreen(
    /// Whether it is shown.
    active: Memo<bool>,
) -> impl IntoView {
    let nav = Nav::get();
    on_shown(active, move || nav.poll_approvals());
    view! {
        <section id="screen-approvals" class="screen" hidden=move || !active.get()>
            <h2>"Approvals"</h2>
            <Show when=move || nav.approvals.with(Vec::is_empty)>
                <p class="empty">"Nothing waits for your approval."</p>
            </Show>
            <div id="approval-list">
                <For
                    each=move || nav.approvals.get()
                    key=|a| a.id
                    children=move |a| view! { <Approval approval=a /> }
                />
            </div>
        </section>
    }
}

/// One request.
#[component]
fn Approval(approval: ApprovalView) -> impl IntoView {
    let errors = Errors::get();
    let nav = Nav::get();
    let id = approval.id;
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let decide = move |approve: bool| {
        errors.clear();
        busy.set(true);
        let reason = reason.get_untracked();
        let request = Decide {
            id,
            approve,
            reason: (!approve && !reason.trim().is_empty()).then(|| reason.trim().to_owned()),
        };
        spawn_local(async move {
            let answer = ipc::decide(&request).await;
            busy.set(false);
            match answer {
                Ok(()) => nav.approvals.update(|list| list.retain(|a| a.id != id)),
                Err(e) => errors.report(e),
            }
            nav.poll_approvals();
        });
    };
    let reason_id = format!("reject-reason-{id}");
    let what = if approval.kind == "keygen" {
        "Join a new wallet"
    } else {
        "Co-sign a transaction"
    };
    view! {
        <article class="approval" data-approval-id=id.to_string() data-kind=approval.kind.clone()>
            <header>
                <h3 class="kind">{what}</h3>
                <span class="received">{format::local_time(approval.received_at)}</span>
            </header>
            <p>
                "Wallet " <strong class="wallet">{approval.wallet}</strong> ", asked by "
                <strong class="from">{approval.from}</strong>
            </p>
            <p class="summary">{approval.summary}</p>
            {approval.preview.map(|p| view! { <Preview preview=p /> })}
            {approval.policy.map(|v| view! { <Policy verdict=v /> })}
            <div class="actions">
                <button
                    type="button"
                    class="approve primary"
                    disabled=move || busy.get()
                    on:click=move |_| decide(true)
                >
                    "Approve"
                </button>
                <button
                    type="button"
                    class="reject"
                    disabled=move || busy.get()
                    on:click=move |_| decide(false)
                >
                    "Reject"
                </button>
                <label for=reason_id.clone()>"Reason (optional)"</label>
                <input id=reason_id type="text" class="reject-reason" bind:value=reason />
            </div>
        </article>
    }
}
