// jest deletes the globals a test file set once the file ends, while diagnostics_channel
// subscriptions are process-wide and live on into the next file. A subscriber whose state was
// torn down like that must never throw into the next file's instrumented code.
import { AsyncLocalStorage } from 'node:async_hooks';
import dc from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import type { GlobalState } from '../runtime/global-state.js';
import { subscribeChannels } from './subscribers.js';
import { subscribeTracingChannels } from './tracing-subscribers.js';

function tornDownState(): GlobalState {
  const state = {
    version: 1,
    storage: new AsyncLocalStorage(),
    pipeline: { accept() {} },
    client: undefined,
    subscribed: new Set<string>(),
  } as unknown as GlobalState;
  subscribeChannels(state);
  subscribeTracingChannels(state);
  // What jest's globalsCleanup does to an object a finished test file left on globalThis.
  for (const key of Object.keys(state)) delete (state as unknown as Record<string, unknown>)[key];
  return state;
}

describe('subscribers of a torn-down state (jest, between test files)', () => {
  it('let traced and published code run unharmed', async () => {
    tornDownState();
    const traced = dc.tracingChannel('langfuse.span');
    expect(traced.traceSync(() => 41 + 1, { name: 'sync' })).toBe(42);
    await expect(traced.tracePromise(async () => 'ok', { name: 'async' })).resolves.toBe('ok');
    expect(() => dc.channel('langfuse.span').publish({ name: 'plain' })).not.toThrow();
  });
});
