// The bench workloads in TensorFlow.js, doing exactly what bioplay's engine does
// (crates/engine/src/bench.rs): the same initial weights and batch order (the plans that
// `bioplay bench --export` writes), plain SGD, a loss read-back every 10 steps, the timer
// stopped only when the GPU has finished all the work (`settle`), and the test loss on the
// same guard images at the end, after the same warm-up as the engine's (`warm_up_ms` of the
// plan, with throwaway weights). `?backend=webgpu|webgl|wasm` picks the backend,
// `&workloads=mlp-64,cnn-64` runs only those. The result goes into #result as JSON for
// scripts/bench.mjs.
/* global tf */

const READ_EVERY = 10;
const WORKLOADS = ["mlp-1", "mlp-64", "mlp-256", "cnn-64"];
// LeNet-5 as the engine builds it (model/spec.rs): 6@5x5 pad 2, pool; 16@5x5, pool.
const CNN_PADDING = [2, 0];

async function gunzip(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** IDX: two zero bytes, a type byte (8 = u8), the number of dimensions, big-endian sizes. */
function idx(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const dims = bytes[3];
  const shape = [];
  for (let d = 0; d < dims; d++) shape.push(view.getUint32(4 + 4 * d));
  return { shape, data: bytes.subarray(4 + 4 * dims) };
}

async function mnist() {
  const images = idx(await gunzip("../data/mnist-images.idx.gz"));
  const labels = idx(await gunzip("../data/mnist-labels.idx.gz"));
  return { images: images.data, labels: labels.data, features: images.shape[1] * images.shape[2] };
}

function batch(data, indices) {
  const x = new Float32Array(indices.length * data.features);
  const y = new Float32Array(indices.length * 10);
  indices.forEach((index, row) => {
    const pixels = data.images.subarray(index * data.features, (index + 1) * data.features);
    for (let j = 0; j < data.features; j++) x[row * data.features + j] = pixels[j] / 255;
    y[row * 10 + data.labels[index]] = 1;
  });
  return [tf.tensor2d(x, [indices.length, data.features]), tf.tensor2d(y, [indices.length, 10])];
}

/**
 * Variables from the plan, converted from Burn's layouts to TensorFlow.js's, named under
 * `prefix` (TF.js refuses two variables of one name).
 */
function variables(plan, prefix) {
  return plan.params.map(([name, shape, values]) => {
    let t = tf.tensor(values, shape);
    if (shape.length === 4) t = tf.transpose(t, [2, 3, 1, 0]); // [out,in,k,k] -> [k,k,in,out]
    return { name, variable: tf.variable(t, true, `${prefix}/${plan.workload}/${name}`) };
  });
}

function forward(plan, vars, x) {
  let h = x;
  let conv = 0;
  const dense = [];
  for (let i = 0; i < vars.length; i += 2) {
    const [w, b] = [vars[i].variable, vars[i + 1].variable];
    if (w.shape.length === 4) {
      if (conv === 0) h = tf.reshape(h, [h.shape[0], 28, 28, 1]);
      const pad = CNN_PADDING[conv++];
      h = tf.relu(tf.add(tf.conv2d(h, w, 1, [[0, 0], [pad, pad], [pad, pad], [0, 0]]), b));
      h = tf.maxPool(h, 2, 2, "valid");
    } else {
      dense.push([w, b]);
    }
  }
  if (h.shape.length === 4) h = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [h.shape[0], -1]); // NCHW order, as Burn flattens
  dense.forEach(([w, b], k) => {
    h = tf.add(tf.matMul(h, w), b);
    if (k < dense.length - 1) h = tf.relu(h);
  });
  return h;
}

const loss = (plan, vars, x, y) => tf.losses.softmaxCrossEntropy(y, forward(plan, vars, x));

/**
 * Waits until the GPU has done everything submitted so far (on the WebGPU backend; the
 * other backends' reads already wait for their work). A read alone is not enough there: on
 * SwiftShader, after the CNN's 30 timed steps had read back their last loss and the
 * weights' sum, the queue still held 91 s of work (`onSubmittedWorkDone`), which the guard
 * pass then waited for (docs/benchmarks.md, 2026-12-06). Our engine's reads leave the GPU
 * process idle.
 */
async function settle() {
  if (tf.getBackend() === "webgpu") await tf.backend().device.queue.onSubmittedWorkDone();
}

