//! The event log, newest first (`#activity-list`, `.event[data-kind]`),
//! for all wallets or one (`#activity-wallet`).

use accord_desktop_api::{ActivityRequest, EventView, WalletView};
use leptos::{prelude::*, task::spawn_local};

use crate::{error::Errors, format, ipc, screens::on_shown};

/// The events, newest first (the order among equal times kept).
fn newest_first(mut events: Vec<EventView>) -> Vec<EventView> {
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    events
}

/// The activity screen.
#[component]
pub fn ActivityScreen(
    /// Whether it is shown.
    active: Memo<bool>,
) -> impl IntoView {
    let errors = Errors::get();
    let wallets = RwSignal::new(Vec::<WalletView>::new());
    let filter = RwSignal::new(String::new());
    let events = RwSignal::new(None::<Vec<EventView>>);

    let load_events = move || {
        let wallet = filter.get_untracked();
        let request = ActivityRequest {
            wallet_id: (!wallet.is_empty()).then_some(wallet),
        };
        spawn_local(async move {
            match ipc::activity(&request).await {
                Ok(list) => {
                    // Still the filter asked for (not changed meanwhile).
                    if filter.get_untracked() == request.wallet_id.clone().unwrap_or_default() {
                        events.set(Some(newest_first(list)));
                    }
                }
                Err(e) => errors.report(e),
            }
        });
    };
    on_shown(active, move || {
        load_events();
        spawn_local(async move {
            match ipc::wallets().await {
                Ok(list) => wallets.set(list),
                Err(e) => errors.report(e),
            }
        });
    });

    view! {
        <section id="screen-activity" class="screen" hidden=move || !active.get()>
            <div class="screen-head">
                <h2>"Activity"</h2>
                <label for="activity-wallet">"Wallet"</label>
                <select
                    id="activity-wallet"
                    on:change=move |ev| {
                        filter.set(event_target_value(&ev));
                        load_events();
                    }
                >
                    <option value="" prop:selected=move || filter.with(String::is_empty)>
                        "All wallets"
                    </option>
                    <For
                        each=move || wallets.get()
                        key=|w| w.id.clone()
                        children=move |w| {
                            let id = w.id.clone();
                            view! {
                                <option value=w.id prop:selected=move || filter.get() == id>
                                    {w.name}
                                </option>
                            }
                        }
                    />
                </select>
            </div>
            <ol id="activity-list">
                {move || match events.get() {
                    None => view! { <li class="loading">"Loading…"</li> }.into_any(),
                    Some(list) if list.is_empty() => {
                        view! { <li class="empty">"Nothing has happened yet."</li> }.into_any()
                    }
                    Some(list) => {
                        list.into_iter()
                            .map(|e| {
                                let kind = e.kind.clone();
                                view! {
                                    <li class="event" data-kind=kind>
                                        <time class="time">{format::local_time(e.at)}</time>
                                        <span class="kind">{e.kind}</span>
                                        <span class="wallet">{e.wallet.unwrap_or_default()}</span>
                                        <span class="detail">{e.detail}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }
                }}
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: i64, kind: &str) -> EventView {
        EventView {
            at,
            kind: kind.to_owned(),
            detail: String::new(),
            wallet: None,
        }
    }

    #[test]
    fn sorted_newest_first_stably() {
        let sorted = newest_first(vec![ev(1, "a"), ev(3, "b"), ev(2, "c"), ev(3, "d")]);
        let kinds: Vec<&str> = sorted.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["b", "d", "c", "a"]);
    }
}
