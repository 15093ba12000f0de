//! Requests from other members (key generation, co-signing): one
//! `.approval[data-approval-id]` each with what it does (the same preview
//! as Send), the policy's verdict, and `.approve` / `.reject` buttons.
//! Below them the team's queue (`#proposal-list`): one
//! `.proposal[data-proposal-id][data-status]` per team proposal with its
//! preview, who proposed it, who approved or rejected it and when,
//! `.approve` / `.reject` while it waits for this user, and the signed
//! transaction (`.signed`, `.txid`) once done.

use accord_desktop_api::{ApprovalView, Decide, ProposalCard, VoteProposal};
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
            <h2>"Team proposals"</h2>
            <Show when=move || nav.proposals.with(Vec::is_empty)>
                <p class="empty">"No team proposals."</p>
            </Show>
            <div id="proposal-list">
                <For
                    each=move || nav.proposals.get()
                    key=|p| (p.id.clone(), p.status.clone(), p.votes.len())
                    children=move |p| view! { <Proposal proposal=p /> }
                />
            </div>
        </section>
    }
}

/// One team proposal.
#[component]
fn Proposal(proposal: ProposalCard) -> impl IntoView {
    let errors = Errors::get();
    let nav = Nav::get();
    let id = proposal.id.clone();
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let vote = {
        let id = id.clone();
        move |approve: bool| {
            errors.clear();
            busy.set(true);
            let reason = reason.get_untracked();
            let request = VoteProposal {
                id: id.clone(),
                approve,
                reason: (!approve && !reason.trim().is_empty()).then(|| reason.trim().to_owned()),
            };
            spawn_local(async move {
                let answer = ipc::vote_proposal(&request).await;
                busy.set(false);
                if let Err(e) = answer {
                    errors.report(e);
                }
                nav.poll_approvals();
            });
        }
    };
    let approve = vote.clone();
    let reason_id = format!("proposal-reason-{}", &id[..16.min(id.len())]);
    let votes = proposal
        .votes
        .iter()
        .map(|v| {
            let what = if v.vote == "approve" {
                "approved"
            } else {
                "rejected"
            };
            let why = if v.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", v.reason)
            };
            view! {
                <li class="vote" data-vote=v.vote.clone()>
                    <strong class="voter">{v.name.clone()}</strong>
                    {format!(" {what} at {}{why}", format::local_time(v.at))}
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <article class="proposal" data-proposal-id=id.clone() data-status=proposal.status.clone()>
            <header>
                <h3 class="kind">{format!("{} transfer", proposal.chain)}</h3>
                <span class="status">{proposal.status.clone()}</span>
            </header>
            <p>
                "Wallet " <strong class="wallet">{proposal.wallet.clone()}</strong>
                ", proposed by " <strong class="proposer">{proposal.proposer.clone()}</strong>
                {format!(" at {}", format::local_time(proposal.created_at))}
            </p>
            {(!proposal.note.is_empty()).then(|| view! { <p class="note">{proposal.note.clone()}</p> })}
            {proposal.proposer_only.then(|| view! {
                <p class="proposer-only">"This device proposes to this wallet without a share: its members approve."</p>
            })}
            <p class="tally">
                {format!("{} of {} approvals · closes {}", proposal.approvals, proposal.needs, format::local_time(proposal.expires_at))}
            </p>
            <ul class="votes">{votes}</ul>
            {proposal.preview.clone().map(|p| view! { <Preview preview=p /> })}
            {proposal.txid.clone().map(|txid| view! {
                <p class="done">"Signed: " <code class="txid">{txid}</code></p>
                <p class="signed-tx"><code class="signed">{proposal.signed.clone().unwrap_or_default()}</code></p>
            })}
            {proposal.waiting.then(|| view! {
                <div class="actions">
                    <button
                        type="button"
                        class="approve primary"
                        disabled=move || busy.get()
                        on:click=move |_| approve(true)
                    >
                        "Approve"
                    </button>
                    <button
                        type="button"
                        class="reject"
                        disabled=move || busy.get()
                        on:click=move |_| vote(false)
                    >
                        "Reject"
                    </button>
                    <label for=reason_id.clone()>"Reason (optional)"</label>
                    <input id=reason_id.clone() type="text" class="reject-reason" bind:value=reason />
                </div>
            })}
        </article>
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
