import type { DecodedSpan, TraceView } from '@fusewire/langfuse-model';

export type {
  AttributeValue,
  Attributes,
  ScoreView,
  TraceNode,
  TraceView,
} from '@fusewire/langfuse-model';

/** One accepted OTLP span, flattened and with its attribute lists decoded. */
export type ReceivedSpan = DecodedSpan;

/** The two write endpoints a script rule can target. */
export type Endpoint = 'otlp' | 'ingestion';

/** Every endpoint a request can be recorded under. */
export type RequestEndpoint = Endpoint | 'health' | 'unknown';

/**
 * How `/api/public/ingestion` behaves. `v3` accepts every event type; `v4` mimics a default Langfuse v4
 * server (`events_only`), which answers trace and observation events with a per-event 400
 * `"Event type not accepted"` and only lets `score-create` and `sdk-log` through.
 */
export type IngestionMode = 'v3' | 'v4';

/** Options of {@link startLangfuseServer}. Every field is optional. */
export interface LangfuseServerOptions {
  /** TCP port; `0` (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default `'127.0.0.1'`. */
  host?: string;
  /** Default `'pk-lf-test'`. */
  publicKey?: string;
  /** Default `'sk-lf-test'`. */
  secretKey?: string;
  /**
   * Keep spans, events, request bodies and headers (default `true`). `false` is for benchmarks: only
   * counters, id sets and slim request records are kept.
   */
  keepBodies?: boolean;
  /** Default `'v3'`. Can be changed later through `server.ingestionMode`. */
  ingestionMode?: IngestionMode;
  /** Ingestion body limit in raw bytes; above it the answer is a plain-text 413. Default 4.5 MB. */
  maxBodyBytes?: number;
}

/** The ingestion event types Langfuse knows. */
export type IngestionEventType =
  | 'trace-create'
  | 'span-create'
  | 'span-update'
  | 'generation-create'
  | 'generation-update'
  | 'event-create'
  | 'agent-create'
  | 'tool-create'
  | 'chain-create'
  | 'retriever-create'
  | 'evaluator-create'
  | 'embedding-create'
  | 'guardrail-create'
  | 'score-create'
  | 'sdk-log';

/** One accepted ingestion event: the envelope exactly as received. */
export interface IngestionEvent {
  id: string;
  timestamp: string;
  type: IngestionEventType;
  body: Record<string, any>;
  metadata?: unknown;
}

/** A per-event result: what the 207 answer says about one event. */
export interface EventResult {
  status: number;
  message?: string;
}

/** One request, whatever its outcome. */
export interface ReceivedRequest {
  endpoint: RequestEndpoint;
  method: string;
  path: string;
  /** HTTP status answered; `0` when no answer was sent (scripted `hang` or `reset`). */
  status: number;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** Spans (OTLP) or batch entries (ingestion) in the body; 0 when it could not be parsed. */
  eventCount: number;
  /** Body size on the wire (before gunzip). */
  bytes: number;
  /** Request headers with `authorization` replaced by `'[redacted]'`; `{}` when `keepBodies` is false. */
  headers: Record<string, string | string[] | undefined>;
  /** True when a script rule decided the outcome (or shaped it: delay, perEvent). */
  scripted: boolean;
  /** For whole-request failures: the reason sent back. */
  message?: string;
  /** The parsed JSON body, when `keepBodies` is true and the body parsed. */
  body?: unknown;
}

/** O(1) counters, maintained even when `keepBodies` is false. A fresh snapshot on every read. */
export interface ReceivedCounts {
  /** Every request, any endpoint. */
  requests: number;
  /** Accepted spans (duplicates included). */
  spans: number;
  /** Accepted ingestion events (duplicates included). */
  events: number;
  /** Requests to otlp/ingestion that stored nothing: any non-2xx answer, or no answer. */
  rejected: number;
  /** Ingestion events answered with a per-event error inside a 207. */
  rejectedEvents: number;
  /** Raw body bytes of every request. */
  bytes: number;
  /** Distinct spanIds accepted. */
  uniqueSpans: number;
  /** Distinct envelope ids accepted. */
  uniqueEvents: number;
  /** Distinct spanIds accepted more than once. */
  duplicateSpans: number;
  /** Distinct envelope ids accepted more than once. */
  duplicateEvents: number;
}

/** Everything the server recorded. Tests assert on this. */
export interface Received {
  readonly requests: readonly ReceivedRequest[];
  /** Accepted spans (empty when `keepBodies` is false). */
  readonly spans: readonly ReceivedSpan[];
  /** Accepted ingestion events (empty when `keepBodies` is false). */
  readonly events: readonly IngestionEvent[];
  readonly counts: ReceivedCounts;
  readonly uniqueSpanCount: number;
  readonly uniqueEventCount: number;
  /** spanId → times accepted. */
  spanIds(): ReadonlyMap<string, number>;
  /** Envelope id → times accepted. */
  eventIds(): ReadonlyMap<string, number>;
  /** How many distinct spanIds / envelope ids were accepted more than once. */
  duplicates(): { spans: number; events: number };
  /**
   * Accepted spans and events as Langfuse v4 would show them (`@fusewire/langfuse-model`): one row per
   * span id (a re-sent span replaces its row), trace fields aggregated over the rows, observation trees.
   */
  traces(): TraceView[];
  /** One trace by id, as {@link Received.traces} shows it. */
  trace(id: string): TraceView | undefined;
}

/**
 * A scripted fault. Rules are consumed in order: a request takes the first queued rule whose
 * `endpoint` matches, and that rule is dropped once it has been applied `times` times.
 */
export interface FaultRule {
  /** Default `'any'` (otlp and ingestion; never health). */
  endpoint?: Endpoint | 'any';
  /** How many matching requests this rule applies to. Default 1. */
  times?: number;
  /** Answer with this status instead of processing the request. */
  status?: number;
  /** `Retry-After` header value sent with `status`, e.g. `'1'` or an HTTP-date. */
  retryAfter?: string;
  /** Body sent with `status`. Default `{"message":"scripted <status>"}`. */
  body?: string;
  /** Wait this long before answering (with `status`, or normally). */
  delayMs?: number;
  /** Read the body, then never answer. */
  hang?: boolean;
  /** Read the body, then destroy the socket without answering. */
  reset?: boolean;
  /**
   * Ingestion only: decide one event's result. Return a non-2xx result to fail it; return `undefined`
   * (or a 2xx) to let the server validate it as usual.
   */
  perEvent?: (event: any) => EventResult | undefined;
}

/** The handle returned by {@link startLangfuseServer}. */
export interface LangfuseTestServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly publicKey: string;
  readonly secretKey: string;
  /** `Basic base64(publicKey:secretKey)`, ready for an `authorization` header. */
  readonly authorization: string;
  readonly received: Received;
  /** Switchable at any time. */
  ingestionMode: IngestionMode;
  /** Queue fault rules (appended after the ones still pending). */
  script(rules: FaultRule | readonly FaultRule[]): void;
  /** Rules not yet used up. */
  pendingScripts(): number;
  /** Clear recorded data and pending scripts. */
  reset(): void;
  /** Poll until `predicate(received)` is true; rejects with a summary of what arrived on timeout. */
  waitFor(predicate: (received: Received) => boolean, timeoutMs?: number): Promise<void>;
  /** Stop listening and drop every open connection; recorded state is kept. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  restart(): Promise<void>;
  /** `stop()`, then `restart()` after `ms` in the background. Resolves once stopped. */
  refuseConnections(ms: number): Promise<void>;
  /** Close for good, destroying open sockets (hung ones included). Idempotent. */
  close(): Promise<void>;
}
