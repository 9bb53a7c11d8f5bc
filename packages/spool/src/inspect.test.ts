import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listDeadLetters, readSpoolStats, replayDeadLetters } from './inspect.js';
import { ids, openSpool, span, tempDir } from './test-support.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const dirs: Array<{ cleanup(): void }> = [];
function file() {
  const t = tempDir();
  dirs.push(t);
  return t.path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function cli(...args: string[]): { stdout: string; status: number } {
  try {
    return { stdout: execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', stdio: 'pipe' }), status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; status: number };
    return { stdout: e.stdout + e.stderr, status: e.status };
  }
}

async function spoolWithDeadLetters(path: string) {
  const spool = openSpool({ path });
  const records = [span(), span(), span()];
  spool.append(records);
  const claimed = spool.claim(10, 1e9);
  spool.settle([claimed[0]!], 'non_retryable', 'HTTP 400: invalid span');
  spool.settle([claimed[1]!], 'retry_exhausted', 'ECONNREFUSED for 5 minutes');
  spool.release([claimed[2]!]);
  return { spool, records };
}

describe('inspecting a spool', () => {
  it('stats, dead letters and replay as functions, while the app still has the file open', async () => {
    const path = file();
    const { spool, records } = await spoolWithDeadLetters(path);
    const stats = readSpoolStats(path);
    expect(stats.waiting).toMatchObject({ events: 1, claimed: 0 });
    expect(stats.deadLetters).toMatchObject({ events: 2, byReason: { non_retryable: 1, retry_exhausted: 1 } });
    expect(stats.owners).toHaveLength(1);
    expect(stats.owners[0]).toMatchObject({ pid: process.pid, expired: false });
    const dead = listDeadLetters(path);
    expect(dead.map((d) => [d.id, d.reason, d.message])).toEqual([
      [records[0]!.id, 'non_retryable', 'HTTP 400: invalid span'],
      [records[1]!.id, 'retry_exhausted', 'ECONNREFUSED for 5 minutes'],
    ]);
    expect(JSON.parse(dead[0]!.record)).toMatchObject({ id: records[0]!.id, traceId: records[0]!.traceId });
    expect(replayDeadLetters(path, { reason: 'retry_exhausted' })).toBe(1);
    // The running spool sends the replayed one with its next claim.
    expect(ids(spool.claim(10, 1e9))).toEqual([records[1]!.id, records[2]!.id]);
    expect(readSpoolStats(path).deadLetters.events).toBe(1);
    await spool.close();
  });

  it('the fusewire-spool CLI prints the same', async () => {
    const path = file();
    const { spool, records } = await spoolWithDeadLetters(path);
    await spool.close();
    const stats = cli('stats', '--path', path);
    expect(stats.status).toBe(0);
    expect(stats.stdout).toMatch(/waiting: +1 events/);
    expect(stats.stdout).toContain('non_retryable: 1');
    expect(JSON.parse(cli('stats', '--path', path, '--json').stdout).deadLetters.events).toBe(2);
    const dead = cli('dead-letters', '--path', path, '--reason', 'non_retryable');
    expect(dead.stdout).toContain(records[0]!.id as string);
    expect(dead.stdout).not.toContain(records[1]!.id as string);
    expect(cli('replay', '--path', path, '--json').stdout.trim()).toBe('{"replayed":2}');
    expect(readSpoolStats(path).waiting.events).toBe(3);
  });

  it('the CLI names a missing file and exits non-zero', () => {
    const missing = `${file()}.nope`;
    const out = cli('stats', '--path', missing);
    expect(out.status).toBe(1);
    expect(out.stdout).toContain(missing);
    expect(cli('frobnicate', '--path', missing).status).toBe(2);
    expect(cli('stats').status).toBe(2);
  });
});
