//! The desktop's surroundings for tests, each started here and stopped
//! when dropped (also when a test fails): an X server (Xvfb), a D-Bus
//! session bus with gnome-keyring's Secret Service unlocked in a private
//! HOME, and tauri-driver (which starts WebKitWebDriver).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (and reaped) when dropped.
pub struct Guard {
    name: &'static str,
    child: Child,
}

impl Guard {
    /// Spawns `command`; a clear failure if the program is missing.
    pub fn spawn(name: &'static str, command: &mut Command) -> Guard {
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("cannot start {name} ({e}): run ./scripts/test, which installs it")
        });
        Guard { name, child }
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.name;
    }
}

/// A free loopback TCP port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Waits until `ok` holds.
pub fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the test `name` of this very test binary in a child process with
/// `env` added, after removing `DISPLAY` and the session bus (so only what
/// `env` names is reachable); its standard output, or a panic with all it
/// printed if it failed. For steps that need another environment (a
/// process cannot safely change its own) or a fresh process.
pub fn run_self(name: &str, env: &[(String, String)]) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name} in a child process: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} failed in a child process:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Xvfb on a free display number.
pub struct Display {
    /// `:N`.
    pub name: String,
    _x: Guard,
}

/// Removes display `n`'s lock file and socket when the X server that made
/// them is gone (an Xvfb killed with SIGKILL leaves both behind, and a
/// machine that ran the tests often would run out of displays).
fn clear_stale(n: u32) {
    let lock = format!("/tmp/.X{n}-lock");
    let Ok(text) = std::fs::read_to_string(&lock) else {
        return;
    };
    let pid = text.trim();
    let alive = !pid.is_empty()
        && std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim() == "Xvfb");
    if !alive {
        let _ = std::fs::remove_file(&lock);
        let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{n}"));
    }
}

impl Display {
    /// Starts Xvfb (1280×800, never resetting).
    pub fn start() -> Display {
        for n in 90..120 {
            clear_stale(n);
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                || Path::new(&format!("/tmp/.X{n}-lock")).exists()
            {
                continue;
            }
            let name = format!(":{n}");
            let mut x = Guard::spawn(
                "Xvfb",
                Command::new("Xvfb")
                    // -noreset: without it the server resets whenever its
                    // last client leaves (an app killed between two
                    // launches), and a client connecting meanwhile fails
                    // ("Failed to initialize GTK").
                    .args([
                        &name,
                        "-screen",
                        "0",
                        "1280x800x24",
                        "-nolisten",
                        "tcp",
                        "-noreset",
                    ])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            );
            let socket = format!("/tmp/.X11-unix/X{n}");
            let deadline = Instant::now() + Duration::from_secs(10);
            while x.running() && !Path::new(&socket).exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if x.running() && Path::new(&socket).exists() {
                return Display { name, _x: x };
            }
        }
        panic!("Xvfb did not start on any display :90..:119");
    }
}

/// A session bus with gnome-keyring's Secret Service, unlocked, keeping
/// its keyring under `home`.
pub struct Keyring {
    /// `DBUS_SESSION_BUS_ADDRESS`.
    pub bus: String,
    /// The private HOME the keyring lives in.
    pub home: PathBuf,
    _keyring: Guard,
    _bus: Guard,
}

/// The keyring's password in tests.
const PASSWORD: &str = "accord-test-keyring";

