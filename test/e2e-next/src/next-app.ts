/**
 * Builds and serves examples/next-app for the e2e test: `next build` once (reused while fresh),
 * `next start` on 127.0.0.1 in its own process group so that stopping it kills everything it
 * started, even when the test process dies first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const APP_DIR = path.join(REPO_DIR, 'examples/next-app');
const DOT_NEXT = path.join(APP_DIR, '.next');
const NEXT_BIN = createRequire(path.join(APP_DIR, 'package.json')).resolve('next/dist/bin/next');

/** `FUSEWIRE_E2E_WEBPACK=1` builds with webpack (Next 15's default bundler) instead of Turbopack. */
export const WEBPACK = process.env.FUSEWIRE_E2E_WEBPACK === '1';

/** What the build depends on. tsconfig.json and next-env.d.ts are left out: `next build` rewrites them. */
const BUILD_INPUTS = [
  'examples/next-app/app',
  'examples/next-app/pages',
  'examples/next-app/lib',
  'examples/next-app/instrumentation.ts',
  'examples/next-app/next.config.mjs',
  'examples/next-app/package.json',
  'packages/next/dist',
  'packages/core/dist',
].map((p) => path.join(REPO_DIR, p));

/** Environment that must not leak from the developer's shell into the app. */
const SCRUBBED = /^(LANGFUSE_|VERCEL|AWS_LAMBDA_|K_SERVICE|NETLIFY|NEXT_|__NEXT|NODE_OPTIONS$|VITEST|TURBO)/;

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SCRUBBED.test(k)) env[k] = v;
  return { ...env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...extra };
}

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** Why a rebuild is needed, or undefined when `.next` is newer than every input. */
export function staleReason(): string | undefined {
  if (process.env.FUSEWIRE_E2E_REBUILD === '1') return 'FUSEWIRE_E2E_REBUILD=1';
  const buildId = path.join(DOT_NEXT, 'BUILD_ID');
  if (!existsSync(buildId)) return 'no build yet';
  const webpackBuild = existsSync(path.join(DOT_NEXT, 'server/webpack-runtime.js'));
  if (webpackBuild !== WEBPACK) return `the existing build used ${webpackBuild ? 'webpack' : 'Turbopack'}`;
  const builtAt = statSync(buildId).mtimeMs;
  const newer = BUILD_INPUTS.find((p) => newestMtime(p) > builtAt);
  return newer === undefined ? undefined : `${path.relative(REPO_DIR, newer)} changed since the last build`;
}

/** Runs `next build` unless the existing build is fresh. Resolves with what it did. */
export async function ensureBuild(timeoutMs = 240_000): Promise<{ built: boolean; reason?: string; ms: number }> {
  for (const dist of ['packages/core/dist/index.js', 'packages/next/dist/index.js', 'packages/next/dist/edge.js']) {
    if (!existsSync(path.join(REPO_DIR, dist)))
      throw new Error(`${dist} is missing: run \`npm run build\` at the repo root first`);
  }
  const reason = staleReason();
  if (reason === undefined) return { built: false, ms: 0 };
  const started = Date.now();
  const { code, output } = await run(
    process.execPath,
    [NEXT_BIN, 'build', ...(WEBPACK ? ['--webpack'] : [])],
    timeoutMs,
  );
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.slice(-4000)}`);
  return { built: true, reason, ms: Date.now() - started };
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: APP_DIR,
      env: cleanEnv({}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const untrack = track(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[e2e] killed after ${timeoutMs} ms`;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      untrack();
      resolve({ code, output });
    });
  });
}

// Children still running when this process exits (a crash, a timeout) are killed with it.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});
function track(child: ChildProcess): () => void {
  live.add(child);
  return () => live.delete(child);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: next start and anything it spawned
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  url: string;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM to the process group, SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

/** `next start -H 127.0.0.1 -p <free port>` with `env`; resolves once it answers HTTP. */
export async function startApp(env: Record<string, string>, readyTimeoutMs = 60_000): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: APP_DIR,
    env: cleanEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const untrack = track(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stopping: Promise<void> | undefined;
  const app: RunningApp = {
    url,
    output: () => output,
    stop() {
      stopping ??= (async () => {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
        untrack();
      })();
      return stopping;
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`next start exited early (${child.exitCode ?? child.signalCode}):\n${output.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return app;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await app.stop();
      throw new Error(`next start did not answer within ${readyTimeoutMs} ms:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The built files an entry loads (itself and its chunks, followed transitively, async chunks included). */
function entryClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    // Turbopack names chunks from .next/: "server/chunks/x.js".
    for (const m of code.matchAll(/"(server\/chunks\/[^"]+\.js)"/g)) visit(path.join(DOT_NEXT, m[1]!));
    // webpack loads chunks/<id>.js by id: `.X(0,[296,214],…)` at start, `.e(171)` for an import().
    const ids = [...code.matchAll(/\.X\(0,\[([\d,]+)\]/g)].flatMap((m) => m[1]!.split(','));
    for (const m of code.matchAll(/\.e\((\d+)\)/g)) ids.push(m[1]!);
    for (const id of ids) visit(path.join(DOT_NEXT, 'server/chunks', `${id}.js`));
  };
  visit(path.join(DOT_NEXT, 'server', entry));
  return seen;
}

/** Where fusewire's code ended up in the build: the files holding it, per entry. */
export function bundledCopies(entries: string[], marker = 'fusewire.v1'): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const entry of entries) {
    result[entry] = [...entryClosure(entry)]
      .filter((f) => readFileSync(f, 'utf8').includes(marker))
      .map((f) => path.relative(DOT_NEXT, f));
  }
  return result;
}