/** The plan's initial weights and an SGD optimiser: `step(s)` trains on batch `s`. */
function trainer(plan, data, prefix) {
  const vars = variables(plan, prefix);
  const list = vars.map((v) => v.variable);
  const optimizer = tf.train.sgd(plan.learning_rate);
  const step = (s) => {
    const [x, y] = batch(data, plan.batches[s % plan.batches.length]);
    const value = optimizer.minimize(() => loss(plan, vars, x, y), true, list);
    x.dispose();
    y.dispose();
    return value;
  };
  const dispose = () => {
    list.forEach((v) => v.dispose());
    optimizer.dispose();
  };
  return { vars, list, step, dispose };
}

/** Step `s` of `t`, waiting until it is done (its loss read back, the GPU idle). */
async function stepAndWait(t, s) {
  const value = t.step(s);
  await value.data();
  await settle();
  value.dispose();
}

/** Steps `from..=to` of `t`, reading the losses back every READ_EVERY steps. */
async function train(t, from, to) {
  let pending = [];
  for (let s = from; s <= to; s++) {
    pending.push(t.step(s));
    if (s % READ_EVERY === 0 || s === to) {
      const sum = tf.addN(pending);
      await sum.data();
      sum.dispose();
      pending.forEach((l) => l.dispose());
      pending = [];
    }
  }
}

async function run(plan, data) {
  const steps = plan.batches.length - 1;
  // The warm-up: throwaway weights train on the plan's batches (round and round) for
  // `warm_up_ms`, as the engine's bench does, so that the timed steps measure the steady
  // rate and not the browser compiling code. Its first step is the time to the first step.
  const begin = performance.now();
  const warm = trainer(plan, data, "warm-up");
  await stepAndWait(warm, 0);
  const firstStepMs = performance.now() - begin;
  // One step at a time (as the engine's), so the warm-up ends at most one step late.
  let warmUpSteps = 1;
  while (performance.now() - begin < (plan.warm_up_ms ?? 0)) {
    await stepAndWait(warm, warmUpSteps);
    warmUpSteps += 1;
  }
  warm.dispose();
  const warmUpMs = performance.now() - begin;

  const measured = trainer(plan, data, "timed");
  await stepAndWait(measured, 0);
  const timed = performance.now();
  await train(measured, 1, steps);
  const all = tf.addN(measured.list.map((v) => tf.sum(v)));
  await all.data();
  await settle();
  const seconds = (performance.now() - timed) / 1000;
  all.dispose();
  const [gx, gy] = batch(data, plan.guard);
  const guard = tf.tidy(() => loss(plan, measured.vars, gx, gy));
  const guardLoss = (await guard.data())[0];
  [gx, gy, guard].forEach((t) => t.dispose());
  measured.dispose();
  return {
    workload: plan.workload,
    steps,
    first_step_ms: firstStepMs,
    warm_up_steps: warmUpSteps,
    warm_up_ms: warmUpMs,
    samples_per_s: (steps * plan.batch_size) / seconds,
    guard_loss: guardLoss,
  };
}

async function main() {
  const params = new URLSearchParams(location.search);
  const backend = params.get("backend") || "webgl";
  const report = { backend, results: [], error: null };
  const chosen = params.get("workloads") ? params.get("workloads").split(",") : WORKLOADS;
  try {
    if (backend === "wasm") tf.wasm.setWasmPaths(new URL("./", location.href).href);
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
    await tf.ready();
    report.backend = tf.getBackend();
    if (backend === "wasm") report.threads = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT");
    const data = await mnist();
    const unknown = chosen.filter((id) => !WORKLOADS.includes(id));
    if (unknown.length) throw new Error(`unknown workloads: ${unknown.join(", ")}`);
    for (const id of chosen) {
      const plan = await (await fetch(`plans/plan-${id}.json`)).json();
      try {
        report.results.push(await run(plan, data));
      } catch (e) {
        // E.g. the WASM backend has no gradient kernel for convolutions.
        report.unsupported = { ...(report.unsupported || {}), [id]: String(e && e.message ? e.message : e) };
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  } catch (e) {
    report.error = String(e && e.stack ? e.stack : e);
  }
  document.getElementById("status").textContent = report.error ? "Failed" : "Done";
  document.getElementById("result").textContent = JSON.stringify(report, null, 2);
}

main();
