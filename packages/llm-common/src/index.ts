export { type GenerationRun, startGeneration } from './generation-run.js';
export { isTracing } from './is-tracing.js';
export { type ChunkObserver, observeStream } from './observe-stream.js';
export { pickDefined } from './pick-defined.js';
export { type MethodSpec, traceMethod } from './trace-method.js';
export { watchResult } from './watch-result.js';
