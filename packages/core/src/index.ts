export { CHANNELS, type ChannelKind } from './channels/channels.js';
export { createFusewire, type Fusewire, getFusewire } from './api/client.js';
export type {
  ChannelMessages,
  EventMessage,
  GenerationMessage,
  ObservationMessage,
  ScoreMessage,
  SpanMessage,
  SpanType,
  TraceMessage,
} from './api/messages.js';
export type { ContextStore } from './api/context.js';
export type { DeadLetter } from './pipeline/dead-letter.js';
export type {
  Delivery,
  DeliveryResult,
  ExportEndpoint,
  ExportRequest,
  RejectedEvent,
} from './seams/delivery.js';
export { FusewireConfigError, FusewireError, type FusewireErrorCode } from './runtime/errors.js';
export { createHttpDelivery, type HttpDeliveryOptions } from './export/http-delivery.js';
export { EXPORT_HEADER } from './export/http-transport.js';
export type { FusewireLogger } from './runtime/logger.js';
export type { Compression, FusewireOptions, MaskContext, OtlpEncoding, Transport } from './runtime/options.js';
export type { DropReason, ExportRecord, ObservationRecord, ScoreRecord, TraceRecord } from './model/records.js';
export { OBSERVATION_TYPES, type Level, type ObservationType, type ScoreDataType } from './model/schemas.js';
export type { FusewireStats } from './pipeline/stats.js';
export { SDK_VERSION } from './runtime/version.js';
export { instrument, startObservation, wrap } from './api/instrument.js';
export type { ActiveObservation, ObservationAttributes, TimeValue } from './api/observation-types.js';
export {
  getCurrentObservationId,
  getCurrentTraceId,
  updateCurrentTrace,
  withoutTracing,
  withTrace,
} from './api/trace-context.js';
export { parseTraceparent, type RemoteParent, traceHeaders } from './api/trace-headers.js';
export type { TraceAttributes } from './api/trace-scope.js';
export { TRACED_TYPES, TRACING_CHANNELS, type TracedType } from './channels/tracing-channels.js';
export type { EventStore, StoreOutcome, StoreRefusal, StoreStats } from './seams/store.js';
export { createMemoryStore } from './seams/memory-store.js';
export {
  type DropMessage,
  type ExportMessage,
  type RecordMessage,
  SELF_TELEMETRY_CHANNELS,
} from './telemetry/self-telemetry.js';
export type { FusewireHealth, HealthOptions } from './telemetry/health.js';
