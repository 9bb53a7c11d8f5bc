import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportRecord } from './seam.js';
import { databaseOf, runTick, type SqliteSpool } from './sqlite-spool.js';
import { openSpool, span, tempDir } from './test-support.js';

// The spool against a model: every row is waiting, claimed by one live instance, delivered or
// dead; instances open, close cleanly or crash (the file is dropped without a goodbye, and time
// passes beyond the lease while the live ones heartbeat). After every step the spool must agree.
type State = { s: 'waiting' } | { s: 'claimed'; by: number } | { s: 'delivered' } | { s: 'dead' };
interface Model {
  order: ExportRecord[];
  state: Map<ExportRecord, State>;
  bytes: Map<ExportRecord, number>;
}

const LEASE = 1_000;
const TRACES = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];
const MAX_BYTES = 12_000;

type Cmd =
  | { c: 'append'; at: number; sizes: Array<[number, number]> }
  | { c: 'claim'; at: number; count: number; maxBytes: number }
  | { c: 'settle'; at: number; pick: number; outcome: 'delivered' | 'non_retryable' }
  | { c: 'release'; at: number; pick: number }
  | { c: 'open' }
  | { c: 'close'; at: number }
  | { c: 'crash'; at: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      c: fc.constant('append' as const),
      at: fc.nat(),
      // [input size, trace]: traces 0–2 are shared by appends (and instances), 3 is a trace of its own.
      sizes: fc.array(fc.tuple(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 0, max: 3 })), {
        minLength: 1,
        maxLength: 8,
      }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      c: fc.constant('claim' as const),
      at: fc.nat(),
      count: fc.integer({ min: 1, max: 6 }),
      maxBytes: fc.integer({ min: 1, max: 3_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      c: fc.constant('settle' as const),
      at: fc.nat(),
      pick: fc.nat(),
      outcome: fc.constantFrom('delivered' as const, 'non_retryable' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('release' as const), at: fc.nat(), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('open' as const) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('close' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('crash' as const), at: fc.nat() }) },
);

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

describe('spool state machine (model-based)', () => {
  it("claims oldest first and a trace's rows together, never twice, never loses or resurrects a row, refuses only when full", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 40 }), async (cmds) => {
        const dir = tempDir();
        dirs.push(dir);
        let now = 1_000_000;
        const clock = () => now;
        const open = () => openSpool({ path: dir.path, leaseMs: LEASE, retentionMs: 0, maxBytes: MAX_BYTES }, clock);
        const live: Array<{ id: number; spool: SqliteSpool; claimed: ExportRecord[] }> = [];
        let nextId = 0;
        live.push({ id: nextId++, spool: open(), claimed: [] });
        const m: Model = { order: [], state: new Map(), bytes: new Map() };
        const free = () => m.order.filter((r) => m.state.get(r)!.s === 'waiting');
        const undelivered = () => m.order.filter((r) => m.state.get(r)!.s !== 'delivered');
        for (const step of cmds) {
          now += 1;
          if (step.c === 'open') {
            if (live.length < 3) live.push({ id: nextId++, spool: open(), claimed: [] });
            continue;
          }
          if (live.length === 0) live.push({ id: nextId++, spool: open(), claimed: [] });
          const inst = live[step.at % live.length]!;
          if (step.c === 'append') {
            const records = step.sizes.map(([n, t]) => span(t < 3 ? TRACES[t] : undefined, { input: 'x'.repeat(n) }));
            let used = 0;
            for (const r of undelivered()) used += m.bytes.get(r)!;
            let fits = 0;
            for (const r of records) {
              const b = JSON.stringify(r).length;
              if (used + b > MAX_BYTES) break;
              used += b;
              fits++;
            }
            const result = inst.spool.append(records);
            expect(result.refused).toEqual(records.slice(fits));
            if (fits < records.length) expect(result.reason).toBe('spool_full');
            for (const r of records.slice(0, fits)) {
              m.order.push(r);
              m.state.set(r, { s: 'waiting' });
              m.bytes.set(r, JSON.stringify(r).length);
            }
          } else if (step.c === 'claim') {
            // Oldest first, skipping traces another instance holds rows of; the claimed traces'
            // later free rows come along (up to count more).
            const heldElsewhere = (r: ExportRecord) =>
              m.order.some((o) => {
                const st = m.state.get(o)!;
                return o.traceId === r.traceId && st.s === 'claimed' && st.by !== inst.id;
              });
            const expected: ExportRecord[] = [];
            let bytes = 0;
            for (const r of free().filter((f) => !heldElsewhere(f))) {
              if (expected.length >= step.count) break;
              if (expected.length > 0 && bytes + m.bytes.get(r)! > step.maxBytes) break;
              bytes += m.bytes.get(r)!;
              expected.push(r);
            }
            if (expected.length > 0) {
              const traces = new Set(expected.map((r) => r.traceId));
              const after = m.order.indexOf(expected[expected.length - 1]!);
              const rest = free().filter((r) => traces.has(r.traceId) && m.order.indexOf(r) > after);
              expected.push(...rest.slice(0, step.count));
            }
            const got = inst.spool.claim(step.count, step.maxBytes);
            expect(got).toEqual(expected);
            for (const r of expected) m.state.set(r, { s: 'claimed', by: inst.id });
            // The instance holds what claim returned (its own objects), the model its originals.
            inst.claimed.push(...got.map((g, i) => Object.assign(g, { __model: expected[i] })));
          } else if (step.c === 'settle' || step.c === 'release') {
            if (inst.claimed.length === 0) continue;
            const k = (step.pick % inst.claimed.length) + 1;
            const batch = inst.claimed.splice(0, k);
            if (step.c === 'settle') inst.spool.settle(batch, step.outcome, 'because');
            else inst.spool.release(batch);
            const next: State =
              step.c === 'release'
                ? { s: 'waiting' }
                : step.outcome === 'delivered'
                  ? { s: 'delivered' }
                  : { s: 'dead' };
            for (const r of batch) m.state.set((r as { __model?: ExportRecord }).__model!, next);
          } else if (step.c === 'close') {
            await inst.spool.close();
            live.splice(live.indexOf(inst), 1);
            for (const r of m.order) {
              const st = m.state.get(r)!;
              if (st.s === 'claimed' && st.by === inst.id) m.state.set(r, { s: 'waiting' });
            }
          } else if (step.c === 'crash') {
            databaseOf(inst.spool)!.close();
            live.splice(live.indexOf(inst), 1);
            for (let i = 0; i < 5; i++) {
              now += LEASE / 4;
              for (const l of live) runTick(l.spool);
            }
            for (const r of m.order) {
              const st = m.state.get(r)!;
              if (st.s === 'claimed' && st.by === inst.id) m.state.set(r, { s: 'waiting' });
            }
          }
          for (const l of live) {
            const stats = l.spool.stats();
            const waiting = m.order.filter((r) => ['waiting', 'claimed'].includes(m.state.get(r)!.s)).length;
            expect(stats.waiting).toBe(waiting);
            expect(stats.deadLetters).toBe(m.order.filter((r) => m.state.get(r)!.s === 'dead').length);
            expect(stats.events).toBe(free().length + l.claimed.length);
            expect(stats.healthy).toBe(true);
          }
        }
        for (const l of live) await l.spool.close();
        dir.cleanup();
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
