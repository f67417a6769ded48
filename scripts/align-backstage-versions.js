#!/usr/bin/env node
/*
 * Keeps every @backstage/* package on one Backstage release line.
 *
 * `backstage-cli versions:bump` needs the release manifest, which is not always reachable,
 * and `backstage-cli new` writes the versions its own manifest names, some of which may not
 * be published. This does the same by hand:
 * - every @backstage package of yarn.lock and of the workspaces' package.json files gets a
 *   pin in the root `resolutions`: the highest stable version published before the next
 *   release line (the cutoff date); pins already there are kept;
 * - a workspace dependency that asks for more than the pin is lowered to `^<pin>`.
 *
 * usage: node scripts/align-backstage-versions.js [cutoff-date]   (then: yarn install)
 * `yarn new` runs it after creating a package.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
// Backstage 1.55's last patches came out before this date; 1.56 after it.
const cutoff = process.argv[2] || '2026-11-10';
const DEP_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies'];

const readJson = file => JSON.parse(fs.readFileSync(file, 'utf8'));
const writeJson = (file, value) =>
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

function workspacePackageFiles() {
  return ['packages', 'plugins'].flatMap(dir =>
    fs
      .readdirSync(path.join(root, dir), { withFileTypes: true })
      .filter(d => d.isDirectory())
      .map(d => path.join(root, dir, d.name, 'package.json'))
      .filter(file => fs.existsSync(file)),
  );
}

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

const rootFile = path.join(root, 'package.json');
const rootPkg = readJson(rootFile);
const resolutions = { ...rootPkg.resolutions };
const packageFiles = workspacePackageFiles();

const lock = fs.readFileSync(path.join(root, 'yarn.lock'), 'utf8');
const names = new Set(
  [...lock.matchAll(/^"?(@backstage\/[a-z0-9-]+)@/gm)].map(m => m[1]),
);
for (const file of [rootFile, ...packageFiles]) {
  const pkg = readJson(file);
  for (const field of DEP_FIELDS) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      if (name.startsWith('@backstage/')) names.add(name);
    }
  }
}

for (const name of [...names].sort()) {
  if (resolutions[name]) continue;
  const version = lineVersion(name);
  if (version) {
    resolutions[name] = version;
    console.log(`pinned ${name} ${version}`);
  } else {
    console.warn(`${name}: nothing published before ${cutoff}, left as is`);
  }
}
rootPkg.resolutions = Object.fromEntries(
  Object.entries(resolutions).sort(([a], [b]) => a.localeCompare(b)),
);
writeJson(rootFile, rootPkg);

for (const file of packageFiles) {
  const pkg = readJson(file);
  let changed = false;
  for (const field of DEP_FIELDS) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      const pin = resolutions[name];
      const wanted = /^[\^~]?(\d+\.\d+\.\d+)$/.exec(range)?.[1];
      if (!pin || !wanted) continue;
      if (compare(wanted.split('.').map(Number), pin.split('.').map(Number)) > 0) {
        pkg[field][name] = `^${pin}`;
        changed = true;
        console.log(`${path.relative(root, file)}: ${name} ${range} -> ^${pin}`);
      }
    }
  }
  if (changed) writeJson(file, pkg);
}
