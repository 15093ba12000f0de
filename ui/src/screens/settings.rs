//! Settings: this device's name — its person's, shown to the devices it
//! pairs with and to the members of wallets it creates
//! (`#settings-name`) — the default network for new wallets
//! (`#settings-default-network`) and one chain node per chain and network
//! (`.endpoint[data-chain][data-network]`), saved with `#save-settings`
//! (`#settings-saved` confirms).

use accord_desktop_api::{Endpoint, Settings};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    app::AppStatus,
    error::Errors,
    format,
    forms::{CHAINS, NETWORKS},
    ipc,
    screens::on_shown,
};

/// An endpoint row: its chain and network, and the URL as typed.
#[derive(Clone)]
struct Row {
    chain: String,
    network: String,
    url: RwSignal<String>,
}

/// The rows to show: the endpoints `settings` holds, in its order, then
/// an empty one for each chain and network it lacks.
fn rows(settings: &Settings) -> Vec<Endpoint> {
    let mut rows = settings.endpoints.clone();
    for chain in CHAINS {
        for network in NETWORKS {
            if !rows
                .iter()
                .any(|e| e.chain == chain && e.network == network)
            {
                rows.push(Endpoint {
                    chain: chain.to_owned(),
                    network: network.to_owned(),
                    url: String::new(),
                });
            }
        }
    }
    rows
}

/// The settings screen.
#[component]
pub fn SettingsScreen(
    /// Whether it is shown.
    active: Memo<bool>,
) -> impl IntoView {
    let errors = Errors::get();
    let status = AppStatus::get();
    let name = RwSignal::new(String::new());
    let network = RwSignal::new(String::new());
    let endpoints = RwSignal::new(None::<Vec<Row>>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(None::<String>);

    let show = move |settings: Settings| {
        let list = rows(&settings);
        name.set(settings.name);
        network.set(settings.default_network);
        endpoints.set(Some(
            list.into_iter()
                .map(|e| Row {
                    chain: e.chain,
                    network: e.network,
                    url: RwSignal::new(e.url),
                })
                .collect(),
        ));
    };
    on_shown(active, move || {
        saved.set(None);
        spawn_local(async move {
            match ipc::settings().await {
                Ok(s) => show(s),
                Err(e) => errors.report(e),
            }
        });
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        saved.set(None);
        let list: Vec<Endpoint> = endpoints.with_untracked(|rows| {
            rows.iter()
                .flatten()
                .map(|r| Endpoint {
                    chain: r.chain.clone(),
                    network: r.network.clone(),
                    url: r.url.get_untracked().trim().to_owned(),
                })
                .collect()
        });
        let request = Settings {
            name: name.get_untracked().trim().to_owned(),
            default_network: network.get_untracked(),
            endpoints: list,
        };
        saving.set(true);
        spawn_local(async move {
            let answer = ipc::save_settings(&request).await;
            saving.set(false);
            match answer {
                Ok(s) => {
                    show(s);
                    // The header shows this device's name.
                    status.refresh();
                    saved.set(Some(format!(
                        "Saved at {}.",
                        format::local_time(format::now_secs())
                    )));
                }
                Err(e) => errors.report(e),
            }
        });
    };

    view! {
        <section id="screen-settings" class="screen" hidden=move || !active.get()>
            <h2>"Settings"</h2>
            <form class="settings-form" on:submit=save>
                <div class="field">
                    <label for="settings-name">"Your name"</label>
                    <input id="settings-name" type="text" maxlength="64" bind:value=name />
                    <p class="hint">
                        "Shown to the devices you pair with and to the other members of wallets you create: a team knows you by it."
                    </p>
                </div>
                <div class="field">
                    <label for="settings-default-network">"Network for new wallets"</label>
                    <select
                        id="settings-default-network"
                        on:change=move |ev| network.set(event_target_value(&ev))
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
                <fieldset>
                    <legend>"Chain nodes"</legend>
                    <p class="hint">
                        "JSON-RPC URL for Ethereum and Solana, Esplora base URL for Bitcoin; several separated by commas are tried in order; https://, or http:// to this machine or a private network; empty: the network's public endpoints."
                    </p>
                    {move || {
                        endpoints
                            .get()
                            .map(|rows| {
                                rows.into_iter()
                                    .map(|r| {
                                        let id = format!("endpoint-{}-{}", r.chain, r.network);
                                        view! {
                                            <div
                                                class="endpoint field"
                                                data-chain=r.chain.clone()
                                                data-network=r.network.clone()
                                            >
                                                <label for=id.clone()>
                                                    {format!("{} {}", r.chain, r.network)}
                                                </label>
                                                // Text, not `url`: several URLs separated by
                                                // commas are one value (the browser would
                                                // refuse to submit them as a url).
                                                <input
                                                    id=id
                                                    type="text"
                                                    inputmode="url"
                                                    spellcheck="false"
                                                    bind:value=r.url
                                                />
                                            </div>
                                        }
                                    })
                                    .collect_view()
                            })
                    }}
                </fieldset>
                <button id="save-settings" type="submit" class="primary" disabled=move || saving.get()>
                    "Save"
                </button>
                <p id="settings-saved" aria-live="polite">{move || saved.get()}</p>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_order_and_add_missing_pairs() {
        let endpoint = |chain: &str, network: &str, url: &str| Endpoint {
            chain: chain.to_owned(),
            network: network.to_owned(),
            url: url.to_owned(),
        };
        let settings = Settings {
            name: "Dana".to_owned(),
            default_network: "regtest".to_owned(),
            endpoints: vec![
                endpoint("solana", "testnet", "http://sol"),
                endpoint("cosmos", "regtest", "x"),
                endpoint("ethereum", "regtest", "http://127.0.0.1:8545"),
            ],
        };
        let rows = rows(&settings);
        assert_eq!(rows.len(), 13);
        assert_eq!(rows[..3], settings.endpoints[..]);
        assert!(rows.contains(&endpoint("bitcoin", "mainnet", "")));
        assert_eq!(
            rows.iter()
                .filter(|e| e.chain == "solana" && e.network == "testnet")
                .count(),
            1
        );
    }
}
