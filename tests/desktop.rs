//! End to end in the real window: Xvfb, tauri-driver + WebKitWebDriver
//! drive `accord-desktop` (the Tauri app with its Leptos UI) while the
//! phone stand-in and the recovery server run as `accord cosigner serve`
//! processes and Anvil is the Ethereum node. The app keeps its wrapping
//! key in gnome-keyring's Secret Service on a private session bus.
//!
//! One test, in order: first run (create a 2-of-3 wallet, the phone
//! approves at its prompt), settings (point at Anvil), wallets (balance),
//! send 0.5 ETH (preview, the phone approves, the transaction id, Anvil's
//! receipt: the sender Anvil recovered from the signature is the wallet),
//! the new balance, devices, activity; then a restart (the key is read
//! back from the keychain, the wallet is there) and a restart with the
//! keychain entry deleted (the share cannot be opened). Screenshots of
//! each screen go to `$ACCORD_SCREENSHOT_DIR` (default: a folder in the
//! target directory).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/anvil.rs"]
#[allow(dead_code)]
mod anvil;
#[path = "support/cosigner.rs"]
mod cosigner;
#[path = "support/desktop_env.rs"]
#[allow(dead_code)]
mod desktop_env;
#[path = "support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anvil::Anvil;
use cosigner::Cosigner;
use desktop_env::{Display, Driver, Keyring};
use serde_json::json;
use webdriver::Session;

const APP: &str = env!("CARGO_BIN_EXE_accord-desktop");
/// Anvil's second default account: the recipient.
const RECIPIENT: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const ETHER: u128 = 1_000_000_000_000_000_000;

