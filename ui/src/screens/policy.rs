//! The wallet's policy (`#policy-wallet` chooses the wallet): the version
//! in force in words (`#policy-active`), its address book
//! (`#policy-book`), pending changes with who signed them and the delay's
//! countdown (`#policy-pending`, `li.pending-version[data-version]` with
//! `.approve` and `.cancel`), transfers the policy delays
//! (`#policy-delayed`, `li.delayed-transfer[data-id]` with
//! `.cancel-transfer`), and a change proposed here (`#policy-propose`).
//! Reloaded every 2 s while shown, so a member's approval, a delay running
//! out and a cancel show up by themselves.

use std::time::Duration;

use accord_desktop_api::{
    PolicyScreen, PolicyStatement, PolicyVersionView, TransferRef, WalletRef, WalletView,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::Errors, format, forms::PolicyForm, ipc, screens::on_shown, widgets::ChainSelect,
};

/// The propose form's fields.
#[derive(Clone, Copy)]
struct Fields {
    chain: RwSignal<String>,
    chain_id: RwSignal<String>,
    max_per_tx: RwSignal<String>,
    max_per_window: RwSignal<String>,
    window: RwSignal<String>,
    delay_over: RwSignal<String>,
    recipients: RwSignal<String>,
    allow_address: RwSignal<String>,
    allow_name: RwSignal<String>,
    delay: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        let s = || RwSignal::new(String::new());
        Fields {
            chain: RwSignal::new("ethereum".to_owned()),
            chain_id: s(),
            max_per_tx: s(),
            max_per_window: s(),
            window: s(),
            delay_over: s(),
            recipients: s(),
            allow_address: s(),
            allow_name: s(),
            delay: s(),
        }
    }

    fn form(self, wallet_id: String) -> PolicyForm {
        PolicyForm {
            wallet_id,
            chain: self.chain.get_untracked(),
            chain_id: self.chain_id.get_untracked(),
            max_per_tx: self.max_per_tx.get_untracked(),
            max_per_window: self.max_per_window.get_untracked(),
            window: self.window.get_untracked(),
            delay_over: self.delay_over.get_untracked(),
            recipients: self.recipients.get_untracked(),
            allow_address: self.allow_address.get_untracked(),
            allow_name: self.allow_name.get_untracked(),
            delay: self.delay.get_untracked(),
        }
    }

    fn clear(self) {
        for f in [
            self.max_per_tx,
            self.max_per_window,
            self.window,
            self.delay_over,
            self.recipients,
            self.allow_address,
            self.allow_name,
            self.delay,
        ] {
            f.set(String::new());
        }
    }
}

