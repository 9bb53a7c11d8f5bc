#!/usr/bin/env node
// `npm run pack`: a tarball per public package in packed/, installable before anything is on the
// registry (`npm install ./packed/fusewire-core-0.1.0.tgz …`). npm chooses the files and packs them;
// this script only ships a clean manifest: no devDependencies or scripts that point at private
// workspaces, real ranges for @fusewire/* dependencies, and the repository's LICENSE when a package
// has none of its own. Run after `npm run build` (the `pack` script does both).
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The workspaces under packages/ that are published (not `private`). */
export function publicPackages() {
  const dirs = readdirSync(join(root, 'packages'), { withFileTypes: true }).filter((d) => d.isDirectory());
  return dirs
    .map((d) => join(root, 'packages', d.name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter((p) => p.manifest.private !== true);
}

/** The manifest as shipped: what an installer reads, nothing that only makes sense in this repository. */
export function shippedManifest(manifest, versions) {
  const out = { ...manifest };
  delete out.devDependencies;
  delete out.scripts;
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    if (out[field] === undefined) continue;
    out[field] = { ...out[field] };
    for (const [name, range] of Object.entries(out[field])) {
      // A workspace range ("*") would accept any version from the registry: pin to this release line.
      if (range === '*' && versions.has(name)) out[field][name] = `^${versions.get(name)}`;
    }
  }
  return out;
}

/** Packs every public package into `outDir`; returns what it made. */
export function packAll(outDir = join(root, 'packed')) {
  const packages = publicPackages();
  const versions = new Map(packages.map((p) => [p.manifest.name, p.manifest.version]));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'fusewire-pack-'));
  const made = [];
  try {
    for (const { dir, manifest } of packages) {
      if (!existsSync(join(dir, 'dist'))) throw new Error(`${manifest.name}: no dist/ (run \`npm run build\` first)`);
      const [listing] = JSON.parse(
        execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir }),
      );
      const stage = join(staging, manifest.name.replace(/[@/]/g, '_'));
      for (const { path } of listing.files) {
        if (path === 'package.json') continue;
        mkdirSync(dirname(join(stage, path)), { recursive: true });
        copyFileSync(join(dir, path), join(stage, path));
      }
      if (!listing.files.some((f) => /^licen[cs]e/i.test(f.path)))
        copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
      writeFileSync(join(stage, 'package.json'), `${JSON.stringify(shippedManifest(manifest, versions), null, 2)}\n`);
      const [packed] = JSON.parse(
        execFileSync(npm, ['pack', stage, '--json', '--ignore-scripts', '--pack-destination', outDir], {
          cwd: staging,
        }),
      );
      made.push({ name: manifest.name, version: manifest.version, tarball: join(outDir, packed.filename) });
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return made;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const made = packAll(process.argv[2] ? resolve(process.argv[2]) : undefined);
  for (const p of made) console.log(`${p.name}@${p.version}  ${p.tarball}`);
  const files = made.map((p) => p.tarball.replace(`${process.cwd()}/`, '')).join(' ');
  console.log(`\nInstall in your app (with what your snippet uses, e.g. express):\n  npm install ${files}`);
}
