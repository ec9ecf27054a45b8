#!/usr/bin/env bash
# Shrinks the .wasm modules of a trunk build (the page's, the engine worker's and the
# threaded engine worker's) with
# binaryen's wasm-opt (when installed), keeps the page's subresource-integrity hash in
# step, and prints each module's size raw and gzipped.
#
#   scripts/optimize-wasm.sh DIST_DIR
#
# wasm-opt is run here rather than by trunk because trunk insists on downloading its own
# binaryen release, which offline machines cannot. It uses the binaryen that bootstrap.sh
# installs from npm, else a wasm-opt on PATH of version 116 or later (older ones, such as
# Debian bookworm's 108, corrupt modules with reference types). Optimising takes minutes,
# so results are cached by the input's hash in $BIOPLAY_CACHE/wasm-opt. If wasm-opt fails,
# the working unoptimised module stays.
set -euo pipefail

dist=${1:?usage: optimize-wasm.sh DIST_DIR}
shopt -s nullglob
modules=("$dist"/*_bg.wasm)
[ ${#modules[@]} -ge 1 ] || { echo "no *_bg.wasm in $dist" >&2; exit 1; }
level=${WASM_OPT_LEVEL:--O2}
cache_dir="${BIOPLAY_CACHE:-$HOME/.cache/bioplay}/wasm-opt"

size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }

find_wasm_opt() {
    local npm_bin="${BIOPLAY_CACHE:-$HOME/.cache/bioplay}/tools/binaryen/node_modules/.bin/wasm-opt"
    if [ -x "$npm_bin" ]; then echo "$npm_bin"; return; fi
    local version
    version=$(wasm-opt --version 2>/dev/null | grep -o 'version [0-9]*' | grep -o '[0-9]*') || return 1
    if [ "$version" -ge 116 ]; then command -v wasm-opt; else
        echo "wasm-opt $version on PATH is too old (needs 116+); run scripts/bootstrap.sh" >&2
        return 1
    fi
}

optimise() {
    local wasm=$1 before key start wasm_opt
    before=$(size "$wasm")
    key=$(sha256sum "$wasm" | cut -c1-32)-${level#-}
    if [ -f "$cache_dir/$key.wasm" ]; then
        cp "$cache_dir/$key.wasm" "$wasm"
        echo "wasm-opt $level: $(mb "$before") -> $(mb "$(size "$wasm")") (cached)"
    elif wasm_opt=$(find_wasm_opt); then
        start=$(date +%s)
        if "$wasm_opt" "$level" --strip-debug --strip-producers \
            --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
            --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-threads \
            "$wasm" -o "$wasm.opt" 2>"$wasm.opt.log"; then
            mv "$wasm.opt" "$wasm"
            rm -f "$wasm.opt.log"
            mkdir -p "$cache_dir"
            cp "$wasm" "$cache_dir/$key.wasm.part" && mv "$cache_dir/$key.wasm.part" "$cache_dir/$key.wasm"
            echo "wasm-opt $level: $(mb "$before") -> $(mb "$(size "$wasm")") in $(($(date +%s) - start)) s"
        else
            echo "warning: wasm-opt failed, keeping the unoptimised module:" >&2
            head -5 "$wasm.opt.log" >&2
            rm -f "$wasm.opt" "$wasm.opt.log"
        fi
    else
        echo "no usable wasm-opt: the module stays unoptimised (scripts/bootstrap.sh installs one)"
    fi
}

# trunk put the original module's sha384 integrity hash and size (for the download progress)
# into index.html.
update_page() {
python3 - "$dist/index.html" "$1" <<'PY'
import base64, hashlib, os, re, sys
html_path, wasm_path = sys.argv[1], sys.argv[2]
name = os.path.basename(wasm_path)
digest = base64.b64encode(hashlib.sha384(open(wasm_path, "rb").read()).digest()).decode()
html = open(html_path, encoding="utf-8").read()
pattern = re.compile(r'(<link[^>]*href="[^"]*' + re.escape(name) + r'"[^>]*integrity=")sha384-[^"]*(")')
html, n = pattern.subn(lambda m: m.group(1) + "sha384-" + digest + m.group(2), html)
if n == 0 and "integrity=" in html:
    pattern = re.compile(r'(integrity=")sha384-[^"]*("[^>]*href="[^"]*' + re.escape(name) + r')')
    html, n = pattern.subn(lambda m: m.group(1) + "sha384-" + digest + m.group(2), html)
size = os.path.getsize(wasm_path)
html, m = re.subn(r"(__trunkInitializer\(init, '[^']*" + re.escape(name) + r"', )\d+", lambda g: g.group(1) + str(size), html)
open(html_path, "w", encoding="utf-8").write(html)
if n == 0 or m == 0:
    sys.exit(f"could not update index.html for {name}: {n} integrity hash(es), {m} size(s) found")
PY
}

# The modules are optimised side by side, one wasm-opt per core, largest first: npm's
# binaryen runs on one core, so three in a row took 4 min 7 s of a cold `make dist` on two
# cores (docs/benchmarks.md). Each one's report is printed when all are done, in order.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
lanes=$(nproc 2>/dev/null || echo 1)
mapfile -t by_size < <(for i in "${!modules[@]}"; do echo "$(size "${modules[$i]}") $i"; done | sort -rn | cut -d' ' -f2)
running=0
for i in "${by_size[@]}"; do
    if [ "$running" -ge "$lanes" ]; then wait -n || true; running=$((running - 1)); fi
    # A plain statement, so that `set -e` stops the job at optimise's first failing command
    # (inside `&&` it would not) and the marker is missing.
    { optimise "${modules[$i]}" >"$logs/$i" 2>&1; : >"$logs/$i.ok"; } &
    running=$((running + 1))
done
wait
failed=0
for i in "${!modules[@]}"; do
    cat "$logs/$i"
    [ -e "$logs/$i.ok" ] || failed=1
done
[ $failed -eq 0 ] || { echo "optimize-wasm: a module's optimisation failed (above)" >&2; exit 1; }
# Keep the cache small: the nine newest results (three modules per build).
if [ -d "$cache_dir" ]; then
    find "$cache_dir" -maxdepth 1 -name '*.wasm' -printf '%T@ %p\n' | sort -rn |
        tail -n +10 | cut -d' ' -f2- | xargs -r rm -f --
fi

for wasm in "${modules[@]}"; do
    # The page's module is named in index.html (integrity hash and size); the worker's is
    # loaded by its shim.
    if grep -q "$(basename "$wasm")" "$dist/index.html"; then update_page "$wasm"; fi
    echo "wasm size: $(mb "$(size "$wasm")") raw, $(mb "$(gz "$wasm")") gzipped ($(basename "$wasm"))"
done

# The size above is in one of the page's inline scripts, which the content-security policy
# allows by hash: write the policy again for the page as it is now.
node "$(dirname "$0")/csp.mjs" "$dist"
