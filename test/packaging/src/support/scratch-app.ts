import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A fresh app outside the repository that installs `deps` (tarball paths and registry names). */
export async function scratchApp(name: string, deps: string[], type: 'module' | 'commonjs' = 'module') {
  const dir = mkdtempSync(join(tmpdir(), `fusewire-${name}-`));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }, null, 2));
  // --prefer-offline: what `npm ci` already fetched is reused; anything else comes from the registry.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...deps], { cwd: dir, timeout: 240_000 });
  return dir;
}

export interface Started {
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
}

/** Runs `node file` in `dir` with `env` added; collects stdout and stderr together. */
export function startNode(dir: string, file: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [file], { cwd: dir, env: { ...process.env, ...env } });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { output: () => text, exited, kill: (signal) => child.kill(signal) };
}

/** GETs `url` until the server answers (it is starting in another process). */
export async function getWhenUp(url: string, timeoutMs = 20_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
