import fc from 'fast-check';
import { OPEN_BUGS } from './open-bugs.js';

/**
 * Hostile values for property tests. fast-check generates *descriptors* (plain data it can
 * print and shrink); `build()` turns one into the actual value (a revoked proxy, a throwing
 * getter …) inside the property, fresh for every run.
 */
export type HostileDescriptor =
  | { t: 'any'; v: unknown }
  | { t: 'special'; name: SpecialName }
  | { t: 'number'; v: number }
  | { t: 'time'; v: number | string }
  | { t: 'nested'; depth: number; array: boolean }
  | { t: 'object'; fields: Array<[string, HostileDescriptor]> }
  | { t: 'evil'; name: EvilName; v: unknown };

/** 10 MB, built once and shared (a string is immutable, so sharing it changes nothing). */
export const HUGE = 'h'.repeat(10 * 1024 * 1024);

const SPECIALS = {
  circularObject: () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    return o;
  },
  circularArray: () => {
    const a: unknown[] = [1];
    a.push(a);
    return a;
  },
  bigint: () => 123n ** 5n,
  symbol: () => Symbol('hostile'),
  function: () => () => 'fn',
  asyncFunction: () => async () => 'fn',
  classCtor: () => class Hostile {},
  throwingGetter: () =>
    Object.defineProperty({ ok: 1 }, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter threw');
      },
    }),
  getterThrowsNullProto: () =>
    Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw Object.create(null);
      },
    }),
  throwingToJSON: () => ({
    toJSON() {
      throw new Error('toJSON threw');
    },
  }),
  toJSONThrowsNullProto: () => ({
    toJSON() {
      throw Object.create(null);
    },
  }),
  toJSONReturnsCircular: () => ({
    toJSON() {
      const o: Record<string, unknown> = {};
      o.o = o;
      return o;
    },
  }),
  toJSONReturnsBigInt: () => ({ toJSON: () => 1n }),
  // Pass validation as a plain record of numbers/strings, throw when stringified.
  protoToJSONThrows: () =>
    new (class Params {
      input = 1;
      toJSON(): never {
        throw new Error('prototype toJSON threw');
      }
    })(),
  hiddenToJSONThrows: () =>
    Object.defineProperty({ input: 2 }, 'toJSON', {
      enumerable: false,
      value() {
        throw Object.create(null);
      },
    }),
  arrayOwnToJSONThrows: () =>
    Object.assign(['tag-a', 'tag-b'], {
      toJSON: () => {
        throw new Error('array toJSON threw');
      },
    }),
  revokedProxy: () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  trapThrowingProxy: () =>
    new Proxy(
      {},
      {
        get() {
          throw new Error('get trap');
        },
        has() {
          throw new Error('has trap');
        },
        ownKeys() {
          throw new Error('ownKeys trap');
        },
        getOwnPropertyDescriptor() {
          throw new Error('gOPD trap');
        },
        getPrototypeOf() {
          throw new Error('getPrototypeOf trap');
        },
      },
    ),
  protoPollutionJson: () => JSON.parse('{"__proto__":{"polluted":"yes"},"a":{"__proto__":{"polluted":"yes"}}}'),
  constructorPrototype: () => ({ constructor: { prototype: { polluted: 'yes' } }, __proto__x: 1 }),
  nullPrototype: () => Object.assign(Object.create(null), { a: 1, toString: 'not a function' }),
  unprintable: () =>
    Object.assign(Object.create(null), {
      toString() {
        throw new Error('toString threw');
      },
    }),
  invalidDate: () => new Date(Number.NaN),
  evilDate: () =>
    new (class EvilDate extends Date {
      override getTime(): number {
        throw new Error('getTime threw');
      }
      override toISOString(): string {
        throw new Error('toISOString threw');
      }
    })(),
  errorObject: () => Object.assign(new Error('plain error'), { extra: 1n }),
  errorThrowingMessage: () =>
    Object.defineProperty(new Error('x'), 'message', {
      get() {
        throw new Error('message getter threw');
      },
    }),
  thenableThrows: () => ({
    // biome-ignore lint/suspicious/noThenProperty: a hostile thenable on purpose
    then() {
      throw new Error('then threw');
    },
  }),
  hugeString: () => HUGE,
  hugeArray: () => new Array(200_000).fill('x'),
  sparseArray: () => {
    const a: unknown[] = [];
    a[1_000_000] = 1;
    return a;
  },
  typedArray: () => new Float64Array(1024),
  mapAndSet: () => ({ m: new Map([[{}, 1]]), s: new Set([1n]) }),
  frozen: () => Object.freeze({ a: Object.freeze([1, 2]) }),
  weirdNumbers: () => [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MAX_VALUE],
  statefulGetter: () => {
    let reads = 0;
    return Object.defineProperty({}, 'input', {
      enumerable: true,
      get() {
        reads++;
        if (reads > 1) throw new Error('second read threw');
        return 1;
      },
    });
  },
  promise: () => Promise.resolve(1),
  rejectedPromise: () => {
    const p = Promise.reject(new Error('rejected value'));
    p.catch(() => {});
    return p;
  },
} as const;

