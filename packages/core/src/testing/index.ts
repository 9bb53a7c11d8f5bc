export type { CapturedRequest } from './captured-request.js';
export { createTestFusewire, type TestFusewire, type TestFusewireOptions } from './create-test-fusewire.js';
export { allObservations, type TestObservation, type TestScore, type TestTrace } from './test-trace.js';
