// One thread of the compute engine's pool, in the threaded build (src/shell/threads.rs):
// the engine's worker starts this script and sends it the wasm-bindgen glue's address, the
// compiled module and the engine's shared memory. It instantiates the module on that
// memory, says it is ready, and then runs the rayon thread the pool hands it, for as long
// as the page lives. Its own entry point never runs: the module's start only runs on the
// first thread (wasm-bindgen's threads transform).
"use strict";
self.onmessage = (event) => {
  self.onmessage = null;
  const [glue, module, memory] = event.data;
  const fail = (e) => self.postMessage({ error: String((e && e.message) || e) });
  try {
    importScripts(glue);
  } catch (e) {
    fail(e);
    return;
  }
  wasm_bindgen({ module_or_path: module, memory }).then(() => {
    self.postMessage("ready");
    wasm_bindgen.bioplay_pool_thread();
  }, fail);
};