export type SpecialName = keyof typeof SPECIALS;

/**
 * Values that look valid for their field (so they get past validation) and bite later, when
 * the exporter serialises them. `v` is the plain-data part fast-check generates.
 */
const EVIL = {
  plain: (v: unknown) => v,
  protoToJSON: (v: unknown) =>
    Object.setPrototypeOf(
      { ...(v as object) },
      {
        toJSON: () => {
          throw new Error('prototype toJSON threw');
        },
      },
    ),
  hiddenToJSON: (v: unknown) =>
    Object.defineProperty({ ...(v as object) }, 'toJSON', {
      enumerable: false,
      value() {
        throw Object.create(null);
      },
    }),
  secondReadThrows: (v: unknown) => {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as object)) {
      let reads = 0;
      Object.defineProperty(out, k, {
        enumerable: true,
        get() {
          if (++reads > 1) throw new Error('second read threw');
          return x;
        },
      });
    }
    return out;
  },
  arrayToJSON: (v: unknown) =>
    Object.assign([...(v as unknown[])], {
      toJSON: () => {
        throw new Error('array toJSON threw');
      },
    }),
} as const;

export type EvilName = keyof typeof EVIL;
export const SPECIAL_NAMES = Object.keys(SPECIALS) as SpecialName[];

/** Values that only hurt through BUG-2 (validated, then stringified by the exporter). */
const ENCODE_THROWERS = new Set<SpecialName>([
  'protoToJSONThrows',
  'hiddenToJSONThrows',
  'arrayOwnToJSONThrows',
  'statefulGetter',
]);
const ENCODE_FIELDS = new Set(['tags', 'modelParameters', 'usageDetails', 'costDetails']);
const TIME_FIELDS = new Set(['startTime', 'endTime', 'completionStartTime', 'timestamp']);

function nestedValue(depth: number, array: boolean): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = array ? [v] : { n: v };
  return v;
}

/**
 * Builds the value a descriptor stands for. `field` is where it will go (undefined: it is the
 * message itself), so it can steer around the open bugs (open-bugs.ts) for that field.
 */
export function build(d: HostileDescriptor, field?: string): unknown {
  const v = buildRaw(d, field);
  if (OPEN_BUGS.timeRange && field !== undefined && TIME_FIELDS.has(field) && outOfTimeRange(v))
    return Date.UTC(2026, 0, 1);
  return v;
}

function buildRaw(d: HostileDescriptor, field: string | undefined): unknown {
  switch (d.t) {
    case 'any':
      return d.v;
    case 'number':
      return d.v;
    case 'time':
      return d.v;
    case 'nested':
      return nestedValue(d.depth, d.array);
    case 'evil':
      if (OPEN_BUGS.encodeThrows && d.name !== 'plain') return d.v;
      return EVIL[d.name](d.v);
    case 'special': {
      if (OPEN_BUGS.encodeThrows && ENCODE_THROWERS.has(d.name) && (field === undefined || ENCODE_FIELDS.has(field))) {
        return 'steered-around-BUG-2';
      }
      if (OPEN_BUGS.revokedProxyMessage && d.name === 'revokedProxy' && field === undefined)
        return 'steered-around-BUG-3';
      return SPECIALS[d.name]();
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of d.fields) {
        // defineProperty: a `__proto__` key stays an own data property, as JSON.parse makes it.
        Object.defineProperty(out, key, {
          value: build(value, key),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
  }
}

/** True for times BUG-1 mishandles: before 1970 or from 1e15 ms on. */
function outOfTimeRange(v: unknown): boolean {
  try {
    const ms =
      typeof v === 'number' ? v : v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
    return Number.isFinite(ms) && (ms < 0 || ms >= 1e15);
  } catch {
    return false;
  }
}

const anyValue = fc.anything({
  maxDepth: 3,
  maxKeys: 4,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withBoxedValues: true,
  key: fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toJSON', 'then', 'valueOf'),
  ),
});

const numberValue = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    -1,
    0.5,
    1e15,
    1e20,
    8.64e15 + 1,
    Number.MAX_VALUE,
  ),
  fc.double(),
  fc.integer(),
);

const timeValue = fc.oneof(
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map((v) => v as number | string),
  fc.constantFrom<number | string>(
    '2026-01-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '+275760-09-13T00:00:00.000Z',
    '0001-01-01',
    'not a date',
    '',
    '2026-02-30',
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString() as number | string),
);

/** A hostile value of any kind. */
export const hostileValue: fc.Arbitrary<HostileDescriptor> = fc.oneof(
  { weight: 3, arbitrary: anyValue.map((v): HostileDescriptor => ({ t: 'any', v })) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(...SPECIAL_NAMES).map((name): HostileDescriptor => ({ t: 'special', name })),
  },
  { weight: 1, arbitrary: numberValue.map((v): HostileDescriptor => ({ t: 'number', v })) },
  { weight: 1, arbitrary: timeValue.map((v): HostileDescriptor => ({ t: 'time', v })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ depth: fc.constantFrom(100, 2_000, 20_000), array: fc.boolean() })
      .map(({ depth, array }): HostileDescriptor => ({ t: 'nested', depth, array })),
  },
);

