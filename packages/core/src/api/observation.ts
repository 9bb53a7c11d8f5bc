import { now } from '../runtime/clock.js';
import type { ContextStore } from './context.js';
import { globalState, type PipelineEntry } from '../runtime/global-state.js';
import { newSpanId, newTraceId, sampledIn, toSpanId, toTraceId } from '../model/ids.js';
import type { Level } from '../model/schemas.js';
import { type TraceAttributes, TraceScope } from './trace-scope.js';

export type { TraceAttributes } from './trace-scope.js';

/** A value Langfuse takes as a time: a `Date`, epoch milliseconds or an ISO 8601 string. */
export type TimeValue = Date | number | string;

/** The fields an observation can be started or updated with (Langfuse field names). */
export interface ObservationAttributes {
  name?: string;
  input?: unknown;
  output?: unknown;
  metadata?: unknown;
  level?: Level;
  statusMessage?: string;
  version?: string;
  environment?: string;
  model?: string;
  modelParameters?: Record<string, unknown>;
  usageDetails?: Record<string, number>;
  costDetails?: Record<string, number>;
  completionStartTime?: TimeValue;
  promptName?: string;
  promptVersion?: number;
  /** Record the wrapped function's return value as `output` when `output` is not set. Default true. */
  captureOutput?: boolean;
  /** Join this trace (any string; non-hex ids are hashed) instead of the current or a new one. Read at start. */
  traceId?: string;
  /** Make this observation a child of that one (any string; non-hex ids are hashed). Read at start. */
  parentObservationId?: string;
  /** Fields for the observation's trace, merged like {@link ActiveObservation.updateTrace}. */
  trace?: TraceAttributes;
}

/**
 * A running observation. Assign fields at any time before it ends; they are read once, at
 * the end. After the end the handle lets go of its input, output and metadata.
 */
export interface ActiveObservation {
  /** 16 lowercase hex characters; `''` when fusewire is not running. */
  readonly id: string;
  /** 32 lowercase hex characters; `''` when fusewire is not running. */
  readonly traceId: string;
  name: string | undefined;
  input: unknown;
  output: unknown;
  metadata: unknown;
  level: Level | undefined;
  statusMessage: string | undefined;
  model: string | undefined;
  modelParameters: Record<string, unknown> | undefined;
  usageDetails: Record<string, number> | undefined;
  costDetails: Record<string, number> | undefined;
  completionStartTime: TimeValue | undefined;
  promptName: string | undefined;
  promptVersion: number | undefined;
  /** Sets every attribute given (undefined values are skipped). */
  update(attributes: Partial<ObservationAttributes>): void;
  /** Merges fields into this observation's trace (user, session, tags, output, …). */
  updateTrace(fields: TraceAttributes): void;
  /** Sets `completionStartTime` to now, on the first call only: call it at a stream's first chunk. */
  markFirstChunk(): void;
  /** Marks the observation failed: level `ERROR`, the error's message as `statusMessage`. */
  recordError(error: unknown): void;
  /** Runs `fn` with this observation as the current context, so what it starts nests here. */
  run<T>(fn: () => T): T;
  /** Ends the observation (after applying `attributes`) and queues it. Idempotent. */
  end(attributes?: Partial<ObservationAttributes>): void;
}

export { now };

/** An error's message for `statusMessage`; never throws. */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return error.message !== '' ? error.message : error.name;
    if (typeof error === 'string') return error;
    return String(error);
  } catch {
    return 'unknown error';
  }
}

/** Marks fusewire observations on a tracing-channel context (shared by every bundled copy). */
export const OBSERVATION_BRAND: unique symbol = Symbol.for('fusewire.observation.brand');
/** Where the tracing subscribers keep the observation made for a foreign context object. */
export const CONTEXT_OBSERVATION: unique symbol = Symbol.for('fusewire.observation');

/**
 * An observation that fusewire records. It is also the context store of what runs inside
 * it (one object per observation), and the context object published on the tracing
 * channels by `instrument()`. Its own enumerable fields are exactly Langfuse fields;
 * everything else is private or on the prototype.
 */
