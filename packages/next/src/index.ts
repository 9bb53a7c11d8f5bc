export { register } from './register.js';
export type { RegisterOptions, WithTracingOptions } from './types.js';
export { withTracing } from './with-tracing.js';
