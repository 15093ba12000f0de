//! Launch benchmark of the desktop app: time from spawning
//! `accord-desktop` to its first screen with the store open — the first
//! `status` answer saying the store is open, on which the UI leaves the
//! lock screen (see `accord_desktop::bench`): the window and the UI
//! loading, the keychain read, opening the store and starting the node
//! all come before it. Also the resident memory of the app's processes
//! (the app and its WebKit processes) when idle, 5 s after launch. Under
//! Xvfb, with gnome-keyring on a private bus (the store opens with the key
//! from the keychain), a fresh data directory for the first launch and the
//! same one after. The p99 is given from 100 launches or more; with fewer,
//! the maximum instead.
//!
//! `cargo run --release -p accord-desktop --example launch -- [--iterations N] [--json]`
//! (default 100 launches; the app binary: `$ACCORD_DESKTOP_BIN`, else
//! `accord-desktop` beside this example's directory).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../tests/support/desktop_env.rs"]
#[allow(dead_code)]
mod desktop_env;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use desktop_env::{Display, Keyring};

fn app_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("ACCORD_DESKTOP_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(Path::parent)
        .unwrap()
        .join("accord-desktop")
}

/// A `Key:   123 kB` line's number.
fn kb(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
}

/// Resident memory (kB) of `pid` and all its descendants: the sum of
/// their RSS (shared pages counted in each process) and of their PSS
/// (shared pages divided among the processes sharing them).
fn rss_tree(pid: u32) -> (u64, u64) {
    let mut total = (0, 0);
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            total.0 += kb(&status, "VmRSS:");
        }
        if let Ok(rollup) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) {
            total.1 += kb(&rollup, "Pss:");
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) {
            stack.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    total
}

struct Launch {
    open_ms: f64,
    rss_kb: Option<(u64, u64)>,
}

fn launch(app: &Path, env: &[(String, String)], data: &Path, report: &Path, idle: bool) -> Launch {
    let _ = std::fs::remove_file(report);
    let log = report.with_extension("log");
    let stderr = std::fs::File::create(&log).unwrap();
    let started = Instant::now();
    let mut child = Command::new(app)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("ACCORD_DESKTOP_DATA_DIR", data)
        .env("ACCORD_NO_RELAY", "1")
        .env("ACCORD_DESKTOP_LAUNCH_REPORT", report)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let deadline = started + Duration::from_secs(60);
    while !report.exists() {
        assert!(
            Instant::now() < deadline,
            "the app did not show a screen with its store open in 60 s"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the app exited ({status}); its standard error:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let open_ms = started.elapsed().as_secs_f64() * 1000.0;
    let rss_kb = idle.then(|| {
        std::thread::sleep(Duration::from_secs(5));
        rss_tree(child.id())
    });
    let _ = child.kill();
    let _ = child.wait();
    Launch { open_ms, rss_kb }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let iterations: usize = args
        .iter()
        .position(|a| a == "--iterations")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let json = args.iter().any(|a| a == "--json");
    let app = app_bin();
    assert!(app.is_file(), "{} is missing", app.display());
    let tmp = tempfile::tempdir().unwrap();
    let display = Display::start();
    let keyring = Keyring::start(&tmp.path().join("home"));
    let mut env = keyring.env();
    env.push(("DISPLAY".into(), display.name.clone()));
    let data = tmp.path().join("desktop");
    let report = tmp.path().join("report");

    let first = launch(&app, &env, &data, &report, false);
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for i in 0..iterations {
        let l = launch(&app, &env, &data, &report, i < 3);
        times.push(l.open_ms);
        rss.extend(l.rss_kb);
    }
    times.sort_by(f64::total_cmp);
    let mut pss: Vec<u64> = rss.iter().map(|r| r.1).collect();
    let mut rss: Vec<u64> = rss.iter().map(|r| r.0).collect();
    rss.sort_unstable();
    pss.sort_unstable();
    let median = percentile(&times, 0.5);
    let max = times[times.len() - 1];
    // A p99 needs 100 samples; below that only the maximum is honest.
    let tail = if iterations >= 100 {
        ("p99", percentile(&times, 0.99))
    } else {
        ("max", max)
    };
    let rss_mb = rss[rss.len() / 2] as f64 / 1024.0;
    let pss_mb = pss[pss.len() / 2] as f64 / 1024.0;
    if json {
        println!(
            "{{\"first_launch_ms\":{:.1},\"launches\":{iterations},\"open_p50_ms\":{median:.1},\"open_{}_ms\":{:.1},\"open_max_ms\":{max:.1},\"idle_rss_mb\":{rss_mb:.1},\"idle_pss_mb\":{pss_mb:.1}}}",
            first.open_ms, tail.0, tail.1
        );
    } else {
        println!(
            "first launch (creates the key and store): {:.0} ms",
            first.open_ms
        );
        println!(
            "launch to the first screen with the store open, {iterations} launches: p50 {median:.0} ms, {} {:.0} ms, max {max:.0} ms",
            tail.0, tail.1
        );
        println!(
            "idle memory (app + WebKit processes, median of 3): RSS {rss_mb:.0} MB, PSS {pss_mb:.0} MB"
        );
    }
}