export class Observation implements ActiveObservation, ContextStore {
  readonly id: string;
  readonly traceId: string;
  readonly parentObservationId: string | undefined;
  readonly startTime: number;
  name: string | undefined;
  input: unknown;
  output: unknown = undefined;
  metadata: unknown;
  level: Level | undefined;
  statusMessage: string | undefined;
  version: string | undefined;
  environment: string | undefined;
  model: string | undefined;
  modelParameters: Record<string, unknown> | undefined;
  usageDetails: Record<string, number> | undefined;
  costDetails: Record<string, number> | undefined;
  completionStartTime: TimeValue | undefined;
  promptName: string | undefined;
  promptVersion: number | undefined;

  readonly #type: string;
  readonly #scope: TraceScope;
  /** 0: nested; 1: a root of its trace (carries trace fields); 2: root and the scope's owner. */
  readonly #root: 0 | 1 | 2;
  #captureOutput: boolean;
  #ended = false;
  #result: unknown = undefined;
  #error: unknown = undefined;

  constructor(
    type: string,
    traceId: string,
    parentId: string | undefined,
    scope: TraceScope,
    root: 0 | 1 | 2,
    startTime: number,
    a: ObservationAttributes | undefined,
  ) {
    this.#type = type;
    this.#scope = scope;
    this.#root = root;
    this.id = newSpanId();
    this.traceId = traceId;
    this.parentObservationId = parentId;
    this.startTime = startTime;
    if (a === undefined || a === null) {
      this.#captureOutput = true;
      return;
    }
    this.#captureOutput = a.captureOutput !== false;
    this.name = a.name;
    this.input = a.input;
    this.output = a.output;
    this.metadata = a.metadata;
    this.level = a.level;
    this.statusMessage = a.statusMessage;
    this.version = a.version;
    this.environment = a.environment;
    this.model = a.model;
    this.modelParameters = a.modelParameters;
    this.usageDetails = a.usageDetails;
    this.costDetails = a.costDetails;
    this.completionStartTime = a.completionStartTime;
    this.promptName = a.promptName;
    this.promptVersion = a.promptVersion;
    if (a.trace !== undefined) scope.update(a.trace);
  }

  // ContextStore, read by normalize() for what is published inside this observation.
  get observationId(): string {
    return this.id;
  }
  get sampled(): boolean {
    return this.#scope.sampled;
  }
  get scope(): TraceScope {
    return this.#scope;
  }
  get [OBSERVATION_BRAND](): true {
    return true;
  }

  /** The observation type (`span`, `generation`, …). */
  get type(): string {
    return this.#type;
  }
  /** True once ended. */
  get ended(): boolean {
    return this.#ended;
  }

  // The TracingChannel context protocol: `result` / `error` of the traced function.
  get result(): unknown {
    return this.#result;
  }
  set result(value: unknown) {
    this.#result = value;
  }
  get error(): unknown {
    return this.#error;
  }
  set error(value: unknown) {
    this.#error = value;
  }

  update(attributes: Partial<ObservationAttributes>): void {
    if (typeof attributes !== 'object' || attributes === null) return;
    try {
      this.#assign(attributes);
      if (typeof attributes.captureOutput === 'boolean') this.#captureOutput = attributes.captureOutput;
      if (attributes.trace !== undefined) this.#scope.update(attributes.trace);
    } catch {
      // Throwing getters on the caller's object: keep what was read.
    }
  }

