//! End to end in the real window: Xvfb, tauri-driver + WebKitWebDriver
//! drive `accord-desktop` (the Tauri app with its Leptos UI) while the
//! phone stand-in and the recovery server run as `accord cosigner serve`
//! processes and Anvil is the Ethereum node. The app keeps its wrapping
//! key in gnome-keyring's Secret Service on a private session bus.
//!
//! One test, in order: first run (create a 2-of-3 wallet, the phone
//! approves at its prompt), settings (the person's name, which the new
//! phone in 7 pairs under; point at Anvil and the Bitcoin and
//! Solana test nodes), wallets (balances on three chains), send 0.5 ETH
//! (preview, the phone approves, the transaction id, Anvil's receipt: the
//! sender Anvil recovered from the signature is the wallet), send 0.1 BTC
//! (mined by the Esplora test node after libbitcoinconsensus, change back),
//! the new balance, the policy (a loosening proposed on the Policy screen,
//! approved at the phone's prompt, counted down and in force after the
//! first policy's delay), the phone and the recovery server online and the
//! recovery server offline once its process is killed, devices, activity;
//! then a restart (the key is read back from the keychain, the wallet is
//! there) and a restart with the keychain entry deleted (the share cannot
//! be opened) until the entry is put back and "Check again" opens the
//! store. Screenshots of each screen go to `$ACCORD_SCREENSHOT_DIR`
//! (default: a folder in the target directory). `$ACCORD_DESKTOP_BIN` and
//! `$ACCORD_BIN` name the two binaries, else the ones cargo built (two
//! checkouts sharing one target directory overwrite each other's
//! `target/debug/accord*`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/anvil.rs"]
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

use std::str::FromStr;

use accord_testnodes::esplora::Esplora;
use accord_testnodes::http::Server;
use accord_testnodes::solana::{Solana, litesvm_binary};
use anvil::Anvil;
use cosigner::Cosigner;
use desktop_env::{Display, Driver, Guard, Keyring, wait_until};
use serde_json::json;
use webdriver::Session;

/// The app: `$ACCORD_DESKTOP_BIN`, else the one cargo built with this test.
fn app() -> String {
    std::env::var("ACCORD_DESKTOP_BIN")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_accord-desktop").to_owned())
}

/// Anvil's second default account: the recipient.
const RECIPIENT: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BTC_RECIPIENT: &str = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
const SOL_RECIPIENT: &str = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T";
/// An SPL mint address (any valid address nobody holds a key of).
const SPL_MINT: &str = "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB";
/// Sends `amount` of `token` on `chain` from the Send screen (preview,
/// confirm, the phone approves); the transaction id.
fn send_token(
    s: &Session,
    phone: &mut Cosigner,
    chain: &str,
    to: &str,
    amount: &str,
    token: &str,
    long: Duration,
) -> String {
    s.click_css("#nav-send");
    s.select("#send-chain", chain);
    s.type_into("#send-to", to);
    s.type_into("#send-amount", amount);
    s.type_into("#send-token", token);
    s.click_css("#send-preview-button");
    s.wait_text("#send-preview .transfer", long, |t| !t.is_empty());
    // Every transfer (an SPL send also shows the new token account's rent).
    let transfer: Vec<String> = s
        .all("#send-preview .transfer")
        .iter()
        .map(|e| s.text(e))
        .collect();
    let transfer = transfer.join(" | ");
    // In the token's units (6 decimals), or in base units for a token whose
    // decimals the preview cannot know from the transaction.
    let units = format!("{}", (amount.parse::<f64>().unwrap() * 1e6) as u64);
    assert!(
        transfer.contains(amount) || transfer.contains(&units),
        "{transfer}"
    );
    s.click_css("#send-confirm-button");
    let request = phone.answer("y", long);
    assert!(request.contains("Co-sign a transaction?"), "{request}");
    let txid = s.wait_text("#send-txid", Duration::from_secs(120), |t| t.len() > 40);
    s.wait_text("#send-block", long, |t| !t.is_empty());
    txid
}
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

