//! Create a wallet: name, threshold, network, this device's pairing
//! ticket (`#own-ticket-text`, `#own-ticket-qr`) and the other devices'
//! (`#peer-ticket-N`); key generation's progress in `#create-progress`,
//! then the new addresses in `#created-addresses`.

use crate::screens::restore::RestoreForm;
use accord_desktop_api::{TicketView, WalletView};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    app::AppStatus,
    error::Errors,
    format,
    forms::{CreateForm, NETWORKS},
    ipc,
    screens::on_shown,
    widgets::{CopyButton, ProgressList, TicketBox},
};

/// The create screen.
#[component]
pub fn CreateScreen(
    /// Whether it is shown.
    active: Memo<bool>,
) -> impl IntoView {
    let errors = Errors::get();
    let status = AppStatus::get();
    let name = RwSignal::new(String::new());
    let threshold = RwSignal::new("2".to_owned());
    let network = RwSignal::new(NETWORKS[0].to_owned());
    let network_chosen = RwSignal::new(false);
    let peers = RwSignal::new(vec![
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    ]);
    let policy_delay = RwSignal::new("172800".to_owned());
    let ticket = RwSignal::new(None::<TicketView>);
    let busy = RwSignal::new(false);
    let progress = RwSignal::new(Vec::new());
    let created = RwSignal::new(None::<WalletView>);

    let load_ticket = move || {
        spawn_local(async move {
            match ipc::pairing_ticket().await {
                Ok(t) => ticket.set(Some(t)),
                Err(e) => errors.report(e),
            }
        });
    };
    on_shown(active, move || {
        let fresh = ticket.with_untracked(|t| {
            t.as_ref()
                .is_some_and(|t| format::ticket_fresh(t.expires_at, format::now_secs()))
        });
        if !fresh {
            load_ticket();
        }
        if !network_chosen.get_untracked() {
            spawn_local(async move {
                match ipc::settings().await {
                    Ok(s) if !network_chosen.get_untracked() => network.set(s.default_network),
                    Ok(_) => {}
                    Err(e) => errors.report(e),
                }
            });
        }
    });

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let form = CreateForm {
            name: name.get_untracked(),
            threshold: threshold.get_untracked(),
            network: network.get_untracked(),
            tickets: peers.with_untracked(|p| p.iter().map(|t| t.get_untracked()).collect()),
            policy_delay: policy_delay.get_untracked(),
        };
        let request = match form.request() {
            Ok(r) => r,
            Err(message) => return errors.invalid(message),
        };
        busy.set(true);
        progress.set(Vec::new());
        created.set(None);
        spawn_local(async move {
            let answer = ipc::create_wallet(&request, move |event| {
                progress.update(|list| format::merge_progress(list, event));
            })
            .await;
            busy.set(false);
            match answer {
                Ok(wallet) => {
                    created.set(Some(wallet));
                    status.refresh();
                    // The ticket was redeemed: show a new one.
                    load_ticket();
                }
                Err(e) => errors.report(e),
            }
        });
    };

    let add_peer = move |_| peers.update(|p| p.push(RwSignal::new(String::new())));

    view! {
        <section id="screen-create" class="screen" hidden=move || !active.get()>
            <h2>"Create a wallet"</h2>
            <form class="create-form" on:submit=create>
                <div class="field">
                    <label for="create-name">"Name"</label>
                    <input id="create-name" type="text" bind:value=name />
                </div>
                <div class="field">
                    <label for="create-threshold">"Signatures needed"</label>
                    <input id="create-threshold" type="number" min="1" bind:value=threshold />
                </div>
                <div class="field">
                    <label for="create-network">"Network"</label>
                    <select
                        id="create-network"
                        on:change=move |ev| {
                            network_chosen.set(true);
                            network.set(event_target_value(&ev));
                        }
                    >
                        {NETWORKS
                            .into_iter()
                            .map(|n| {
                                view! {
                                    <option value=n prop:selected=move || network.get() == n>
                                        {n}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <fieldset class="tickets">
                    <legend>"This device's pairing ticket"</legend>
                    <p class="hint">"Show it to the other devices (paste or scan)."</p>
                    {move || ticket.get().map(|t| view! { <TicketBox prefix="own-ticket" ticket=t /> })}
                    <button id="refresh-ticket" type="button" on:click=move |_| load_ticket()>
                        "New ticket"
                    </button>
                </fieldset>
                <fieldset class="tickets">
                    <legend>"The other devices' tickets"</legend>
                    <For
                        each=move || peers.get().into_iter().enumerate()
                        key=|(i, _)| *i
                        children=|(i, text)| {
                            let id = format!("peer-ticket-{i}");
                            view! {
                                <div class="field">
                                    <label for=id.clone()>{format!("Device {}", i + 2)}</label>
                                    <input
                                        id=id
                                        type="text"
                                        class="ticket-input"
                                        placeholder="accord1…"
                                        bind:value=text
                                    />
                                </div>
                            }
                        }
                    />
                    <button id="add-peer-ticket" type="button" on:click=add_peer>
                        "Add a device"
                    </button>
                </fieldset>
                <fieldset class="first-policy">
                    <legend>"The wallet's first policy"</legend>
                    <p class="hint">
                        "What the recovery server will co-sign, shown to every device before it \
                         joins: per chain up to 0.01 BTC, 0.1 ETH, 1 SOL per transfer and twice \
                         that per 24 h; more than half of that, or to an address outside the \
                         (empty) address book, waits the delay; no tokens. Change it later on the \
                         Policy screen."
                    </p>
                    <div class="field">
                        <label for="create-policy-delay">
                            "Delay, in seconds (172800 = 48 h): for larger transfers, unknown \
                             recipients and loosening the policy"
                        </label>
                        <input id="create-policy-delay" type="number" min="0" bind:value=policy_delay />
                    </div>
                </fieldset>
                <button id="create-button" type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Creating…" } else { "Create wallet" }}
                </button>
            </form>
            <Show when=move || busy.get() || progress.with(|p| !p.is_empty())>
                <h3>"Key generation"</h3>
                <ProgressList id="create-progress" progress=progress />
            </Show>
            {move || created.get().map(|w| view! { <Created wallet=w /> })}
            <RestoreForm />
        </section>
    }
}

/// The wallet just created and its addresses.
#[component]
fn Created(wallet: WalletView) -> impl IntoView {
    view! {
        <div id="created" class="created">
            <h3>
                {format!(
                    "Wallet “{}” created: {} on {}",
                    wallet.name,
                    format::quorum(wallet.threshold, wallet.parties),
                    wallet.network,
                )}
            </h3>
            <ul id="created-addresses" class="addresses">
                {wallet
                    .addresses
                    .into_iter()
                    .map(|a| {
                        let address = a.address.clone();
                        let chain = a.chain.clone();
                        view! {
                            <li class="address-row" data-chain=chain>
                                <span class="chain">{a.chain}</span>
                                <code class="address">{a.address}</code>
                                <CopyButton text=address label="Copy the address" />
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}
