# Shared by scripts/run and scripts/test: find the toolchain, keep the build
# cache outside the clone so repeated runs (and CI) are incremental.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/accord/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# No incremental caches: they are tens of GB for this workspace, and CI builds
# each crate once anyway.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# The Rust release installed when there is none (rust-version in Cargo.toml
# is the minimum).
RUST_TOOLCHAIN=1.95.0

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    # No toolchain (Debian's rustc is too old): rustup, with the release this
    # workspace is built and tested with.
    echo "== installing Rust $RUST_TOOLCHAIN with rustup"
    command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
    local init
    # rustup-init acts on its own file name: keep it.
    init="$(mktemp -d)/rustup-init"
    curl --proto '=https' --tlsv1.2 -sSf -o "$init" \
      "https://static.rust-lang.org/rustup/dist/$(uname -m)-unknown-linux-gnu/rustup-init"
    chmod +x "$init"
    "$init" -y --quiet --profile minimal --default-toolchain "$RUST_TOOLCHAIN"
    rm -rf "$(dirname "$init")"
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
  fi
  # C and C++ compilers for the -sys crates (SQLite, ring, libbitcoinconsensus).
  if ! command -v cc >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
    apt_install build-essential pkg-config
  fi
}

# Chain software the tests run against, installed from the npm registry into
# the cache (pinned; idempotent). Tests find it through these variables.
TOOLS="$HOME/.cache/accord/tools"
export ACCORD_ANVIL="${ACCORD_ANVIL:-$TOOLS/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil}"
ANVIL_VERSION=1.7.1

ensure_test_tools() {
  if [ ! -x "$ACCORD_ANVIL" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      apt_install nodejs npm
    fi
    npm install --no-audit --no-fund --loglevel=error --prefix "$TOOLS" "@foundry-rs/anvil-linux-amd64@$ANVIL_VERSION" >/dev/null
  fi
}

# apt-get with a private archive dir (see shared/FIELD-NOTES.md).
apt_install() {
  mkdir -p /tmp/apt-archives/partial
  local apt=(apt-get -o Dir::Cache::archives=/tmp/apt-archives -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq "$@" >/dev/null
}

# The desktop app: Debian packages Tauri 2 builds against (WebKitGTK 4.1,
# GTK 3) and, for its tests, an X server, the WebDriver of WebKitGTK, a
# session bus and gnome-keyring's Secret Service. Installs only what is
# missing.
DESKTOP_BUILD_PACKAGES=(libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libgtk-3-dev build-essential pkg-config)
DESKTOP_TEST_PACKAGES=(xvfb xauth webkit2gtk-driver dbus dbus-bin dbus-x11 gnome-keyring libsecret-tools imagemagick openssl)

ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "== apt: installing ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

export ACCORD_TAURI_DRIVER="${ACCORD_TAURI_DRIVER:-$TOOLS/bin/tauri-driver}"

# Packages, the UI (wasm, via scripts/build-ui) and, with "test",
# tauri-driver for the WebDriver test.
ensure_desktop() {
  ensure_packages "${DESKTOP_BUILD_PACKAGES[@]}"
  if [ "${1:-}" = test ]; then
    ensure_packages "${DESKTOP_TEST_PACKAGES[@]}"
    if [ ! -x "$ACCORD_TAURI_DRIVER" ]; then
      echo "== cargo install tauri-driver"
      cargo install tauri-driver --version '^2' --locked --root "$TOOLS" --quiet
    fi
  fi
  "$ROOT/scripts/build-ui"
}
