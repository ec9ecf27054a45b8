// `make bench`: opens the benchmark page (a `--features bench` build) in headless Chromium
// on WebGPU (SwiftShader here, a real GPU where there is one) and on the CPU fallback,
// reads the native runner's figures, and prints one table with ratios, the wasm size and
// the time from page load to a ready device.
//
// Usage: node scripts/bench.mjs <bench dist dir> <native results JSON> <demo dist dir>
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { launch, openPage } from "../tests/e2e/browser.js";
import { serve } from "../tests/e2e/server.js";

const [benchDist, nativeJson, demoDist] = process.argv.slice(2);
if (!benchDist || !nativeJson) {
  console.error("usage: node scripts/bench.mjs <bench dist> <native.json> [demo dist]");
  process.exit(2);
}

async function browserRun(webgpu, backend) {
  const server = await serve(benchDist);
  const browser = await launch({ webgpu });
  try {
    const { page, errors, close } = await openPage(browser);
    await page.goto(`${server.url}?backend=${backend}#/bench`);
    const pre = page.locator('[data-testid="bench-json"]');
    await pre.waitFor({ timeout: 900_000 });
    const report = JSON.parse(await pre.innerText());
    await close();
    if (errors.length) report.console_errors = errors;
    return report;
  } finally {
    await browser.close();
    await server.close();
  }
}

const webgpu = await browserRun(true, "webgpu");
const cpu = await browserRun(false, "cpu");
const native = JSON.parse(readFileSync(nativeJson, "utf8"));

const byId = (list) => Object.fromEntries((list || []).map((r) => [r.workload, r]));
const rows = [
  ["workload", `ours WebGPU (${webgpu.adapter || webgpu.backend}) samples/s`, "ours CPU (wasm) samples/s", "native CPU samples/s",
    "wasm CPU / native", "first step WebGPU / CPU (wasm) / native", "guard loss WebGPU / CPU / native"],
];
const [g, c, n] = [byId(webgpu.results), byId(cpu.results), byId(native)];
const fmt = (v) => (v === undefined ? "–" : Math.round(v).toLocaleString("en-US"));
for (const id of ["mlp-1", "mlp-64", "mlp-256", "cnn-64"]) {
  const [a, b, d] = [g[id], c[id], n[id]];
  rows.push([
    id,
    fmt(a?.samples_per_s),
    fmt(b?.samples_per_s),
    fmt(d?.samples_per_s),
    b && d ? (b.samples_per_s / d.samples_per_s).toFixed(2) : "–",
    [a, b, d].map((r) => (r ? `${Math.round(r.first_step_ms)} ms` : "–")).join(" / "),
    [a, b, d].map((r) => (r ? r.guard_loss.toFixed(4) : "–")).join(" / "),
  ]);
}
const line = (cells) => `| ${cells.join(" | ")} |`;
console.log(line(rows[0]));
console.log(line(rows[0].map(() => "---")));
for (const r of rows.slice(1)) console.log(line(r));
console.log("");
console.log(`page load to a checked device: WebGPU ${Math.round(webgpu.ready_ms)} ms, CPU ${Math.round(cpu.ready_ms)} ms`);
if (demoDist) {
  const wasm = readdirSync(demoDist).find((f) => f.endsWith("_bg.wasm"));
  if (wasm) {
    const bytes = readFileSync(join(demoDist, wasm));
    console.log(`demo wasm: ${(bytes.length / 1048576).toFixed(1)} MB raw, ${(gzipSync(bytes, { level: 9 }).length / 1048576).toFixed(1)} MB gzipped (MB = 2^20 bytes, as make dist prints)`);
  }
}
for (const [name, r] of [["WebGPU", webgpu], ["CPU", cpu]]) {
  if (r.error) console.log(`${name} page error: ${r.error}`);
  if (r.console_errors) console.log(`${name} console errors: ${r.console_errors.join("; ")}`);
}
console.log("TF.js columns: not measured yet (issue #5).");
