import { describe, expect, it } from 'vitest';
import { observeStream } from './observe-stream.js';
import { pickDefined } from './pick-defined.js';
import { watchResult } from './watch-result.js';

function recorder() {
  const seen: string[] = [];
  return {
    seen,
    observer: {
      chunk: (v: unknown) => seen.push(`chunk:${v}`),
      done: () => seen.push('done'),
      error: (e: unknown) => seen.push(`error:${(e as Error).message}`),
      cancel: () => seen.push('cancel'),
    },
  };
}

async function* numbers(n: number) {
  for (let i = 0; i < n; i++) yield i;
}

describe('observeStream', () => {
  it('sees each chunk as the consumer pulls it, then the end, and returns the same object', async () => {
    const stream = { [Symbol.asyncIterator]: () => numbers(3) };
    const { seen, observer } = recorder();
    expect(observeStream(stream, observer)).toBe(stream);
    const got: number[] = [];
    for await (const n of stream) got.push(n);
    expect(got).toEqual([0, 1, 2]);
    expect(seen).toEqual(['chunk:0', 'chunk:1', 'chunk:2', 'done']);
  });

  it('reports a consumer that stops early as cancelled, once, and an SDK-style iterator() as well', async () => {
    const stream = {
      iterator: () => numbers(10),
      [Symbol.asyncIterator]() {
        return this.iterator();
      },
    };
    const { seen, observer } = recorder();
    observeStream(stream, observer);
    for await (const n of stream) if (n === 1) break;
    expect(seen).toEqual(['chunk:0', 'chunk:1', 'cancel']);
  });

  it('reports a failing stream and re-throws its error; an observer that throws changes nothing', async () => {
    async function* failing() {
      yield 1;
      throw new Error('socket hang up');
    }
    const stream = { [Symbol.asyncIterator]: failing };
    const { seen, observer } = recorder();
    observeStream(stream, {
      ...observer,
      chunk: () => {
        throw new Error('observer bug');
      },
    });
    await expect(async () => {
      for await (const _ of stream) {
        // read
      }
    }).rejects.toThrow('socket hang up');
    expect(seen).toEqual(['error:socket hang up']);
  });
});

describe('watchResult', () => {
  it('hooks an API promise’s parse() lazily and keeps the object', async () => {
    let parses = 0;
    const apiPromise = Object.assign(Promise.resolve('raw'), {
      parse() {
        parses++;
        return Promise.resolve('parsed');
      },
    });
    const values: unknown[] = [];
    expect(
      watchResult(
        apiPromise,
        (v) => values.push(v),
        () => {},
      ),
    ).toBe(apiPromise);
    await Promise.resolve();
    expect(parses).toBe(0); // nothing read yet: the body stays unread for asResponse()
    expect(await apiPromise.parse()).toBe('parsed');
    await Promise.resolve();
    expect(values).toEqual(['parsed']);
  });

  it('watches a plain promise through then, rejections included, without handling them for the app', async () => {
    const errors: unknown[] = [];
    const failing = Promise.reject(new Error('401'));
    watchResult(
      failing,
      () => {},
      (e) => errors.push(e),
    );
    await expect(failing).rejects.toThrow('401');
    expect(errors).toHaveLength(1);
  });
});

describe('pickDefined', () => {
  it('copies only the named keys that have a value', () => {
    expect(pickDefined({ a: 1, b: null, c: undefined, d: 'x', e: 2 }, ['a', 'b', 'c', 'd'])).toEqual({ a: 1, d: 'x' });
    expect(pickDefined({ a: null }, ['a'])).toBeUndefined();
    expect(pickDefined('nope', ['a'])).toBeUndefined();
  });
});
