import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptsFast, type MessageKind, toEpochMs, validateMessage } from './schemas.js';

const fullTrace = {
  id: 'trace-1',
  name: 'chat',
  timestamp: new Date(),
  userId: 'u',
  sessionId: 's',
  input: { q: 1 },
  output: 'a',
  metadata: { k: 'v' },
  tags: ['a'],
  release: 'r',
  version: 'v',
  environment: 'prod',
  public: false,
};
const fullObservation = {
  id: 'o',
  traceId: 't',
  parentObservationId: 'p',
  type: 'tool',
  name: 'n',
  startTime: Date.now() - 10,
  endTime: new Date().toISOString(),
  input: [1],
  output: null,
  metadata: { a: 1 },
  level: 'WARNING',
  statusMessage: 'm',
  version: '1',
  environment: 'e',
  model: 'gpt',
  modelParameters: { temperature: 0.1, stop: ['x'], json: true, none: null, nested: { a: 'b' } },
  usageDetails: { input: 1, output: 0 },
  costDetails: { input: 0.5 },
  completionStartTime: new Date(),
  promptName: 'p',
  promptVersion: 2,
};
const fullScore = {
  id: 's',
  name: 'quality',
  value: 'good',
  traceId: 't',
  observationId: 'o',
  dataType: 'CATEGORICAL',
  comment: 'c',
  metadata: {},
  environment: 'e',
  timestamp: Date.now(),
};

