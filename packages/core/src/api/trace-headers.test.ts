import { startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startClient, stopClient } from '../test-helpers.js';
import { instrument } from './instrument.js';
import { withoutTracing, withTrace } from './trace-context.js';
import { parseTraceparent, traceHeaders } from './trace-headers.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const P = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a W3C traceparent, the first of repeated headers, and future versions', () => {
    expect(parseTraceparent(`00-${T}-${P}-01`)).toEqual({ traceId: T, parentObservationId: P, sampled: true });
    expect(parseTraceparent([`00-${T}-${P}-00`, 'x'])).toEqual({ traceId: T, parentObservationId: P, sampled: false });
    expect(parseTraceparent(`01-${T}-${P}-03-more`)?.traceId).toBe(T);
  });

  it.each([undefined, null, 42, '', 'x', `00-${T}-${P}`, `00-${T}-${P}-1`, `00-${T}x-${P}-01`, 'z'.repeat(600)])(
    'refuses %j',
    (header) => {
      expect(parseTraceparent(header)).toBeUndefined();
    },
  );
});

const server = await startLangfuseServer();

describe('traceHeaders', () => {
  afterEach(stopClient);
  afterAll(async () => {
    await stopClient();
    await server.close();
  });

  it('is {} outside a trace, and without a running client', async () => {
    expect(traceHeaders()).toEqual({});
    startClient(server);
    expect(traceHeaders()).toEqual({});
    await withoutTracing(() => instrument('span', { name: 'x' }, () => expect(traceHeaders()).toEqual({})));
  });

  it('names the current observation, or stands in for it at the top of withTrace', async () => {
    startClient(server);
    await instrument('span', { name: 'a' }, (obs) => {
      expect(traceHeaders()).toEqual({ traceparent: `00-${obs.traceId}-${obs.id}-01` });
    });
    withTrace({ id: T }, () => {
      const parsed = parseTraceparent(traceHeaders().traceparent);
      expect(parsed?.traceId).toBe(T);
      expect(parsed?.parentObservationId).toMatch(/^[0-9a-f]{16}$/);
    });
  });
});
