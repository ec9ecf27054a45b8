# Sourced by the Makefile and scripts: where build caches and tools live, which toolchain.
# Caches sit outside the checkout so that a fresh clone (CI) reuses them.
# shellcheck shell=bash
export BIOPLAY_CACHE="${BIOPLAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bioplay}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$BIOPLAY_CACHE/target}"
case ":$PATH:" in *":$BIOPLAY_CACHE/tools/bin:"*) ;; *) export PATH="$BIOPLAY_CACHE/tools/bin:$PATH" ;; esac
# The toolchain bootstrap chose: empty means rustup's default (it has the wasm32 target).
bioplay_toolchain="$(cat "$BIOPLAY_CACHE/toolchain" 2>/dev/null || true)"
if [ -n "$bioplay_toolchain" ]; then
    export RUSTUP_TOOLCHAIN="$bioplay_toolchain"
fi
unset bioplay_toolchain
