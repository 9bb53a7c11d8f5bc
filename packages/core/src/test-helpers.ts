// Core's tests only (not exported): the shared client harness of @fusewire/test-server, bound to this package.
import { clientHarness } from '@fusewire/test-server/harness';
import { createFusewire } from './api/client.js';

export {
  type CapturingLogger,
  captureLogger,
  droppedTotal,
  expectBalanced,
  hex16,
  hex32,
  type LogLine,
  publish,
  sleep,
} from '@fusewire/test-server/harness';

export const { startClient, stopClient } = clientHarness(createFusewire, { maxRetryElapsedMs: 10_000 });