/// The policy screen.
#[component]
pub fn PolicyScreen(
    /// Whether it is shown.
    active: Memo<bool>,
) -> impl IntoView {
    let errors = Errors::get();
    let wallets = RwSignal::new(Vec::<WalletView>::new());
    let wallet_id = RwSignal::new(String::new());
    let policy = RwSignal::new(None::<PolicyScreen>);
    let now = RwSignal::new(format::now_secs().max(0).unsigned_abs());
    let fields = Fields::new();
    let proposing = RwSignal::new(false);
    let proposed = RwSignal::new(None::<String>);

    let load = move || {
        let id = wallet_id.get_untracked();
        if id.is_empty() {
            return;
        }
        spawn_local(async move {
            match ipc::policy(&WalletRef {
                wallet_id: id.clone(),
            })
            .await
            {
                Ok(p) if wallet_id.get_untracked() == id => {
                    if fields.chain_id.get_untracked().is_empty()
                        && let Some(first) = p.evm_chain_ids.first()
                    {
                        fields.chain_id.set(first.to_string());
                    }
                    if policy.with_untracked(|old| old.as_ref() != Some(&p)) {
                        policy.set(Some(p));
                    }
                }
                Ok(_) => {}
                Err(e) => errors.report(e),
            }
        });
    };
    on_shown(active, move || {
        spawn_local(async move {
            match ipc::wallets().await {
                Ok(list) => {
                    let current = wallet_id.get_untracked();
                    if !list.iter().any(|w| w.id == current)
                        && let Some(first) = list.first()
                    {
                        wallet_id.set(first.id.clone());
                    }
                    wallets.set(list);
                    load();
                }
                Err(e) => errors.report(e),
            }
        });
    });
    let tick = move || {
        now.set(format::now_secs().max(0).unsigned_abs());
        if active.get_untracked() && now.get_untracked().is_multiple_of(2) {
            load();
        }
    };
    match set_interval_with_handle(tick, Duration::from_secs(1)) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(_) => errors.invalid("Cannot start the policy timer."),
    }

    let propose = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        proposed.set(None);
        let request = match fields.form(wallet_id.get_untracked()).request() {
            Ok(r) => r,
            Err(message) => return errors.invalid(message),
        };
        proposing.set(true);
        spawn_local(async move {
            let answer = ipc::propose_policy(&request).await;
            proposing.set(false);
            match answer {
                Ok(v) => {
                    proposed.set(Some(standing_text(&v, now.get_untracked())));
                    fields.clear();
                    load();
                }
                Err(e) => errors.report(e),
            }
        });
    };

    view! {
        <section id="screen-policy" class="screen" hidden=move || !active.get()>
            <h2>"Policy"</h2>
            <div class="field">
                <label for="policy-wallet">"Wallet"</label>
                <select
                    id="policy-wallet"
                    on:change=move |ev| {
                        wallet_id.set(event_target_value(&ev));
                        policy.set(None);
                        load();
                    }
                >
                    {move || {
                        wallets
                            .get()
                            .into_iter()
                            .map(|w| {
                                let id = w.id.clone();
                                view! {
                                    <option
                                        value=w.id.clone()
                                        prop:selected=move || wallet_id.get() == id
                                    >
                                        {w.name}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
            {move || match policy.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(p) => view! { <Current policy=p now=now reload=load /> }.into_any(),
            }}
            <h3>"Propose a change"</h3>
            <p class="hint">
                "Tightening takes effect at once. Loosening needs the approval of enough of \
                 the wallet's own devices, then waits out the current delay; any member can \
                 cancel it meanwhile. Amounts are in the chain's coin."
            </p>
            <ProposeForm fields=fields busy=proposing on_submit=propose />
            <p id="propose-result" aria-live="polite">{move || proposed.get()}</p>
        </section>
    }
}

/// The version in force, the book, the pending versions, the delayed
/// transfers.
#[component]
fn Current(
    policy: PolicyScreen,
    now: RwSignal<u64>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let wallet_id = policy.wallet_id.clone();
    let active = match policy.active {
        None => view! {
            <div id="policy-active" data-version="0">
                <p class="empty">
                    "No policy is in force for this wallet: the recovery server signs nothing."
                </p>
            </div>
        }
        .into_any(),
        Some(v) => view! {
            <div id="policy-active" data-version=v.version.to_string()>
                <h3>{format!("In force: version {}", v.version)}</h3>
                <Rules rules=v.rules.clone() />
                <p class="approved-by">"Approved by " {v.approved_by.join(", ")}</p>
            </div>
        }
        .into_any(),
    };
    let book = if policy.book.is_empty() {
        view! { <li class="empty">"The address book is empty."</li> }.into_any()
    } else {
        policy
            .book
            .into_iter()
            .map(|e| {
                let chain = e.chain.clone();
                view! {
                    <li class="book-entry" data-chain=chain>
                        <span class="name">{e.name}</span>
                        <span class="chain">{e.chain}</span>
                        <code class="address">{e.address}</code>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    let w = wallet_id.clone();
    let no_pending = policy.pending.is_empty();
    let no_delayed = policy.delayed.is_empty();
    let pending = policy
        .pending
        .into_iter()
        .map(|v| view! { <Pending wallet_id=w.clone() version=v now=now reload=reload /> })
        .collect_view();
    let delayed = policy
        .delayed
        .into_iter()
        .map(|d| {
            let (errors, w, id) = (Errors::get(), wallet_id.clone(), d.id.clone());
            let cancelled = !d.cancelled_by.is_empty();
            let cancel = move |_| {
                errors.clear();
                let request = TransferRef {
                    wallet_id: w.clone(),
                    id: id.clone(),
                };
                spawn_local(async move {
                    match ipc::cancel_transfer(&request).await {
                        Ok(()) => reload(),
                        Err(e) => errors.report(e),
                    }
                });
            };
            let state = if cancelled {
                format!("cancelled by {}", d.cancelled_by.join(", "))
            } else {
                "waiting".to_owned()
            };
            let at = d.eligible_at;
            let (data_id, data_state) = (d.id.clone(), state.clone());
            view! {
                <li class="delayed-transfer" data-id=data_id data-state=data_state>
                    <code class="id">{d.id}</code>
                    <span class="summary">{d.summary}</span>
                    <span class="state">{state}</span>
                    <span class="countdown">
                        {move || format!("co-signable {}", format::countdown(at, now.get()))}
                    </span>
                    <Show when=move || !cancelled>
                        <button type="button" class="cancel-transfer danger" on:click=cancel.clone()>
                            "Cancel transfer"
                        </button>
                    </Show>
                </li>
            }
        })
        .collect_view();
    view! {
        {active}
        <h3>"Address book"</h3>
        <ul id="policy-book">{book}</ul>
        <h3>"Pending changes"</h3>
        <ul id="policy-pending">
            {no_pending.then(|| view! { <li class="empty">"No change is pending."</li> })}
            {pending}
        </ul>
        <h3>"Delayed transfers"</h3>
        <ul id="policy-delayed">
            {no_delayed
                .then(|| view! { <li class="empty">"No transfer waits for its delay."</li> })}
            {delayed}
        </ul>
    }
}

#[component]
fn Rules(rules: Vec<String>) -> impl IntoView {
    view! {
        <ul class="rules">
            {rules.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
        </ul>
    }
}

/// Where a version stands, in words.
fn standing_text(v: &PolicyVersionView, now: u64) -> String {
    match v.status.as_str() {
        "active" => format!("Version {} is in force.", v.version),
        "cancelled" => format!(
            "Version {} was cancelled by {}.",
            v.version,
            v.cancelled_by.as_deref().unwrap_or("a member")
        ),
        _ => match v.effective_at {
            Some(at) => format!(
                "Version {}: in force {} unless a member cancels it.",
                v.version,
                format::countdown(at, now)
            ),
            None => format!(
                "Version {}: waits for {} more approval(s).",
                v.version, v.needs
            ),
        },
    }
}

/// A pending (or cancelled) version.
#[component]
fn Pending(
    wallet_id: String,
    version: PolicyVersionView,
    now: RwSignal<u64>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let errors = Errors::get();
    let busy = RwSignal::new(false);
    let (number, hash) = (version.version, version.hash.clone());
    let say = move |statement: &'static str| {
        let request = PolicyStatement {
            wallet_id: wallet_id.clone(),
            version: number,
            hash: hash.clone(),
            statement: statement.to_owned(),
        };
        move |_| {
            errors.clear();
            busy.set(true);
            let request = request.clone();
            spawn_local(async move {
                let answer = ipc::sign_policy(&request).await;
                busy.set(false);
                match answer {
                    Ok(_) => reload(),
                    Err(e) => errors.report(e),
                }
            });
        }
    };
    let pending = version.status == "pending";
    let can_approve = pending && !version.signed_here && version.needs > 0;
    let approve = say("approve");
    let cancel = say("cancel");
    let v = version.clone();
    view! {
        <li
            class="pending-version"
            data-version=version.version.to_string()
            data-status=version.status.clone()
        >
            <p class="standing">{move || standing_text(&v, now.get())}</p>
            {(!version.loosens.is_empty())
                .then(|| {
                    view! {
                        <p class="loosens">"It loosens: " {version.loosens.join("; ")}</p>
                    }
                })}
            <Rules rules=version.rules.clone() />
            <p class="approved-by">"Approved by " {version.approved_by.join(", ")}</p>
            <Show when=move || can_approve>
                <button type="button" class="approve" disabled=move || busy.get() on:click=approve.clone()>
                    "Approve"
                </button>
            </Show>
            <Show when=move || pending>
                <button type="button" class="cancel danger" disabled=move || busy.get() on:click=cancel.clone()>
                    "Cancel change"
                </button>
            </Show>
        </li>
    }
}

/// The propose form.
#[component]
fn ProposeForm(
    fields: Fields,
    busy: RwSignal<bool>,
    on_submit: impl Fn(leptos::ev::SubmitEvent) + 'static,
) -> impl IntoView {
    let input =
        |id: &'static str, label: &'static str, hint: &'static str, value: RwSignal<String>| {
            view! {
                <div class="field">
                    <label for=id>{label}</label>
                    <input id=id type="text" placeholder=hint bind:value=value />
                </div>
            }
        };
    view! {
        <form id="policy-propose" class="propose-form" on:submit=on_submit>
            <div class="field">
                <label for="propose-chain">"Chain"</label>
                <ChainSelect id="propose-chain" value=fields.chain />
            </div>
            <Show when=move || fields.chain.get() == "ethereum">
                {input("propose-chain-id", "Chain id", "1, 31337, …", fields.chain_id)}
            </Show>
            {input("propose-max-per-tx", "Most per transfer", "unchanged", fields.max_per_tx)}
            {input("propose-max-per-window", "Most per window", "unchanged", fields.max_per_window)}
            {input("propose-window", "Window (seconds)", "86400", fields.window)}
            {input("propose-delay-over", "Transfers over this wait the delay", "unchanged", fields.delay_over)}
            <div class="field">
                <label for="propose-recipients">"Recipients"</label>
                <select
                    id="propose-recipients"
                    on:change=move |ev| fields.recipients.set(event_target_value(&ev))
                >
                    {[
                        ("", "unchanged"),
                        ("book-only", "address book only"),
                        ("book-or-delay", "others wait the delay"),
                        ("anyone", "anyone"),
                    ]
                        .into_iter()
                        .map(|(v, label)| {
                            view! {
                                <option value=v prop:selected=move || fields.recipients.get() == v>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            {input("propose-allow-address", "Add to the address book", "address", fields.allow_address)}
            {input("propose-allow-name", "Its name", "name", fields.allow_name)}
            {input("propose-delay", "The wallet's delay (seconds)", "unchanged", fields.delay)}
            <button id="propose-button" type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Proposing…" } else { "Propose" }}
            </button>
        </form>
    }
}
