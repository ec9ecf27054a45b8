// `make bench`: opens the benchmark page (a `--features bench` build) in headless Chromium
// on WebGPU (SwiftShader here, a real GPU where there is one) and on the CPU fallback, runs
// the same workloads in TensorFlow.js (WebGPU, WebGL and WASM backends; bench/tfjs-bench.js,
// from the plans `bioplay bench --export` wrote into <bench dist>/tfjs/plans), reads the
// native runner's figures, and prints tables with ratios, the wasm size and the time from
// page load to a ready device.
//
// Usage: node scripts/bench.mjs <bench dist dir> <native results JSON> <demo dist dir>
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { launch, openPage } from "../tests/e2e/browser.js";
import { serve } from "../tests/e2e/server.js";

const [benchDist, nativeJson, demoDist] = process.argv.slice(2);
if (!benchDist || !nativeJson) {
  console.error("usage: node scripts/bench.mjs <bench dist> <native.json> [demo dist]");
  process.exit(2);
}

const TFJS = new URL("../bench/", import.meta.url).pathname;
const MODULES = join(TFJS, "node_modules/@tensorflow/");
const TFJS_FILES = [
  [TFJS, "tfjs.html"],
  [TFJS, "tfjs-bench.js"],
  [join(MODULES, "tfjs/dist"), "tf.min.js"],
  [join(MODULES, "tfjs-backend-webgpu/dist"), "tf-backend-webgpu.min.js"],
  [join(MODULES, "tfjs-backend-wasm/dist"), "tf-backend-wasm.min.js"],
  [join(MODULES, "tfjs-backend-wasm/dist"), "tfjs-backend-wasm.wasm"],
  [join(MODULES, "tfjs-backend-wasm/dist"), "tfjs-backend-wasm-simd.wasm"],
  [join(MODULES, "tfjs-backend-wasm/dist"), "tfjs-backend-wasm-threaded-simd.wasm"],
];
mkdirSync(join(benchDist, "tfjs"), { recursive: true });
for (const [dir, name] of TFJS_FILES) copyFileSync(join(dir, name), join(benchDist, "tfjs", name));

/** Opens `path` of the bench build and returns the JSON the page puts in `selector`. */
async function browserRun(webgpu, path, selector, isolated = false) {
  const server = await serve(benchDist, { isolated });
  const browser = await launch({ webgpu });
  try {
    const { page, errors, close } = await openPage(browser);
    await page.goto(server.url + path);
    const pre = page.locator(selector);
    await page.waitForFunction((s) => (document.querySelector(s)?.textContent || "").length > 2, selector, {
      timeout: 1_200_000,
    });
    const report = JSON.parse(await pre.innerText());
    await close();
    if (errors.length) report.console_errors = errors;
    return report;
  } finally {
    await browser.close();
    await server.close();
  }
}

const webgpu = await browserRun(true, "?backend=webgpu#/bench", '[data-testid="bench-json"]');
const cpu = await browserRun(false, "?backend=cpu#/bench", '[data-testid="bench-json"]');
const tfjs = {};
for (const backend of ["webgpu", "webgl", "wasm"]) {
  // Cross-origin isolation lets TF.js's WASM backend use threads: its best configuration.
  tfjs[backend] = await browserRun(true, `tfjs/tfjs.html?backend=${backend}`, "#result", true);
}
const native = JSON.parse(readFileSync(nativeJson, "utf8"));
// Every page's report, for a closer look (next to the native results).
writeFileSync(join(dirname(nativeJson), "browser.json"), JSON.stringify({ webgpu, cpu, tfjs }, null, 2));

