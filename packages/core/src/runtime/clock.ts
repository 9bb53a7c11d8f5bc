// `performance` is a lazy accessor on globalThis (it checks its receiver and loads the module on
// first use): reading the global costs twice the clock read itself, so the object is kept here.
// performance.timeOrigin is a getter that costs as much as performance.now(): read it once.
const PERFORMANCE = performance;
const ORIGIN = PERFORMANCE.timeOrigin;

/** Wall-clock epoch milliseconds with sub-millisecond precision (monotonic within the process). */
export const now = (): number => ORIGIN + PERFORMANCE.now();
