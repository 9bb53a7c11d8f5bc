// Builds the CLI and the test child scripts once, so tests run real processes from real JS.
import { build } from 'tsup';

export const CHILD_DIR = 'node_modules/.cache/fusewire-bullmq-test';

export default async function setup(): Promise<void> {
  await build({
    entry: { cli: 'src/cli.ts', 'app-child': 'src/test-children/app-child.ts' },
    outDir: CHILD_DIR,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: false,
    clean: true,
    silent: true,
    splitting: false,
    // Dependencies resolve from node_modules like in an install; only this package's code is bundled.
    external: [/^[^./]/],
  });
}
