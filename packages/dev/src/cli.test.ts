import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli } from './cli-args.js';
import { chatTrace, post } from './test-support.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('parseCli', () => {
  it('reads dev and its flags', () => {
    expect(parseCli(['dev'], {})).toEqual({ kind: 'dev', options: {} });
    expect(parseCli(['dev', '--port', '0', '--host', '0.0.0.0', '--max-traces', '5', '--max-mb', '2'], {})).toEqual({
      kind: 'dev',
      options: { port: 0, host: '0.0.0.0', maxTraces: 5, maxBytes: 2 * 1024 * 1024 },
    });
    expect(parseCli([], {}).kind).toBe('help');
    expect(parseCli(['--help'], {}).kind).toBe('help');
  });

  it('explains a bad command or value', () => {
    expect(parseCli(['serve'], {})).toEqual({ kind: 'error', message: 'unknown command "serve"' });
    expect(parseCli(['dev', '--port', 'abc'], {})).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('--port'),
    });
    expect(parseCli(['dev', '--port', '70000'], {})).toMatchObject({ kind: 'error' });
    expect(parseCli(['dev', '--colour'], {})).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('colour'),
    });
  });

  it('--forward takes the LANGFUSE_* keys and names the missing ones, never their values', () => {
    const env = {
      LANGFUSE_PUBLIC_KEY: 'pk-lf-1',
      LANGFUSE_SECRET_KEY: 'sk-lf-2',
      LANGFUSE_BASE_URL: 'https://eu.example',
    };
    expect(parseCli(['dev', '--forward'], env)).toEqual({
      kind: 'dev',
      options: { forward: { baseUrl: 'https://eu.example', publicKey: 'pk-lf-1', secretKey: 'sk-lf-2' } },
    });
    expect(parseCli(['dev', '--forward'], { LANGFUSE_PUBLIC_KEY: 'pk-lf-1' })).toEqual({
      kind: 'error',
      message: "--forward needs LANGFUSE_SECRET_KEY set to your Langfuse project's keys",
    });
    const cloud = parseCli(['dev', '--forward'], { LANGFUSE_PUBLIC_KEY: 'p', LANGFUSE_SECRET_KEY: 's' });
    expect(cloud).toMatchObject({ options: { forward: { baseUrl: 'https://cloud.langfuse.com' } } });
  });
});

describe('the fusewire bin', () => {
  it('starts, prints its URL and the env lines, takes traces, and stops on SIGTERM', async () => {
    expect(existsSync(CLI), 'build first: npm run build -w @fusewire/dev').toBe(true);
    const child = spawn(process.execPath, [CLI, 'dev', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
    });
    while (!out.includes('LANGFUSE_SECRET_KEY')) {
      await new Promise((resolve) => child.stdout!.once('data', resolve));
    }
    const url = /LANGFUSE_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(out).toContain(`open the live trace view:  ${url}`);
    expect(out).toContain('LANGFUSE_PUBLIC_KEY=pk-lf-dev');

    expect((await post(`${url}/api/public/otel/v1/traces`, JSON.stringify(chatTrace().request))).status).toBe(200);
    const page = await fetch(url!);
    expect(await page.text()).toContain('<title>fusewire dev</title>');

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('says how to fix a port in use, and exits non-zero', async () => {
    const first = spawn(process.execPath, [CLI, 'dev', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(first);
    const out = await new Promise<string>((resolve) => first.stdout!.once('data', (c) => resolve(String(c))));
    const port = /:(\d+)/.exec(out)![1]!;
    const second = spawn(process.execPath, [CLI, 'dev', '--port', port], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(second);
    let err = '';
    second.stderr!.on('data', (c) => {
      err += c;
    });
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain(`port ${port} is in use`);
    expect(err).toContain(`--port ${Number(port) + 1}`);
  });
});
