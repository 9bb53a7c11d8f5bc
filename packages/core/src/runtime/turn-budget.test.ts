import { afterEach, describe, expect, it, vi } from 'vitest';
import { TurnBudget } from './turn-budget.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A clock the test moves: each unit of "work" below costs 1 ms of it. */
function fakeClock() {
  const clock = { t: 0 };
  vi.spyOn(performance, 'now').mockImplementation(() => clock.t);
  return clock;
}

describe('TurnBudget', () => {
  it('outside a turn the budget is spent: work that resumes from an answer or a tick yields at once', () => {
    const turns = new TurnBudget(4);
    expect(turns.due()).toBeInstanceOf(Promise);
    expect(turns.shareLeft()).toBeLessThanOrEqual(0);
  });

  it('a drain slice and two requests being encoded share one budget per turn, and each gets its turn', async () => {
    const clock = fakeClock();
    const turns = new TurnBudget(4);
    const work: string[] = [];
    const perTurn: number[] = [];
    let turn = -1;
    // Each turn is one immediate: count them, to count the work done in each.
    const realSetImmediate = globalThis.setImmediate;
    vi.spyOn(globalThis, 'setImmediate').mockImplementation(((run: () => void) =>
      realSetImmediate(() => {
        turn++;
        run();
      })) as typeof setImmediate);
    const unit = (who: string) => {
      clock.t += 1;
      work.push(who);
      perTurn[turn] = (perTurn[turn] ?? 0) + 1;
    };
    const encode = async (who: string, units: number) => {
      await turns.next();
      for (let i = 0; i < units; i++) {
        const due = turns.due();
        if (due !== undefined) await due;
        unit(who);
      }
    };
    let drainLeft = 12;
    const drain = () => {
      while (drainLeft > 0) {
        unit('drain');
        drainLeft--;
        if (turns.shareLeft() <= 0) break;
      }
      if (drainLeft > 0) turns.later(drain);
    };
    turns.later(drain);
    const a = encode('a', 8);
    const b = encode('b', 8);
    await Promise.all([a, b]);
    while (drainLeft > 0) await turns.next();
    // Never more than the budget plus the one unit that found it spent.
    for (const n of perTurn) expect(n).toBeLessThanOrEqual(5);
    // The requests were encoded while the drain still had a backlog: it took its share, not every turn.
    const lastDrain = work.lastIndexOf('drain');
    expect(work.indexOf('a')).toBeLessThan(lastDrain);
    expect(work.indexOf('b')).toBeLessThan(lastDrain);
    expect(work.filter((w) => w === 'a')).toHaveLength(8);
    expect(work.filter((w) => w === 'b')).toHaveLength(8);
  });

  it('a drain that runs past its share to keep up with the caller still leaves the waiting request its part', async () => {
    const clock = fakeClock();
    const turns = new TurnBudget(4);
    const encodedPerTurn: number[] = [];
    let turn = 0;
    let encoding = true;
    // The caller publishes thousands of events per macrotask: every turn the drain keeps up with them
    // for 6 ms, over the whole budget, whatever its share says.
    const drain = () => {
      clock.t += 6;
      turn++;
      if (encoding) turns.later(drain);
    };
    turns.later(drain);
    const encode = async () => {
      await turns.next();
      for (let i = 0; i < 8; i++) {
        const due = turns.due();
        if (due !== undefined) await due;
        clock.t += 1;
        encodedPerTurn[turn] = (encodedPerTurn[turn] ?? 0) + 1;
      }
      encoding = false;
    };
    await encode();
    // Its part is half the budget (two parts: the drain and the request), every turn: 8 units in 4 turns.
    expect(encodedPerTurn.filter((n) => n !== undefined)).toEqual([2, 2, 2, 2]);
  });

  it("work queued during a turn waits for the next iteration of the event loop, after the app's timers", async () => {
    const turns = new TurnBudget(4);
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      turns.later(() => {
        order.push('first turn');
        // The app's timer falls due while fusewire works.
        setTimeout(() => order.push('app timer'), 0);
        const until = Date.now() + 3;
        while (Date.now() < until) {}
        turns.later(() => {
          order.push('second turn');
          resolve();
        });
      });
    });
    expect(order).toEqual(['first turn', 'app timer', 'second turn']);
  });

  it("two clients' drains in one turn split its budget: the first to ask does not take every turn", async () => {
    const clock = fakeClock();
    const turns = new TurnBudget(4);
    const perTurn: Array<Record<string, number>> = [];
    await new Promise<void>((done) => {
      const drain = (who: string) => {
        let turn = 0;
        const slice = () => {
          const mine = (perTurn[turn] ??= {});
          mine[who] = 0;
          while (turns.shareLeft() > 0) {
            clock.t += 1;
            mine[who]++;
          }
          // A backlog: it asks again, in the same order every turn, for three turns.
          if (++turn < 3) turns.later(slice);
          else if (who === 'b') done();
        };
        turns.later(slice);
      };
      drain('a');
      drain('b');
    });
    expect(perTurn).toEqual([
      { a: 2, b: 2 },
      { a: 2, b: 2 },
      { a: 2, b: 2 },
    ]);
  });

  it('keeps one immediate pending however much is queued', () => {
    const immediate = vi.spyOn(globalThis, 'setImmediate');
    const turns = new TurnBudget(4);
    for (let i = 0; i < 10; i++) turns.later(() => {});
    void turns.next();
    expect(immediate).toHaveBeenCalledTimes(1);
  });

  it('an item that throws does not strand the others queued with it', async () => {
    const turns = new TurnBudget(4);
    const ran: number[] = [];
    turns.later(() => {
      throw new Error('boom');
    });
    turns.later(() => ran.push(2));
    await turns.next();
    expect(ran).toEqual([2]);
  });
});
