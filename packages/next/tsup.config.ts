import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

export default defineConfig({
  ...tsupBase,
  // `edge` is what the `edge-light`/`worker`/`browser` conditions load: no core, no node: built-ins.
  entry: ['src/index.ts', 'src/edge.ts'],
});
