import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relativeLinks, readme, repoRoot, snippets } from './support/readme.js';
import { freePort, getWhenUp, scratchApp, startNode } from './support/scratch-app.js';

const root = fileURLToPath(repoRoot);
const packed = mkdtempSync(join(tmpdir(), 'fusewire-packed-'));
let tarballs: string[] = [];
const tarball = (name: string) => {
  const file = tarballs.find((t) => t.startsWith(`${name.replace('@', '').replace('/', '-')}-`));
  if (!file) throw new Error(`no tarball for ${name} in ${tarballs.join(', ')}`);
  return join(packed, file);
};
/** A package's tarball and those of the @fusewire/* packages it depends on, as an app must install them. */
const withDeps = (name: string, seen = new Set<string>()): string[] => {
  if (seen.has(name)) return [];
  seen.add(name);
  const manifest = JSON.parse(shipped(tarball(name), 'package.json'));
  const deps = Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@fusewire/'));
  return [tarball(name), ...deps.flatMap((d) => withDeps(d, seen))];
};
const shipped = (file: string, path: string) =>
  execFileSync('tar', ['xzf', file, '-O', `package/${path}`], { encoding: 'utf8' });
const listing = (file: string) => execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).trim().split('\n');

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts/pack.mjs'), packed], { cwd: root });
  tarballs = readdirSync(packed).filter((f) => f.endsWith('.tgz'));
});

describe('npm run pack', () => {
  it('makes a tarball for every public package', () => {
    const names = readdirSync(join(root, 'packages')).map((dir) => {
      const manifest = JSON.parse(
        execFileSync('cat', [join(root, 'packages', dir, 'package.json')], { encoding: 'utf8' }),
      );
      return manifest.private === true ? undefined : manifest.name;
    });
    for (const name of names.filter(Boolean)) expect(() => tarball(name)).not.toThrow();
    // turbo builds what this workspace depends on before its tests: every public package must be listed.
    const own = JSON.parse(execFileSync('cat', [join(root, 'test/packaging/package.json')], { encoding: 'utf8' }));
    for (const name of names.filter(Boolean))
      expect(Object.keys(own.devDependencies), 'test/packaging/package.json').toContain(name);
  });

  it('ships manifests an installer can use: no private devDependencies or scripts, real ranges, links, MIT', () => {
    for (const file of tarballs.map((t) => join(packed, t))) {
      const manifest = JSON.parse(shipped(file, 'package.json'));
      const where = manifest.name;
      expect(manifest.devDependencies, where).toBeUndefined();
      expect(manifest.scripts, where).toBeUndefined();
      expect(manifest.license, where).toBe('MIT');
      expect(manifest.repository?.url, where).toMatch(/^git\+https:\/\//);
      expect(manifest.repository?.directory, where).toMatch(/^packages\//);
      expect(manifest.homepage, where).toMatch(/^https:\/\//);
      expect(manifest.bugs?.url, where).toMatch(/^https:\/\//);
      for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
        expect(range, `${where} → ${dep}`).not.toBe('*');
        expect(range, `${where} → ${dep}`).not.toMatch(/^(file|workspace|link):/);
      }
      expect(listing(file), where).toContain('package/LICENSE');
      expect(shipped(file, 'LICENSE'), where).toMatch(/^MIT License/);
    }
  });

  it('ships READMEs that work on the registry page: absolute links, no monorepo commands', () => {
    for (const file of tarballs.map((t) => join(packed, t))) {
      const text = shipped(file, 'README.md');
      expect(relativeLinks(text), file).toEqual([]);
      expect(text, file).not.toMatch(/npm (run \w+|test) -w|--workspace|turbo run|from the repo(sitory)? root/);
    }
  });
});

describe('the README, run unchanged in an app outside the repository that installs the tarballs', () => {
  let server: LangfuseTestServer;
  beforeAll(async () => {
    server = await startLangfuseServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());
  const env = () => ({
    LANGFUSE_BASE_URL: server.url,
    LANGFUSE_PUBLIC_KEY: server.publicKey,
    LANGFUSE_SECRET_KEY: server.secretKey,
  });

  it('Quick start: a script publishes, exits on its own, and its events arrive', async () => {
    const dir = await scratchApp('quickstart', withDeps('@fusewire/core'));
    writeFileSync(join(dir, 'index.mjs'), snippets(readme(), 'Quick start')[0]!);
    const app = startNode(dir, 'index.mjs', env());
    expect(await app.exited, app.output()).toBe(0);
    await server.waitFor((r) => r.traces().some((t) => t.observations.some((o) => o.name === 'retrieve')));
    expect(app.output()).toBe('');
  });

  async function expressApp(major: 4 | 5, file: string, heading: string) {
    const dir = await scratchApp(`express${major}`, [
      ...withDeps('@fusewire/express'),
      `express@${major}`,
      'pino-http',
    ]);
    const [full, express4] = snippets(readme(file), heading);
    let code = full!;
    if (major === 4) {
      // The Express 4 snippet replaces the Express 5 route handler.
      const start = code.indexOf("app.get('/users/:id'");
      const end = code.indexOf('\n', code.indexOf('}); // → trace'));
      code = code.slice(0, start) + express4!.trimEnd() + code.slice(end);
    }
    writeFileSync(join(dir, 'app.mjs'), code);
    return dir;
  }

  it.each([
    [5, 'README.md', 'Express'],
    [4, 'README.md', 'Express'],
    [5, 'packages/express/README.md', '@fusewire/express'],
  ] as const)(
    'Express %i (%s): a trace per request, a failing handler recorded as ERROR, SIGTERM drains',
    async (major, file, heading) => {
      const dir = await expressApp(major, file, heading);
      const port = await freePort();
      const app = startNode(dir, 'app.mjs', { ...env(), PORT: String(port) });
      const ok = await getWhenUp(`http://127.0.0.1:${port}/users/42`);
      expect(await ok.json()).toEqual({ id: '42', name: 'Ada' });
      expect((await fetch(`http://127.0.0.1:${port}/users/7`)).status).toBe(500);
      app.kill('SIGTERM');
      expect(await app.exited, app.output()).toBe(0);
      const traces = server.received.traces().filter((t) => t.name === 'GET /users/:id');
      expect(traces.map((t) => t.userId).sort()).toEqual(['42', '7']);
      const failed = traces.find((t) => t.userId === '7')!;
      expect(failed.roots[0]).toMatchObject({ level: 'ERROR', statusMessage: 'no user 7' });
      expect(failed.observations.map((o) => o.name)).toContain('load-user');
    },
  );
});
