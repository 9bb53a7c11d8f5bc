import { newSpanId, newTraceId, sampledIn, toSpanId, toTraceId } from '../model/ids.js';
import {
  type ExportRecord,
  type ObservationRecord,
  RAW_INPUT,
  RAW_METADATA,
  RAW_OUTPUT,
  type ScoreRecord,
  type TraceFields,
  type TraceRecord,
} from '../model/records.js';
import { type JsonBudget, serializeJson } from '../model/safe-json.js';
import type { RawRecord } from './raw-record.js';
import { retainedSize } from './retained-size.js';
import { toLangfuseUsage } from '../model/usage-details.js';
import {
  type Level,
  type MessageKind,
  type ObservationType,
  type ScoreDataType,
  toEpochMs,
  type ValidationProblem,
  validateMessage,
} from '../model/schemas.js';

export type { RawRecord } from './raw-record.js';

export type NormalizeResult =
  | { ok: true; record: ExportRecord }
  | { ok: false; reason: 'invalid'; problem: ValidationProblem }
  | { ok: false; reason: 'sampled' };

const BASE_BYTES = 256;

function messageKind(k: string): MessageKind {
  if (k === 'trace') return 'trace';
  if (k === 'score') return 'score';
  return 'observation';
}

/**
 * Validates and normalises one raw record. Never throws for any message content.
 * `maxEventBytes` bounds the JSON written for an event's object fields (see {@link Payloads}).
 */
export function normalize(raw: RawRecord, sampleRate: number, maxEventBytes = DEFAULT_EVENT_BYTES): NormalizeResult {
  const m = raw.message;
  if (m === undefined) {
    return { ok: false, reason: 'invalid', problem: { path: '(message)', message: raw.problem ?? 'not an object' } };
  }
  const kind = messageKind(raw.kind);
  // Provider usage shapes become keys Langfuse prices (model/usage-details.ts), before validation.
  if (kind === 'observation' && m.usageDetails != null) {
    const usage = toLangfuseUsage(m.usageDetails);
    if (usage !== undefined) m.usageDetails = usage;
  }
  const problem = validateMessage(kind, m);
  if (problem) return { ok: false, reason: 'invalid', problem };
  const p = new Payloads(m, maxEventBytes);
  const record =
    kind === 'trace' ? toTrace(raw, m, p) : kind === 'score' ? toScore(raw, m, p) : toObservation(raw, m, p);
  if (record === undefined) {
    return {
      ok: false,
      reason: 'invalid',
      problem: {
        path: 'traceId',
        message: 'a score needs traceId, sessionId or datasetRunId, or must be published inside a trace',
      },
    };
  }
  const traceId = record.traceId;
  if (traceId !== undefined && (raw.context?.sampled === false || !sampledIn(traceId, sampleRate))) {
    return { ok: false, reason: 'sampled' };
  }
  return { ok: true, record };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Validated records of plain values, as JSON now: a throwing toJSON fails this one event, not a batch. */
const json = (v: unknown): string | undefined => (v == null ? undefined : JSON.stringify(v));
const time = (v: unknown): number | undefined => (v == null ? undefined : toEpochMs(v));

const DEFAULT_EVENT_BYTES = 2_500_000;
/** Nodes one event's object fields may visit together: bounds the work for tiny values too. */
const EVENT_NODES = 200_000;

/**
 * Prepares input, output and metadata as sent: strings as they are, anything else as JSON text
 * written within one budget per event. The budget is half the event limit, because an OTLP
 * attribute carries the JSON text as a string and escaping can double it. Fields are prepared
 * in order (input, output, metadata); each later object field keeps an eighth in reserve, so a
 * huge input cannot leave the output nothing. What does not fit is cut with a note.
 */
class Payloads {
  #bytes: number;
  #nodes = EVENT_NODES;
  #reserved: number;
  readonly #share: number;
  /** Reused for each field: serializeJson only reads it. */
  readonly #budget: JsonBudget = { maxBytes: 0, maxNodes: 0 };
  truncated = false;

  constructor(m: Record<string, unknown>, maxEventBytes: number) {
    this.#bytes = Math.max(1024, Math.floor(maxEventBytes / 2) - BASE_BYTES);
    this.#share = Math.floor(this.#bytes / 8);
    const objects = isObjectField(m.input) + isObjectField(m.output) + isObjectField(m.metadata);
    this.#reserved = Math.max(0, objects - 1) * this.#share;
  }

  get(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string') {
      this.#bytes -= value.length;
      return value;
    }
    const budget = this.#budget;
    budget.maxBytes = Math.max(256, this.#bytes - this.#reserved);
    budget.maxNodes = this.#nodes;
    const out = serializeJson(value, budget);
    this.#reserved = Math.max(0, this.#reserved - this.#share);
    this.#bytes -= out.bytes;
    this.#nodes = Math.max(1000, this.#nodes - out.nodes);
    if (out.truncated) this.truncated = true;
    return out.json;
  }
}

const isObjectField = (v: unknown): number => (v != null && typeof v !== 'string' ? 1 : 0);

function rawBits(m: Record<string, unknown>): number {
  return (
    (typeof m.input === 'string' ? RAW_INPUT : 0) |
    (typeof m.output === 'string' ? RAW_OUTPUT : 0) |
    (typeof m.metadata === 'string' ? RAW_METADATA : 0)
  );
}

const len = (s: string | undefined): number => (s === undefined ? 0 : s.length);

/** Every string a trace record carries counts toward the byte limits. */
function traceSize(f: TraceFields): number {
  let bytes =
    BASE_BYTES +
    len(f.name) +
    len(f.userId) +
    len(f.sessionId) +
    len(f.input) +
    len(f.output) +
    len(f.metadata) +
    len(f.release) +
    len(f.version) +
    len(f.environment);
  if (f.tags !== undefined) for (const tag of f.tags) bytes += tag.length + 3;
  return bytes;
}

function traceFields(m: Record<string, unknown>, p: Payloads): TraceFields {
  const f: TraceFields = {};
  if (typeof m.name === 'string') f.name = m.name;
  if (typeof m.userId === 'string') f.userId = m.userId;
  if (typeof m.sessionId === 'string') f.sessionId = m.sessionId;
  if (m.input !== undefined) f.input = p.get(m.input);
  if (m.output !== undefined) f.output = p.get(m.output);
  if (m.metadata != null) f.metadata = p.get(m.metadata);
  if (Array.isArray(m.tags)) f.tags = plainStrings(m.tags as string[]);
  if (typeof m.public === 'boolean') f.public = m.public;
  if (typeof m.release === 'string') f.release = m.release;
  if (typeof m.version === 'string') f.version = m.version;
  if (typeof m.environment === 'string') f.environment = m.environment;
  return f;
}

/** A fresh array of the (validated) strings: nothing of the caller's array (a subclass, a toJSON) survives. */
function plainStrings(list: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) out.push(String(list[i]));
  return out;
}