describe('validateMessage', () => {
  it.each([
    ['trace', fullTrace],
    ['observation', fullObservation],
    ['score', fullScore],
    ['trace', {}],
    ['observation', {}],
    ['observation', { level: null, usageDetails: undefined }],
  ] as Array<[MessageKind, Record<string, unknown>]>)('accepts a well-formed %s on the fast path', (kind, m) => {
    expect(acceptsFast(kind, m)).toBe(true);
    expect(validateMessage(kind, m)).toBeUndefined();
  });

  it.each([
    ['trace', { name: 42 }, 'name'],
    ['trace', { name: 'x'.repeat(1001) }, 'name'],
    ['trace', { tags: ['a', 1] }, 'tags.1'],
    ['trace', { public: 'yes' }, 'public'],
    ['trace', { timestamp: 'not a date' }, 'timestamp'],
    ['trace', { id: '' }, 'id'],
    ['trace', { id: 'a\rb' }, 'id'],
    ['trace', { id: 'x'.repeat(801) }, 'id'],
    ['observation', { level: 'LOUD' }, 'level'],
    ['observation', { type: 'banana' }, 'type'],
    ['observation', { startTime: -1 }, 'startTime'],
    ['observation', { startTime: Number.NaN }, 'startTime'],
    ['observation', { endTime: new Date('x') }, 'endTime'],
    ['observation', { usageDetails: { input: 1.5 } }, 'usageDetails.input'],
    ['observation', { usageDetails: { input: -1 } }, 'usageDetails.input'],
    ['observation', { usageDetails: [1] }, 'usageDetails'],
    ['observation', { costDetails: { input: '1' } }, 'costDetails.input'],
    ['observation', { modelParameters: { t: { deep: 1 } } }, 'modelParameters.t'],
    ['observation', { modelParameters: { t: Number.POSITIVE_INFINITY } }, 'modelParameters.t'],
    ['observation', { promptVersion: 1.5, promptName: 'p' }, 'promptVersion'],
    ['observation', { promptName: 'p' }, 'promptName'],
    ['observation', { promptVersion: 1 }, 'promptName'],
    ['score', { value: 1, traceId: 't' }, 'name'],
    ['score', { name: 'n', traceId: 't' }, 'value'],
    ['score', { name: 'n', value: {}, traceId: 't' }, 'value'],
    ['score', { name: 'n', value: 1, traceId: 't', sessionId: 's' }, 'traceId'],
    ['score', { name: 'n', value: 1, sessionId: 's', observationId: 'o' }, 'observationId'],
    ['score', { name: 'n', value: 'x', traceId: 't', dataType: 'NUMERIC' }, 'value'],
    ['score', { name: 'n', value: 2, traceId: 't', dataType: 'BOOLEAN' }, 'value'],
    ['score', { name: 'n', value: 1, traceId: 't', dataType: 'CATEGORICAL' }, 'value'],
    ['score', { name: 'n', value: '', traceId: 't', dataType: 'TEXT' }, 'value'],
    ['score', { name: 'n', value: 'x'.repeat(501), traceId: 't', dataType: 'TEXT' }, 'value'],
    ['score', { name: 'n', value: 1, traceId: 't', dataType: 'PERCENT' }, 'dataType'],
  ] as Array<[MessageKind, Record<string, unknown>, string]>)('rejects %s %j at %s', (kind, m, path) => {
    expect(acceptsFast(kind, m)).toBe(false);
    const problem = validateMessage(kind, m);
    expect(problem?.path).toBe(path);
    expect(problem?.message.length).toBeGreaterThan(0);
  });

  it('takes the score targets it needs', () => {
    expect(validateMessage('score', { name: 'n', value: 1, sessionId: 's' })).toBeUndefined();
    expect(validateMessage('score', { name: 'n', value: 1, datasetRunId: 'd' })).toBeUndefined();
    expect(validateMessage('score', { name: 'n', value: 1, traceId: 't', observationId: 'o' })).toBeUndefined();
    expect(validateMessage('score', { name: 'n', value: 1, dataType: 'BOOLEAN', traceId: 't' })).toBeUndefined();
  });

  it('never lets the fast path and zod disagree (property)', () => {
    const fieldValue = fc.oneof(
      fc.string({ maxLength: 5 }),
      fc.integer({ min: -2, max: 3 }),
      fc.double(),
      fc.boolean(),
      fc.constantFrom(
        null,
        undefined,
        'DEFAULT',
        'ERROR',
        'NUMERIC',
        'TEXT',
        'generation',
        '2024-01-01T00:00:00Z',
        '',
        'a\rb',
      ),
      fc.date({ noInvalidDate: false }),
      fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 3 }),
      fc.dictionary(
        fc.string({ maxLength: 3 }),
        fc.oneof(
          fc.integer({ min: -1, max: 5 }),
          fc.double(),
          fc.string({ maxLength: 2 }),
          fc.constant(null),
          fc.array(fc.string(), { maxLength: 2 }),
          fc.dictionary(fc.string({ maxLength: 2 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 2 }),
        ),
        { maxKeys: 3 },
      ),
    );
    const keys = [
      'id',
      'traceId',
      'name',
      'value',
      'level',
      'type',
      'dataType',
      'startTime',
      'tags',
      'public',
      'usageDetails',
      'costDetails',
      'modelParameters',
      'promptName',
      'promptVersion',
      'sessionId',
      'observationId',
      'input',
      'timestamp',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom<MessageKind>('trace', 'observation', 'score'),
        fc.dictionary(fc.constantFrom(...keys), fieldValue, { maxKeys: 5 }),
        (kind, m) => {
          const fast = acceptsFast(kind, m);
          const problem = validateMessage(kind, m);
          // The fast path may only say no when zod also says no (else zod runs for every valid message).
          if (!fast) expect(problem, JSON.stringify(m)).toBeDefined();
          else expect(problem).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('toEpochMs', () => {
  it('reads numbers, Dates and ISO strings', () => {
    expect(toEpochMs(5)).toBe(5);
    expect(toEpochMs(new Date(7))).toBe(7);
    expect(toEpochMs('1970-01-01T00:00:00.009Z')).toBe(9);
    expect(toEpochMs(undefined)).toBeUndefined();
  });
});

describe('nested usage (what provider SDKs return)', () => {
  it('passes the OpenAI shape through as it is: Langfuse converts and prices it (no flattened keys)', async () => {
    const { normalize } = await import('../pipeline/normalize.js');
    const usage = {
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 4, audio_tokens: null },
      completion_tokens_details: { reasoning_tokens: 2 },
    };
    const result = normalize(
      {
        kind: 'generation',
        message: { name: 'chat', usageDetails: usage },
        acceptedAt: 1,
        context: undefined,
        bytes: 0,
        epoch: 0,
      },
      1,
    );
    expect(result.ok).toBe(true);
    if (result.ok && result.record.kind === 'observation') {
      expect(JSON.parse(result.record.usageDetails!)).toEqual(usage);
    }
  });

  it('still rejects usage that is not counts', async () => {
    const { normalize } = await import('../pipeline/normalize.js');
    const result = normalize(
      {
        kind: 'generation',
        message: { usageDetails: { input: 'many' } },
        acceptedAt: 1,
        context: undefined,
        bytes: 0,
        epoch: 0,
      },
      1,
    );
    expect(result.ok).toBe(false);
  });
});

describe('times Langfuse can carry', () => {
  it('refuses times before 1970 or after year 9999, whatever their form', () => {
    for (const bad of [-1, 0, 8.64e15, 1e16, new Date(-5), '1969-12-31T23:59:59Z', '+010000-01-01T00:00:00Z']) {
      expect(validateMessage('observation', { startTime: bad }), String(bad)).toMatchObject({ path: 'startTime' });
    }
    expect(validateMessage('observation', { startTime: 253_402_300_799_999 })).toBeUndefined();
  });
});
