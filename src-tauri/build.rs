//! Tauri's build step: reads `tauri.conf.json` at the repository root,
//! generates one `allow-<command>` permission per app command (names from
//! `accord-desktop-api`, so the UI, the backend and the permissions agree)
//! and resolves `capabilities/`.

fn main() {
    let commands: Vec<&'static str> = accord_desktop_api::Command::ALL
        .iter()
        .map(|c| c.name())
        .collect();
    let commands: &'static [&'static str] = Box::leak(commands.into_boxed_slice());
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}
