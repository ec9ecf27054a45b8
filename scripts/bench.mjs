// `make bench`: opens the benchmark page (a `--features bench` build) in headless Chromium
// on WebGPU (SwiftShader here, a real GPU where there is one) and on the CPU fallback, runs
// the same workloads in TensorFlow.js (WebGPU, WebGL and WASM backends; bench/tfjs-bench.js,
// from the plans `bioplay bench --export` wrote into <bench dist>/tfjs/plans), reads the
// native runner's figures (CPU, and GPU where the runner found one), and prints tables:
// samples per second with ratios, time to the first step, peak memory, guard losses, the
// wasm size and the time from page load to a ready device.
//
// Every run warms up for the same time first (the engine's bench::WARM_UP_MS, which the
// plans carry to TF.js), training throwaway weights, so the timed steps measure the steady
// rate and not the browser still compiling the code.
//
// Every implementation runs every workload in a browser of its own, so peak memory (the
// high-water mark of the page's renderer process plus the GPU process, from /proc on Linux)
// belongs to that one workload, and no run inherits another's warm caches.
//
// Usage: node scripts/bench.mjs <bench dist dir> <native results dir> [demo dist dir]
//   The native results dir holds native-cpu.json, and native-gpu.json or native-gpu.err.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { launch, openPage } from "../tests/e2e/browser.js";
import { serve } from "../tests/e2e/server.js";
import { waitForText } from "./bench-page.mjs";