fn shots() -> PathBuf {
    let dir = std::env::var_os("ACCORD_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A picture of the window as the X server shows it (ImageMagick's
/// `import`), after scrolling `focus` into view.
fn shot(s: &Session, display: &Display, name: &str, focus: &str) {
    s.script(&format!(
        "const e = document.querySelector('{focus}'); if (e) e.scrollIntoView({{block: 'center'}});"
    ));
    // Let the page settle (layout, fonts) before the picture.
    std::thread::sleep(Duration::from_millis(400));
    let path = shots().join(format!("{name}.png"));
    let status = std::process::Command::new("import")
        .args([
            "-display",
            &display.name,
            "-window",
            "root",
            "-crop",
            "1024x720+0+0",
        ])
        .arg(&path)
        .status()
        .unwrap_or_else(|e| panic!("ImageMagick's import: {e}"));
    assert!(status.success(), "import failed");
    eprintln!("screenshot {}", path.display());
}

fn launch(driver: &Driver) -> Session {
    let started = Instant::now();
    let s = Session::start(driver.port, APP).unwrap_or_else(|e| panic!("new session: {e}"));
    eprintln!("session started in {:?}", started.elapsed());
    s
}

fn env_for_app(display: &Display, keyring: &Keyring, data: &Path) -> Vec<(String, String)> {
    let mut env = keyring.env();
    env.push(("DISPLAY".into(), display.name.clone()));
    env.push(("ACCORD_DESKTOP_DATA_DIR".into(), data.display().to_string()));
    env.push(("ACCORD_NO_RELAY".into(), "1".into()));
    // WebKitGTK's sandbox and GPU paths need things Xvfb/containers lack.
    env.push(("WEBKIT_DISABLE_COMPOSITING_MODE".into(), "1".into()));
    env.push(("WEBKIT_DISABLE_DMABUF_RENDERER".into(), "1".into()));
    env
}

#[test]
fn desktop_end_to_end_in_the_real_window() {
    let tmp = tempfile::tempdir().unwrap();
    let anvil = Anvil::start();
    let mut phone = Cosigner::start(&tmp.path().join("phone"), "phone");
    let recovery = Cosigner::start(&tmp.path().join("recovery"), "recovery");
    let display = Display::start();
    let keyring = Keyring::start(&tmp.path().join("home"));
    let data = tmp.path().join("desktop");
    let env = env_for_app(&display, &keyring, &data);
    let driver = Driver::start(&env);
    let long = Duration::from_secs(90);

    // 1. First run: the create screen, with this device's ticket.
    let s = launch(&driver);
    s.find("#create-name", long);
    s.wait_text("#own-ticket-text", long, |t| t.starts_with("accord1"));
    s.find("#own-ticket-qr svg", long);
    shot(&s, &display, "1-first-run", "#own-ticket-text");
    s.type_into("#create-name", "family");
    s.type_into("#create-threshold", "2");
    s.type_into("#peer-ticket-0", &phone.ticket);
    s.type_into("#peer-ticket-1", &recovery.ticket);
    s.click_css("#create-button");
    let invitation = phone.answer("y", long);
    assert!(invitation.contains("Join a new wallet?"), "{invitation}");
    assert!(invitation.contains("family"), "{invitation}");
    let eth = s.wait_text(
        "#created-addresses [data-chain=\"ethereum\"] .address",
        Duration::from_secs(180),
        |t| t.starts_with("0x") && t.len() == 42,
    );
    s.find("#created-addresses [data-chain=\"bitcoin\"] .address", long);
    s.find("#created-addresses [data-chain=\"solana\"] .address", long);
    assert!(
        !s.all("#create-progress li").is_empty(),
        "progress per party was shown"
    );
    shot(&s, &display, "2-wallet-created", "#created-addresses");

    // 2. Settings: the Ethereum endpoint of regtest is this Anvil.
    s.click_css("#nav-settings");
    s.type_into(
        ".endpoint[data-chain=\"ethereum\"][data-network=\"regtest\"] input",
        &anvil.url,
    );
    s.click_css("#save-settings");
    s.find("#settings-saved", long);
    shot(&s, &display, "7-settings", "#save-settings");

    // 3. Wallets: the funded balance, the co-signers online.
    anvil.rpc(
        "anvil_setBalance",
        json!([eth, format!("{:#x}", 2 * ETHER)]),
    );
    s.click_css("#nav-wallets");
    s.wait_text(
        ".wallet-card .chain-row[data-chain=\"ethereum\"] .balance",
        long,
        |t| t.contains("2 ETH"),
    );
    s.find(".member[data-online=\"true\"]", long);
    shot(&s, &display, "3-wallets", ".wallet-card");

    // 4. Send 0.5 ETH: preview first, then the phone approves.
    let recipient_before = anvil.balance(RECIPIENT);
    s.click_css("#nav-send");
    s.select("#send-chain", "ethereum");
    s.type_into("#send-to", RECIPIENT);
    s.type_into("#send-amount", "0.5");
    s.click_css("#send-preview-button");
    let transfer = s.wait_text("#send-preview .transfer", long, |t| !t.is_empty());
    assert!(transfer.contains("0.5 ETH"), "{transfer}");
    assert!(
        transfer.to_lowercase().contains(&RECIPIENT.to_lowercase()),
        "{transfer}"
    );
    s.find("#preview-fee", long);
    assert!(
        !phone.stderr().contains("Co-sign a transaction?"),
        "nothing is proposed before the user confirms the preview"
    );
    shot(&s, &display, "4-send-preview", "#send-preview");
    s.click_css("#send-confirm-button");
    let request = phone.answer("y", long);
    assert!(request.contains("Co-sign a transaction?"), "{request}");
    assert!(request.contains("0.5 ETH"), "{request}");
    let txid = s.wait_text("#send-txid", Duration::from_secs(120), |t| {
        t.starts_with("0x") && t.len() == 66
    });
    s.wait_text("#send-block", long, |t| !t.is_empty());
    shot(&s, &display, "5-send-done", "#send-result");

    // Anvil recovered the signer from the signature: the wallet.
    let receipt = anvil.receipt(&txid);
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(
        receipt["from"].as_str().unwrap().to_lowercase(),
        eth.to_lowercase()
    );
    assert_eq!(anvil.balance(RECIPIENT), recipient_before + ETHER / 2);

    // The new balance in the UI.
    s.click_css("#nav-wallets");
    s.wait_text(
        ".wallet-card .chain-row[data-chain=\"ethereum\"] .balance",
        long,
        |t| t.starts_with("1.49"),
    );
    shot(&s, &display, "3-wallets-after-send", ".wallet-card");

    // 5. Devices, 6. Activity, 4. Approvals (empty: no team requests).
    s.click_css("#nav-devices");
    s.find(
        &format!(".device[data-device-id=\"{}\"]", phone.device_id),
        long,
    );
    shot(&s, &display, "6-devices", "#device-list");
    s.click_css("#nav-activity");
    s.find("#activity-list .event[data-kind=\"sent\"]", long);
    shot(&s, &display, "8-activity", "#activity-list");
    s.click_css("#nav-approvals");
    std::thread::sleep(Duration::from_millis(500));
    shot(&s, &display, "9-approvals", "#nav-approvals");
    s.quit();

    // Restart: the wrapping key is read back from the keychain.
    let s = launch(&driver);
    s.click_css("#nav-wallets");
    s.wait_text(".wallet-card", long, |t| t.contains("family"));
    s.quit();

    // Delete the keychain entry: the share cannot be opened.
    keyring.clear("org.accord.desktop");
    let s = launch(&driver);
    let message = s.wait_text("#lock-message", long, |t| t.contains("cannot be opened"));
    assert!(message.contains("keychain"), "{message}");
    shot(&s, &display, "10-key-missing", "#lock-message");
    // Trying again re-runs the opening (the `reopen` command): still no key.
    s.click_css("#retry-button");
    std::thread::sleep(Duration::from_millis(500));
    s.wait_text("#lock-message", long, |t| t.contains("cannot be opened"));
    s.quit();
    drop(recovery);
}