  #assign(a: Partial<ObservationAttributes>): void {
    if (a.name !== undefined) this.name = a.name;
    if (a.input !== undefined) this.input = a.input;
    if (a.output !== undefined) this.output = a.output;
    if (a.metadata !== undefined) this.metadata = a.metadata;
    if (a.level !== undefined) this.level = a.level;
    if (a.statusMessage !== undefined) this.statusMessage = a.statusMessage;
    if (a.version !== undefined) this.version = a.version;
    if (a.environment !== undefined) this.environment = a.environment;
    if (a.model !== undefined) this.model = a.model;
    if (a.modelParameters !== undefined) this.modelParameters = a.modelParameters;
    if (a.usageDetails !== undefined) this.usageDetails = a.usageDetails;
    if (a.costDetails !== undefined) this.costDetails = a.costDetails;
    if (a.completionStartTime !== undefined) this.completionStartTime = a.completionStartTime;
    if (a.promptName !== undefined) this.promptName = a.promptName;
    if (a.promptVersion !== undefined) this.promptVersion = a.promptVersion;
  }

  updateTrace(fields: TraceAttributes): void {
    this.#scope.update(fields);
  }

  markFirstChunk(): void {
    if (this.completionStartTime === undefined && !this.#ended) this.completionStartTime = now();
  }

  recordError(error: unknown): void {
    this.level = 'ERROR';
    this.statusMessage = describeError(error);
  }

  run<T>(fn: () => T): T {
    return globalState().storage.run(this, fn);
  }

  end(attributes?: Partial<ObservationAttributes>): void {
    if (this.#ended) return;
    if (attributes !== undefined) this.update(attributes);
    this.#finish();
  }

  /** The traced function returned `value` (sync, or once its promise resolved). */
  succeeded(value: unknown): void {
    if (this.#ended) return;
    if (this.output === undefined && this.#captureOutput) this.output = value;
    this.#finish();
  }

  /** The traced function threw or rejected with `error`: recorded, never re-thrown here. */
  failed(error: unknown): void {
    if (this.#ended) return;
    this.recordError(error);
    this.#finish();
  }

  /**
   * Ends an observation made for a foreign `tracePromise`/`traceSync`/`traceCallback`
   * context: fields the caller set on the context while it ran are read now.
   */
  endFromContext(ctx: Record<string, unknown>): void {
    if (this.#ended) return;
    try {
      this.#assign(ctx as Partial<ObservationAttributes>);
    } catch {
      // Keep what was read.
    }
    if ('error' in ctx) this.failed(ctx.error);
    else this.succeeded(ctx.result);
  }

  #finish(): void {
    this.#ended = true;
    try {
      if (!this.#scope.sampled) return;
      const pipeline = globalState().pipeline;
      if (pipeline !== undefined) {
        if (this.#root !== 0) this.#scope.rootEnded(this.name, this.#root === 2);
        // No endTime: accept() stamps the time as it queues, and normalize() takes that as
        // the end. One clock read less on the caller's stack.
        pipeline.accept(this.#type, this.#message(), undefined);
      }
    } catch {
      // Never into the caller. accept() itself does not throw; this guards the rest.
    }
    // Context stores can outlive the work (a socket made inside keeps it): let go of payloads.
    this.input = undefined;
    this.output = undefined;
    this.metadata = undefined;
    this.#result = undefined;
    this.#error = undefined;
  }

  /** One plain object with a fixed shape (spreading a class with private fields is ~8x slower). */
  #message(): Record<string, unknown> {
    return {
      id: this.id,
      traceId: this.traceId,
      parentObservationId: this.parentObservationId,
      name: this.name,
      startTime: this.startTime,
      input: this.input,
      output: this.output,
      metadata: this.metadata,
      level: this.level,
      statusMessage: this.statusMessage,
      version: this.version,
      environment: this.environment,
      model: this.model,
      modelParameters: this.modelParameters,
      usageDetails: this.usageDetails,
      costDetails: this.costDetails,
      completionStartTime: this.completionStartTime,
      promptName: this.promptName,
      promptVersion: this.promptVersion,
    };
  }
}

/** The running pipeline, or undefined when none is running (never started, or shut down). */
export function runningPipeline(): PipelineEntry | undefined {
  const pipeline = globalState().pipeline;
  return pipeline !== undefined && pipeline.isShutdown !== true ? pipeline : undefined;
}

/**
 * Starts an observation under `parent` (the current context store). Returns undefined
 * inside fusewire's own exporter (suppressed context). May throw on a hostile attributes
 * object: callers guard it.
 */
export function openObservation(
  type: string,
  attributes: ObservationAttributes | undefined,
  parent: ContextStore | undefined,
  pipeline: PipelineEntry,
): Observation | undefined {
  if (parent !== undefined && parent.suppressed === true) return undefined;
  let traceId: string;
  let parentId: string | undefined;
  let scope: TraceScope | undefined;
  let inherited: boolean | undefined;
  let createdHere = false;
  const explicitTrace = attributes?.traceId;
  const explicitParent = attributes?.parentObservationId;
  if (typeof explicitTrace === 'string' && explicitTrace !== '') {
    traceId = toTraceId(explicitTrace);
    if (parent !== undefined && parent.traceId === traceId) {
      scope = parent.scope as TraceScope | undefined;
      parentId = parent.observationId;
      inherited = parent.sampled;
    }
  } else if (parent !== undefined && parent.traceId !== '') {
    traceId = parent.traceId;
    scope = parent.scope as TraceScope | undefined;
    parentId = parent.observationId;
    inherited = parent.sampled;
  } else {
    traceId = newTraceId();
    createdHere = true;
  }
  if (typeof explicitParent === 'string' && explicitParent !== '') parentId = toSpanId(explicitParent);
  let root: 0 | 1 | 2 = parentId === undefined ? 1 : 0;
  let startTime: number;
  if (scope === undefined) {
    // The first observation of this trace in this process owns its scope.
    const sampled = inherited ?? sampledIn(traceId, pipeline.sampleRate ?? 1);
    startTime = sampled ? now() : 0;
    scope = new TraceScope(traceId, sampled, createdHere, startTime);
    root = 2;
  } else {
    // An unsampled trace skips the clock: nothing of it is ever sent.
    startTime = scope.sampled ? now() : 0;
  }
  return new Observation(type, traceId, parentId, scope, root, startTime, attributes);
}

function ignore(): void {}

/**
 * What `instrument()` hands the function when fusewire is not running: assignments are
 * accepted and forgotten (one shared object, so it must not keep what it is given). Not
 * frozen: assigning an unknown field must not throw in strict-mode code.
 */
class NoopObservation implements ActiveObservation {
  get id(): string {
    return '';
  }
  get traceId(): string {
    return '';
  }
  get name(): undefined {
    return undefined;
  }
  set name(_: unknown) {}
  get input(): unknown {
    return undefined;
  }
  set input(_: unknown) {}
  get output(): unknown {
    return undefined;
  }
  set output(_: unknown) {}
  get metadata(): unknown {
    return undefined;
  }
  set metadata(_: unknown) {}
  get level(): undefined {
    return undefined;
  }
  set level(_: unknown) {}
  get statusMessage(): undefined {
    return undefined;
  }
  set statusMessage(_: unknown) {}
  get model(): undefined {
    return undefined;
  }
  set model(_: unknown) {}
  get modelParameters(): undefined {
    return undefined;
  }
  set modelParameters(_: unknown) {}
  get usageDetails(): undefined {
    return undefined;
  }
  set usageDetails(_: unknown) {}
  get costDetails(): undefined {
    return undefined;
  }
  set costDetails(_: unknown) {}
  get completionStartTime(): undefined {
    return undefined;
  }
  set completionStartTime(_: unknown) {}
  get promptName(): undefined {
    return undefined;
  }
  set promptName(_: unknown) {}
  get promptVersion(): undefined {
    return undefined;
  }
  set promptVersion(_: unknown) {}
  get version(): undefined {
    return undefined;
  }
  set version(_: unknown) {}
  get environment(): undefined {
    return undefined;
  }
  set environment(_: unknown) {}
  update = ignore;
  updateTrace = ignore;
  markFirstChunk = ignore;
  recordError = ignore;
  end = ignore;
  run<T>(fn: () => T): T {
    return fn();
  }
}

/** The shared no-op observation. */
export const NOOP_OBSERVATION: ActiveObservation = new NoopObservation();