const [benchDist, nativeDir, demoDist] = process.argv.slice(2);
if (!benchDist || !nativeDir) {
  console.error("usage: node scripts/bench.mjs <bench dist> <native results dir> [demo dist]");
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

// BENCH_WORKLOADS=mlp-64,cnn-64 runs only those (a quicker look; the tables cover them).
const IDS = process.env.BENCH_WORKLOADS?.split(",") ?? ["mlp-1", "mlp-64", "mlp-256", "cnn-64"];
const OURS_JSON = '[data-testid="bench-json"]';
// Our CPU path three ways: the single-threaded engine (a page that is not cross-origin
// isolated), and the threaded engine (isolated) with a pool of one thread and of one per
// core. The ratio of the last two is the threads' scaling.
const IMPLEMENTATIONS = [
  ["ours WebGPU", { webgpu: true, path: (id) => `?backend=webgpu&workloads=${id}#/bench`, selector: OURS_JSON }],
  ["ours CPU (wasm)", { webgpu: false, path: (id) => `?backend=cpu&workloads=${id}#/bench`, selector: OURS_JSON }],
  [
    "ours CPU 1 thread",
    { webgpu: false, isolated: true, path: (id) => `?backend=cpu&threads=1&workloads=${id}#/bench`, selector: OURS_JSON },
  ],
  [
    "ours CPU all threads",
    { webgpu: false, isolated: true, path: (id) => `?backend=cpu&workloads=${id}#/bench`, selector: OURS_JSON },
  ],
  // Cross-origin isolation lets TF.js's WASM backend use threads: its best configuration.
  ...["webgpu", "webgl", "wasm"].map((b) => [
    `TF.js ${b}`,
    { webgpu: true, isolated: true, path: (id) => `tfjs/tfjs.html?backend=${b}&workloads=${id}`, selector: "#result" },
  ]),
];

// ---- Peak memory: VmHWM (peak resident set) of the browser's processes, Linux only ----

const MARK = `--bioplay-bench-run=${process.pid}`;

/** The processes under the browser launched with MARK: `{pid: cmdline}`. */
function browserProcesses() {
  const children = new Map();
  const cmdline = new Map();
  for (const d of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
      cmdline.set(d, readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0"));
      children.set(ppid, [...(children.get(ppid) || []), d]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found = new Map();
  const queue = [...cmdline].filter(([, args]) => args.includes(MARK)).map(([pid]) => pid);
  while (queue.length) {
    const pid = queue.shift();
    found.set(pid, cmdline.get(pid) || []);
    queue.push(...(children.get(pid) || []));
  }
  return found;
}

/** Peak RSS in MiB of the largest renderer and of the GPU process, or null off Linux. */
function peakMemory() {
  if (!existsSync("/proc/self/status")) return null;
  const hwm = (pid) => {
    try {
      const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmHWM:\s+(\d+) kB/m);
      return line ? Number(line[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  let renderer = 0;
  let gpu = 0;
  for (const [pid, args] of browserProcesses()) {
    // Chromium rewrites its children's command lines into one space-separated string.
    const line = args.join(" ");
    if (/(^| )--type=renderer( |$)/.test(line)) renderer = Math.max(renderer, hwm(pid));
    if (/(^| )--type=gpu-process( |$)/.test(line)) gpu = Math.max(gpu, hwm(pid));
  }
  return { renderer_mib: renderer, gpu_mib: gpu };
}

/** Opens `path` of the bench build in a fresh browser; returns the page's JSON and memory. */
async function browserRun({ webgpu, path, selector, isolated = false }) {
  const server = await serve(benchDist, { isolated });
  const browser = await launch({ webgpu, args: [MARK] });
  try {
    const { page, errors, close } = await openPage(browser);
    if (path === null) {
      await page.goto("about:blank");
      await page.waitForTimeout(1000);
      return { memory: peakMemory() };
    }
    await page.goto(server.url + path);
    await waitForText(page, selector);
    const report = JSON.parse(await page.locator(selector).innerText());
    report.memory = peakMemory();
    await close();
    if (errors.length) report.console_errors = errors;
    return report;
  } finally {
    await browser.close();
    await server.close();
  }
}

const pages = {};
const columns = {};
for (const [name, how] of IMPLEMENTATIONS) {
  pages[name] = {};
  columns[name] = {};
  for (const id of IDS) {
    const report = await browserRun({ ...how, path: how.path(id) });
    pages[name][id] = report;
    const result = (report.results || []).find((r) => r.workload === id);
    if (result) columns[name][id] = { ...result, memory: report.memory };
    const got = result ? `${Math.round(result.samples_per_s)} samples/s` : report.error || "no result";
    console.error(`${name} ${id}: ${got}`);
  }
}
const blank = await browserRun({ webgpu: true, path: null });

// The threads' scaling is judged on runs of a few seconds each (SCALING_STEPS;
// BENCH_THREAD_STEPS=N sets them all): for the MLPs longer than the columns above, whose
// default steps (100 at batch 64 and 50 at batch 256: under half a second) mostly time V8
// optimising the code as it runs; for the CNN the columns' own 150
// (Workload::default_steps). One run still varies by more than the scaling it measures
// (docs/benchmarks.md), so there are BENCH_THREAD_RUNS runs (default 5) of one thread and
// of all threads, alternating, on every workload but batch 1.
const THREAD_RUNS = Math.max(1, Number(process.env.BENCH_THREAD_RUNS ?? 5) || 1);
const SCALING_STEPS = { "mlp-64": 1000, "mlp-256": 600, "cnn-64": 150 };
const scalingSteps = (id) => Number(process.env.BENCH_THREAD_STEPS) || SCALING_STEPS[id];
const THREAD_COLUMNS = { one: "ours CPU 1 thread", all: "ours CPU all threads" };
const scaling = {};
const byName = Object.fromEntries(IMPLEMENTATIONS);
for (const id of IDS.filter((id) => id !== "mlp-1")) {
  scaling[id] = { steps: scalingSteps(id), one: [], all: [] };
  for (let run = 0; run < THREAD_RUNS; run++) {
    for (const [key, name] of Object.entries(THREAD_COLUMNS)) {
      const how = byName[name];
      const path = how.path(id).replace("#/bench", `&steps=${scaling[id].steps}#/bench`);
      const report = await browserRun({ ...how, path });
      const result = (report.results || []).find((r) => r.workload === id);
      scaling[id][key].push(result);
      const got = result ? `${Math.round(result.samples_per_s)} samples/s` : report.error || "no result";
      console.error(`${name} ${id}, ${scaling[id].steps} steps, run ${run + 1}: ${got}`);
    }
  }
}

function readNative(backend) {
  const json = join(nativeDir, `native-${backend}.json`);
  const err = join(nativeDir, `native-${backend}.err`);
  if (existsSync(json)) return { results: JSON.parse(readFileSync(json, "utf8")) };
  return { error: existsSync(err) ? readFileSync(err, "utf8").trim().split("\n").pop() : "not run" };
}
const native = { cpu: readNative("cpu"), gpu: readNative("gpu") };
const gpuLabel = join(nativeDir, "native-gpu.label");
native.gpu.label = existsSync(gpuLabel) ? readFileSync(gpuLabel, "utf8").trim() : "unknown";
const byId = (list) => Object.fromEntries((list || []).map((r) => [r.workload, r]));
columns["native CPU"] = byId(native.cpu.results);
columns["native GPU"] = byId(native.gpu.results);
writeFileSync(join(nativeDir, "browser.json"), JSON.stringify({ pages, blank }, null, 2));

const first = (name) => Object.values(pages[name]).find((r) => r);
const nat = columns["native CPU"];
// A result counts only if its guard loss is within this of the native one: a different loss
// means different work (or wrong arithmetic), and its speed says nothing.
const GUARD_TOLERANCE = 0.01;
const valid = (r, id) => r && nat[id] && Math.abs(r.guard_loss - nat[id].guard_loss) <= GUARD_TOLERANCE;
const rate = (name, id) => (valid(columns[name][id], id) ? columns[name][id].samples_per_s : 0);
const OURS = ["ours WebGPU", "ours CPU (wasm)", "ours CPU 1 thread", "ours CPU all threads"];
const THEIRS = ["TF.js webgpu", "TF.js webgl", "TF.js wasm"];
const best = (names, id) => Math.max(0, ...names.map((n) => rate(n, id)));
const ratio = (a, b) => (a > 0 && b > 0 ? (a / b).toFixed(2) : "–");

const fmt = (v) => (v === undefined || v === null ? "–" : Math.round(v).toLocaleString("en-US"));
const line = (cells) => `| ${cells.join(" | ")} |`;
const table = (title, head, rows) => {
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log(line(head.map(() => "---")));
  for (const r of rows) console.log(line(r));
};
const names = Object.keys(columns);
const speed = (r, id) => (r === undefined ? "–" : `${fmt(r.samples_per_s)}${valid(r, id) ? "" : " ✗"}`);
table(
  `Samples per second (higher is better; ✗: guard loss off by more than ${GUARD_TOLERANCE}, not counted)`,
  ["workload", ...names],
  IDS.map((id) => [id, ...names.map((n) => speed(columns[n][id], id))]),
);
table(
  "Ratios of samples per second (above 1: the first is faster; – where either did not count)",
  [
    "workload",
    "ours best / TF.js best",
    "ours WebGPU / TF.js webgpu",
    "ours WebGPU / TF.js webgl",
    "ours CPU / TF.js wasm",
    "wasm CPU / native CPU",
    "browser WebGPU / native GPU",
    "all threads / 1 thread",
  ],
  IDS.map((id) => [
    id,
    ratio(best(OURS, id), best(THEIRS, id)),
    ratio(rate("ours WebGPU", id), rate("TF.js webgpu", id)),
    ratio(rate("ours WebGPU", id), rate("TF.js webgl", id)),
    ratio(rate("ours CPU (wasm)", id), rate("TF.js wasm", id)),
    ratio(rate("ours CPU (wasm)", id), rate("native CPU", id)),
    ratio(rate("ours WebGPU", id), rate("native GPU", id)),
    ratio(rate("ours CPU all threads", id), rate("ours CPU 1 thread", id)),
  ]),
);
{
  // These runs take more steps than the native runner's, so a run is checked against the
  // first one-thread run of the same length: the same work gives the same guard loss.
  const speeds = (runs, reference) =>
    runs
      .filter((r) => r && reference && Math.abs(r.guard_loss - reference.guard_loss) <= GUARD_TOLERANCE)
      .map((r) => r.samples_per_s);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  table(
    `The threads' scaling over ${THREAD_RUNS} alternating runs each, longer than the runs above (samples per second; runs whose guard loss is off are left out)`,
    ["workload", "steps", "1 thread, each run", "all threads, each run", "mean, 1 thread", "mean, all threads", "all threads / 1 thread (means)"],
    Object.entries(scaling).map(([id, { steps, one, all }]) => {
      const reference = one.find((r) => r);
      const [a, b] = [speeds(one, reference), speeds(all, reference)];
      const [ma, mb] = [a.length ? mean(a) : 0, b.length ? mean(b) : 0];
      return [id, fmt(steps), a.map(fmt).join(" / ") || "–", b.map(fmt).join(" / ") || "–", fmt(ma), fmt(mb), ratio(mb, ma)];
    }),
  );
}
const threads = first("ours CPU all threads")?.threads;
if (threads !== undefined) console.log(`\nThe threaded engine's pool: ${threads} threads (navigator.hardwareConcurrency, at most 8).`);
table(
  "Time to the first step, ms (page start-up not included; shader compilation included)",
  ["workload", ...names],
  IDS.map((id) => [id, ...names.map((n) => fmt(columns[n][id]?.first_step_ms))]),
);
table(
  "Warm-up before the timed steps, with throwaway weights: steps (ms)",
  ["workload", ...names],
  IDS.map((id) => [
    id,
    ...names.map((n) => {
      const r = columns[n][id];
      return r?.warm_up_steps === undefined ? "–" : `${fmt(r.warm_up_steps)} (${fmt(r.warm_up_ms)})`;
    }),
  ]),
);
const browsers = [...OURS, ...THEIRS];
const mem = (m) => (m ? `${fmt(m.renderer_mib)} + ${fmt(m.gpu_mib)}` : "–");
table(
  "Peak memory, MiB: page renderer + GPU process (peak resident set, VmHWM; each workload in a browser of its own)",
  ["workload", ...browsers],
  IDS.map((id) => [id, ...browsers.map((n) => mem(columns[n][id]?.memory))]),
);
console.log(`\nA blank page in the same browser: ${mem(blank.memory)} MiB.`);
const linear = IDS.map((id) => pages["ours WebGPU"][id]?.wasm_memory_bytes).filter(Boolean);
if (linear.length) {
  console.log(`Our wasm linear memory after each workload (WebGPU page): ${linear.map((b) => fmt(b / 1048576)).join(", ")} MiB.`);
}
table(
  "Guard loss after the same steps from the same weights (must agree)",
  ["workload", ...names, "largest difference"],
  IDS.map((id) => {
    const losses = names.map((n) => columns[n][id]?.guard_loss);
    const known = losses.filter((l) => l !== undefined);
    const spread = known.length ? Math.max(...known) - Math.min(...known) : NaN;
    return [id, ...losses.map((l) => (l === undefined ? "–" : l.toFixed(4))), spread.toExponential(1)];
  }),
);
console.log("");
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const name of OURS) {
  const ready = IDS.map((id) => pages[name][id]?.ready_ms).filter((v) => v !== undefined);
  if (ready.length) console.log(`page load to a checked device, ${name}: ${Math.round(median(ready))} ms (median of ${ready.length} pages)`);
}
if (demoDist) {
  const wasm = existsSync(demoDist) && readdirSync(demoDist).find((f) => f.endsWith("_bg.wasm"));
  if (!wasm) console.log(`demo wasm: none in ${demoDist}/ (make dist builds it)`);
  else {
    const bytes = readFileSync(join(demoDist, wasm));
    console.log(`demo wasm: ${(bytes.length / 1048576).toFixed(1)} MB raw, ${(gzipSync(bytes, { level: 9 }).length / 1048576).toFixed(1)} MB gzipped (MB = 2^20 bytes, as make dist prints)`);
  }
}
for (const [name, byWorkload] of Object.entries(pages)) {
  for (const [id, r] of Object.entries(byWorkload)) {
    if (r.error) console.log(`${name} ${id} error: ${r.error}`);
    for (const [w, why] of Object.entries(r.unsupported || {})) console.log(`${name} cannot run ${w}: ${why.split("\n")[0]}`);
    if (r.console_errors) console.log(`${name} ${id} console errors: ${r.console_errors.join("; ")}`);
  }
}
console.log(`native GPU: ${native.gpu.error ? `not run: ${native.gpu.error}` : native.gpu.label}`);
console.log(`adapter: ${first("ours WebGPU")?.adapter || "none"}; TF.js wasm threads: ${first("TF.js wasm")?.threads ?? "unknown"}`);