function toTrace(raw: RawRecord, m: Record<string, unknown>, p: Payloads): TraceRecord {
  const id = str(m.id);
  const fields = traceFields(m, p);
  return {
    kind: 'trace',
    traceId: id !== undefined ? toTraceId(id) : raw.context?.traceId || newTraceId(),
    timestamp: time(m.timestamp) ?? raw.acceptedAt,
    fields,
    raw: rawBits(m),
    bytes: traceSize(fields),
    epoch: raw.epoch,
    origin: undefined,
  };
}

function observationType(k: string, m: Record<string, unknown>): ObservationType {
  if (k === 'span') return (m.type as ObservationType | undefined) ?? 'span';
  return k as ObservationType;
}

function toObservation(raw: RawRecord, m: Record<string, unknown>, p: Payloads): ObservationRecord {
  const c = raw.context;
  const type = observationType(raw.kind, m);
  const traceId = typeof m.traceId === 'string' ? toTraceId(m.traceId) : c?.traceId || newTraceId();
  const id = typeof m.id === 'string' ? toSpanId(m.id) : newSpanId();
  let parentId: string | undefined;
  if (typeof m.parentObservationId === 'string') parentId = toSpanId(m.parentObservationId);
  else if (c !== undefined && c.traceId === traceId && c.observationId !== undefined && c.observationId !== id) {
    parentId = c.observationId;
  }
  const startTime = time(m.startTime) ?? raw.acceptedAt;
  const input = p.get(m.input);
  const output = p.get(m.output);
  const metadata = m.metadata == null ? undefined : p.get(m.metadata);
  const name = str(m.name);
  const statusMessage = str(m.statusMessage);
  // Every field present from the start: one object shape for every record, so the
  // exporters' property reads stay monomorphic. `origin` too (set by normalizeRaw): a property
  // added later would cost every queued record an out-of-object property array (~32 bytes).
  const o: ObservationRecord = {
    kind: 'observation',
    type,
    raw: rawBits(m),
    traceId,
    id,
    parentId,
    appRoot: m.appRoot === true && parentId !== undefined ? true : undefined,
    name,
    startTime,
    endTime: type === 'event' ? undefined : (time(m.endTime) ?? Math.max(raw.acceptedAt, startTime)),
    input,
    output,
    metadata,
    level: m.level as Level | undefined,
    statusMessage,
    version: str(m.version),
    environment: str(m.environment),
    model: str(m.model),
    modelParameters: json(m.modelParameters),
    usageDetails: json(m.usageDetails),
    costDetails: json(m.costDetails),
    completionStartTime: time(m.completionStartTime),
    promptName: str(m.promptName),
    promptVersion: typeof m.promptVersion === 'number' ? m.promptVersion : undefined,
    bytes: 0,
    epoch: raw.epoch,
    origin: undefined,
  };
  o.bytes =
    BASE_BYTES +
    len(input) +
    len(output) +
    len(metadata) +
    len(name) +
    len(statusMessage) +
    len(o.version) +
    len(o.environment) +
    len(o.model) +
    len(o.modelParameters) +
    len(o.usageDetails) +
    len(o.costDetails) +
    len(o.promptName);
  return o;
}

