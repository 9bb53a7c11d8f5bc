import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as edge from './edge.js';
import * as node from './index.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('edge entry', () => {
  it('exports the same names as the Node entry', () => {
    expect(Object.keys(edge).sort()).toEqual(Object.keys(node).sort());
  });

  it('is a no-op: the handler itself, a disabled client whose methods resolve', async () => {
    const handler = () => new Response('x');
    expect(edge.withTracing(handler, { name: 'x' })).toBe(handler);
    const client = edge.register();
    expect(client.enabled).toBe(false);
    expect((await client.flush()).enqueued).toBe(0);
    expect((await client.shutdown()).pending).toBe(0);
    expect(client.deadLetters()).toEqual([]);
  });

  it('bundles for the edge without core, node: built-ins or Next', async () => {
    const out = await build({
      entryPoints: [new URL('./edge.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'esm',
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    expect(code).not.toMatch(/node:|diagnostics_channel|async_hooks|@fusewire\/core|next\//);
  });

  it('is what the edge-light, worker and browser conditions resolve to', () => {
    const root = pkg.exports['.'];
    for (const condition of ['edge-light', 'worker', 'browser']) {
      expect(root[condition].import.default).toBe('./dist/edge.js');
      expect(root[condition].require.default).toBe('./dist/edge.cjs');
    }
    // Conditions are matched in key order: the edge ones must come before import/require.
    const keys = Object.keys(root);
    expect(keys.indexOf('edge-light')).toBeLessThan(keys.indexOf('import'));
  });
});
