// The threads' scaling of one or more bench builds, for comparing engine changes: pools of
// 1 and 2 threads, each run in a fresh headless Chromium on the build served cross-origin
// isolated, alternating the pools and the builds in every round so that a slow hour of the
// machine hits them alike. Prints each run's samples per second and, per build, the ratio
// of the means (2 threads / 1 thread). `make bench` has the same comparison for one build
// (its scaling section); this one takes several, e.g. the bench build and a copy whose
// threaded engine was rebuilt from other sources (`scripts/build-engine-threads.sh <copy>`).
//
// Usage: node scripts/thread-scaling.mjs <workload> <steps> <rounds> <variant>...
//   e.g. node scripts/thread-scaling.mjs mlp-256 600 3 build/bench-dist build/bench-b
// A variant is a bench dist dir, optionally followed by Chromium switches after commas, to
// compare one build under different switches:
//   node scripts/thread-scaling.mjs mlp-256 600 3 build/bench-dist build/bench-dist,--js-flags=--no-wasm-inlining
import { launch } from "../tests/e2e/browser.js";
import { serve } from "../tests/e2e/server.js";
import { benchReport } from "./bench-page.mjs";

const [workload, steps, rounds, ...variants] = process.argv.slice(2);
if (!workload || !(Number(steps) > 0) || !(Number(rounds) > 0) || variants.length === 0) {
  console.error("usage: node scripts/thread-scaling.mjs <workload> <steps> <rounds> <bench dist dir>[,<chromium switch>...]...");
  process.exit(2);
}

const runs = new Map(variants.map((variant) => [variant, { 1: [], 2: [] }]));
for (let round = 1; round <= Number(rounds); round++) {
  for (const variant of variants) {
    const [dist, ...args] = variant.split(",");
    for (const threads of [1, 2]) {
      const server = await serve(dist, { isolated: true });
      const browser = await launch({ webgpu: false, args });
      try {
        const page = await browser.newPage();
        await page.goto(`${server.url}?backend=cpu&threads=${threads}&workloads=${workload}&steps=${steps}#/bench`);
        const report = await benchReport(page);
        const result = (report.results || []).find((r) => r.workload === workload);
        if (!result) throw new Error(`${variant}, ${threads} threads: ${report.error || "no result"}`);
        runs.get(variant)[threads].push(result.samples_per_s);
        console.log(`round ${round}, ${variant}, ${threads} thread(s): ${Math.round(result.samples_per_s)} samples/s`);
      } finally {
        await browser.close();
        await server.close();
      }
    }
  }
}
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
const list = (values) => values.map((v) => Math.round(v)).join(" / ");
for (const [variant, by] of runs) {
  console.log(`${variant}: 1 thread ${list(by[1])}; 2 threads ${list(by[2])}; ratio of the means ${(mean(by[2]) / mean(by[1])).toFixed(2)}x`);
}