const byId = (list) => Object.fromEntries((list || []).map((r) => [r.workload, r]));
const ours = { "ours WebGPU": byId(webgpu.results), "ours CPU (wasm)": byId(cpu.results) };
const theirs = Object.fromEntries(Object.entries(tfjs).map(([b, r]) => [`TF.js ${b}`, byId(r.results)]));
const nat = byId(native);
const columns = { ...ours, ...theirs, "native CPU": nat };
const fmt = (v) => (v === undefined ? "–" : Math.round(v).toLocaleString("en-US"));
const line = (cells) => `| ${cells.join(" | ")} |`;
const table = (title, head, rows) => {
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log(line(head.map(() => "---")));
  for (const r of rows) console.log(line(r));
};
const IDS = ["mlp-1", "mlp-64", "mlp-256", "cnn-64"];
// A result counts only if its guard loss is within this of the native one: a different loss
// means different work (or wrong arithmetic), and its speed says nothing.
const GUARD_TOLERANCE = 0.01;
const valid = (r, id) => r && nat[id] && Math.abs(r.guard_loss - nat[id].guard_loss) <= GUARD_TOLERANCE;
const best = (group, id) =>
  Math.max(0, ...Object.values(group).map((g) => (valid(g[id], id) ? g[id].samples_per_s : 0)));
const speed = (r, id) => (r === undefined ? "–" : `${fmt(r.samples_per_s)}${valid(r, id) ? "" : " ✗"}`);
table(
  `Samples per second (higher is better; ✗: guard loss off by more than ${GUARD_TOLERANCE}, not counted)`,
  ["workload", ...Object.keys(columns), "ours best / TF.js best", "wasm CPU / native"],
  IDS.map((id) => [
    id,
    ...Object.values(columns).map((c) => speed(c[id], id)),
    best(theirs, id) > 0 ? (best(ours, id) / best(theirs, id)).toFixed(2) : "–",
    cpu && nat[id] && ours["ours CPU (wasm)"][id]
      ? (ours["ours CPU (wasm)"][id].samples_per_s / nat[id].samples_per_s).toFixed(2)
      : "–",
  ]),
);
table(
  "Time to the first step, ms (start-up and shader compilation included)",
  ["workload", ...Object.keys(columns)],
  IDS.map((id) => [id, ...Object.values(columns).map((c) => fmt(c[id]?.first_step_ms))]),
);
table(
  "Guard loss after the same steps from the same weights (must agree)",
  ["workload", ...Object.keys(columns), "largest difference"],
  IDS.map((id) => {
    const losses = Object.values(columns).map((c) => c[id]?.guard_loss);
    const known = losses.filter((l) => l !== undefined);
    const spread = known.length ? Math.max(...known) - Math.min(...known) : NaN;
    return [id, ...losses.map((l) => (l === undefined ? "–" : l.toFixed(4))), spread.toExponential(1)];
  }),
);
console.log("");
console.log(`page load to a checked device: WebGPU ${Math.round(webgpu.ready_ms)} ms, CPU ${Math.round(cpu.ready_ms)} ms`);
if (demoDist) {
  const wasm = readdirSync(demoDist).find((f) => f.endsWith("_bg.wasm"));
  if (wasm) {
    const bytes = readFileSync(join(demoDist, wasm));
    console.log(`demo wasm: ${(bytes.length / 1048576).toFixed(1)} MB raw, ${(gzipSync(bytes, { level: 9 }).length / 1048576).toFixed(1)} MB gzipped (MB = 2^20 bytes, as make dist prints)`);
  }
}
const pages = [["ours WebGPU", webgpu], ["ours CPU", cpu], ...Object.entries(tfjs).map(([b, r]) => [`TF.js ${b}`, r])];
for (const [name, r] of pages) {
  if (r.error) console.log(`${name} error: ${r.error}`);
  for (const [id, why] of Object.entries(r.unsupported || {})) console.log(`${name} cannot run ${id}: ${why.split("\n")[0]}`);
  if (r.console_errors) console.log(`${name} console errors: ${r.console_errors.join("; ")}`);
}
console.log(`adapter: ${webgpu.adapter || "none"}; TF.js wasm threads: ${tfjs.wasm.threads ?? "unknown"}`);
