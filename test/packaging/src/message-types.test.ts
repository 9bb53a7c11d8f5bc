import { channel } from 'node:diagnostics_channel';
import type {
  ChannelMessages,
  EventMessage,
  GenerationMessage,
  ObservationAttributes,
  ScoreMessage,
  SpanMessage,
  TraceAttributes,
  TraceMessage,
} from '@fusewire/core';
import { expectTypeOf, it } from 'vitest';

// Compile-time checks (`npm run typecheck` runs tsc over this file; a wrong type fails CI), plus a
// run that publishes each with no fusewire client: types only, nothing at run time.
it('each channel has a message type a publisher can use with import type', () => {
  const trace: TraceMessage = { id: 'order-17', name: 'checkout', timestamp: new Date(), userId: 'u', tags: ['a'] };
  const span: SpanMessage = { id: 's', traceId: 'order-17', type: 'retriever', startTime: 1, endTime: '2026-01-01' };
  const generation: GenerationMessage = { name: 'chat', model: 'gpt-4o', usageDetails: { input: 1, output: 2 } };
  const event: EventMessage = { name: 'cache-miss', level: 'WARNING', startTime: Date.now() };
  const scores: ScoreMessage[] = [
    { traceId: 'order-17', observationId: 's', name: 'helpfulness', value: 0.9 },
    { sessionId: 'session-1', name: 'csat', value: 'good', dataType: 'CATEGORICAL' },
    { datasetRunId: 'run-1', name: 'exact', value: 1, dataType: 'BOOLEAN' },
  ];
  for (const [name, message] of [
    ['langfuse.trace', trace],
    ['langfuse.span', span],
    ['langfuse.generation', generation],
    ['langfuse.event', event],
    ...scores.map((s) => ['langfuse.score', s] as const),
  ] as const)
    channel(name).publish(message);

  // @ts-expect-error a score needs a value
  const noValue: ScoreMessage = { name: 'x' };
  // @ts-expect-error one target only: a session score has no traceId
  const twoTargets: ScoreMessage = { name: 'x', value: 1, sessionId: 's', traceId: 't' };
  // @ts-expect-error generations and events have their own channels
  const wrongType: SpanMessage = { type: 'generation' };
  // @ts-expect-error an event is a point in time
  const eventEnd: EventMessage = { endTime: 1 };
  void [noValue, twoTargets, wrongType, eventEnd];

  expectTypeOf<ChannelMessages['langfuse.span']>().toEqualTypeOf<SpanMessage>();
  expectTypeOf<ChannelMessages['langfuse.score']>().toEqualTypeOf<ScoreMessage>();
});

it('instrument/startObservation attributes take what the README says: id, startTime, endTime', () => {
  const attributes: ObservationAttributes = {
    id: 'order-17:charge',
    startTime: new Date(),
    endTime: Date.now(),
    traceId: 'order-17',
    parentObservationId: 'root',
    captureOutput: false,
    trace: { userId: 'u', tags: ['x'] },
  };
  const fields: TraceAttributes = { name: 'checkout', userId: 'u', sessionId: 's', public: true };
  expectTypeOf(attributes).toMatchTypeOf<ObservationAttributes>();
  expectTypeOf(fields).toMatchTypeOf<TraceAttributes>();
});
