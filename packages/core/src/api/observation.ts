import { now } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import { globalState, OBSERVATION_BRAND } from '../runtime/global-state.js';
import { newSpanId, toSpanId } from '../model/ids.js';
import type { Level } from '../model/schemas.js';
import type { ContextStore } from './context.js';
import type { ActiveObservation, ObservationAttributes, TimeValue } from './observation-types.js';
import type { TraceAttributes, TraceScope } from './trace-scope.js';

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
  readonly startTime: TimeValue;
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
  /** A caller-given end time; otherwise the pipeline stamps the time the observation is queued. */
  #endTime: TimeValue | undefined = undefined;
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
    // A caller's id and start time, when given, are read once, here.
    const id = a?.id;
    this.id = typeof id === 'string' && id !== '' ? toSpanId(id) : newSpanId();
    this.traceId = traceId;
    this.parentObservationId = parentId;
    this.startTime = a?.startTime ?? startTime;
    if (a === undefined || a === null) {
      this.#captureOutput = true;
      return;
    }
    this.#captureOutput = a.captureOutput !== false;
    this.#assign(a);
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

  /**
   * One read per field, written out: a loop over OBSERVATION_FIELDS reads by computed key, which
   * cost ~10% of a root `instrument()` (each read a generic lookup instead of an inline cache).
   * observation-attributes.test.ts checks that every field of the list is read here.
   */
  #assign(a: Partial<ObservationAttributes>): void {
    let v: unknown;
    if ((v = a.name) !== undefined) this.name = v as string;
    if ((v = a.input) !== undefined) this.input = v;
    if ((v = a.output) !== undefined) this.output = v;
    if ((v = a.metadata) !== undefined) this.metadata = v;
    if ((v = a.level) !== undefined) this.level = v as Level;
    if ((v = a.statusMessage) !== undefined) this.statusMessage = v as string;
    if ((v = a.version) !== undefined) this.version = v as string;
    if ((v = a.environment) !== undefined) this.environment = v as string;
    if ((v = a.model) !== undefined) this.model = v as string;
    if ((v = a.modelParameters) !== undefined) this.modelParameters = v as Record<string, unknown>;
    if ((v = a.usageDetails) !== undefined) this.usageDetails = v as Record<string, number>;
    if ((v = a.costDetails) !== undefined) this.costDetails = v as Record<string, number>;
    if ((v = a.completionStartTime) !== undefined) this.completionStartTime = v as TimeValue;
    if ((v = a.promptName) !== undefined) this.promptName = v as string;
    if ((v = a.promptVersion) !== undefined) this.promptVersion = v as number;
    if ((v = a.endTime) !== undefined) this.#endTime = v as TimeValue;
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
      if (pipeline?.acceptOwn !== undefined) {
        // No endTime: the time it is queued is the end (normalize() takes acceptedAt). One
        // clock read for both messages of a root: a read costs ~80 ns on some VMs.
        const at = now();
        if (this.#root !== 0) this.#scope.rootEnded(this.name, this.#root === 2, at);
        pipeline.acceptOwn(this.#type, this.#message(), at);
      } else if (pipeline !== undefined) {
        // An older bundled copy's pipeline: it copies and stamps.
        if (this.#root !== 0) this.#scope.rootEnded(this.name, this.#root === 2);
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
      endTime: this.#endTime,
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
      // The first observation of its trace here, under a parent elsewhere: a continued trace's root.
      appRoot: this.#root === 2 && this.parentObservationId !== undefined,
    };
  }
}
