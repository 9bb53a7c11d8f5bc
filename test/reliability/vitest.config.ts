import { defineConfig } from 'vitest/config';

const soak = process.env.FUSEWIRE_SOAK === '1';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Real sockets, child processes and timing-sensitive measurements (event-loop delay,
    // memory): one file at a time on a 2-vCPU machine, each in its own process.
    pool: 'forks',
    fileParallelism: false,
    testTimeout: soak ? 300_000 : 60_000,
    hookTimeout: 60_000,
  },
});
