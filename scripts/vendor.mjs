#!/usr/bin/env node
// Copy the minified front-end distributables from node_modules/ into static/vendor/.
//
// Run via `npm run build` (or `make install`, which does it when node_modules changes).
// static/vendor/ is gitignored and rebuilt from scratch on every run. Plain Node, no deps.
//
// For every asset the first existing candidate is copied. If the copied file points at a
// source map (`sourceMappingURL=...`), the map is copied next to it when the package ships
// it; a dangling reference is stripped instead, because Django's ManifestStaticFilesStorage
// (used by WhiteNoise's CompressedManifestStaticFilesStorage) fails collectstatic on
// references to files that do not exist.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nodeModules = path.join(root, "node_modules");
const outDir = path.join(root, "static", "vendor");

/** [destination relative to static/vendor, [candidate sources relative to node_modules]] */
const ASSETS = [
  ["bootstrap/bootstrap.min.css", ["bootstrap/dist/css/bootstrap.min.css"]],
  ["bootstrap/bootstrap.bundle.min.js", ["bootstrap/dist/js/bootstrap.bundle.min.js"]],
  ["htmx/htmx.min.js", ["htmx.org/dist/htmx.min.js"]],
  ["chartjs/chart.umd.min.js", ["chart.js/dist/chart.umd.min.js", "chart.js/dist/chart.umd.js"]],
  ["sortablejs/Sortable.min.js", ["sortablejs/Sortable.min.js"]],
];

/** Packages whose major version the templates rely on. */
const EXPECTED_MAJOR = { bootstrap: 5, "htmx.org": 2, "chart.js": 4, sortablejs: 1 };

const SOURCE_MAP_RE = /(\/\/[#@]\s*sourceMappingURL=([^\s'"*]+)\s*$|\/\*[#@]\s*sourceMappingURL=([^\s'"*]+)\s*\*\/\s*$)/m;

function fail(message) {
  console.error(`vendor: ${message}`);
  process.exit(1);
}

function packageVersion(name) {
  const pkgJson = path.join(nodeModules, name, "package.json");
  if (!fs.existsSync(pkgJson)) {
    fail(`node_modules/${name} is missing; run \`npm ci\` (or \`make install\`) first`);
  }
  return JSON.parse(fs.readFileSync(pkgJson, "utf8")).version;
}

for (const [name, major] of Object.entries(EXPECTED_MAJOR)) {
  const version = packageVersion(name);
  if (Number.parseInt(version, 10) !== major) {
    fail(`${name}@${version} is installed but ${major}.x is expected`);
  }
}

// Build into a temporary sibling directory, then swap it in, so a failed run never leaves a
// half-populated static/vendor/ behind.
const tmpDir = `${outDir}.tmp-${process.pid}`;
fs.rmSync(tmpDir, { recursive: true, force: true });

let copied = 0;
for (const [dest, candidates] of ASSETS) {
  const src = candidates.map((c) => path.join(nodeModules, c)).find((c) => fs.existsSync(c));
  if (!src) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    fail(`none of ${candidates.map((c) => `node_modules/${c}`).join(", ")} exists`);
  }
  const target = path.join(tmpDir, dest);
  fs.mkdirSync(path.dirname(target), { recursive: true });

  const contents = fs.readFileSync(src, "utf8");
  const match = contents.match(SOURCE_MAP_RE);
  let stripped = null;
  if (match) {
    const mapName = match[2] ?? match[3];
    const mapSrc = path.join(path.dirname(src), mapName);
    const isLocal = !/^[a-z]+:/i.test(mapName) && !mapName.startsWith("/");
    if (isLocal && fs.existsSync(mapSrc)) {
      // Keep the map next to the file under the name the file refers to.
      const mapTarget = path.join(path.dirname(target), mapName);
      fs.mkdirSync(path.dirname(mapTarget), { recursive: true });
      fs.copyFileSync(mapSrc, mapTarget);
      console.log(`  ${path.relative(root, mapSrc)} -> ${path.relative(root, path.join(outDir, path.relative(tmpDir, mapTarget)))}`);
      copied += 1;
    } else {
      stripped = contents.replace(SOURCE_MAP_RE, "");
      console.log(`  (stripped dangling sourceMappingURL=${mapName} from ${dest})`);
    }
  }
  if (stripped === null) {
    fs.copyFileSync(src, target); // byte-for-byte
  } else {
    fs.writeFileSync(target, stripped);
  }
  console.log(`  ${path.relative(root, src)} -> ${path.relative(root, path.join(outDir, dest))}`);
  copied += 1;
}

fs.rmSync(outDir, { recursive: true, force: true });
fs.renameSync(tmpDir, outDir);

const versions = Object.keys(EXPECTED_MAJOR)
  .map((name) => `${name}@${packageVersion(name)}`)
  .join(", ");
console.log(`vendor: copied ${copied} files into ${path.relative(root, outDir)}/ (${versions})`);
