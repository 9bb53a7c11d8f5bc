import dc from 'node:diagnostics_channel';
import { createFusewire, type Fusewire, type FusewireOptions, type FusewireStats } from '@fusewire/core';
import type { LangfuseTestServer } from '@fusewire/test-server';
import { expect } from 'vitest';
import { type CapturingLogger, captureLogger } from './logger.js';

export type ChannelKind = 'trace' | 'span' | 'generation' | 'event' | 'score';

let current: Fusewire | undefined;

/**
 * Starts the process-wide client against `server` with test-friendly defaults (fast
 * interval, no exit hooks, a capturing logger). Call {@link stopClient} in afterEach.
 */
export function startClient(
  server: Pick<LangfuseTestServer, 'url' | 'publicKey' | 'secretKey'>,
  options: FusewireOptions = {},
): { client: Fusewire; logger: CapturingLogger } {
  const logger = captureLogger();
  const client = createFusewire({
    baseUrl: server.url,
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    flushIntervalMs: 20,
    flushOnExit: false,
    logger,
    ...options,
  });
  current = client;
  return { client, logger };
}

export async function stopClient(deadlineMs = 1_000): Promise<void> {
  const client = current;
  current = undefined;
  if (client !== undefined) await client.shutdown(deadlineMs);
}

const channels = new Map<string, dc.Channel>();

/** Publishes as any library would: `node:diagnostics_channel`, no fusewire import. */
export function publish(kind: ChannelKind, message: unknown): void {
  const name = `langfuse.${kind}`;
  let ch = channels.get(name);
  if (ch === undefined) {
    ch = dc.channel(name);
    channels.set(name, ch);
  }
  ch.publish(message);
}

export function droppedTotal(s: FusewireStats): number {
  return Object.values(s.dropped).reduce((a, b) => a + b, 0);
}

/** The identity stats() promises: enqueued = delivered + pending + Σ dropped. */
export function expectBalanced(s: FusewireStats): void {
  expect(s.enqueued, `stats unbalanced: ${JSON.stringify(s)}`).toBe(s.delivered + s.pending + droppedTotal(s));
}

/** Drop reasons with a non-zero count, for readable assertions. */
export function nonZeroDrops(s: FusewireStats): Record<string, number> {
  return Object.fromEntries(Object.entries(s.dropped).filter(([, n]) => n > 0));
}

export const hex32 = (n: number): string => n.toString(16).padStart(32, '0');
export const hex16 = (n: number): string => n.toString(16).padStart(16, '0');
