// Shared by core's tests only (not exported from the package).
import dc from 'node:diagnostics_channel';
import type { LangfuseTestServer } from '@fusewire/test-server';
import { expect } from 'vitest';
import { createFusewire, type Fusewire } from './api/client.js';
import type { FusewireLogger } from './runtime/logger.js';
import type { FusewireOptions } from './runtime/options.js';
import type { FusewireStats } from './pipeline/stats.js';

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  obj: Record<string, unknown>;
  msg: string;
}

/** A pino-shaped logger that records every line. */
export interface CapturingLogger extends FusewireLogger {
  readonly lines: LogLine[];
  /** Lines whose `obj.code` is `code`. */
  withCode(code: string): LogLine[];
  /** Every line as one string (for "never contains" checks). */
  text(): string;
}

export function captureLogger(): CapturingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
    };
  return {
    lines,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    withCode: (code) => lines.filter((l) => l.obj.code === code),
    text: () => lines.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.obj)}`).join('\n'),
  };
}

/** Sum of every drop reason. */
export function droppedTotal(s: FusewireStats): number {
  return Object.values(s.dropped).reduce((a, b) => a + b, 0);
}

/** The promise `stats()` always keeps. */
export function expectBalanced(s: FusewireStats): void {
  expect(s.enqueued, JSON.stringify(s)).toBe(s.delivered + s.pending + droppedTotal(s));
}

let current: Fusewire | undefined;

/**
 * Starts a client against the test server with test-friendly defaults (fast flushes, no
 * exit hooks). fusewire is a process-wide singleton: call {@link stopClient} in afterEach.
 */
export function startClient(
  server: LangfuseTestServer,
  options: FusewireOptions = {},
): { client: Fusewire; logger: CapturingLogger } {
  const logger = captureLogger();
  const client = createFusewire({
    baseUrl: server.url,
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    flushIntervalMs: 20,
    maxRetryElapsedMs: 10_000,
    flushOnExit: false,
    logger,
    ...options,
  });
  current = client;
  return { client, logger };
}

/** Shuts the current client down (short deadline) so the next test can start its own. */
export async function stopClient(): Promise<void> {
  const client = current;
  current = undefined;
  if (client !== undefined) await client.shutdown(1_000);
}

const channels = new Map<string, dc.Channel>();

/** Publishes like any app would: through `node:diagnostics_channel`, no fusewire import. */
export function publish(kind: 'trace' | 'span' | 'generation' | 'event' | 'score', message: unknown): void {
  const name = `langfuse.${kind}`;
  let ch = channels.get(name);
  if (ch === undefined) {
    ch = dc.channel(name);
    channels.set(name, ch);
  }
  ch.publish(message);
}

/** Hex helpers for readable fixed ids. */
export const hex32 = (n: number): string => n.toString(16).padStart(32, '0');
export const hex16 = (n: number): string => n.toString(16).padStart(16, '0');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
