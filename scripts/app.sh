# The desktop app: installs what it needs to build and to be tested (Debian packages,
# Node packages, tauri-driver), builds the UI when it changed, then the `restphone`
# binary (debug, with the UI inside). Sourced after common.sh, not run.
declare -F install_missing_packages >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Tauri on WebKitGTK; then what the end-to-end tests drive the window with (and the
# session bus their notification server and tray host sit on).
APP_BUILD_PACKAGES=(libwebkit2gtk-4.1-dev build-essential file libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev pkg-config)
APP_TEST_PACKAGES=(xvfb xauth webkit2gtk-driver dbus)
install_missing_packages "${APP_BUILD_PACKAGES[@]}" "${APP_TEST_PACKAGES[@]}"

# Node 18 or newer builds the UI (Debian 12's nodejs is 18).
command -v npm >/dev/null || install_missing_packages nodejs npm
if (($(node -p 'process.versions.node.split(".")[0]') < 18)); then
    echo "restphone's UI needs Node.js 18 or newer (found $(node --version))" >&2
    exit 1
fi

# `npm ci` when the lock file changed since the last install.
lock_stamp=ui/node_modules/.restphone-lock
if [ ! -f "$lock_stamp" ] || [ "$(sha256sum < ui/package-lock.json)" != "$(cat "$lock_stamp")" ]; then
    (cd ui && npm ci --no-audit --no-fund)
    sha256sum < ui/package-lock.json > "$lock_stamp"
fi
# The binary embeds ui/dist: rebuild it only when a source is newer, so cargo does not relink for nothing.
if [ ! -f ui/dist/index.html ] || [ -n "$(find ui/src ui/public ui/index.html ui/vite.config.ts ui/package-lock.json -newer ui/dist/index.html -print -quit)" ]; then
    (cd ui && npm run build)
fi

command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] || cargo install tauri-driver --version '^2' --locked

cargo build --locked -p restphone
# tests/app also has Bob write to the app with restphone-cli.
cargo build --locked -p restphone-phone --bin restphone-cli
