// Trunk post-build hook: writes the page's content-security policy into the built
// index.html, as a <meta> element (static hosts cannot all send headers).
//
// The policy allows the site's own files, WebAssembly compilation ('wasm-unsafe-eval'),
// and, by their SHA-256 hash, exactly the inline scripts in the built page (trunk's module
// loader and the page's two start-up scripts); never 'unsafe-inline' or 'unsafe-eval'.
// Images may be data: and blob: URLs (the PNGs kept with runs, chart downloads).
//
//   node scripts/csp.mjs [DIST_DIR]   (default: $TRUNK_STAGING_DIR)
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("csp: give the built site's folder, or run as a trunk hook");
  process.exit(2);
}
const file = join(dir, "index.html");
let html = readFileSync(file, "utf8");
html = html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/, "");

const hashes = [];
for (const [, attrs, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
  if (/\bsrc=/.test(attrs)) continue;
  hashes.push(`'sha256-${createHash("sha256").update(body, "utf8").digest("base64")}'`);
}
const policy = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(" ")}`.trim(),
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join("; ");

const charset = /<meta charset="utf-8">/i;
if (!charset.test(html)) {
  console.error(`csp: ${file} has no <meta charset="utf-8"> to put the policy after`);
  process.exit(1);
}
html = html.replace(charset, (m) => `${m}\n  <meta http-equiv="Content-Security-Policy" content="${policy}">`);
writeFileSync(file, html);
console.log(`csp: policy written to ${file} (${hashes.length} inline scripts allowed by hash)`);
