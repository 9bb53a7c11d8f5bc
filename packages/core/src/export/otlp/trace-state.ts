import { RAW_INPUT, RAW_METADATA, RAW_OUTPUT, type ObservationRecord, type TraceRecord } from '../../model/records.js';

/**
 * Everything known about one trace, accumulated over its updates, because Langfuse v4 replaces an
 * observation's row whole on every copy: each span must restate the whole trace. Tags are a set
 * (in first-seen order), metadata merges key by key, every other field: the last write wins.
 */
export interface TraceState {
  name?: string;
  userId?: string;
  sessionId?: string;
  /** Prepared payload text (a caller's string as-is, else JSON text); `raw` says which. */
  input?: string;
  output?: string;
  raw: number;
  public?: boolean;
  release?: string;
  version?: string;
  environment?: string;
  tags?: string[];
  /**
   * The merged metadata, parsed only once a second update merges into it: until then `metadataText`
   * is the one update's object text as it came (most traces set metadata once).
   */
  metadata?: Record<string, unknown>;
  /** The metadata as JSON text (an object), made once per change. */
  metadataText?: string;
  timestamp: number;
  /** What a later update re-sends when none of the trace's spans is in its batch: the latest root copy, else the latest span. */
  anchor?: ObservationRecord;
  /** The trace attributes every span carries, as text; cleared when the state changes. */
  text?: string;
  /** The same as protobuf KeyValue fields; cleared with `text`. */
  proto?: Uint8Array;
  /** Batch API: the last trace-create envelope time given to this trace. */
  lastEnvelopeTime?: number;
  /** Payload characters held (fields and anchor), for the memory's byte budget. */
  bytes: number;
  /** Which generation of the trace memory holds it. */
  generation: number;
}

/**
 * A state with every field in place from the start. Thousands of states are alive at once and young (each
 * scavenge copies them): fields added one by one later grow a separate property store per state, a second
 * object for the GC to copy and a map transition each time.
 */
export function newTraceState(timestamp: number, generation: number): TraceState {
  return {
    name: undefined,
    userId: undefined,
    sessionId: undefined,
    input: undefined,
    output: undefined,
    raw: 0,
    public: undefined,
    release: undefined,
    version: undefined,
    environment: undefined,
    tags: undefined,
    metadata: undefined,
    metadataText: undefined,
    timestamp,
    anchor: undefined,
    text: undefined,
    proto: undefined,
    lastEnvelopeTime: undefined,
    bytes: 0,
    generation,
  };
}

/**
 * Metadata as an object Langfuse keeps: it drops a string and turns an array into keys `"0"`, `"1"`,
 * so anything but a plain object is wrapped as `{ value: … }`.
 */
export function metadataObject(text: string, raw: boolean): Record<string, unknown> | undefined {
  if (raw) return { value: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { value: text };
  }
  if (parsed === null) return undefined;
  return typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
}

/** Metadata text as Langfuse keeps it (see {@link metadataObject}), without parsing a plain object. */
export function metadataText(text: string, raw: boolean): string | undefined {
  if (raw) return `{"value":${JSON.stringify(text)}}`;
  const first = text.charCodeAt(0);
  if (first === 123 /* { */) return text;
  return text === 'null' || text === '' ? undefined : `{"value":${text}}`;
}

/** Merges one trace update into the state. */
export function mergeTrace(state: TraceState, r: TraceRecord): void {
  const f = r.fields;
  state.text = undefined;
  state.proto = undefined;
  if (f.name !== undefined) state.name = f.name;
  if (f.userId !== undefined) state.userId = f.userId;
  if (f.sessionId !== undefined) state.sessionId = f.sessionId;
  if (f.public !== undefined) state.public = f.public;
  if (f.release !== undefined) state.release = f.release;
  if (f.version !== undefined) state.version = f.version;
  if (f.environment !== undefined) state.environment = f.environment;
  if (f.input !== undefined) {
    state.input = f.input;
    state.raw = (state.raw & ~RAW_INPUT) | (r.raw & RAW_INPUT);
  }
  if (f.output !== undefined) {
    state.output = f.output;
    state.raw = (state.raw & ~RAW_OUTPUT) | (r.raw & RAW_OUTPUT);
  }
  if (f.tags !== undefined) state.tags = mergeTags(state.tags, f.tags);
  if (f.metadata !== undefined) mergeMetadata(state, f.metadata, (r.raw & RAW_METADATA) !== 0);
  if (r.timestamp < state.timestamp) state.timestamp = r.timestamp;
}

/** Tags in first-seen order, each once; the update's own array when it adds to nothing and repeats nothing. */
function mergeTags(known: string[] | undefined, tags: string[]): string[] {
  if (known === undefined || known.length === 0) {
    // A handful of tags: a pairwise check costs less than building a Set.
    if (tags.length > 16) return [...new Set(tags)];
    for (let i = 1; i < tags.length; i++)
      if (tags.lastIndexOf(tags[i] as string, i - 1) !== -1) return [...new Set(tags)];
    return tags;
  }
  return [...new Set([...known, ...tags])];
}

function mergeMetadata(state: TraceState, text: string, raw: boolean): void {
  if (state.metadataText === undefined && state.metadata === undefined) {
    // The first update is sent as its own text (our serialiser's, so valid and compact JSON): parsing
    // it back and printing it again would only cost time, until a second update merges into it.
    state.metadataText = metadataText(text, raw);
    return;
  }
  const update = metadataObject(text, raw);
  if (update === undefined) return;
  if (state.metadata === undefined) {
    const first = state.metadataText === undefined ? undefined : metadataObject(state.metadataText, false);
    state.metadata = first === undefined ? { ...update } : Object.assign(first, update);
  } else Object.assign(state.metadata, update);
  state.metadataText = JSON.stringify(state.metadata);
}

const len = (s: string | undefined) => (s === undefined ? 0 : s.length);

/** Characters a state retains (its anchor included). */
export function weigh(state: TraceState): number {
  let bytes = len(state.input) + len(state.output) + len(state.metadataText) + len(state.name);
  if (state.anchor !== undefined) bytes += state.anchor.bytes;
  return bytes;
}
