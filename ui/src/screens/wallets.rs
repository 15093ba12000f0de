//! The wallets: one `.wallet-card[data-wallet-id]` each, with its
//! addresses and balances per chain (`.chain-row[data-chain]`) and its
//! members (`.member[data-device-id][data-online]`). Balances and presence
//! are fetched when the screen is shown and on `#refresh-wallets`.

use accord_desktop_api::{BalanceView, PresenceView, WalletRef, WalletView};
use leptos::{prelude::*, task::spawn_local};

use crate::screens::lifecycle::Lifecycle;
use crate::{error::Errors, format, ipc, screens::on_shown, widgets::CopyButton};

/// The wallets screen.
#[component]
pub fn WalletsScreen(
    /// Whether it is shown.
    active: Memo<bool>,
) -> impl IntoView {
    let errors = Errors::get();
    let wallets = RwSignal::new(None::<Vec<WalletView>>);
    // Bumped on each reload: every card then asks for balances and presence.
    let tick = RwSignal::new(0_u32);

    let load = move || {
        tick.update(|t| *t = t.wrapping_add(1));
        spawn_local(async move {
            match ipc::wallets().await {
                Ok(list) => {
                    if wallets.with_untracked(|old| old.as_ref() != Some(&list)) {
                        wallets.set(Some(list));
                    }
                }
                Err(e) => errors.report(e),
            }
        });
    };
    on_shown(active, load);
    let changed = Callback::new(move |()| load());

    view! {
        <section id="screen-wallets" class="screen" hidden=move || !active.get()>
            <div class="screen-head">
                <h2>"Wallets"</h2>
                <button id="refresh-wallets" type="button" on:click=move |_| load()>
                    "Refresh"
                </button>
            </div>
            <div id="wallet-list">
                {move || match wallets.get() {
                    None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                    Some(list) if list.is_empty() => {
                        view! {
                            <p class="empty">"No wallets yet. Create one with “Create wallet”."</p>
                        }
                            .into_any()
                    }
                    Some(list) => {
                        view! {
                            <For
                                each=move || list.clone()
                                key=|w| (w.id.clone(), w.epoch, w.backup.clone(), w.backup_at)
                                children=move |w| {
                                    view! { <WalletCard wallet=w tick=tick changed=changed /> }
                                }
                            />
                        }
                            .into_any()
                    }
                }}
            </div>
        </section>
    }
}

/// What a balance cell shows.
fn balance_text(balance: Option<&BalanceView>, loaded: bool) -> (String, bool) {
    match balance {
        Some(BalanceView {
            amount: Some(amount),
            ..
        }) => (amount.clone(), false),
        Some(BalanceView {
            error: Some(error), ..
        }) => (error.clone(), true),
        Some(_) => ("unknown".to_owned(), true),
        None if loaded => ("no balance".to_owned(), true),
        None => ("…".to_owned(), false),
    }
}

/// One wallet.
#[component]
fn WalletCard(
    /// The wallet.
    wallet: WalletView,
    /// Reload balances and presence when this changes.
    tick: RwSignal<u32>,
    /// Reloads the wallets (after a backup or refresh).
    changed: Callback<()>,
) -> impl IntoView {
    let errors = Errors::get();
    let balances = RwSignal::new(None::<Vec<BalanceView>>);
    let presence = RwSignal::new(None::<Vec<PresenceView>>);
    let id = wallet.id.clone();
    Effect::new(move |_| {
        tick.track();
        let request = WalletRef {
            wallet_id: id.clone(),
        };
        let request2 = request.clone();
        spawn_local(async move {
            match ipc::balances(&request).await {
                Ok(b) => balances.set(Some(b)),
                Err(e) => errors.report(e),
            }
        });
        // Pings can be slow: not behind the balances.
        spawn_local(async move {
            match ipc::presence(&request2).await {
                Ok(p) => presence.set(Some(p)),
                Err(e) => errors.report(e),
            }
        });
    });

    let lifecycle = view! { <Lifecycle wallet=wallet.clone() changed=changed /> };
    let rows = wallet
        .addresses
        .into_iter()
        .map(|a| {
            let chain = a.chain.clone();
            let address = a.address.clone();
            let balance = move || {
                balances.with(|b| {
                    balance_text(
                        b.as_ref().and_then(|b| b.iter().find(|x| x.chain == chain)),
                        b.is_some(),
                    )
                })
            };
            let balance2 = balance.clone();
            let data_chain = a.chain.clone();
            view! {
                <li class="chain-row" data-chain=data_chain>
                    <span class="chain">{a.chain}</span>
                    <code class="address">{a.address}</code>
                    <CopyButton text=address label="Copy the address" />
                    <span class="balance" class:error=move || balance2().1>
                        {move || balance().0}
                    </span>
                </li>
            }
        })
        .collect_view();

    let members = wallet
        .members
        .into_iter()
        .map(|m| {
            let device = m.device_id.clone();
            let this = m.this_device;
            let online = move || {
                presence.with(|p| {
                    p.as_ref()
                        .and_then(|p| p.iter().find(|x| x.device_id == device))
                        .map(|x| x.online)
                        .or(this.then_some(true))
                })
            };
            let online2 = online.clone();
            view! {
                <li
                    class="member"
                    data-device-id=m.device_id.clone()
                    data-online=move || online().unwrap_or(false).to_string()
                    title=m.device_id.clone()
                >
                    <span class="name">{m.name}</span>
                    {this.then_some(" (this device)")}
                    <span class="presence">
                        {move || match online2() {
                            Some(true) => "online",
                            Some(false) => "offline",
                            None => "checking…",
                        }}
                    </span>
                </li>
            }
        })
        .collect_view();

    view! {
        <article class="wallet-card" data-wallet-id=wallet.id>
            <header>
                <h3 class="wallet-name">{wallet.name}</h3>
                <span class="quorum">{format::quorum(wallet.threshold, wallet.parties)}</span>
                <span class="network">{wallet.network}</span>
            </header>
            <ul class="chains">{rows}</ul>
            <h4>"Members"</h4>
            <ul class="members">{members}</ul>
            {lifecycle}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(amount: Option<&str>, error: Option<&str>) -> BalanceView {
        BalanceView {
            chain: "ethereum".to_owned(),
            amount: amount.map(str::to_owned),
            error: error.map(str::to_owned),
        }
    }

    #[test]
    fn balance_cells() {
        assert_eq!(
            balance_text(Some(&b(Some("1 ETH"), None)), true),
            ("1 ETH".to_owned(), false)
        );
        assert_eq!(
            balance_text(Some(&b(None, Some("no endpoint"))), true),
            ("no endpoint".to_owned(), true)
        );
        assert_eq!(balance_text(None, false).0, "…");
        assert!(balance_text(None, true).1);
    }
}
