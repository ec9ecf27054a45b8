#!/usr/bin/env bash
# `make fuzz`: runs every fuzz target (fuzz/src/lib.rs) under libFuzzer for a bounded number
# of executions and time, and prints executions, crashes and hangs per target.
#
#   FUZZ_RUNS     executions per target (default 1000000)
#   FUZZ_SECONDS  at most this many seconds per target (default 300)
#   FUZZ_TARGETS  which targets (default: all)
#
# The targets are built with coverage instrumentation (`-Cpasses=sancov-module`, as
# cargo-fuzz does, with no sanitizer: the code under test is safe Rust) into their own
# target directory under the cache; no nightly compiler or cargo-fuzz is needed. An input
# that panics, or runs longer than 1 s, stops its target and is saved under
# build/fuzz/artifacts/<target>/: copy it into fuzz/regressions/<target>/, where
# `cargo test` replays it, and fix the cause. What each target learns (its corpus) is kept
# in the cache, so a later run goes on from there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/env.sh

runs="${FUZZ_RUNS:-1000000}"
seconds="${FUZZ_SECONDS:-300}"
targets="${FUZZ_TARGETS:-idx config share_link run_file}"
host="$(rustc -vV | sed -n 's/^host: //p')"
target_dir="$BIOPLAY_CACHE/target-fuzz"
work="$BIOPLAY_CACHE/fuzz-corpus"
artifacts="$root/build/fuzz/artifacts"

# --target keeps the instrumentation off build scripts and proc macros.
flags=(
    -Cpasses=sancov-module
    -Cllvm-args=-sanitizer-coverage-level=4
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
    -Cllvm-args=-sanitizer-coverage-pc-table
    -Cllvm-args=-sanitizer-coverage-trace-compares
    --cfg fuzzing
)
echo "fuzz: building the targets (instrumented, $target_dir)"
RUSTFLAGS="${flags[*]}" CARGO_TARGET_DIR="$target_dir" \
    cargo build --locked --profile fuzz -p bioplay-fuzz --features libfuzzer --bins --target "$host"

status=0
summary=()
for name in $targets; do
    bin="$target_dir/$host/fuzz/fuzz-${name//_/-}"
    mkdir -p "$work/$name" "$artifacts/$name" "$root/build/fuzz"
    log="$root/build/fuzz/$name.log"
    touch "$log.start" # what this run saves is newer than this
    echo "fuzz: $name: up to $runs executions or $seconds s"
    set +e
    "$bin" "$work/$name" "fuzz/corpus/$name" \
        -runs="$runs" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/$name/" -print_final_stats=1 >"$log" 2>&1
    code=$?
    set -e
    executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    took="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
    coverage="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
    crashes="$(find "$artifacts/$name" -name 'crash-*' -newer "$log.start" | wc -l)"
    hangs="$(find "$artifacts/$name" -name 'timeout-*' -newer "$log.start" | wc -l)"
    if [ "$code" -ne 0 ] && [ "$crashes" -eq 0 ] && [ "$hangs" -eq 0 ]; then
        crashes=1 # an error libFuzzer saved no input for (out of memory, a leak): see the log
    fi
    summary+=("$(printf '%-11s %12s %8s %9s %8s %6s' "$name" "${executions:-?}" "${took:-?}" "${coverage:-?}" "$crashes" "$hangs")")
    if [ "$code" -ne 0 ]; then
        status=1
        echo "fuzz: $name failed (exit $code); the log is $log, inputs under $artifacts/$name/" >&2
        tail -30 "$log" >&2
    fi
done

echo
echo "fuzz: $(date -u +%Y-%m-%d) on $(nproc) cores, at most $runs executions or $seconds s per target"
printf '%-11s %12s %8s %9s %8s %6s\n' target executions seconds coverage crashes hangs
printf '%s\n' "${summary[@]}"
exit "$status"
