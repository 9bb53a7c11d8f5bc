import { z } from 'zod';
import { isOpenAiUsage } from './usage-details.js';

/**
 * Message validation. One field table per channel drives two validators: a hand-written
 * fast path that accepts well-formed messages with a few `typeof` checks, and a zod schema
 * that runs only when the fast path says no, to name the exact path and problem.
 */

export const OBSERVATION_TYPES = [
  'span',
  'generation',
  'event',
  'agent',
  'tool',
  'chain',
  'retriever',
  'evaluator',
  'embedding',
  'guardrail',
] as const;
export type ObservationType = (typeof OBSERVATION_TYPES)[number];

const LEVELS = ['DEBUG', 'DEFAULT', 'WARNING', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];

const SCORE_TYPES = ['NUMERIC', 'CATEGORICAL', 'BOOLEAN', 'TEXT'] as const;
export type ScoreDataType = (typeof SCORE_TYPES)[number];

type FieldType =
  | 'id'
  | 'string'
  | 'name'
  | 'time'
  | 'json'
  | 'level'
  | 'tags'
  | 'bool'
  | 'modelParameters'
  | 'usage'
  | 'cost'
  | 'int'
  | 'scoreValue'
  | 'scoreType'
  | 'observationType';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

// Times Langfuse and OTLP can carry: after 1970 (OTLP nanoseconds are unsigned) and before
// year 10000 (ISO 8601 without the extended year; nanoseconds still print without exponent).
const MAX_TIME = 253_402_300_799_999;
const inRange = (ms: number) => ms > 0 && ms <= MAX_TIME;

function isTime(v: unknown): boolean {
  if (typeof v === 'number') return inRange(v);
  if (v instanceof Date) return inRange(v.getTime());
  if (typeof v === 'string') return inRange(Date.parse(v));
  return false;
}

function isModelParamValue(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string');
  if (isPlainObject(v)) return Object.values(v).every((x) => typeof x === 'string');
  return false;
}

const everyValue = (v: unknown, ok: (x: unknown) => boolean) => isPlainObject(v) && Object.values(v).every(ok);

// Per-value checks made once (not an arrow per message, as an inline one would be).
const isString = (t: unknown): boolean => typeof t === 'string';
const isTokenCount = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isCost = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;

const FAST: Record<FieldType, (v: unknown) => boolean> = {
  id: (v) => typeof v === 'string' && v.length > 0 && v.length <= 800 && !v.includes('\r'),
  string: (v) => typeof v === 'string',
  name: (v) => typeof v === 'string' && v.length <= 1000,
  time: isTime,
  json: () => true,
  level: (v) => v === 'DEFAULT' || v === 'DEBUG' || v === 'WARNING' || v === 'ERROR',
  tags: (v) => Array.isArray(v) && v.every(isString),
  bool: (v) => typeof v === 'boolean',
  modelParameters: (v) => everyValue(v, isModelParamValue),
  // Or OpenAI's usage object as returned: Langfuse converts that shape itself (model/usage-details.ts).
  usage: (v) => everyValue(v, isTokenCount) || isOpenAiUsage(v),
  cost: (v) => everyValue(v, isCost),
  int: (v) => typeof v === 'number' && Number.isInteger(v),
  scoreValue: (v) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string',
  scoreType: (v) => typeof v === 'string' && (SCORE_TYPES as readonly string[]).includes(v),
  observationType: (v) => typeof v === 'string' && (OBSERVATION_TYPES as readonly string[]).includes(v),
};

const time = z.union([z.date(), z.number(), z.string()]).refine(isTime, {
  message: 'expected a Date, epoch milliseconds or an ISO 8601 string, between 1970 and 9999',
});

const ZOD: Record<FieldType, z.ZodType> = {
  id: z
    .string()
    .min(1)
    .max(800)
    .refine((v) => !v.includes('\r'), { message: 'must not contain \\r' }),
  string: z.string(),
  name: z.string().max(1000),
  time,
  json: z.unknown(),
  level: z.enum(LEVELS),
  tags: z.array(z.string()),
  bool: z.boolean(),
  modelParameters: z.record(
    z.string(),
    z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string()), z.record(z.string(), z.string())]),
  ),
  usage: z.preprocess((v) => (isOpenAiUsage(v) ? {} : v), z.record(z.string(), z.number().int().min(0))),
  cost: z.record(z.string(), z.number().min(0)),
  int: z.number().int(),
  scoreValue: z.union([z.number(), z.string()]),
  scoreType: z.enum(SCORE_TYPES),
  observationType: z.enum(OBSERVATION_TYPES),
};

type FieldTable = Record<string, FieldType>;

const TRACE_FIELDS: FieldTable = {
  id: 'id',
  name: 'name',
  timestamp: 'time',
  userId: 'string',
  sessionId: 'string',
  input: 'json',
  output: 'json',
  metadata: 'json',
  tags: 'tags',
  release: 'string',
  version: 'string',
  environment: 'string',
  public: 'bool',
};

