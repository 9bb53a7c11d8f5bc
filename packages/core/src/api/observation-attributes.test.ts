import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { toSpanId } from '../model/ids.js';
import { startClient, stopClient } from '../test-helpers.js';
import { instrument, startObservation } from './instrument.js';
import { OBSERVATION_FIELDS, type ObservationAttributes } from './observation-types.js';

// The README says instrument()/startObservation() take the channel table's fields: id, startTime
// and endTime included. These tests hold the runtime to what the types now accept.
let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => stopClient());

it('a caller-given id, start and end time are the observation’s', async () => {
  const { client } = startClient(server);
  const started = Date.parse('2026-01-02T03:04:05.000Z');
  const attributes: ObservationAttributes = { id: 'order-17:charge', name: 'charge', startTime: new Date(started) };
  const obs = startObservation('span', attributes);
  expect(obs.id).toBe(toSpanId('order-17:charge'));
  obs.end({ endTime: started + 250 });
  await client.shutdown(5_000);
  const [node] = server.received.traces().flatMap((t) => t.observations);
  expect(node).toMatchObject({
    id: toSpanId('order-17:charge'),
    name: 'charge',
    startTime: started,
    endTime: started + 250,
  });
});

it('without them, the id is fresh and both times are measured', async () => {
  const { client } = startClient(server);
  const before = Date.now();
  const result = await instrument('tool', { name: 'measured' }, async (obs) => {
    expect(obs.id).toMatch(/^[0-9a-f]{16}$/);
    return 42;
  });
  expect(result).toBe(42);
  await client.shutdown(5_000);
  const [node] = server.received.traces().flatMap((t) => t.observations);
  expect(node!.startTime).toBeGreaterThanOrEqual(before - 1);
  expect(node!.endTime).toBeGreaterThanOrEqual(node!.startTime!);
  expect(node!.endTime).toBeLessThanOrEqual(Date.now() + 1);
});

// Observation reads each field by name (not by looping over the list, for speed): a field added
// to OBSERVATION_FIELDS and not to that code would be silently ignored.
it('every field of OBSERVATION_FIELDS is taken at start and by update()', () => {
  startClient(server);
  const given = (tag: string) =>
    Object.fromEntries(OBSERVATION_FIELDS.map((field) => [field, `${tag}:${field}`])) as ObservationAttributes;
  const obs = startObservation('generation', given('start'));
  const read = () => Object.fromEntries(OBSERVATION_FIELDS.map((field) => [field, obs[field]]));
  expect(read()).toEqual(given('start'));
  obs.update(given('update'));
  expect(read()).toEqual(given('update'));
});

it('root: true starts a new trace inside another observation; traceId and parent still apply', async () => {
  const { client } = startClient(server);
  const remote = { traceId: 'c'.repeat(32), parentObservationId: 'd'.repeat(16) };
  let outer = '';
  const ids = await instrument('span', { name: 'boot' }, async (boot) => {
    outer = boot.traceId;
    const fresh = startObservation('span', { name: 'request', root: true });
    const child = fresh.run(() => startObservation('span', { name: 'handler' }));
    const joined = startObservation('span', { name: 'continued', root: true, ...remote });
    const nested = startObservation('span', { name: 'nested' });
    for (const obs of [child, fresh, joined, nested]) obs.end();
    return { fresh, child, joined, nested };
  });
  await client.shutdown(5_000);
  // As the wire has them: trace id and parent id of each observation, by name.
  const wire = new Map(
    server.received
      .traces()
      .flatMap((t) => t.observations.map((o) => [o.name, { traceId: o.traceId, parent: o.parentId ?? null }])),
  );
  expect(ids.fresh.traceId).not.toBe(outer);
  expect(wire.get('request')).toEqual({ traceId: ids.fresh.traceId, parent: null });
  expect(wire.get('handler')).toEqual({ traceId: ids.fresh.traceId, parent: ids.fresh.id });
  expect(wire.get('continued')).toEqual({ traceId: remote.traceId, parent: remote.parentObservationId });
  expect(wire.get('nested')?.traceId).toBe(outer); // without root, the current observation is the parent
  const byName = new Map(server.received.traces().map((t) => [t.name, t]));
  expect(
    byName
      .get('boot')!
      .observations.map((o) => o.name)
      .sort(),
  ).toEqual(['boot', 'nested']);
  expect(
    byName
      .get('request')!
      .observations.map((o) => o.name)
      .sort(),
  ).toEqual(['handler', 'request']);
});