/// Writes the wallet's backup to `path` from its card; waits until the
/// card says it is current.
fn write_backup(s: &Session, path: &Path) {
    s.click_css(".lifecycle .backup-open");
    s.type_into(
        ".lifecycle .backup-passphrase",
        "correct horse battery staple",
    );
    s.type_into(
        ".lifecycle .backup-passphrase2",
        "correct horse battery staple",
    );
    s.type_into(".lifecycle .backup-path", path.to_str().unwrap());
    s.click_css(".lifecycle .backup-export");
    s.wait_text(".lifecycle .backup-state", Duration::from_secs(90), |t| {
        t.contains("current")
    });
}

fn launch(driver: &Driver) -> Session {
    let started = Instant::now();
    let s = Session::start(driver.port, &app()).unwrap_or_else(|e| panic!("new session: {e}"));
    eprintln!("session started in {:?}", started.elapsed());
    s
}

/// The presence a wallet card shows for `device`: its `data-online` and
/// its text ("online", "offline", "checking…"), once both are there.
fn member_presence(s: &Session, device: &str) -> Option<(String, String)> {
    let css = format!(".wallet-card .member[data-device-id=\"{device}\"]");
    let member = s.all(&css).into_iter().next()?;
    let online = s.attribute(&member, "data-online")?;
    let presence = s.all(&format!("{css} .presence")).into_iter().next()?;
    Some((online, s.text(&presence)))
}

/// Waits until the wallet card shows `device` as `online` (or offline),
/// pressing "Refresh" every few seconds: presence is asked (by ping) when
/// the screen is shown and on refresh, not continuously.
fn wait_presence(s: &Session, device: &str, online: bool, limit: Duration) {
    let want = (
        online.to_string(),
        if online { "online" } else { "offline" }.to_owned(),
    );
    let deadline = Instant::now() + limit;
    let mut refreshed = Instant::now();
    loop {
        let seen = member_presence(s, device);
        if seen.as_ref() == Some(&want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "member {device}: {seen:?} after {limit:?}, expected {want:?}; page text: {}",
            s.page_text()
        );
        // Longer than the app's ping timeout (1.5 s): one ask at a time.
        if refreshed.elapsed() > Duration::from_secs(3) {
            s.click_css("#refresh-wallets");
            refreshed = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(150));
    }
}

const KEY_STEP: &str = "ACCORD_DESKTOP_TEST_KEYCHAIN";

/// Reads (`read`) or writes back (`write HEX`) the app's keychain entry in
/// a child process (this test binary again, [`keychain_step`]) on the
/// test's session bus: `keyring` talks to the bus of its own environment.
fn keychain(keyring: &Keyring, data: &Path, op: &str) -> String {
    let mut env = keyring.env();
    env.push((KEY_STEP.into(), op.into()));
    env.push(("ACCORD_DESKTOP_DATA_DIR".into(), data.display().to_string()));
    desktop_env::run_self("keychain_step", &env)
        .split_whitespace()
        .find_map(|w| w.strip_prefix("key="))
        .unwrap_or_default()
        .to_owned()
}

