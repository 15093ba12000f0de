//! The root: asks the backend for its status, shows the lock screen until
//! the store is unlocked, then the app itself. The error banner is above
//! both.

use std::time::Duration;

use accord_desktop_api::{Lock, Status};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    error::{ErrorBanner, Errors},
    ipc,
    lock::LockScreen,
    shell::Shell,
};

/// The backend's status, shared through context; `None` until it answered.
#[derive(Clone, Copy)]
pub struct AppStatus(pub RwSignal<Option<Status>>, Errors);

impl AppStatus {
    /// The status (provided by [`App`]).
    pub fn get() -> Self {
        use_context::<AppStatus>().unwrap_or_else(|| AppStatus(RwSignal::new(None), Errors::get()))
    }

    /// Asks the backend again.
    pub fn refresh(self) {
        let errors = self.1;
        spawn_local(async move {
            match ipc::status().await {
                Ok(status) => {
                    if self.0.with_untracked(|s| s.as_ref() != Some(&status)) {
                        self.0.set(Some(status));
                    }
                }
                Err(e) => errors.report(e),
            }
        });
    }
}

/// Whether the lock screen should poll (the store is still opening, or
/// the backend has not answered yet).
fn opening(status: Option<&Status>) -> bool {
    status.is_none_or(|s| s.lock == Lock::Opening)
}

/// The app.
#[component]
pub fn App() -> impl IntoView {
    let errors = Errors::provide();
    let status = AppStatus(RwSignal::new(None), errors);
    provide_context(status);
    status.refresh();

    // Poll every second while the store is opening.
    match set_interval_with_handle(
        move || {
            if status.0.with_untracked(|s| opening(s.as_ref())) {
                status.refresh();
            }
        },
        Duration::from_secs(1),
    ) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(_) => errors.invalid("Cannot start the status timer."),
    }

    let unlocked = Memo::new(move |_| {
        status
            .0
            .with(|s| s.as_ref().is_some_and(|s| s.lock == Lock::Unlocked))
    });
    view! {
        <ErrorBanner />
        <Show when=move || unlocked.get() fallback=|| view! { <LockScreen /> }>
            <Shell />
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_while_opening_only() {
        let mut s = Status {
            lock: Lock::Opening,
            device: None,
            wallets: 0,
            protector: None,
            version: "0.1.0".to_owned(),
        };
        assert!(opening(None));
        assert!(opening(Some(&s)));
        s.lock = Lock::Unlocked;
        assert!(!opening(Some(&s)));
        s.lock = Lock::PassphraseRequired { new_store: true };
        assert!(!opening(Some(&s)));
    }
}
