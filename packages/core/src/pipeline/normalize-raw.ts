import type { ExportRecord } from '../model/records.js';
import { describeError } from '../runtime/errors.js';
import type { LogSink } from '../runtime/logger.js';
import type { Intake } from './intake.js';
import { logInternalError } from './internal-error.js';
import type { Ledger } from './ledger.js';
import { type NormalizeResult, normalize } from './normalize.js';
import type { RawRecord } from './raw-record.js';

export interface NormalizeContext {
  intake: Intake;
  ledger: Ledger;
  log: LogSink;
  sampleRate: number;
  /** Bound for the JSON of one event's object fields. */
  maxEventBytes: number;
}

/**
 * One raw record through validation and normalisation, accounted for whatever happens: a
 * record to store, or a discard (sampled, invalid — dead-lettered and logged once — or too big
 * for the byte bound now that its real size is known). Never throws for any message content.
 */
export function normalizeRaw(raw: RawRecord, context: NormalizeContext): ExportRecord | undefined {
  const { ledger } = context;
  let result: NormalizeResult;
  try {
    result = normalize(raw, context.sampleRate, context.maxEventBytes);
  } catch (error) {
    result = { ok: false, reason: 'invalid', problem: { path: '(message)', message: describeError(error) } };
  }
  if (result.ok) {
    const record = result.record;
    const delta = record.bytes - raw.bytes;
    if (ledger.wouldOverflow(delta)) {
      context.intake.refuseLate(raw);
      return undefined;
    }
    ledger.resize(delta);
    record.origin = ledger.origin;
    return record;
  }
  if (result.reason === 'sampled') {
    ledger.discard(raw.bytes, raw.epoch, 'sampled');
    return undefined;
  }
  ledger.discard(raw.bytes, raw.epoch, 'invalid');
  try {
    reportInvalid(raw, result.problem, context);
  } catch (error) {
    // Only reporting (dead letter, log) can throw here: the record is accounted for.
    logInternalError(context.log, 'normalize', error);
  }
  return undefined;
}

const PLAIN_CHANNELS = new Set(['trace', 'score', 'generation', 'event']);

function reportInvalid(raw: RawRecord, problem: { path: string; message: string }, context: NormalizeContext): void {
  const { path, message } = problem;
  const channel = PLAIN_CHANNELS.has(raw.kind) ? raw.kind : 'span';
  context.ledger.deadLetters.add(
    { reason: 'invalid', kind: raw.kind, message: `${path}: ${message}` },
    raw.message ?? raw.problem,
  );
  // Name the message, so the publisher can be found.
  const named = messageName(raw.message);
  const name = named === undefined ? '' : ` ${JSON.stringify(named)}`;
  context.log.once(
    `invalid:${raw.kind}:${path}:${message}`,
    'warn',
    {
      code: 'FUSEWIRE_INVALID_MESSAGE',
      channel: `langfuse.${channel}`,
      path,
      ...(named === undefined ? {} : { name: named }),
    },
    `invalid message${name} on langfuse.${channel} at ${path}: ${message}. It was dropped and kept in deadLetters(); fix the publisher.`,
  );
}

/** A message's `name` for a log line: short, and never a throw (a hostile message may be a revoked Proxy). */
function messageName(m: Record<string, unknown> | undefined): string | undefined {
  try {
    const name = m?.name;
    return typeof name === 'string' && name !== '' ? name.slice(0, 80) : undefined;
  } catch {
    return undefined;
  }
}