const OBSERVATION_FIELDS: FieldTable = {
  id: 'id',
  traceId: 'id',
  parentObservationId: 'id',
  type: 'observationType',
  name: 'name',
  startTime: 'time',
  endTime: 'time',
  input: 'json',
  output: 'json',
  metadata: 'json',
  level: 'level',
  statusMessage: 'string',
  version: 'string',
  environment: 'string',
  model: 'string',
  modelParameters: 'modelParameters',
  usageDetails: 'usage',
  costDetails: 'cost',
  completionStartTime: 'time',
  promptName: 'string',
  promptVersion: 'int',
};

const SCORE_FIELDS: FieldTable = {
  id: 'id',
  name: 'name',
  value: 'scoreValue',
  traceId: 'id',
  observationId: 'id',
  sessionId: 'id',
  datasetRunId: 'id',
  dataType: 'scoreType',
  comment: 'string',
  metadata: 'json',
  environment: 'string',
  timestamp: 'time',
};

function zodObject(table: FieldTable) {
  const shape: Record<string, z.ZodType> = {};
  // zod 4 treats a bare z.unknown() object key as required: without .optional() every
  // message lacking input/output/metadata was reported at `input` instead of its real problem.
  for (const [key, type] of Object.entries(table))
    shape[key] = type === 'json' ? ZOD.json.optional() : ZOD[type].nullish();
  return z.object(shape);
}

/** Cross-field rules, shared by both validators. Returns a problem or undefined. */
type Rule = (m: Record<string, unknown>) => { path: string; message: string } | undefined;

const promptPair: Rule = (m) =>
  (m.promptName == null) !== (m.promptVersion == null)
    ? { path: 'promptName', message: 'promptName and promptVersion go together: set both or neither' }
    : undefined;

const scoreRules: Rule = (m) => {
  if (m.name == null) return { path: 'name', message: 'a score needs a name' };
  if (m.value == null) return { path: 'value', message: 'a score needs a value' };
  const targets = [m.traceId, m.sessionId, m.datasetRunId].filter((t) => t != null).length;
  if (targets > 1) return { path: 'traceId', message: 'set only one of traceId, sessionId, datasetRunId' };
  if (m.observationId != null && m.traceId == null && targets > 0)
    return { path: 'observationId', message: 'observationId needs traceId' };
  const t = m.dataType;
  const v = m.value;
  if (t === 'NUMERIC' && typeof v !== 'number') return { path: 'value', message: 'NUMERIC scores take a number' };
  if (t === 'BOOLEAN' && v !== 0 && v !== 1) return { path: 'value', message: 'BOOLEAN scores take 0 or 1' };
  if ((t === 'CATEGORICAL' || t === 'TEXT') && typeof v !== 'string')
    return { path: 'value', message: `${t} scores take a string` };
  if (t === 'TEXT' && typeof v === 'string' && (v.length < 1 || v.length > 500))
    return { path: 'value', message: 'TEXT scores take 1 to 500 characters' };
  return undefined;
};

interface Validator {
  /** Field name → its fast check, with no prototype: looked up for each key a message has. */
  checks: Record<string, (v: unknown) => boolean>;
  schema: z.ZodType;
  rule?: Rule;
}

function validator(table: FieldTable, rule?: Rule): Validator {
  const base = zodObject(table);
  const schema = rule
    ? base.superRefine((m, ctx) => {
        const problem = rule(m as Record<string, unknown>);
        if (problem) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
      })
    : base;
  // The check itself, not its type's name: one lookup per key, not two.
  const checks = Object.create(null) as Record<string, (v: unknown) => boolean>;
  for (const [key, type] of Object.entries(table)) checks[key] = FAST[type];
  return { checks, schema, rule };
}

/** The kinds of message fusewire validates. Observation kinds share one table. */
export type MessageKind = 'trace' | 'observation' | 'score';

const VALIDATORS: Record<MessageKind, Validator> = {
  trace: validator(TRACE_FIELDS),
  observation: validator(OBSERVATION_FIELDS, promptPair),
  score: validator(SCORE_FIELDS, scoreRules),
};

/** A validation problem, with the zod path of the first offending field. */
export interface ValidationProblem {
  path: string;
  message: string;
}

/**
 * Validates a message (already a shallow copy we own). Returns undefined when it is fine,
 * otherwise the first problem with its path.
 */
export function validateMessage(kind: MessageKind, message: Record<string, unknown>): ValidationProblem | undefined {
  if (acceptsFast(kind, message)) return undefined;
  const result = VALIDATORS[kind].schema.safeParse(message);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  return {
    path: issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(message)',
    message: issue?.message ?? 'invalid message',
  };
}

/** The fast path alone: a few `typeof` checks that accept a well-formed message without zod. */
export function acceptsFast(kind: MessageKind, m: Record<string, unknown>): boolean {
  const v = VALIDATORS[kind];
  // Walk the keys the message has (a handful), not every field the channel knows.
  for (const key in m) {
    const check = v.checks[key];
    if (check === undefined) continue;
    const value = m[key];
    if (value === undefined || value === null) continue;
    if (!check(value)) return false;
  }
  return v.rule === undefined || v.rule(m) === undefined;
}

/** Converts an accepted time value to epoch milliseconds. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(value);
  return undefined;
}
