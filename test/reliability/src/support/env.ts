/** `npm run test:soak` sets FUSEWIRE_SOAK=1: the long variants (30 s outage, 60 s overload). */
export const SOAK = process.env.FUSEWIRE_SOAK === '1';

/** Pick the quick value in CI, the long one under `npm run test:soak`. */
export const quickOrSoak = <T>(quick: T, soak: T): T => (SOAK ? soak : quick);

/** fast-check seed: fixed so CI is reproducible; override with FC_SEED to explore. */
export const FC_SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20261123;

/** fast-check runs per property: ~100 in CI, more in the soak. */
export const FC_RUNS = Number(process.env.FC_RUNS ?? (SOAK ? 1000 : 100));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
