//! The headless co-signers (`accord cosigner serve`) as OS processes for
//! the desktop tests: the phone stand-in answers its prompts on standard
//! input, as a person at its terminal would; the recovery server decides
//! by policy. Killed when dropped.

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `accord` binary: `$ACCORD_BIN`, else beside this test's binary.
pub fn accord_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("ACCORD_BIN").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join("accord");
    assert!(
        bin.is_file(),
        "{} is missing: build it first (cargo build -p accord-cli), or set ACCORD_BIN",
        bin.display()
    );
    bin
}

/// A running co-signer.
pub struct Cosigner {
    child: Child,
    stdin: Option<ChildStdin>,
    stderr: Arc<Mutex<String>>,
    /// Its device id.
    pub device_id: String,
    /// Its first pairing ticket.
    pub ticket: String,
    answered: usize,
}

impl Drop for Cosigner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The wrapping key a co-signer of `role` runs with (hex).
fn key_for(role: &str) -> String {
    (0..32)
        .map(|i| format!("{:02x}", (i * 37 + role.len() * 11) as u8))
        .collect()
}

/// Runs `accord --no-relay --data-dir DIR --json ARGS` on the data
/// directory of a co-signer of `role` (its daemon may be running) and
/// returns its JSON output; panics if it fails.
pub fn run_cli(dir: &Path, role: &str, args: &[&str]) -> Value {
    let out = Command::new(accord_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(["--no-relay", "--json"])
        .args(args)
        .env("ACCORD_WRAPPING_KEY", key_for(role))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start accord: {e}"));
    assert!(
        out.status.success(),
        "accord {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What the interactive approver prints when it waits for an answer.
const PROMPT: &str = "Approve? [y/N]";

impl Cosigner {
    /// Starts `accord --no-relay --data-dir DIR cosigner serve --role ROLE`
    /// with a random wrapping key in its environment.
    pub fn start(dir: &Path, role: &str) -> Cosigner {
        Cosigner::start_with(dir, role, &[])
    }

    /// [`Cosigner::start`] with more arguments for `cosigner serve`.
    pub fn start_with(dir: &Path, role: &str, extra: &[&str]) -> Cosigner {
        let key = key_for(role);
        let mut child = Command::new(accord_bin())
            .arg("--data-dir")
            .arg(dir)
            .args(["--no-relay", "cosigner", "serve", "--role", role])
            .args(extra)
            .env("ACCORD_WRAPPING_KEY", key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start accord: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let mut pipe = child.stderr.take().unwrap();
            let sink = stderr.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!("{role}: no first line; stderr: {}", stderr.lock().unwrap())
            });
        let first: Value = serde_json::from_str(&line).unwrap();
        Cosigner {
            stdin: child.stdin.take(),
            child,
            stderr,
            device_id: first["device_id"].as_str().unwrap().to_owned(),
            ticket: first["ticket"].as_str().unwrap().to_owned(),
            answered: 0,
        }
    }

    /// Kills the process (SIGKILL, no shutdown: its peers are not told)
    /// and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What it printed so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits for its next prompt and answers `answer`; the request shown.
    pub fn answer(&mut self, answer: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let text = self.stderr();
            let prompts: Vec<&str> = text.split(PROMPT).collect();
            if prompts.len() > self.answered + 1 {
                let shown = prompts[self.answered].to_owned();
                self.answered += 1;
                let stdin = self.stdin.as_mut().unwrap();
                writeln!(stdin, "{answer}").unwrap();
                stdin.flush().unwrap();
                return shown;
            }
            assert!(
                Instant::now() < deadline,
                "no prompt within {limit:?}; stderr:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
