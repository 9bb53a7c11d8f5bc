import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

// jest loads packages through require(): the built CommonJS entry must work on its own.
const script = `
const { channel } = require('node:diagnostics_channel');
const { createTestFusewire, allObservations } = require('@fusewire/core/testing');
const { getFusewire } = require('@fusewire/core');
(async () => {
  const fusewire = createTestFusewire();
  channel('langfuse.generation').publish({ name: 'chat', model: 'gpt-4o', usageDetails: { input: 3, output: 5 } });
  const traces = await fusewire.traces();
  const o = allObservations(traces[0])[0];
  console.log(JSON.stringify({ count: traces.length, type: o.type, model: o.model, usage: o.usageDetails, same: getFusewire() !== undefined }));
  await fusewire.shutdown();
})();
`;

describe('@fusewire/core/testing from CommonJS (what jest loads)', () => {
  it('captures and assembles through the built require() entry', async () => {
    expect(existsSync(`${packageRoot}dist/testing/index.cjs`), 'build first: npm run build -w @fusewire/core').toBe(
      true,
    );
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: packageRoot });
    expect(JSON.parse(stdout)).toEqual({
      count: 1,
      type: 'generation',
      model: 'gpt-4o',
      usage: { input: 3, output: 5, total: 8 },
      same: true,
    });
  });
});
