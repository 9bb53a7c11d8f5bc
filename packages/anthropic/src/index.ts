export { observeAnthropic } from './observe-anthropic.js';
export type { ObserveAnthropicOptions } from './options.js';