/** Every field any channel knows, plus keys that attack prototypes. */
export const FIELD_NAMES = [
  'id',
  'traceId',
  'parentObservationId',
  'observationId',
  'sessionId',
  'datasetRunId',
  'type',
  'name',
  'timestamp',
  'startTime',
  'endTime',
  'completionStartTime',
  'input',
  'output',
  'metadata',
  'level',
  'statusMessage',
  'version',
  'environment',
  'release',
  'userId',
  'tags',
  'public',
  'model',
  'modelParameters',
  'usageDetails',
  'costDetails',
  'promptName',
  'promptVersion',
  'value',
  'dataType',
  'comment',
  '__proto__',
  'constructor',
  'prototype',
  'toJSON',
] as const;

const evil = (names: EvilName[], v: fc.Arbitrary<unknown>): fc.Arbitrary<HostileDescriptor> =>
  fc.tuple(fc.constantFrom(...names), v).map(([name, value]): HostileDescriptor => ({ t: 'evil', name, v: value }));

const RECORD_EVILS: EvilName[] = ['plain', 'protoToJSON', 'hiddenToJSON', 'secondReadThrows'];
const key = fc.string({ minLength: 1, maxLength: 8 });

/** Values that pass validation for a field, some of them with a sting in the tail. */
function plausible(field: string): fc.Arbitrary<HostileDescriptor> | undefined {
  switch (field) {
    case 'startTime':
    case 'endTime':
    case 'completionStartTime':
    case 'timestamp':
      return fc
        .oneof(
          fc.oneof(fc.double({ min: 1, max: 8.64e15, noNaN: true }), fc.double({ min: 1e14, max: 1e21, noNaN: true })),
          fc.date({ noInvalidDate: true }).map((d) => d.getTime()),
        )
        .map((v): HostileDescriptor => ({ t: 'time', v }));
    case 'usageDetails':
      return evil(RECORD_EVILS, fc.dictionary(key, fc.nat(), { maxKeys: 3 }));
    case 'costDetails':
      return evil(RECORD_EVILS, fc.dictionary(key, fc.double({ min: 0, max: 1e6, noNaN: true }), { maxKeys: 3 }));
    case 'modelParameters':
      return evil(
        RECORD_EVILS,
        fc.dictionary(key, fc.oneof(fc.string(), fc.boolean(), fc.integer(), fc.constant(null)), { maxKeys: 3 }),
      );
    case 'tags':
      return evil(['plain', 'arrayToJSON'], fc.array(fc.string(), { maxLength: 3 }));
    case 'level':
      return fc.constantFrom('DEBUG', 'DEFAULT', 'WARNING', 'ERROR').map((v): HostileDescriptor => ({ t: 'any', v }));
    case 'promptVersion':
      return fc.integer().map((v): HostileDescriptor => ({ t: 'any', v }));
    case 'name':
    case 'statusMessage':
    case 'model':
    case 'userId':
    case 'sessionId':
    case 'version':
    case 'environment':
    case 'release':
    case 'comment':
      return fc
        .oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant(HUGE.slice(0, 1_000_001)))
        .map((v): HostileDescriptor => ({ t: 'any', v }));
    default:
      return undefined;
  }
}

const fieldEntry: fc.Arbitrary<[string, HostileDescriptor]> = fc.constantFrom(...FIELD_NAMES).chain((field) => {
  const p = plausible(field);
  const value =
    p === undefined ? hostileValue : fc.oneof({ weight: 2, arbitrary: hostileValue }, { weight: 3, arbitrary: p });
  return value.map((v): [string, HostileDescriptor] => [field, v]);
});

/** A hostile message: a hostile value itself, or an object whose fields are hostile or treacherous. */
export const hostileMessage: fc.Arbitrary<HostileDescriptor> = fc.oneof(
  { weight: 1, arbitrary: hostileValue },
  {
    weight: 5,
    arbitrary: fc
      .array(fieldEntry, { minLength: 1, maxLength: 5 })
      .map((fields): HostileDescriptor => ({ t: 'object', fields })),
  },
);

/** Observation types, plus types plain-JS callers might pass. */
export const hostileType = fc.oneof(
  fc.constantFrom<unknown>(
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
  ),
  fc.constantFrom<unknown>('', 'SPAN', '__proto__', 'constructor', 'toString', 'hasOwnProperty', null, undefined, 42),
  fc.constantFrom('symbol', 'nullProto', 'throwingToString').map((k) => ({ typeKind: k })),
);

/** Builds a hostile `type` argument. */
export function buildType(t: unknown): unknown {
  if (typeof t === 'object' && t !== null && 'typeKind' in t) {
    const kind = (t as { typeKind: string }).typeKind;
    if (kind === 'symbol') return Symbol('type');
    if (OPEN_BUGS.unkeyableType) return 'steered-around-BUG-4';
    if (kind === 'nullProto') return Object.create(null);
    return {
      toString() {
        throw new Error('type toString threw');
      },
    };
  }
  return t;
}