function inferScoreType(value: number | string, given: unknown): ScoreDataType {
  if (typeof given === 'string') return given as ScoreDataType;
  return typeof value === 'number' ? 'NUMERIC' : 'CATEGORICAL';
}

function toScore(raw: RawRecord, m: Record<string, unknown>, p: Payloads): ScoreRecord | undefined {
  const value = m.value as number | string;
  const s: ScoreRecord = {
    kind: 'score',
    raw: typeof m.metadata === 'string' ? RAW_METADATA : 0,
    id: str(m.id) ?? newTraceId(),
    timestamp: time(m.timestamp) ?? raw.acceptedAt,
    name: m.name as string,
    value,
    dataType: inferScoreType(value, m.dataType),
    bytes: 0,
    epoch: raw.epoch,
    origin: undefined,
  };
  if (typeof m.traceId === 'string') s.traceId = toTraceId(m.traceId);
  if (typeof m.observationId === 'string') s.observationId = toSpanId(m.observationId);
  if (typeof m.sessionId === 'string') s.sessionId = m.sessionId;
  if (typeof m.datasetRunId === 'string') s.datasetRunId = m.datasetRunId;
  if (s.traceId === undefined && s.sessionId === undefined && s.datasetRunId === undefined) {
    // Published inside a trace: the score is about that trace.
    if (raw.context === undefined || raw.context.traceId === '') return undefined;
    s.traceId = raw.context.traceId;
  }
  if (typeof m.comment === 'string') s.comment = m.comment;
  if (m.metadata != null) s.metadata = p.get(m.metadata);
  if (typeof m.environment === 'string') s.environment = m.environment;
  s.bytes =
    BASE_BYTES +
    len(s.name) +
    len(s.comment) +
    len(s.metadata) +
    len(s.id) +
    len(s.sessionId) +
    len(s.datasetRunId) +
    len(s.environment) +
    (typeof value === 'string' ? value.length : 0);
  return s;
}

/**
 * Size estimate on the hot path, for the queue's byte bound while the caller's values wait to
 * be normalised: strings by length, objects by a bounded sample of what they keep alive (see
 * retained-size.ts), no walking. The exact size is known once the record is normalised, and
 * the byte limit is checked again then.
 */
export function estimateBytes(m: Record<string, unknown>): number {
  let bytes = BASE_BYTES;
  const { input, output, metadata } = m;
  if (input !== undefined) bytes += retainedSize(input);
  if (output !== undefined) bytes += retainedSize(output);
  if (metadata != null) bytes += retainedSize(metadata);
  return bytes;
}
