/** A decoded OTLP `AnyValue`. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

/** A decoded OTLP key/value list. */
export type Attributes = Record<string, AttributeValue>;

/**
 * One OTLP span with its attribute lists decoded: what {@link LangfuseModel.ingestSpans} takes. A
 * protobuf decoder can produce this shape directly (ids as lowercase hex, times as nanosecond strings).
 */
export interface DecodedSpan {
  traceId: string;
  spanId: string;
  /** Absent for a root span (an empty-string parentSpanId counts as absent). */
  parentSpanId?: string;
  name: string;
  /** Integer nanoseconds since the epoch, as a decimal string (exact). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  kind: number;
  status: { code: number; message?: string };
  attributes: Attributes;
  events: { name: string; timeUnixNano: string; attributes: Attributes }[];
  /** The resource attributes of the enclosing `resourceSpans` entry. */
  resource: Attributes;
  scope: { name: string; version?: string };
}

/** A score attached to a trace (from `score-create`). */
export interface ScoreView {
  id?: string;
  name: string;
  value: unknown;
  observationId?: string;
  comment?: string;
  dataType?: string;
  environment?: string;
}

/**
 * One observation as Langfuse v4 stores it: one row per observation id, replaced whole when the span is
 * re-sent (OTLP) or merged field by field (ingestion events). Values are what Langfuse derives, not
 * the raw attributes: usage converted, environment normalised, metadata an object.
 */
export interface ObservationRow {
  /** spanId (OTLP) or `body.id` (ingestion). */
  id: string;
  traceId: string;
  /** `span`, `generation`, `event`, `agent`, `tool`, … (lowercase). */
  type: string;
  name: string;
  parentId?: string;
  source: 'otlp' | 'ingestion';
  /** Milliseconds since the epoch. */
  startTime?: number;
  endTime?: number;
  durationMs?: number;
  input?: unknown;
  output?: unknown;
  /**
   * What Langfuse shows as the observation's metadata: observation metadata, then trace metadata over
   * it (Langfuse merges both into the row; it also adds `resourceAttributes` and `scope`, left out here).
   */
  metadata?: Record<string, unknown>;
  /** `DEBUG`, `DEFAULT`, `WARNING` or `ERROR` (an OTel ERROR status without a level reads as `ERROR`). */
  level: string;
  statusMessage?: string;
  model?: string;
  modelParameters?: Record<string, unknown>;
  /** Usage as Langfuse stores it (OpenAI shapes converted to `input`, `output`, `total`, `input_<detail>`…). */
  usage?: Record<string, number>;
  /** Cost details as sent, or computed from the model's prices when none were sent. */
  costDetails?: Record<string, number>;
  /** `costDetails.total`, else the sum of its values; 0 when unknown. */
  totalCost: number;
  completionStartTime?: number;
  promptName?: string;
  promptVersion?: number;
  /** Normalised: always set, `'default'` when none was given or the name breaks Langfuse's rule. */
  environment: string;
  release?: string;
  version?: string;
  // Trace-level values this row carries; the trace aggregates them over its rows.
  traceName?: string;
  userId?: string;
  sessionId?: string;
  /** Empty when the row carries no tags. */
  tags: string[];
  public: boolean;
  /** `langfuse.internal.is_app_root`: a root for v4 though it has a (remote) parent. */
  isAppRoot: boolean;
  /** `langfuse.trace.input/output` as sent: older servers show them, the v4 direct path stores neither. */
  legacyTraceInput?: unknown;
  legacyTraceOutput?: unknown;
  /** The trace metadata this row carries (also merged into {@link ObservationRow.metadata}). */
  traceMetadata?: Record<string, unknown>;
  /** OTLP only: the decoded span attributes. */
  attributes?: Attributes;
  /** OTLP only: the resource attributes. */
  resource?: Attributes;
  /** Ingestion only: the merged bodies of every create/update event of this observation. */
  body?: Record<string, any>;
  /** Arrival order of the copy this row holds ("latest" means the highest). */
  seq: number;
}

/** An observation in a {@link TraceView}'s tree. */
export interface TraceNode extends ObservationRow {
  children: TraceNode[];
}

/** A trace as Langfuse v4 shows it: fields aggregated over its observation rows, and the tree. */
export interface TraceView {
  id: string;
  name?: string;
  /** Earliest observation start (ms), or the trace-create timestamp. */
  timestamp?: number;
  input?: unknown;
  output?: unknown;
  userId?: string;
  sessionId?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  environment?: string;
  /** Every distinct environment among the rows: more than one means Langfuse splits the trace. */
  environments: string[];
  release?: string;
  version?: string;
  public: boolean;
  /** Sum of the observations' costs. */
  totalCost: number;
  /** Top-level observations (no parent, or a parent that was never received), by start time. */
  roots: TraceNode[];
  /** Every observation of the trace, flat, in first-arrival order. */
  observations: TraceNode[];
  scores: ScoreView[];
  /** Which transports contributed. */
  sources: ('otlp' | 'ingestion')[];
}

/** Per-model unit prices (USD per unit) keyed by usage key, e.g. `{ input: 2.5e-6, output: 1e-5 }`. */
export type PriceTable = Record<string, Record<string, number>>;

/** Options of {@link createLangfuseModel}. */
export interface LangfuseModelOptions {
  /**
   * Prices by model name (exact, lowercase). Default: a few well-known models priced on the keys
   * Langfuse's own price list uses; `{}` turns cost computation off.
   */
  prices?: PriceTable;
}
