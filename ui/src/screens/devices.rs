//! Paired devices (`#device-list`, `.device[data-device-id]`, each with a
//! `.remove` button that asks again before removing), this device's
//! pairing ticket (`#show-ticket-button`), and pairing with another
//! device by its ticket (`#add-device-ticket`, `#add-device-button`).

use accord_desktop_api::{DeviceRef, DeviceView, TicketText, TicketView};
use leptos::{prelude::*, task::spawn_local};

use crate::screens::replace::ReplaceForm;
use crate::{error::Errors, format, ipc, screens::on_shown, widgets::TicketBox};

/// What the online cell says, and `data-online`.
fn online_text(online: Option<bool>) -> (&'static str, &'static str) {
    match online {
        Some(true) => ("online", "true"),
        Some(false) => ("offline", "false"),
        None => ("not asked", "unknown"),
    }
}

/// The devices screen.
#[component]
pub fn DevicesScreen(
    /// Whether it is shown.
    active: Memo<bool>,
) -> impl IntoView {
    let errors = Errors::get();
    let devices = RwSignal::new(None::<Vec<DeviceView>>);
    let ticket = RwSignal::new(None::<TicketView>);
    let new_ticket = RwSignal::new(String::new());
    let adding = RwSignal::new(false);
    let added = RwSignal::new(None::<String>);

    let load = move || {
        spawn_local(async move {
            match ipc::devices().await {
                Ok(list) => devices.set(Some(list)),
                Err(e) => errors.report(e),
            }
        });
    };
    on_shown(active, load);

    let show_ticket = move |_| {
        errors.clear();
        spawn_local(async move {
            match ipc::pairing_ticket().await {
                Ok(t) => ticket.set(Some(t)),
                Err(e) => errors.report(e),
            }
        });
    };

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        added.set(None);
        let text = new_ticket.get_untracked().trim().to_owned();
        if text.is_empty() {
            return errors.invalid("Paste the other device's pairing ticket.");
        }
        adding.set(true);
        spawn_local(async move {
            let answer = ipc::add_device(&TicketText { ticket: text }).await;
            adding.set(false);
            match answer {
                Ok(d) => {
                    new_ticket.set(String::new());
                    added.set(Some(format!("Paired with {}.", d.name)));
                    load();
                }
                Err(e) => errors.report(e),
            }
        });
    };

    view! {
        <section id="screen-devices" class="screen" hidden=move || !active.get()>
            <h2>"Devices"</h2>
            <ul id="device-list">
                {move || match devices.get() {
                    None => view! { <li class="loading">"Loading…"</li> }.into_any(),
                    Some(list) if list.is_empty() => {
                        view! { <li class="empty">"No device is paired yet."</li> }.into_any()
                    }
                    Some(list) => {
                        list.into_iter()
                            .map(|d| view! { <Device device=d reload=load /> })
                            .collect_view()
                            .into_any()
                    }
                }}
            </ul>
            <h3>"This device's ticket"</h3>
            <button id="show-ticket-button" type="button" on:click=show_ticket>
                "Show pairing ticket"
            </button>
            {move || ticket.get().map(|t| view! { <TicketBox prefix="device-ticket" ticket=t /> })}
            <h3>"Pair with another device"</h3>
            <form class="add-device" on:submit=add>
                <label for="add-device-ticket">"Its pairing ticket"</label>
                <input
                    id="add-device-ticket"
                    type="text"
                    class="ticket-input"
                    placeholder="accord1…"
                    bind:value=new_ticket
                />
                <button id="add-device-button" type="submit" disabled=move || adding.get()>
                    {move || if adding.get() { "Pairing…" } else { "Pair" }}
                </button>
            </form>
            <p id="add-device-result" aria-live="polite">{move || added.get()}</p>
            <ReplaceForm active=active />
        </section>
    }
}

/// One paired device.
#[component]
fn Device(
    /// The device.
    device: DeviceView,
    /// Reloads the list.
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let errors = Errors::get();
    let asking = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let id = device.device_id.clone();
    let remove = move |_| {
        errors.clear();
        busy.set(true);
        let request = DeviceRef {
            device_id: id.clone(),
        };
        spawn_local(async move {
            let answer = ipc::remove_device(&request).await;
            busy.set(false);
            asking.set(false);
            match answer {
                Ok(()) => reload(),
                Err(e) => errors.report(e),
            }
        });
    };
    let (online, data_online) = online_text(device.online);
    let name = device.name.clone();
    view! {
        <li class="device" data-device-id=device.device_id.clone() data-online=data_online>
            <span class="name">{device.name}</span>
            <code class="device-id" title=device.device_id.clone()>
                {format::short_id(&device.device_id)}
            </code>
            <span class="last-seen">"last seen " {format::maybe_time(device.last_seen)}</span>
            <span class="online">{online}</span>
            <Show
                when=move || asking.get()
                fallback=move || {
                    view! {
                        <button type="button" class="remove" on:click=move |_| asking.set(true)>
                            "Remove"
                        </button>
                    }
                }
            >
                <span class="confirm-remove" role="group">
                    {format!("Remove {name}? It will no longer co-sign with this device. ")}
                    <button
                        type="button"
                        class="remove-confirm danger"
                        disabled=move || busy.get()
                        on:click=remove.clone()
                    >
                        "Remove"
                    </button>
                    <button type="button" class="remove-cancel" on:click=move |_| asking.set(false)>
                        "Keep"
                    </button>
                </span>
            </Show>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_cells() {
        assert_eq!(online_text(Some(true)), ("online", "true"));
        assert_eq!(online_text(Some(false)).1, "false");
        assert_eq!(online_text(None).1, "unknown");
    }
}
