// Where every thread of the engine spends its time during a benchmark run: the engine's
// worker and, in the threaded engine, each of its rayon pool's workers. Opens the bench
// build (`make bench` makes build/bench-dist/) cross-origin isolated in headless Chromium,
// attaches the DevTools sampling profiler to every worker (nested ones through the
// worker's own target session), and prints each thread's functions with the most self time
// (wasm functions by their Rust names). scripts/profile.mjs does the same for the page's
// thread only.
//
// Usage: node scripts/profile-workers.mjs <bench dist dir> [page query] [top N]
//   e.g. node scripts/profile-workers.mjs build/bench-dist "?backend=cpu&threads=2&workloads=mlp-256&steps=300#/bench"
import { openPage } from "../tests/e2e/browser.js";
import { benchReport, openBench } from "./bench-page.mjs";

const { query, top, server, browser } = await openBench(
  "profile-workers.mjs",
  "?backend=cpu&threads=2&workloads=mlp-256&steps=300#/bench",
  "20",
);
try {
  const { page } = await openPage(browser);
  const cdp = await page.context().newCDPSession(page);
  // Workers are reached through non-flat target sessions: a message to a worker of a
  // worker is wrapped in one Target.sendMessageToTarget per level, and its answers come
  // back wrapped the same way.
  let nextId = 1;
  const pending = new Map();
  const threads = [];
  const send = (path, method, params = {}) => {
    const id = nextId++;
    let message = JSON.stringify({ id, method, params });
    for (let level = path.length - 1; level >= 1; level--) {
      message = JSON.stringify({
        id: nextId++,
        method: "Target.sendMessageToTarget",
        params: { sessionId: path[level], message },
      });
    }
    return new Promise((resolve) => {
      pending.set(id, resolve);
      cdp.send("Target.sendMessageToTarget", { sessionId: path[0], message }).catch(() => resolve(null));
    });
  };
  const attached = async (path, info) => {
    threads.push({ path, url: info.url });
    send(path, "Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    await send(path, "Profiler.enable");
    await send(path, "Profiler.setSamplingInterval", { interval: 200 });
    await send(path, "Profiler.start");
  };
  const received = (path, raw) => {
    const m = JSON.parse(raw);
    if (m.id !== undefined && pending.has(m.id)) {
      pending.get(m.id)(m.result ?? null);
      pending.delete(m.id);
    } else if (m.method === "Target.attachedToTarget") {
      attached([...path, m.params.sessionId], m.params.targetInfo);
    } else if (m.method === "Target.receivedMessageFromTarget") {
      received([...path, m.params.sessionId], m.params.message);
    }
  };
  cdp.on("Target.receivedMessageFromTarget", (p) => received([p.sessionId], p.message));
  cdp.on("Target.attachedToTarget", (p) => attached([p.sessionId], p.targetInfo));
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });

  await page.goto(server.url + query);
  const report = await benchReport(page);
  for (const r of report.results || []) console.log(`${r.workload}: ${Math.round(r.samples_per_s)} samples/s`);
  for (const { path, url } of threads) {
    const profile = (await send(path, "Profiler.stop"))?.profile;
    const where = `${url.split("/").pop()} (depth ${path.length})`;
    if (!profile) {
      console.log(`\n${where}: no profile`);
      continue;
    }
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    profile.samples.forEach((id, i) => {
      const name = nodes.get(id).callFrame.functionName || "(anonymous)";
      self.set(name, (self.get(name) || 0) + (profile.timeDeltas[i] || 0) / 1000);
    });
    const total = (profile.endTime - profile.startTime) / 1000;
    console.log(`\n${where}: ${Math.round(total)} ms profiled; self time, ms:`);
    for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${Math.round(ms).toString().padStart(7)}  ${name.slice(0, 160)}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
