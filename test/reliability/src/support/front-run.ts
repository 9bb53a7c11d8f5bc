import type { LangfuseTestServer } from '@fusewire/test-server';
import { startChild } from './child.js';

export interface FrontRunResult {
  stats: {
    enqueued: number;
    delivered: number;
    pending: number;
    retries: number;
    requests: number;
    dropped: Record<string, number>;
    lastError?: { code: string; message: string };
  };
  flushTook: number;
  peakRssGrowth: number;
  maxStallMs: number;
  deadLetters: Array<{ reason: string; message: string; status?: number }>;
  lines: Array<{ level: string; code?: string; msg: string }>;
}

let idBase = 7_000;

/**
 * Runs fixtures/send-through.mjs: `count` spans with fixed ids through `url` (a scripted front
 * before `server`), a flush, and what the child measured. Returns the ids it published too.
 */
export async function runThrough(
  server: Pick<LangfuseTestServer, 'publicKey' | 'secretKey'>,
  url: string,
  opts: { count: number; flushMs?: number; options?: Record<string, unknown>; timeoutMs?: number },
): Promise<{ result: FrontRunResult; ids: string[] }> {
  const base = idBase++;
  const child = startChild('send-through.mjs', {
    LANGFUSE_BASE_URL: url,
    LANGFUSE_PUBLIC_KEY: server.publicKey,
    LANGFUSE_SECRET_KEY: server.secretKey,
    FUSEWIRE_TEST_COUNT: String(opts.count),
    FUSEWIRE_TEST_FLUSH_MS: String(opts.flushMs ?? 20_000),
    FUSEWIRE_TEST_ID_BASE: String(base),
    FUSEWIRE_TEST_OPTIONS: JSON.stringify(opts.options ?? {}),
  });
  const line = await child.line('RESULT', opts.timeoutMs ?? (opts.flushMs ?? 20_000) + 20_000).catch((error: Error) => {
    throw new Error(`${error.message}\nstdout:\n${child.stdout.join('\n')}`);
  });
  const ids = Array.from({ length: opts.count }, (_, i) => (base * 1_000_000 + i + 1).toString(16).padStart(16, '0'));
  return { result: JSON.parse(line) as FrontRunResult, ids };
}
