import { describe, expect, it, vi } from 'vitest';
import { type BodyOutcome, tracedBody } from './traced-body.js';

function source(chunks: string[], onPull?: (i: number) => void) {
  let i = 0;
  const cancel = vi.fn();
  const stream = new ReadableStream<string>(
    {
      pull(controller) {
        onPull?.(i);
        if (i < chunks.length) controller.enqueue(chunks[i++]!);
        else controller.close();
      },
      cancel,
    },
    { highWaterMark: 0 },
  );
  return { stream, cancel, pulled: () => i };
}

const passthrough = { run: <T>(fn: () => T) => fn() };

async function readAll(stream: ReadableStream<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<string>) out.push(chunk);
  return out;
}

describe('tracedBody', () => {
  it('passes every chunk through and reports completion once, after the last chunk', async () => {
    const outcomes: BodyOutcome[] = [];
    const { stream } = source(['a', 'b', 'c']);
    const traced = tracedBody(stream, { ...passthrough, end: (o) => outcomes.push(o) });
    expect(await readAll(traced)).toEqual(['a', 'b', 'c']);
    expect(outcomes).toEqual([{ kind: 'complete' }]);
  });

  it('reads on demand only (no read-ahead) and does not lock the source before the first read', async () => {
    const { stream, pulled } = source(['a', 'b', 'c']);
    const traced = tracedBody(stream, { ...passthrough, end() {} });
    await new Promise((r) => setTimeout(r, 5));
    expect(stream.locked).toBe(false);
    expect(pulled()).toBe(0);
    const reader = traced.getReader();
    expect((await reader.read()).value).toBe('a');
    await new Promise((r) => setTimeout(r, 5));
    expect(pulled()).toBe(1);
  });

  it('runs each source read inside hooks.run', async () => {
    const run = vi.fn((fn: () => unknown) => fn());
    const { stream } = source(['a', 'b']);
    await readAll(tracedBody(stream, { run: run as <T>(fn: () => T) => T, end() {} }));
    expect(run).toHaveBeenCalledTimes(3); // a, b, done
  });

  it('forwards cancellation to the source and reports it', async () => {
    const outcomes: BodyOutcome[] = [];
    const { stream, cancel } = source(['a', 'b', 'c']);
    const reader = tracedBody(stream, { ...passthrough, end: (o) => outcomes.push(o) }).getReader();
    await reader.read();
    await reader.cancel('gone');
    expect(cancel).toHaveBeenCalledWith('gone');
    expect(outcomes).toEqual([{ kind: 'cancelled', reason: 'gone' }]);
  });

  it('cancelling before any read cancels the unlocked source', async () => {
    const { stream, cancel } = source(['a']);
    const end = vi.fn();
    await tracedBody(stream, { ...passthrough, end }).cancel('early');
    expect(cancel).toHaveBeenCalledWith('early');
    expect(end).toHaveBeenCalledOnce();
  });

  it('propagates a source error unchanged and reports it', async () => {
    const boom = new Error('mid-stream');
    let n = 0;
    const stream = new ReadableStream<string>({
      pull(controller) {
        if (n++ === 0) controller.enqueue('a');
        else controller.error(boom);
      },
    });
    const outcomes: BodyOutcome[] = [];
    const reader = tracedBody(stream, { ...passthrough, end: (o) => outcomes.push(o) }).getReader();
    expect((await reader.read()).value).toBe('a');
    await expect(reader.read()).rejects.toBe(boom);
    expect(outcomes).toEqual([{ kind: 'error', error: boom }]);
  });

  it('awaits beforeClose between completion and close, and survives a failing one', async () => {
    const order: string[] = [];
    const { stream } = source(['a']);
    const traced = tracedBody(stream, {
      ...passthrough,
      end: () => order.push('end'),
      beforeClose: async () => {
        order.push('flush-start');
        await new Promise((r) => setTimeout(r, 20));
        order.push('flush-done');
        throw new Error('flush failed');
      },
    });
    await readAll(traced);
    order.push('closed');
    expect(order).toEqual(['end', 'flush-start', 'flush-done', 'closed']);
  });

  it('a throwing end hook never breaks the body', async () => {
    const { stream } = source(['a', 'b']);
    const traced = tracedBody(stream, {
      ...passthrough,
      end() {
        throw new Error('hook');
      },
    });
    expect(await readAll(traced)).toEqual(['a', 'b']);
  });
});