impl Keyring {
    /// Starts `dbus-daemon --session` on a socket in `home` and
    /// `gnome-keyring-daemon --foreground --unlock --components=secrets`.
    pub fn start(home: &Path) -> Keyring {
        std::fs::create_dir_all(home.join(".local/share/keyrings")).unwrap();
        let socket = home.join("bus");
        let bus = format!("unix:path={}", socket.display());
        // A session bus that activates nothing: the desktop's portal and
        // accessibility services would start without a display and stall
        // WebKit. Only gnome-keyring, started below, is on it.
        let config = home.join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{bus}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
            ),
        )
        .unwrap();
        let dbus = Guard::spawn(
            "dbus-daemon",
            Command::new("dbus-daemon")
                .arg(format!("--config-file={}", config.display()))
                .args(["--nofork", "--nopidfile"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        wait_until("the session bus socket", Duration::from_secs(10), || {
            socket.exists()
        });
        let mut keyring = Guard::spawn(
            "gnome-keyring-daemon",
            Command::new("gnome-keyring-daemon")
                .args(["--foreground", "--unlock", "--components=secrets"])
                .env("DBUS_SESSION_BUS_ADDRESS", &bus)
                .env("HOME", home)
                .env("XDG_DATA_HOME", home.join(".local/share"))
                .env_remove("DISPLAY")
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        {
            use std::io::Write as _;
            let mut stdin = keyring.child.stdin.take().unwrap();
            stdin.write_all(PASSWORD.as_bytes()).unwrap();
        }
        // Ready when the Secret Service answers on the bus.
        wait_until(
            "gnome-keyring's Secret Service",
            Duration::from_secs(15),
            || {
                Command::new("dbus-send")
                    .env("DBUS_SESSION_BUS_ADDRESS", &bus)
                    .args([
                        "--session",
                        "--print-reply",
                        "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus",
                        "org.freedesktop.DBus.GetNameOwner",
                        "string:org.freedesktop.secrets",
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            },
        );
        Keyring {
            bus,
            home: home.to_owned(),
            _keyring: keyring,
            _bus: dbus,
        }
    }

    /// The environment a program needs to use this keyring.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus.clone()),
            // No accessibility bridge or portals on this bus.
            ("NO_AT_BRIDGE".into(), "1".into()),
            ("GTK_USE_PORTAL".into(), "0".into()),
            ("HOME".into(), self.home.display().to_string()),
            (
                "XDG_DATA_HOME".into(),
                self.home.join(".local/share").display().to_string(),
            ),
        ]
    }

    /// Deletes every item of `service` with `secret-tool`.
    pub fn clear(&self, service: &str) {
        let status = Command::new("secret-tool")
            .args(["clear", "service", service])
            .envs(self.env())
            .env_remove("DISPLAY")
            .status()
            .unwrap_or_else(|e| panic!("secret-tool: {e}"));
        assert!(status.success(), "secret-tool clear failed");
    }
}

/// tauri-driver on a free port (its WebKitWebDriver on another).
pub struct Driver {
    /// The WebDriver port.
    pub port: u16,
    _driver: Guard,
    /// What the driver and the apps it launched printed.
    log: PathBuf,
}

impl Driver {
    /// Starts `tauri-driver` with `env` (DISPLAY, the bus, the app's
    /// variables), which the app it launches inherits. What the driver and
    /// the app print goes to `log`, shown when a test fails.
    pub fn start(env: &[(String, String)], log: &Path) -> Driver {
        let out = std::fs::File::create(log)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = out.try_clone().unwrap();
        let port = free_port();
        let native = free_port();
        let driver = Guard::spawn(
            "tauri-driver",
            Command::new(tauri_driver())
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native.to_string(),
                ])
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err),
        );
        // Both the driver and the WebKitWebDriver it starts must listen.
        wait_until("tauri-driver", Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && std::net::TcpStream::connect(("127.0.0.1", native)).is_ok()
        });
        Driver {
            port,
            _driver: driver,
            log: log.to_path_buf(),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(80).collect();
            eprintln!("----- last lines of tauri-driver and the app -----");
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// `$ACCORD_TAURI_DRIVER`, else `tauri-driver` on PATH or in ~/.cargo/bin.
fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("ACCORD_TAURI_DRIVER").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cargo = home.join(".cargo/bin/tauri-driver");
    if cargo.is_file() {
        return cargo;
    }
    PathBuf::from("tauri-driver")
}
