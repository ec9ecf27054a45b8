#!/usr/bin/env bash
# `make lint`: formatting and clippy (warnings are errors), natively and for wasm32, where
# the browser shell is the only code that compiles, and the CI workflow files against
# GitHub's schema. Quick when nothing changed.
#
# The toolchain that builds the app (scripts/env.sh) may be Debian's, which ships neither
# rustfmt nor clippy (the offline route of scripts/bootstrap.sh). Then formatting and the
# native clippy run on rustup's default toolchain, and the wasm32 shell, which needs the
# wasm32 std that only the build toolchain has, is checked with the compiler's own lints
# (the workspace's `[lints]`, warnings as errors) instead of clippy's; the log says so.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/env.sh

wasm_target=wasm32-unknown-unknown

# Runs cargo with the build toolchain when it has component $1, else with rustup's default.
with_component() {
    local tool="$1"
    shift
    if cargo "$tool" --version >/dev/null 2>&1; then
        cargo "$@"
    elif env -u RUSTUP_TOOLCHAIN cargo "$tool" --version >/dev/null 2>&1; then
        echo "lint: $RUSTUP_TOOLCHAIN has no $tool; using rustup's default toolchain for it"
        env -u RUSTUP_TOOLCHAIN cargo "$@"
    else
        echo "lint: no toolchain here has $tool (rustup component add $tool)" >&2
        exit 1
    fi
}

echo "lint: cargo fmt --check"
with_component fmt fmt --all --check

echo "lint: clippy, native"
with_component clippy clippy --workspace --all-targets --locked -- -D warnings

echo "lint: clippy, $wasm_target (the browser shell)"
if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --target "$wasm_target" -p bioplay --all-targets --all-features --locked -- -D warnings
else
    echo "lint: ${RUSTUP_TOOLCHAIN:-this toolchain} has no clippy; checking $wasm_target with rustc's lints only"
    log="$(mktemp)"
    cargo check --target "$wasm_target" -p bioplay --all-targets --all-features --locked \
        --message-format=short 2>&1 | tee "$log"
    if grep -qE '^(warning|error)' "$log"; then
        rm -f "$log"
        echo "lint: $wasm_target has warnings (see above)" >&2
        exit 1
    fi
    rm -f "$log"
fi

# The GitHub Actions workflows cannot run here: check them against GitHub's workflow schema
# (action-validator, pinned in tests/e2e/package.json, which bootstrap.sh installs).
echo "lint: workflow files (action-validator)"
validator="$root/tests/e2e/node_modules/.bin/action-validator"
[ -x "$validator" ] || { echo "lint: $validator missing (run scripts/bootstrap.sh)" >&2; exit 1; }
for workflow in "$root"/.github/workflows/*.yml; do
    "$validator" "$workflow" || { echo "lint: $workflow does not validate (above)" >&2; exit 1; }
done
echo "lint: clean"
