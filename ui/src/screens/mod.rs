//! One module per screen.

use leptos::prelude::*;

pub mod activity;
pub mod approvals;
pub mod create;
pub mod devices;
pub mod lifecycle;
pub mod policy;
pub mod replace;
pub mod restore;
pub mod send;
pub mod settings;
pub mod wallets;

/// Runs `load` each time the screen becomes shown.
pub fn on_shown(active: Memo<bool>, load: impl Fn() + 'static) {
    Effect::new(move |_| {
        if active.get() {
            untrack(&load);
        }
    });
}
