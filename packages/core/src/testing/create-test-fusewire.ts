import { createLangfuseModel } from '@fusewire/langfuse-model';
import { createFusewire, type Fusewire, FusewireConfigError, type FusewireOptions, getFusewire } from '../index.js';
import { toTraceId } from '../model/ids.js';
import type { CapturedRequest } from './captured-request.js';
import { CapturingDelivery } from './capturing-delivery.js';
import { type TestTrace, toTestTrace } from './test-trace.js';

/**
 * Options of {@link createTestFusewire}: those of `createFusewire()` that shape what is recorded (the
 * wire format is not one: a test client always records OTLP/JSON, uncompressed, which it can read back).
 */
export type TestFusewireOptions = Omit<
  FusewireOptions,
  'publicKey' | 'secretKey' | 'baseUrl' | 'delivery' | 'store' | 'otlpEncoding' | 'compression'
>;

/** A fusewire client for tests: it captures what it would send in memory and shows it as Langfuse would. */
export interface TestFusewire extends Fusewire {
  /**
   * Sends everything published so far (to memory) and resolves with every trace captured since the
   * start or the last {@link TestFusewire.reset}, as Langfuse v4 would show them, oldest first.
   */
  traces(): Promise<TestTrace[]>;
  /** One trace by id — yours (`'order-17'`) or Langfuse's 32-hex one — after the same flush as `traces()`. */
  trace(id: string): Promise<TestTrace | undefined>;
  /** The decoded requests captured so far (OTLP and ingestion bodies), for wire-level assertions. */
  requests(): CapturedRequest[];
  /** Flushes what was published before the call, then forgets it: await it between tests. */
  reset(): Promise<void>;
}

/**
 * A client that records in memory, with no network and no keys: publish as your app does, then
 * assert on `await fusewire.traces()`. Traces are assembled by `@fusewire/langfuse-model`, the same
 * code the `fusewire dev` view uses, so a test sees what Langfuse would show. Works in vitest and jest.
 *
 * One client runs per process: create it before your app calls `createFusewire()` (which then returns
 * this client), and `await shutdown()` when the test file ends.
 *
 * @example
 * ```ts
 * import { channel } from 'node:diagnostics_channel';
 * import { createTestFusewire } from '@fusewire/core/testing';
 *
 * const fusewire = createTestFusewire();
 * channel('langfuse.generation').publish({ name: 'chat', model: 'gpt-4o', usageDetails: { input: 3, output: 5 } });
 * const [trace] = await fusewire.traces();
 * expect(trace.observations[0]).toMatchObject({ type: 'generation', model: 'gpt-4o' });
 * await fusewire.shutdown();
 * ```
 */
export function createTestFusewire(options: TestFusewireOptions = {}): TestFusewire {
  const running = getFusewire() as (Fusewire & { isShutdown?: boolean }) | undefined;
  if (running?.enabled && running.isShutdown !== true) {
    throw new FusewireConfigError(
      'createTestFusewire',
      'a fusewire client is already running in this process, so a test client cannot capture',
      'Create the test client before your app calls createFusewire() or register(), or await the running client.shutdown() first.',
    );
  }
  const delivery = new CapturingDelivery();
  const client = createFusewire({
    flushIntervalMs: 60_000, // traces() flushes; no timer needed between
    flushOnExit: false,
    sampleRate: 1,
    ...options,
    // Read back without a protobuf decoder, whatever FUSEWIRE_OTLP_ENCODING says.
    otlpEncoding: 'json',
    compression: 'none',
    delivery, // needs no keys: nothing leaves the process
  });

  async function assembled(): Promise<TestTrace[]> {
    await client.flush();
    const model = createLangfuseModel();
    for (const request of delivery.requests()) {
      if (request.endpoint === 'otlp') model.ingestOtlp(request.body);
      else model.ingestBatch(((request.body as { batch?: unknown[] }).batch ?? []) as unknown[]);
    }
    return model.traces().map(toTestTrace);
  }

  return {
    get enabled() {
      return client.enabled;
    },
    flush: (timeoutMs) => client.flush(timeoutMs),
    shutdown: (timeoutMs) => client.shutdown(timeoutMs),
    stats: () => client.stats(),
    deadLetters: () => client.deadLetters(),
    health: (options) => client.health(options),
    traces: assembled,
    async trace(id) {
      const langfuseId = toTraceId(id);
      return (await assembled()).find((t) => t.id === langfuseId);
    },
    requests: () => delivery.requests(),
    async reset() {
      await client.flush();
      delivery.clear();
    },
  };
}
