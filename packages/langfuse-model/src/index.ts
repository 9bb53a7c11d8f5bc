export { aggregateTrace, buildTree } from './aggregate-trace.js';
export { DEFAULT_ENVIRONMENT, isStoredUnchanged, normalizeEnvironment } from './environment.js';
export { formatDuration, formatTrace, formatTree } from './format-tree.js';
export { createLangfuseModel, type LangfuseModel } from './langfuse-model.js';
export { metadataFromAttributes, parseMetadataValue } from './metadata.js';
export { decodeOtlpRequest } from './otlp-request.js';
export { decodeAnyValue, decodeKeyValues } from './otlp-value.js';
export { costOf, DEFAULT_PRICES, priceOf } from './prices.js';
export { rowFromSpan, storedUsage } from './row-from-span.js';
export type {
  AttributeValue,
  Attributes,
  DecodedSpan,
  LangfuseModelOptions,
  ObservationRow,
  PriceTable,
  ScoreView,
  TraceNode,
  TraceView,
} from './types.js';
export { convertUsageDetails } from './usage.js';
