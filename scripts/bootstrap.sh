#!/usr/bin/env bash
# Makes this machine ready to build, serve and test the playground. Idempotent: every step
# checks first and is skipped when already done, so a second run takes seconds.
#
# Two routes to a wasm32 toolchain:
#   - online machine: `rustup target add wasm32-unknown-unknown` (tried with a timeout);
#   - offline machine whose rustup cannot download (see docs/toolchain.md): Debian's
#     rustc-web + rust-web-src + lld-22, the wasm32 std built once into that sysroot, a
#     rust-lld link, and a rustup toolchain named `system-web` linked to /usr.
# The chosen toolchain name is written to $BIOPLAY_CACHE/toolchain; scripts/env.sh reads it.
#
# Tools (trunk, wasm-bindgen-cli at exactly Cargo.lock's version, wasm-pack) are installed
# into $BIOPLAY_CACHE/tools; browsers (Chromium, ChromeDriver) and wasm-opt from Debian's
# packages; wasm-opt (binaryen) from npm into $BIOPLAY_CACHE/tools/binaryen; the
# end-to-end test's npm packages into tests/e2e/node_modules.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$root/scripts/env.sh"

TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.15.1
# binaryen from npm: Debian bookworm's wasm-opt (108) corrupts modules that use reference
# types (all Rust >= 1.82 output); the npm build is current and needs only Node.
BINARYEN_VERSION=132.0.0
WASM_TARGET=wasm32-unknown-unknown

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[bootstrap] error:\033[0m %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

sudo_if_needed() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif have sudo; then sudo "$@"; else die "need root for: $*"; fi
}

