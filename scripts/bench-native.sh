#!/usr/bin/env bash
# `make bench`, native half: the runner's benchmark on the CPU (and the plans the TF.js page
# trains from), then on the GPU. Results go to <out>/native-{cpu,gpu}.json; when the GPU run
# fails, its error goes to <out>/native-gpu.err and the table says why.
#
# Without a hardware Vulkan driver (as on a CI box) the GPU run uses SwiftShader through
# the Vulkan driver Chromium ships, the same software GPU the browser's WebGPU runs on here,
# so browser/native compares like with like. <out>/native-gpu.label names what ran.
#
# Usage: scripts/bench-native.sh <runner binary> <out dir> <plans dir>
set -euo pipefail
runner="$1" out="$2" plans="$3"

"$runner" bench --json "$out/native-cpu.json" --export "$plans"

swiftshader=""
for icd in /usr/lib/chromium/vk_swiftshader_icd.json /usr/lib/chromium-browser/vk_swiftshader_icd.json; do
    [ -f "$icd" ] && swiftshader="$icd" && break
done
hardware_icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null | wc -l || true)
if [ "$hardware_icds" -eq 0 ] && [ -n "$swiftshader" ] && [ -z "${VK_ICD_FILENAMES:-}" ]; then
    export VK_ICD_FILENAMES="$swiftshader"
    # Chromium's directory also has the Vulkan loader, which this machine may lack.
    export LD_LIBRARY_PATH="$(dirname "$swiftshader")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export WGPU_BACKEND=vulkan
    echo "SwiftShader (Vulkan, Chromium's driver)" >"$out/native-gpu.label"
else
    echo "the default GPU adapter" >"$out/native-gpu.label"
fi
if ! "$runner" bench --backend webgpu --json "$out/native-gpu.json" 2>"$out/native-gpu.err"; then
    cat "$out/native-gpu.err" >&2
    echo "(no native GPU figures; the table says why)" >&2
fi
