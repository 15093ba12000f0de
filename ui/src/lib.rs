//! The Accord desktop app's screens: Leptos 0.8, client-side rendered,
//! compiled to `wasm32-unknown-unknown` and bundled by Tauri 2 from
//! `ui/dist/` (built by `scripts/build-ui`).
//!
//! The UI talks to the Tauri backend only through `ipc`, one typed
//! function per command of `accord-desktop-api`; it never sees key
//! material. Pure logic (formatting, form checks, progress merging) lives
//! in `format` and `forms` and is unit-tested on the host.

use wasm_bindgen::prelude::wasm_bindgen;

mod app;
mod error;
mod format;
mod forms;
mod ipc;
mod lock;
mod preview;
mod screens;
mod shell;
mod widgets;

/// Runs when the wasm module is instantiated (`init()` in `index.html`):
/// sends panics to the console and mounts the app on `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
    leptos::mount::mount_to_body(app::App);
}
