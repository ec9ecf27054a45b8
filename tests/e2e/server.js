// A minimal static file server for the end-to-end tests: serves dist/ under a sub-path
// (as a static host would serve the demo page), and can be told to break the .wasm.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
};

/**
 * Starts a server on 127.0.0.1 with a free port.
 * @param {string} root directory to serve
 * @param {{prefix?: string, breakWasm?: boolean, breakJs?: boolean, isolated?: boolean, hide?: RegExp}} options
 *   `isolated` sends the cross-origin isolation headers that threads in wasm need; files
 *   whose path matches `hide` are answered 404, as if the site lacked them.
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function serve(dir, { prefix = "/demo/bioplay/", breakWasm = false, breakJs = false, isolated = false, hide = null } = {}) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end("not under " + prefix);
      return;
    }
    const rel = path.slice(prefix.length) || "index.html";
    const file = resolve(join(root, rel));
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if ((breakWasm && extname(file) === ".wasm") || (breakJs && /bioplay-app-[0-9a-f]+\.js$/.test(file)) || hide?.test(rel)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("gone");
      return;
    }
    try {
      const info = await stat(file);
      const body = await readFile(info.isDirectory() ? join(file, "index.html") : file);
      const isolation = isolated
        ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" }
        : {};
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] || "application/octet-stream",
        "cache-control": "no-store",
        ...isolation,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    // Open keep-alive connections are closed too: after this, the site is unreachable.
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
