// Cross-origin isolation for hosts that cannot send headers (GitHub Pages, a plain file
// server): this same-origin service worker adds the two headers that make the page
// cross-origin isolated (COOP same-origin, COEP require-corp) to every response of the
// site, so the browser allows shared memory and the engine can run on several threads.
// index.html registers it and reloads once when it first takes control. Where the server
// sends the headers itself (`make serve`, hosts with a _headers file) it changes nothing
// that matters. Everything the site loads is its own, so require-corp blocks nothing.
"use strict";
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Chrome's devtools ask for cached cross-origin resources this way; answering breaks them.
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  event.respondWith(
    fetch(request).then((response) => {
      // Opaque responses (status 0) cannot be rewritten.
      if (response.status === 0) return response;
      const headers = new Headers(response.headers);
      headers.set("Cross-Origin-Opener-Policy", "same-origin");
      headers.set("Cross-Origin-Embedder-Policy", "require-corp");
      headers.set("Cross-Origin-Resource-Policy", "same-origin");
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    }),
  );
});
