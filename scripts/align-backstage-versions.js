#!/usr/bin/env node
/*
 * Keeps every @backstage/* package of the lockfile on one Backstage release line.
 *
 * `backstage-cli versions:bump` needs the release manifest, which is not always reachable;
 * this does the same by hand: for each @backstage package in yarn.lock it picks the highest
 * stable version published before the next release line (DBAAS_BACKSTAGE_CUTOFF) and
 * pins it in the root package.json's `resolutions`. Run `./dev yarn install` afterwards.
 *
 * usage: node scripts/align-backstage-versions.js [cutoff-date]
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
// Backstage 1.55's last patches came out before this date; 1.56 after it.
const cutoff = process.argv[2] || '2026-11-10';

const lock = fs.readFileSync(path.join(root, 'yarn.lock'), 'utf8');
const names = [
  ...new Set(
    [...lock.matchAll(/^"?(@backstage\/[a-z0-9-]+)@/gm)].map(m => m[1]),
  ),
].sort();

function lineVersion(name) {
  const times = JSON.parse(
    execFileSync('npm', ['view', name, 'time', '--json'], { encoding: 'utf8' }),
  );
  let best;
  for (const [version, published] of Object.entries(times)) {
    if (!/^\d+\.\d+\.\d+$/.test(version) || published >= cutoff) continue;
    const parts = version.split('.').map(Number);
    if (!best || compare(parts, best.parts) > 0) best = { version, parts };
  }
  return best?.version;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

const pkgPath = path.join(root, 'package.json');
const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'));
const resolutions = { ...pkg.resolutions };
for (const name of names) {
  const version = lineVersion(name);
  if (version) {
    resolutions[name] = version;
    console.log(`${name} ${version}`);
  } else {
    console.warn(`${name}: nothing published before ${cutoff}, left as is`);
  }
}
pkg.resolutions = Object.fromEntries(
  Object.entries(resolutions).sort(([a], [b]) => a.localeCompare(b)),
);
fs.writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