apt_updated=0
apt_install() {
    have apt-get || die "apt-get not found: install $* with your system's package manager"
    if [ $apt_updated -eq 0 ]; then
        log "apt-get update"
        sudo_if_needed apt-get update -q >/dev/null
        apt_updated=1
    fi
    log "apt-get install $*"
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

# Does toolchain $1 (a rustup name, or "" for the default) have a wasm32 std?
has_wasm_std() {
    local libdir
    if [ -n "$1" ]; then
        libdir=$(RUSTUP_TOOLCHAIN="$1" rustc --print target-libdir --target "$WASM_TARGET" 2>/dev/null) || return 1
    else
        libdir=$(env -u RUSTUP_TOOLCHAIN rustc --print target-libdir --target "$WASM_TARGET" 2>/dev/null) || return 1
    fi
    compgen -G "$libdir/libstd-*.rlib" >/dev/null
}

# The offline route: Debian's toolchain with a wasm32 std we build from its sources.
debian_web_toolchain() {
    local pkgs=()
    [ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '^rustc 1\.9' || pkgs+=(rustc-web cargo-web)
    [ -d /usr/lib/rustlib/src/rust/library ] || pkgs+=(rust-web-src)
    [ -x /usr/lib/llvm-22/bin/lld ] || pkgs+=(lld-22)
    [ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"

    if [ ! -e /usr/local/bin/rust-lld ]; then
        log "linking rust-lld to LLVM 22's lld"
        sudo_if_needed ln -sf /usr/lib/llvm-22/bin/lld /usr/local/bin/rust-lld
    fi

    local sysroot_lib=/usr/lib/rustlib/$WASM_TARGET/lib
    if ! compgen -G "$sysroot_lib/libstd-*.rlib" >/dev/null; then
        log "building the wasm32 standard library from Debian's sources (about a minute)"
        local scratch="$BIOPLAY_CACHE/std-build"
        rm -rf "$scratch" && mkdir -p "$scratch/src"
        printf '[package]\nname = "bioplay_std_seed"\nversion = "0.0.0"\nedition = "2021"\n[workspace]\n' >"$scratch/Cargo.toml"
        echo 'pub fn seed() {}' >"$scratch/src/lib.rs"
        (cd "$scratch" && env -u RUSTUP_TOOLCHAIN -u CARGO_TARGET_DIR RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
            /usr/bin/cargo build -q --release --target "$WASM_TARGET" \
            -Z build-std=std,panic_abort,panic_unwind,test,proc_macro)
        sudo_if_needed mkdir -p "$sysroot_lib"
        find "$scratch/target/$WASM_TARGET/release/deps" -name '*.rlib' ! -name 'libbioplay_std_seed-*' \
            -exec cp {} "$sysroot_lib/" \;
        rm -rf "$scratch"
    fi

    if have rustup; then
        if ! rustup toolchain list | grep -q '^system-web'; then
            log "linking rustup toolchain system-web -> /usr"
            rustup toolchain link system-web /usr
        fi
        echo system-web >"$BIOPLAY_CACHE/toolchain"
    else
        echo "" >"$BIOPLAY_CACHE/toolchain"
    fi
}

ensure_wasm_toolchain() {
    local current
    current=$(cat "$BIOPLAY_CACHE/toolchain" 2>/dev/null || true)
    if [ -n "$current" ] && has_wasm_std "$current"; then return; fi
    if has_wasm_std ""; then echo "" >"$BIOPLAY_CACHE/toolchain"; return; fi
    if has_wasm_std system-web; then echo system-web >"$BIOPLAY_CACHE/toolchain"; return; fi
    if have rustup && [ -z "${BIOPLAY_OFFLINE:-}" ]; then
        log "rustup target add $WASM_TARGET (90 s limit: it hangs on machines without rustup's server)"
        if timeout 90 rustup target add "$WASM_TARGET" >/dev/null 2>&1 && has_wasm_std ""; then
            echo "" >"$BIOPLAY_CACHE/toolchain"
            return
        fi
        log "rustup could not download the target; taking the Debian route"
    fi
    debian_web_toolchain
    has_wasm_std "$(cat "$BIOPLAY_CACHE/toolchain")" || die "no wasm32 standard library after set-up"
}

# The threaded engine worker builds its standard library from source, with atomics
# (scripts/build-engine-threads.sh): the build toolchain needs its library sources. Online,
# rustup's rust-src; on the Debian route, rust-web-src, which debian_web_toolchain installs.
ensure_std_sources() {
    [ "${BIOPLAY_THREADS:-1}" = 0 ] && return
    local sysroot
    sysroot=$(rustc --print sysroot)
    [ -d "$sysroot/lib/rustlib/src/rust/library" ] && return
    if [ -z "$(cat "$BIOPLAY_CACHE/toolchain" 2>/dev/null)" ] && have rustup && [ -z "${BIOPLAY_OFFLINE:-}" ]; then
        log "rustup component add rust-src (90 s limit)"
        timeout 90 rustup component add rust-src >/dev/null 2>&1 || true
        [ -d "$sysroot/lib/rustlib/src/rust/library" ] && return
    fi
    die "no standard library sources for $(rustc --version): the threaded engine cannot be built (rustup component add rust-src; or BIOPLAY_THREADS=0 to build without it, single-threaded)"
}

# cargo install NAME at VERSION into $BIOPLAY_CACHE/tools unless BIN already reports it.
# The tools are built without link-time optimisation and in 16 codegen units whatever their
# own release profile says (trunk's asks for fat LTO in one unit): they only orchestrate
# the build, and trunk then builds in 6 minutes instead of 8 on a 2-core machine
# (docs/benchmarks.md). The three share one target directory, removed at the end, so the
# dependencies they have in common are built once.
cargo_tool() {
    local name=$1 version=$2 bin=$3; shift 3
    if "$BIOPLAY_CACHE/tools/bin/$bin" --version 2>/dev/null | grep -qF " $version"; then return; fi
    log "cargo install $name $version (a few minutes, once)"
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        CARGO_TARGET_DIR="$BIOPLAY_CACHE/tools/target" \
        cargo install -q --root "$BIOPLAY_CACHE/tools" "$name" --version "=$version" --force "$@"
}

lockfile_version() {
    awk -v n="$1" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock"
}

ensure_tools() {
    cargo_tool trunk "$TRUNK_VERSION" trunk --locked
    local wb
    wb=$(lockfile_version wasm-bindgen)
    [ -n "$wb" ] || die "wasm-bindgen not found in Cargo.lock"
    # --locked fails to resolve one pinned dependency of wasm-bindgen-cli on some machines.
    cargo_tool wasm-bindgen-cli "$wb" wasm-bindgen
    cargo_tool wasm-pack "$WASM_PACK_VERSION" wasm-pack --locked
    rm -rf "$BIOPLAY_CACHE/tools/target"
}

ensure_browser() {
    local pkgs=()
    have chromium || pkgs+=(chromium)
    have chromedriver || pkgs+=(chromium-driver)
    [ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"
}

ensure_binaryen() {
    local dir="$BIOPLAY_CACHE/tools/binaryen"
    if "$dir/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
        return
    fi
    log "npm install binaryen@$BINARYEN_VERSION (wasm-opt)"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION" >/dev/null
}

ensure_node_packages() {
    have npm || apt_install nodejs npm
    local e2e="$root/tests/e2e"
    if [ ! -f "$e2e/node_modules/.package-lock.json" ] ||
        [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
        log "npm ci in tests/e2e"
        (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    fi
}

main() {
    mkdir -p "$BIOPLAY_CACHE"
    ensure_wasm_toolchain
    # Re-read the env now that the toolchain is known.
    . "$root/scripts/env.sh"
    ensure_std_sources
    ensure_browser
    ensure_tools
    ensure_node_packages
    ensure_binaryen
    # No `rustup override` for the checkout: Debian's toolchain has no rustfmt or clippy, and
    # an override would take them away from plain `cargo fmt`. `source scripts/env.sh` gives
    # a shell the toolchain that make uses.
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
