// Shared by this package's tests only (not exported from the package).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createFusewire, type Fusewire, type FusewireOptions } from '@fusewire/core';
import type { LangfuseTestServer, TraceView } from '@fusewire/test-server';
import { clientHarness, silentLogger, trapProcessErrors } from '@fusewire/test-server/harness';
import express from 'express';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Express 5 (`express`) and Express 4 (the `express4` alias), same call shape. */
export type ExpressFactory = typeof express;

export async function loadExpress(major: 4 | 5): Promise<ExpressFactory> {
  if (major === 5) return express;
  const specifier: string = 'express4';
  return ((await import(specifier)) as { default: ExpressFactory }).default;
}

export { sleep } from '@fusewire/test-server/harness';

const harness = clientHarness(createFusewire, { maxRetryElapsedMs: 2_000, logger: silentLogger });

/** A fusewire client pointed at the test server, with test-friendly timings (the shared harness). */
export function startClient(server: LangfuseTestServer, options: FusewireOptions = {}): Fusewire {
  return harness.startClient(server, options).client;
}

export interface RunningApp {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with a random port. */
export async function listen(app: {
  listen: (port: number, host: string, cb: () => void) => Server;
}): Promise<RunningApp> {
  let server!: Server;
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The traces whose name starts with the given HTTP method (skips anything else the server got). */
export function requestTraces(received: LangfuseTestServer['received']): TraceView[] {
  return received.traces().filter((t) => /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /.test(t.name ?? ''));
}

/** Fails the test file on any uncaught exception or unhandled rejection: we must never cause one. */
export function failOnProcessErrors(): void {
  let trap: ReturnType<typeof trapProcessErrors> | undefined;
  beforeAll(() => {
    trap = trapProcessErrors();
  });
  afterEach(() => trap?.check());
  afterAll(() => trap?.dispose());
}
