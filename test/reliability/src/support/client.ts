// The shared client harness of @fusewire/test-server, bound to the built @fusewire/core.
import { createFusewire } from '@fusewire/core';
import { clientHarness } from '@fusewire/test-server/harness';

export {
  type ChannelKind,
  droppedTotal,
  expectBalanced,
  hex16,
  hex32,
  nonZeroDrops,
  publish,
} from '@fusewire/test-server/harness';

export const { startClient, stopClient } = clientHarness(createFusewire);
