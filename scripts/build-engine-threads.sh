#!/usr/bin/env bash
# Builds the threaded engine worker into DIST_DIR (a trunk build's output; trunk runs this
# as a post-build hook, Trunk.toml): `bioplay-worker-mt_loader.js`, its wasm-bindgen glue
# `bioplay-worker-mt.js` and module `bioplay-worker-mt_bg.wasm`, and `engine-thread.js`,
# the script of each helper thread. The page starts this worker instead of trunk's
# single-threaded one when it is cross-origin isolated (src/shell/engine.rs).
#
#   scripts/build-engine-threads.sh [DIST_DIR]   (default: $TRUNK_STAGING_DIR)
#
# Threads in wasm need the standard library compiled with atomics, which no toolchain
# ships for wasm32: cargo builds it from source (`-Z build-std`, allowed on a stable
# compiler by RUSTC_BOOTSTRAP=1, as scripts/bootstrap.sh's own std build does), from
# rustup's rust-src or Debian's rust-web-src, whichever the bootstrap set up. The flags
# differ from the other builds', so this one has its own target directory, kept between
# runs like the others ($BIOPLAY_CACHE/target-threads). BIOPLAY_THREADS=0 skips it (the
# page then runs single-threaded and says why).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
. scripts/env.sh

out="${1:-${TRUNK_STAGING_DIR:-}}"
[ -n "$out" ] || { echo "usage: build-engine-threads.sh DIST_DIR" >&2; exit 2; }
if [ "${BIOPLAY_THREADS:-1}" = 0 ]; then
    echo "build-engine-threads: skipped (BIOPLAY_THREADS=0)"
    exit 0
fi

target=wasm32-unknown-unknown
target_dir="$BIOPLAY_CACHE/target-threads"
profile=release
[ "${TRUNK_PROFILE:-release}" = debug ] && profile=debug
# Atomics and bulk memory in the code; a shared memory that the module imports (so every
# thread's instance gets the same one), at most 2 GiB, with the thread-local storage
# symbols wasm-bindgen sets up for each thread; the same getrandom backend as
# .cargo/config.toml, and SIMD for all code as there (RUSTFLAGS replaces that file's
# flags).
link_args=(--shared-memory --import-memory --max-memory=2147483648
    --export=__wasm_init_tls --export=__tls_size --export=__tls_align --export=__tls_base)
RUSTFLAGS='-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128 --cfg getrandom_backend="wasm_js"'
for arg in "${link_args[@]}"; do RUSTFLAGS+=" -C link-arg=$arg"; done
export RUSTFLAGS
export RUSTC_BOOTSTRAP=1
release_flag=()
[ "$profile" = release ] && release_flag=(--release)
cargo build "${release_flag[@]}" --locked --target "$target" -Z build-std=panic_abort,std \
    --bin bioplay-worker --features threads --target-dir "$target_dir"

wasm-bindgen --target no-modules --no-typescript --out-dir "$out" --out-name bioplay-worker-mt \
    "$target_dir/$target/$profile/bioplay-worker.wasm"
printf 'importScripts("./bioplay-worker-mt.js");wasm_bindgen({ module_or_path: "./bioplay-worker-mt_bg.wasm" });' \
    >"$out/bioplay-worker-mt_loader.js"
cp static/engine-thread.js "$out/engine-thread.js"
echo "build-engine-threads: $out/bioplay-worker-mt_bg.wasm ($(du -h "$out/bioplay-worker-mt_bg.wasm" | cut -f1))"
