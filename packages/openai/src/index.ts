export { observeOpenAI } from './observe-openai.js';
export type { ObserveOpenAIOptions } from './options.js';
