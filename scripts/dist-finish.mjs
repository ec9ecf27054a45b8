// The last step of `make dist`: prepares the built site for static hosts and checks it.
//
// 1. Writes the service worker's build hash and file list (dist/coi-sw.js), so it stores
//    this build for offline use and replaces the previous one.
// 2. Writes precompressed siblings, NAME.gz (gzip -9) and NAME.br (brotli 11), of every
//    compressible file, for hosts that serve them (brotli of the large modules takes
//    minutes, so results are cached by content hash in $BIOPLAY_CACHE/precompressed).
// 3. Prints every file's size raw, gzipped and brotli'd, and fails when one is over the
//    per-file budget: 20 MiB raw (Cloudflare Pages refuses files over 25 MiB).
//
//   node scripts/dist-finish.mjs DIST_DIR
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, unlinkSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import zlib from "node:zlib";

const BUDGET = 20 * 1024 * 1024;
const COMPRESSIBLE = /\.(wasm|js|css|html|svg|json|txt|md)$/;
const dist = process.argv[2];
if (!dist) {
  console.error("usage: node scripts/dist-finish.mjs DIST_DIR");
  process.exit(2);
}
const cacheDir = join(process.env.BIOPLAY_CACHE || join(homedir(), ".cache", "bioplay"), "precompressed");

/** Precompressed siblings this script writes (the datasets' `.idx.gz` are files of the site). */
const sibling = (f) => /\.(br|gz)$/.test(f) && !f.endsWith(".idx.gz");

/** Every file under `dir`, as paths relative to `dist`, sorted. */
function walk(dir = dist) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [relative(dist, join(dir, e.name))]))
    .sort();
}

// Earlier siblings go first: they are rewritten from the files as they are now.
for (const f of walk()) if (sibling(f)) unlinkSync(join(dist, f));
const files = walk();

// 1. The service worker: a hash of every other file, and their list.
const sw = join(dist, "coi-sw.js");
const assets = files.filter((f) => f !== "coi-sw.js" && !f.endsWith(".md") && f !== "_headers" && !f.endsWith("SHA256SUMS"));
const hash = createHash("sha256");
for (const f of assets) hash.update(f).update(readFileSync(join(dist, f)));
const version = hash.digest("hex").slice(0, 16);
const source = readFileSync(sw, "utf8");
const VERSION_LINE = /^const VERSION = .*;$/m;
const ASSETS_LINE = /^const ASSETS = .*;$/m;
if (!VERSION_LINE.test(source) || !ASSETS_LINE.test(source)) {
  console.error("dist-finish: coi-sw.js has no `const VERSION = …;` / `const ASSETS = …;` lines to fill in");
  process.exit(1);
}
const urls = ["./", ...assets.map((f) => f.split("\\").join("/"))];
writeFileSync(
  sw,
  source
    .replace(VERSION_LINE, `const VERSION = ${JSON.stringify(version)};`)
    .replace(ASSETS_LINE, `const ASSETS = ${JSON.stringify(urls)};`),
);

// 2. Precompressed siblings.
mkdirSync(cacheDir, { recursive: true });
function brotli(bytes) {
  const key = join(cacheDir, createHash("sha256").update(bytes).digest("hex").slice(0, 32) + ".br");
  if (existsSync(key)) return readFileSync(key);
  const out = zlib.brotliCompressSync(bytes, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  writeFileSync(key, out);
  return out;
}
const rows = [];
const started = Date.now();
for (const f of files) {
  const path = join(dist, f);
  const bytes = readFileSync(path);
  const row = { f, raw: bytes.length, gz: null, br: null };
  if (COMPRESSIBLE.test(f) && bytes.length >= 1024) {
    const gz = zlib.gzipSync(bytes, { level: 9 });
    const br = brotli(bytes);
    writeFileSync(path + ".gz", gz);
    writeFileSync(path + ".br", br);
    row.gz = gz.length;
    row.br = br.length;
  }
  rows.push(row);
}
// Keep the brotli cache to the newest results of a few builds.
const cached = readdirSync(cacheDir).map((n) => join(cacheDir, n)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
for (const old of cached.slice(60)) unlinkSync(old);

// 3. The report and the budget.
const mib = (b) => (b == null ? "-" : `${(b / 1048576).toFixed(2)} MiB`);
const width = Math.max(...rows.map((r) => r.f.length));
console.log(`dist: ${rows.length} files (precompressed in ${((Date.now() - started) / 1000).toFixed(0)} s); budget ${mib(BUDGET)} raw per file`);
console.log(`  ${"file".padEnd(width)}  ${"raw".padStart(11)}  ${"gzip".padStart(11)}  ${"brotli".padStart(11)}`);
for (const r of rows) {
  const flag = r.raw > BUDGET ? "  OVER BUDGET" : "";
  console.log(`  ${r.f.padEnd(width)}  ${mib(r.raw).padStart(11)}  ${mib(r.gz).padStart(11)}  ${mib(r.br).padStart(11)}${flag}`);
}
const ui = rows.find((r) => /^bioplay-app-.*_bg\.wasm$/.test(r.f));
if (ui) console.log(`dist: the UI module (painted first) is ${mib(ui.gz)} gzipped, ${mib(ui.br)} brotli'd`);
console.log(`dist: service worker version ${version}, ${assets.length + 1} entries stored for offline use`);
const over = rows.filter((r) => r.raw > BUDGET);
if (over.length > 0) {
  console.error(
    `dist: over the ${mib(BUDGET)} per-file budget: ${over.map((r) => `${r.f} (${mib(r.raw)})`).join(", ")}. ` +
      "Static hosts refuse such files (Cloudflare Pages: 25 MiB); see README, Deploy.",
  );
  process.exit(1);
}
