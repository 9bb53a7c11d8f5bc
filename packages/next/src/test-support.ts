/** Shared by the unit tests (not exported by the package): a real client against the test server. */
import { createFusewire, type Fusewire, getFusewire } from '@fusewire/core';
import { type LangfuseTestServer, startLangfuseServer, type TraceNode, type TraceView } from '@fusewire/test-server';
import { silentLogger, trapProcessErrors } from '@fusewire/test-server/harness';

export interface Harness {
  server: LangfuseTestServer;
  client: Fusewire;
}

/** One test server and one client per test file (one pipeline per process, like production). */
export async function startHarness(): Promise<Harness> {
  const server = await startLangfuseServer();
  // A long interval: only explicit flushes (ours or the wrapper's) send anything.
  const client = createFusewire({
    baseUrl: server.url,
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    flushIntervalMs: 600_000,
    timeoutMs: 2_000,
    logger: silentLogger,
  });
  if (getFusewire() !== client) throw new Error('expected the harness client to be the running one');
  return { server, client };
}

export async function stopHarness(h: Harness | undefined): Promise<void> {
  await h?.client.shutdown(2_000);
  await h?.server.close();
}

/** The one trace whose root observation has this request id (set through `x-request-id`). */
export function traceByRequestId(server: LangfuseTestServer, requestId: string): TraceView | undefined {
  return server.received.traces().find((t) => t.roots.some((r) => r.metadata?.requestId === requestId));
}

/** Waits until the trace of `requestId` has arrived with its root ended and `count` observations. */
export async function waitForTrace(
  server: LangfuseTestServer,
  requestId: string,
  count = 1,
  timeoutMs = 5_000,
): Promise<TraceView> {
  await server.waitFor((r) => {
    const t = r.traces().find((x) => x.roots.some((n) => n.metadata?.requestId === requestId));
    return t !== undefined && t.observations.length >= count && t.roots.every((n) => n.endTime !== undefined);
  }, timeoutMs);
  return traceByRequestId(server, requestId)!;
}

/** Every observation below `node`, depth first. */
export function descendants(node: TraceNode): TraceNode[] {
  return node.children.flatMap((c) => [c, ...descendants(c)]);
}

let counter = 0;
/** A fresh request id. */
export function rid(prefix = 'req'): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}

/** Fails the test file if anything escapes as an unhandled rejection or uncaught exception. */
export function trapUnhandled(): { errors: unknown[]; dispose(): void } {
  const trap = trapProcessErrors();
  return {
    get errors() {
      return trap.errors.map((e) => e.error);
    },
    dispose: () => trap.dispose(),
  };
}

export { sleep } from '@fusewire/test-server/harness';
