import { defineConfig } from 'tsup';

export default defineConfig({
  // `edge` is what the `edge-light`/`worker`/`browser` conditions load: no core, no node: built-ins.
  entry: ['src/index.ts', 'src/edge.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
  splitting: false,
});