/// The child side of [`keychain`] (does nothing when run directly).
#[test]
fn keychain_step() {
    use accord_desktop::unlock::ProtectorRecord;
    let Ok(op) = std::env::var(KEY_STEP) else {
        return;
    };
    let data = PathBuf::from(std::env::var("ACCORD_DESKTOP_DATA_DIR").unwrap());
    let record: ProtectorRecord =
        serde_json::from_slice(&std::fs::read(data.join("protector.json")).unwrap()).unwrap();
    let ProtectorRecord::Keychain { entry } = record else {
        panic!("the store is not protected by the keychain: {record:?}")
    };
    match op.split_once(' ') {
        None if op == "read" => {
            let key = accord_desktop::keychain::load(&entry).unwrap();
            println!("key={}", hex::encode(*key));
        }
        Some(("write", key)) => {
            keyring::Entry::new(accord_desktop::keychain::SERVICE, &entry)
                .unwrap()
                .set_secret(&hex::decode(key).unwrap())
                .unwrap();
            let back = accord_desktop::keychain::load(&entry).unwrap();
            assert_eq!(hex::encode(*back), key);
        }
        _ => panic!("unknown keychain step {op:?}"),
    }
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

/// The Debian package, installed (`scripts/test` builds it with
/// `scripts/package-deb` and installs it with `apt-get install ./…deb`, then
/// sets `ACCORD_INSTALLED_APP=/usr/bin/accord-desktop`): the installed app
/// opens in the real window to its first screen (this device's pairing
/// ticket, the create form), and the packaged `accord` runs. Does nothing
/// when the variable is not set.
#[test]
fn installed_package_opens_its_first_screen() {
    let Ok(app) = std::env::var("ACCORD_INSTALLED_APP") else {
        eprintln!("ACCORD_INSTALLED_APP is not set: no installed package to check");
        return;
    };
    assert!(
        app.starts_with("/usr/"),
        "the installed app, not a build: {app}"
    );
    let accord = std::process::Command::new("/usr/bin/accord")
        .arg("--version")
        .output()
        .expect("the package installs /usr/bin/accord");
    assert!(accord.status.success());
    assert!(String::from_utf8_lossy(&accord.stdout).starts_with("accord "));
    let tmp = tempfile::tempdir().unwrap();
    let display = Display::start();
    let keyring = Keyring::start(&tmp.path().join("home"));
    let env = env_for_app(&display, &keyring, &tmp.path().join("desktop"));
    let driver = Driver::start(&env, &tmp.path().join("driver.log"));
    let s = Session::start(driver.port, &app).unwrap_or_else(|e| panic!("new session: {e}"));
    let long = Duration::from_secs(60);
    s.find("#create-name", long);
    s.wait_text("#own-ticket-text", long, |t| t.starts_with("accord1"));
    shot(&s, &display, "0-installed-first-run", "#own-ticket-text");
}

/// The recovery server's replacement delay in this test (seconds).
const REPLACEMENT_DELAY: u64 = 5;

/// The first policy's delay, in seconds.
const POLICY_DELAY: u64 = 12;

#[test]
fn desktop_end_to_end_in_the_real_window() {
    let tmp = tempfile::tempdir().unwrap();
    let anvil = Anvil::start();
    // The Bitcoin and Solana test nodes (crates/testnodes), in this process.
    let esplora = Esplora::new(bitcoin::Network::Regtest, 2.0);
    let esplora_server = Server::start(0, esplora.handler()).unwrap();
    let litesvm =
        litesvm_binary(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("solana-litesvm-node"))
            .unwrap();
    let solana = Solana::start(&litesvm).unwrap();
    let solana_server = Server::start(0, solana.handler()).unwrap();
    let mut phone = Cosigner::start(&tmp.path().join("phone"), "phone");
    let replacement_delay = REPLACEMENT_DELAY.to_string();
    let mut recovery = Cosigner::start_with(
        &tmp.path().join("recovery"),
        "recovery",
        &["--replacement-delay", &replacement_delay],
    );
    let display = Display::start();
    let keyring = Keyring::start(&tmp.path().join("home"));
    let data = tmp.path().join("desktop");
    let env = env_for_app(&display, &keyring, &data);
    let driver = Driver::start(&env, &tmp.path().join("driver.log"));
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
    // The first policy's delay, short enough to wait out below.
    s.type_into("#create-policy-delay", &POLICY_DELAY.to_string());
    s.click_css("#create-button");
    let invitation = phone.answer("y", long);
    assert!(invitation.contains("Join a new wallet?"), "{invitation}");
    assert!(invitation.contains("family"), "{invitation}");
    assert!(
        invitation.contains(&format!("waits {POLICY_DELAY} s")),
        "the first policy with its delay is shown: {invitation}"
    );
    let eth = s.wait_text(
        "#created-addresses [data-chain=\"ethereum\"] .address",
        Duration::from_secs(180),
        |t| t.starts_with("0x") && t.len() == 42,
    );
    let btc = s.wait_text(
        "#created-addresses [data-chain=\"bitcoin\"] .address",
        long,
        |t| t.starts_with("bcrt1p"),
    );
    let sol = s.wait_text(
        "#created-addresses [data-chain=\"solana\"] .address",
        long,
        |t| t.len() >= 32,
    );
    assert!(
        !s.all("#create-progress li").is_empty(),
        "progress per party was shown"
    );
    shot(&s, &display, "2-wallet-created", "#created-addresses");

    // 2. Settings: the endpoints of regtest are this Anvil and the
    //    Bitcoin and Solana test nodes.
    s.click_css("#nav-settings");
    s.type_into(
        ".endpoint[data-chain=\"ethereum\"][data-network=\"regtest\"] input",
        &anvil.url,
    );
    s.type_into(
        ".endpoint[data-chain=\"bitcoin\"][data-network=\"regtest\"] input",
        &esplora_server.url(),
    );
    s.type_into(
        ".endpoint[data-chain=\"solana\"][data-network=\"regtest\"] input",
        &solana_server.url(),
    );
    // The person's name: devices paired from now on know it (checked at
    // the new phone in 7), and the header shows it.
    s.type_into("#settings-name", "Dana");
    s.click_css("#save-settings");
    s.wait_text("#settings-saved", long, |t| t.starts_with("Saved"));
    s.wait_text(".device-name", long, |t| t.starts_with("Dana"));
    shot(&s, &display, "7-settings", "#save-settings");

    // 3. Wallets: the funded balances on three chains, the co-signers online.
    anvil.rpc(
        "anvil_setBalance",
        json!([eth, format!("{:#x}", 2 * ETHER)]),
    );
    let ours = bitcoin::Address::from_str(&btc)
        .unwrap()
        .assume_checked()
        .script_pubkey();
    esplora.fund(&ours, 50_000_000);
    solana.airdrop(&sol, 5_000_000_000).unwrap();
    s.click_css("#nav-wallets");
    s.wait_text(
        ".wallet-card .chain-row[data-chain=\"ethereum\"] .balance",
        long,
        |t| t.contains("2 ETH"),
    );
    s.wait_text(
        ".wallet-card .chain-row[data-chain=\"bitcoin\"] .balance",
        long,
        |t| t.contains("0.5 BTC"),
    );
    s.wait_text(
        ".wallet-card .chain-row[data-chain=\"solana\"] .balance",
        long,
        |t| t.contains("5 SOL"),
    );
    // Each co-signer by its own entry (this device's own entry is always
    // online), answering the app's ping.
    wait_presence(&s, &phone.device_id, true, long);
    wait_presence(&s, &recovery.device_id, true, long);
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

    // A second chain: 0.1 BTC, with change back to the wallet.
    s.click_css("#nav-send");
    s.select("#send-chain", "bitcoin");
    s.type_into("#send-to", BTC_RECIPIENT);
    s.type_into("#send-amount", "0.1");
    s.click_css("#send-preview-button");
    let transfer = s.wait_text("#send-preview .transfer", long, |t| t.contains("BTC"));
    assert!(transfer.contains("0.1 BTC"), "{transfer}");
    s.click_css("#send-confirm-button");
    let request = phone.answer("y", long);
    assert!(request.contains("0.1 BTC"), "{request}");
    let btc_txid = s.wait_text("#send-txid", Duration::from_secs(120), |t| {
        t.len() == 64 && !t.starts_with("0x")
    });
    s.wait_text("#send-block", long, |t| !t.is_empty());
    shot(&s, &display, "5b-send-bitcoin-done", "#send-result");
    // Mined by the test node, which checked it with libbitcoinconsensus.
    let mined = esplora
        .tx(&bitcoin::Txid::from_str(&btc_txid).unwrap())
        .expect("mined");
    assert_eq!(mined.output[0].value.to_sat(), 10_000_000);
    assert_eq!(mined.output[1].script_pubkey, ours, "change to the wallet");

    // Tokens: 12.5 of an ERC-20 on Anvil, 2.5 of an SPL token (the
    // recipient's token account created in the same transaction).
    let token = anvil.deploy_test_token(&eth);
    let sent = send_token(&s, &mut phone, "ethereum", RECIPIENT, "12.5", &token, long);
    assert!(sent.starts_with("0x"), "{sent}");
    assert_eq!(anvil.receipt(&sent)["status"], "0x1");
    assert_eq!(anvil.erc20_balance(&token, RECIPIENT), 12_500_000);
    let (owner, mint) = (
        accord_chains::solana::address::parse(&sol).unwrap(),
        accord_chains::solana::address::parse(SPL_MINT).unwrap(),
    );
    let token_program = accord_chains::solana::programs::TOKEN_PROGRAM;
    let ata = |who| {
        accord_chains::solana::address::associated_token_address(who, &mint, &token_program)
            .unwrap()
            .to_string()
    };
    solana.create_mint(SPL_MINT, 6, 1_000_000_000).unwrap();
    solana
        .create_token_account(&ata(&owner), &sol, SPL_MINT, 10_000_000)
        .unwrap();
    send_token(
        &s,
        &mut phone,
        "solana",
        SOL_RECIPIENT,
        "2.5",
        SPL_MINT,
        long,
    );
    let recipient = accord_chains::solana::address::parse(SOL_RECIPIENT).unwrap();
    assert_eq!(
        solana.token_balance(&ata(&recipient)).unwrap(),
        Some(2_500_000)
    );
    shot(&s, &display, "5c-send-spl-done", "#send-result");

    // The new balances in the UI.
    s.click_css("#nav-wallets");
    s.wait_text(
        ".wallet-card .chain-row[data-chain=\"ethereum\"] .balance",
        long,
        |t| t.starts_with("1.49"),
    );
    s.wait_text(
        ".wallet-card .chain-row[data-chain=\"bitcoin\"] .balance",
        long,
        |t| t.starts_with("0.39"),
    );
    shot(&s, &display, "3-wallets-after-send", ".wallet-card");

    // 5. Policy: the first policy in force; a loosening proposed here waits
    // for the phone, whose person approves it at its prompt; then it waits
    // out the current delay, counted down, and comes into force.
    s.click_css("#nav-policy");
    let rules = s.wait_text("#policy-active .rules", long, |t| t.contains("ETH"));
    assert!(rules.contains("up to 0.1 ETH per transfer"), "{rules}");
    s.select("#propose-chain", "ethereum");
    s.type_into("#propose-chain-id", "31337");
    s.type_into("#propose-max-per-tx", "1");
    s.click_css("#propose-button");
    let result = s.wait_text("#propose-result", long, |t| !t.is_empty());
    assert!(result.contains("waits for 1 more approval"), "{result}");
    let pending = "#policy-pending .pending-version[data-version=\"2\"]";
    s.find(&format!("{pending} .cancel"), long);
    shot(&s, &display, "12-policy-proposed", "#policy-pending");
    let asked = phone.answer("y", long);
    assert!(
        asked.contains("Approve a change of this wallet's policy?"),
        "{asked}"
    );
    assert!(asked.contains("LOOSENS"), "{asked}");
    assert!(asked.contains("up to 1 ETH per transfer"), "{asked}");
    let countdown = s.wait_text(&format!("{pending} .standing"), long, |t| {
        t.contains("in force in")
    });
    assert!(countdown.contains("unless a member cancels"), "{countdown}");
    shot(&s, &display, "13-policy-countdown", "#policy-pending");
    s.wait_text(
        "#policy-active h3",
        Duration::from_secs(POLICY_DELAY + 30),
        |t| t.contains("version 2"),
    );
    let rules = s.wait_text("#policy-active .rules", long, |t| t.contains("ETH"));
    assert!(rules.contains("up to 1 ETH per transfer"), "{rules}");
    let approved = s.wait_text("#policy-active .approved-by", long, |t| !t.is_empty());
    assert!(approved.contains("phone"), "{approved}");
    shot(&s, &display, "14-policy-active", "#policy-active");
    s.click_css("#nav-wallets");

    // 6. Keys and backup: a backup written under a passphrase is current;
    // a refresh with every member (the phone's person approves at its
    // prompt, the recovery server by rule) moves the key epoch to 1 and
    // marks that backup stale.
    let backup_file = tmp.path().join("w.accordbackup");
    s.click_css(".lifecycle .backup-open");
    s.type_into(
        ".lifecycle .backup-passphrase",
        "correct horse battery staple",
    );
    let hint = s.wait_text(".lifecycle .backup-strength", long, |t| !t.is_empty());
    assert_eq!(hint, "strong");
    s.type_into(
        ".lifecycle .backup-passphrase2",
        "correct horse battery staple",
    );
    s.type_into(".lifecycle .backup-path", backup_file.to_str().unwrap());
    s.click_css(".lifecycle .backup-export");
    let state = s.wait_text(".lifecycle .backup-state", long, |t| t.contains("current"));
    assert!(state.contains("Backed up"), "{state}");
    assert!(backup_file.exists(), "the backup file is written");
    shot(&s, &display, "15-backup-current", ".lifecycle");
    s.click_css(".lifecycle .refresh-shares");
    s.click_css(".lifecycle .refresh-confirm");
    let asked = phone.answer("y", long);
    assert!(asked.contains("Refresh the shares"), "{asked}");
    s.wait_text(".lifecycle .epoch", Duration::from_secs(120), |t| {
        t.contains("Key epoch 1")
    });
    let stale = s.find(".lifecycle .backup-state", long);
    assert_eq!(s.attribute(&stale, "data-state").as_deref(), Some("stale"));
    assert!(s.text(&stale).contains("out of date"), "{}", s.text(&stale));
    shot(&s, &display, "16-refreshed-backup-stale", ".lifecycle");

    // 7. The phone is lost: a backup made now is current; a new phone
    // stand-in replaces it from the Devices screen. The recovery server
    // first waits out its replacement delay; then the desktop and the
    // recovery server repair the new phone's shares and all refresh: key
    // epoch 2, the backup stale again.
    let backup2 = tmp.path().join("w2.accordbackup");
    write_backup(&s, &backup2);
    let mut phone2 = Cosigner::start(&tmp.path().join("phone2"), "phone");
    s.click_css("#nav-devices");
    s.find(
        &format!("#replace-lost option[value=\"{}\"]", phone.device_id),
        long,
    );
    s.select("#replace-lost", &phone.device_id);
    s.type_into("#replace-ticket", &phone2.ticket);
    s.click_css("#replace-button");
    let waiting = s.wait_text("#replace-result", long, |t| t.contains("waits"));
    assert!(waiting.contains("any of them can cancel"), "{waiting}");
    shot(&s, &display, "17-replacement-waits", "#replace-form");
    // The new phone may have been asked before the desktop gave up; the
    // stand-in's prompt then still waits for a line (a phone's screen would
    // drop it): answer it so the next one is the next attempt's.
    std::thread::sleep(Duration::from_secs(2));
    if phone2.stderr().contains("Replace a lost device") {
        phone2.answer("n", long);
    }
    std::thread::sleep(Duration::from_secs(REPLACEMENT_DELAY));
    s.click_css("#replace-button");
    let asked = phone2.answer("y", long);
    assert!(asked.contains("Replace a lost device"), "{asked}");
    let done = s.wait_text("#replace-result", Duration::from_secs(120), |t| {
        t.contains("Replaced")
    });
    assert!(done.contains("key epoch 2"), "{done}");
    shot(&s, &display, "18-replaced", "#replace-form");
    s.click_css("#nav-wallets");
    s.wait_text(".lifecycle .epoch", long, |t| t.contains("Key epoch 2"));
    let stale = s.find(".lifecycle .backup-state", long);
    assert_eq!(s.attribute(&stale, "data-state").as_deref(), Some("stale"));
    s.find(
        &format!(".member[data-device-id=\"{}\"]", phone2.device_id),
        long,
    );
    // The new phone paired with this device under its person's name.
    let paired = cosigner::run_cli(&tmp.path().join("phone2"), "phone", &["devices"]);
    assert!(
        paired
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == "Dana"),
        "{paired}"
    );
    let phone = phone2;
    // A backup of the shares now in use, restored on a new computer below.
    let backup3 = tmp.path().join("w3.accordbackup");
    write_backup(&s, &backup3);

    // The recovery server's process is killed: its entry goes offline
    // (after a refresh), the phone's stays online.
    recovery.kill();
    wait_presence(&s, &recovery.device_id, false, long);
    wait_presence(&s, &phone.device_id, true, long);
    shot(&s, &display, "3-wallets-recovery-offline", ".wallet-card");

    // 9. Teams: a proposal made by a CLI member — `accord propose` on the
    // phone's data directory while its daemon runs — shows up on the
    // Approvals screen with a badge; approved here, the desktop's node
    // signs it with the phone (which asks nobody: its own proposal) and
    // the signed transaction appears.
    let nonce = u64::try_from(anvil::hex_u128(
        &anvil.rpc("eth_getTransactionCount", json!([eth, "latest"])),
    ))
    .unwrap();
    let unsigned = accord_chains::ethereum::UnsignedTx::eth_transfer(
        31_337,
        nonce,
        accord_chains::ethereum::address::parse(RECIPIENT).unwrap(),
        accord_chains::ethereum::U256::from(ETHER / 10),
        accord_chains::ethereum::Gas {
            gas_limit: 21_000,
            max_fee_per_gas: 30_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        },
    )
    .encode();
    // The OS notification: a Notify call on the session bus (no
    // notification server runs here: the call itself is what is checked).
    let bus = keyring
        .env()
        .into_iter()
        .find(|(k, _)| k == "DBUS_SESSION_BUS_ADDRESS")
        .unwrap()
        .1;
    let calls = tmp.path().join("notifications.txt");
    let _monitor = Guard::spawn(
        "dbus-monitor",
        std::process::Command::new("dbus-monitor")
            .args([
                "--address",
                &bus,
                "type='method_call',interface='org.freedesktop.Notifications'",
            ])
            .stdout(std::fs::File::create(&calls).unwrap()),
    );
    std::thread::sleep(Duration::from_millis(500));
    let proposed = cosigner::run_cli(
        &tmp.path().join("phone2"),
        "phone",
        &[
            "propose",
            "--wallet",
            "family",
            "--chain",
            "ethereum",
            "--unsigned",
            &hex::encode(&unsigned),
            "--note",
            "team test",
        ],
    );
    let proposal = proposed["proposal"].as_str().unwrap().to_owned();
    let card = format!(".proposal[data-proposal-id=\"{proposal}\"]");
    s.wait_text("#nav-approvals .count", long, |t| t.trim() == "1");
    s.click_css("#nav-approvals");
    let shown = s.wait_text(&card, long, |t| t.contains("team test"));
    assert!(shown.contains("1 of 2 approvals"), "{shown}");
    assert!(shown.contains("0.1 ETH"), "{shown}");
    shot(&s, &display, "20-team-proposal", "#proposal-list");
    wait_until("the OS notification", long, || {
        std::fs::read_to_string(&calls)
            .is_ok_and(|t| t.contains(accord_desktop::notify::TITLE) && t.contains("team test"))
    });
    s.click_css(&format!("{card} .approve"));
    let signed = s.wait_text(&format!("{card} .txid"), Duration::from_secs(120), |t| {
        t.starts_with("0x") && t.len() == 66
    });
    s.wait_text("#nav-approvals .count", long, |t| t.trim() == "0");
    let done = s.find(&card, long);
    assert_eq!(s.attribute(&done, "data-status").as_deref(), Some("done"));
    let tx = s.wait_text(&format!("{card} .signed"), long, |t| t.starts_with("0x"));
    let sent = anvil.rpc("eth_sendRawTransaction", json!([tx]));
    assert_eq!(sent.as_str().unwrap(), signed);
    assert_eq!(anvil.receipt(&signed)["status"], "0x1");
    shot(&s, &display, "21-team-proposal-signed", "#proposal-list");

    // The desktop proposes a send to the team from the Send screen; the
    // phone's person approves it with the CLI; the desktop's node signs it
    // with the phone's, and the Approvals screen shows it signed.
    s.click_css("#nav-send");
    s.select("#send-chain", "ethereum");
    s.type_into("#send-to", RECIPIENT);
    s.type_into("#send-amount", "0.01");
    // A space: emptied by typing (a clear alone leaves the page's value).
    s.type_into("#send-token", " ");
    s.click_css("#send-preview-button");
    s.wait_text("#send-preview .transfer", long, |t| t.contains("0.01 ETH"));
    s.type_into("#send-note", "office chairs");
    s.click_css("#send-propose-button");
    let made = s.wait_text("#send-proposed", long, |t| t.contains("1 of 2"));
    assert!(made.contains("Proposed to the team"), "{made}");
    let ours = s.find("#send-proposed", long);
    let ours = s.attribute(&ours, "data-proposal-id").unwrap();
    wait_until("the proposal at the phone", long, || {
        cosigner::run_cli(&tmp.path().join("phone2"), "phone", &["proposals", "list"])
            .to_string()
            .contains(&ours)
    });
    cosigner::run_cli(
        &tmp.path().join("phone2"),
        "phone",
        &["proposals", "approve", &ours],
    );
    let card = format!(".proposal[data-proposal-id=\"{ours}\"]");
    s.click_css("#nav-approvals");
    let signed = s.wait_text(&format!("{card} .txid"), Duration::from_secs(120), |t| {
        t.starts_with("0x") && t.len() == 66
    });
    let shown = s.wait_text(&card, long, |t| t.contains("office chairs"));
    assert!(shown.contains("2 of 2 approvals"), "{shown}");
    let tx = s.wait_text(&format!("{card} .signed"), long, |t| t.starts_with("0x"));
    assert_eq!(
        anvil
            .rpc("eth_sendRawTransaction", json!([tx]))
            .as_str()
            .unwrap(),
        signed
    );
    assert_eq!(anvil.receipt(&signed)["status"], "0x1");

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

    // Delete the keychain entry (keeping the key): the share cannot be
    // opened.
    let key = keychain(&keyring, &data, "read");
    assert_eq!(key.len(), 64, "a 32-byte key");
    keyring.clear(accord_desktop::keychain::SERVICE);
    let s = launch(&driver);
    let message = s.wait_text("#lock-message", long, |t| t.contains("cannot be opened"));
    assert!(message.contains("keychain"), "{message}");
    shot(&s, &display, "10-key-missing", "#lock-message");
    // Nothing retries by itself: with the entry back, the app stays locked
    // until "Check again" re-runs the opening (the `reopen` command), which
    // then opens the store: the wallet is there.
    keychain(&keyring, &data, &format!("write {key}"));
    std::thread::sleep(Duration::from_secs(2));
    let state = s.find("#lock-message", long);
    assert_eq!(
        s.attribute(&state, "data-state").as_deref(),
        Some("key_missing")
    );
    s.click_css("#retry-button");
    let wallets = s.find("#nav-wallets", long);
    s.click(&wallets);
    s.wait_text(".wallet-card", long, |t| t.contains("family"));
    shot(&s, &display, "11-key-restored", ".wallet-card");
    s.quit();

    // 8. A new computer: the desktop's backup restored on the first-run
    // screen; the app then runs as the same device, with the wallet at key
    // epoch 2 and the same address.
    let data2 = tmp.path().join("desktop2");
    let env2 = env_for_app(&display, &keyring, &data2);
    let driver2 = Driver::start(&env2, &tmp.path().join("driver2.log"));
    let s = launch(&driver2);
    s.find("#restore-path", long);
    s.type_into("#restore-path", backup3.to_str().unwrap());
    s.type_into("#restore-passphrase", "correct horse battery staple");
    s.click_css("#restore-button");
    let restored = s.wait_text("#restore-result", long, |t| t.contains("Restored"));
    assert!(restored.contains("key epoch 2"), "{restored}");
    shot(&s, &display, "19-restored", "#restore-form");
    s.click_css("#nav-wallets");
    let restored_eth = s.wait_text(
        ".wallet-card [data-chain=\"ethereum\"] .address",
        long,
        |t| t.starts_with("0x"),
    );
    assert_eq!(restored_eth, eth, "the same wallet");
    s.wait_text(".lifecycle .epoch", long, |t| t.contains("Key epoch 2"));
    s.quit();
}
