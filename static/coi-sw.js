// The site's service worker, for two jobs:
//
// 1. Cross-origin isolation for hosts that cannot send headers (GitHub Pages, a plain file
//    server): it adds the two headers that make the page cross-origin isolated (COOP
//    same-origin, COEP require-corp) to every response of the site, so the browser allows
//    shared memory and the engine can run on several threads. index.html registers it and
//    reloads once when it first takes control. Where the server sends the headers itself
//    (`make serve`, hosts with the _headers file) that changes nothing. Everything the site
//    loads is its own, so require-corp blocks nothing.
// 2. Offline use after the first visit: it stores every file of the build (the app, both
//    engines, the shipped datasets) in a cache named after the build's hash, in the
//    background from its first request on;
//    requests go to the network first and fall back to that cache when it cannot be
//    reached. A new build has a new hash, so browsers install the new worker, which stores
//    the new files and deletes the old cache.
//
// `make dist` (scripts/dist-finish.mjs) writes VERSION and ASSETS below; under
// `trunk serve` they keep these placeholders and nothing is stored.
"use strict";
const VERSION = "dev";
const ASSETS = [];
const CACHE = `bioplay-${VERSION}`;

self.addEventListener("install", () => self.skipWaiting());

// Stores the files not stored yet. Started by the first request this worker handles, not
// at install: installing must not wait for the download (the isolation reload would come
// late, perhaps during a run). One file that cannot be fetched does not stop the others;
// a worker stopped half-way goes on from where it was at its next request.
let storeStarted = false;
async function storeAll() {
  const cache = await caches.open(CACHE);
  const stored = new Set((await cache.keys()).map((r) => r.url));
  const missing = ASSETS.map((a) => new URL(a, self.registration.scope).href).filter((u) => !stored.has(u));
  await Promise.allSettled(missing.map((url) => cache.add(url)));
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("bioplay-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isolate(response) {
  // Opaque responses (status 0) cannot be rewritten.
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Embedder-Policy", "require-corp");
  headers.set("Cross-Origin-Resource-Policy", "same-origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  // The query (`?backend=`, `?threads=`) never changes which file is served.
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  throw new Error(`offline, and ${request.url} is not stored`);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Chrome's devtools ask for cached cross-origin resources this way; answering breaks them.
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  if (!storeStarted && ASSETS.length > 0) {
    storeStarted = true;
    event.waitUntil(storeAll());
  }
  const ours = request.method === "GET" && new URL(request.url).origin === self.location.origin;
  event.respondWith(
    fetch(request)
      .catch((error) => (ours ? fromCache(request) : Promise.reject(error)))
      .then(isolate),
  );
});
