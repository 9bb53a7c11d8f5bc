// performance.timeOrigin is a getter that costs as much as performance.now(): read it once.
const ORIGIN = performance.timeOrigin;

/** Wall-clock epoch milliseconds with sub-millisecond precision (monotonic within the process). */
export const now = (): number => ORIGIN + performance.now();
