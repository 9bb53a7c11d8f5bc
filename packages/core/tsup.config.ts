import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

// The testing entry reaches core through its public index only; built, that import becomes
// `@fusewire/core`, so @fusewire/core/testing uses the one pipeline instead of bundling a second copy.
const testingUsesPublicApi: Plugin = {
  name: 'testing-uses-public-api',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) =>
      args.importer.includes('/src/testing/') ? { path: '@fusewire/core', external: true } : undefined,
    );
  },
};

export default defineConfig({
  ...tsupBase,
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  esbuildPlugins: [testingUsesPublicApi],
});
