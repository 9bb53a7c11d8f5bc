import { describe, expect, it } from 'vitest';
import { formatDuration, formatTree } from './format-tree.js';
import { createLangfuseModel } from './langfuse-model.js';
import type { DecodedSpan as ReceivedSpan } from './types.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const ms = (n: number) => `${1_700_000_000_000n * 1_000_000n + BigInt(Math.round(n * 1e6))}`;

function span(
  spanId: string,
  name: string,
  start: number,
  end: number,
  attributes: ReceivedSpan['attributes'],
  parentSpanId?: string,
): ReceivedSpan {
  return {
    traceId: TRACE,
    spanId,
    ...(parentSpanId && { parentSpanId }),
    name,
    startTimeUnixNano: ms(start),
    endTimeUnixNano: ms(end),
    kind: 1,
    status: { code: 0 },
    attributes,
    events: [],
    resource: {},
    scope: { name: 'fusewire' },
  };
}

describe('formatTree', () => {
  it('prints every trace with indented observations', () => {
    const spans = [
      span('aaaaaaaaaaaaaaaa', 'handle-request', 0, 250, {
        'langfuse.trace.name': 'chat-request',
        'langfuse.observation.input': '{"question":"What is fusewire?"}',
        'user.id': 'u-1',
        'session.id': 's-1',
        'langfuse.trace.tags': ['demo'],
      }),
      span(
        'bbbbbbbbbbbbbbbb',
        'chat',
        10,
        130,
        {
          'langfuse.observation.type': 'generation',
          'langfuse.observation.model.name': 'gpt-4o',
          'langfuse.observation.usage_details': '{"input":12,"output":34}',
        },
        'aaaaaaaaaaaaaaaa',
      ),
      span(
        'cccccccccccccccc',
        'search',
        140,
        140.4,
        {
          'langfuse.observation.type': 'tool',
          'langfuse.observation.level': 'WARNING',
          'langfuse.observation.status_message': 'slow',
        },
        'bbbbbbbbbbbbbbbb',
      ),
    ];
    const events = [
      {
        id: 'e1',
        timestamp: '2024-01-01T00:00:00.000Z',
        type: 'score-create',
        body: { traceId: TRACE, name: 'helpfulness', value: 0.9 },
      },
      { id: 'e2', timestamp: '2024-01-01T00:00:00.000Z', type: 'trace-create', body: { id: 'other', name: 'cron' } },
    ];
    const model = createLangfuseModel();
    model.ingestSpans(spans);
    model.ingestBatch(events);
    expect(formatTree(model)).toBe(
      [
        `trace chat-request (${TRACE}) user=u-1 session=s-1 tags=demo cost=$0.000370`,
        '  input  {"question":"What is fusewire?"}',
        '  - [span] handle-request (250 ms)',
        '    - [generation] chat (120 ms) model=gpt-4o usage=input:12,output:34,total:46',
        '      - [tool] search (0.4 ms) level=WARNING "slow"',
        '  score helpfulness = 0.9',
        '',
        'trace cron (other)',
      ].join('\n'),
    );
  });

  it('says so when nothing arrived', () => {
    expect(formatTree([])).toBe('(no traces received)');
  });

  it('formats durations', () => {
    expect([formatDuration(0.42), formatDuration(120.4), formatDuration(1250)]).toEqual(['0.4 ms', '120 ms', '1.25 s']);
  });
});
