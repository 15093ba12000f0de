//! OS notifications (Tauri's notification plugin: on Linux a
//! `org.freedesktop.Notifications.Notify` call on the session bus) for
//! team proposals that wait for this device's user: one per proposal, the
//! first time the app sees it waiting. The Approvals badge counts them too.

use std::collections::HashSet;
use std::time::Duration;

use accord_node::runner::now;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::state::App;

/// How often the proposals are looked at.
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// The notification's title.
pub const TITLE: &str = "Accord: a team proposal waits for your approval";

/// Looks for newly waiting proposals while the app runs.
pub async fn watch(app: AppHandle) {
    let mut told: HashSet<String> = HashSet::new();
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        let state = app.state::<App>();
        let Ok(node) = state.node().await else {
            continue;
        };
        let waiting = node
            .with_vault(|v| v.proposals(None, now()))
            .await
            .unwrap_or_default();
        for p in waiting
            .iter()
            .filter(|p| p.status.is_live() && p.voted_here.is_none())
        {
            if !told.insert(p.id.clone()) {
                continue;
            }
            let note = if p.note.is_empty() {
                String::new()
            } else {
                format!(": {}", p.note)
            };
            let body = format!(
                "{} proposed a {} transfer from wallet {}{note}",
                p.proposer,
                p.chain.name(),
                p.wallet
            );
            if let Err(e) = app.notification().builder().title(TITLE).body(body).show() {
                eprintln!("accord-desktop: cannot show a notification: {e}");
            }
        }
    }
}
