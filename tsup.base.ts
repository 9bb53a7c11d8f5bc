import type { Options } from 'tsup';

/**
 * The build every package shares: ESM + CJS + types for Node 20, one file per entry.
 * A package's tsup.config.ts adds its entries (and anything it alone needs).
 */
export const tsupBase = {
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
  splitting: false,
} satisfies Options;
