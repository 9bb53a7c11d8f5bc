export { basicAuthorization } from './auth.js';
export { buildTraces } from './build-traces.js';
export { formatDuration, formatTrace, formatTree } from '@fusewire/langfuse-model';
export { INGESTION_EVENT_TYPES, validateIngestionEvent } from './ingestion-event.js';
export { decodeAnyValue, decodeKeyValues } from '@fusewire/langfuse-model';
export { canonicalOtlpJson, decodeOtlpProtobuf, encodeOtlpProtobuf, otlpTraceRequestType } from './otlp-protobuf.js';
export { startLangfuseServer } from './start-langfuse-server.js';
export type {
  AttributeValue,
  Attributes,
  Endpoint,
  EventResult,
  FaultRule,
  IngestionEvent,
  IngestionEventType,
  IngestionMode,
  LangfuseServerOptions,
  LangfuseTestServer,
  Received,
  ReceivedCounts,
  ReceivedRequest,
  ReceivedSpan,
  RequestEndpoint,
  ScoreView,
  TraceNode,
  TraceView,
} from './types.js';
