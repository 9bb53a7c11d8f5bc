import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

export default defineConfig({
  ...tsupBase,
  entry: ['src/index.ts', 'src/cli.ts', 'src/client-harness.ts'],
  // The official .proto files are found from import.meta.url, in the CJS build too.
  shims: true,
});
