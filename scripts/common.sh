# Shared by the scripts: where builds are cached, and installing what is missing.
# Sourced, not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The build cache lives outside the clone, so a fresh clone (and CI) reuses it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/restphone/target}"

# Debian packages the build needs; installed only when one is missing.
# libasound2-dev: cpal (audio devices).
BUILD_PACKAGES=(build-essential pkg-config libopus-dev libasound2-dev)

install_missing_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        echo "installing: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

require_cargo() {
    if ! command -v cargo >/dev/null; then
        [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cargo >/dev/null || {
        echo "restphone needs a Rust toolchain (cargo, rustc >= 1.95): install it with rustup" >&2
        exit 1
    }
}

install_missing_packages "${BUILD_PACKAGES[@]}"
require_cargo
