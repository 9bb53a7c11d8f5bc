import { globalState } from './global-state.js';

/** What background work needs of the process's turn budget (which may be another bundled copy's). */
export interface Turns {
  /** Runs `run` in the next turn (never on the caller's stack). `run` must not throw. */
  later(run: () => void): void;
  /** Resolves in the next turn. */
  next(): Promise<void>;
  /** A promise to await when the running turn's budget is spent, else undefined. Cheap per record. */
  due(): Promise<void> | undefined;
  /** Milliseconds left of a synchronous slice's share of the running turn (zero or less once spent). */
  shareLeft(): number;
}

/**
 * fusewire's share of one event-loop iteration. Every piece of background work that can take long
 * (the drain's slices, encoding an OTLP request) runs in a turn of this scheduler and checks
 * {@link TurnBudget.due} as it goes. Slices that each kept a budget of their own added up: the
 * drain's 8 ms slice and two requests' 2.5 ms encoding slices all ran in the same check phase,
 * back to back, and the app's timers waited for the sum (50–70 ms with large payloads).
 *
 * One `setImmediate` at most is pending at any time, so the check phase holds one turn per
 * iteration; work queued during a turn waits for the next iteration, after the app's timers and I/O.
 * A turn's deadline is wall-clock: work that resumes outside the turn (an HTTP answer, a timer tick)
 * within its 4 ms may use what is left of it, so one iteration can see up to about twice the budget;
 * after that, such work finds the budget spent and yields at its first check. (Nothing marks the end
 * of a turn: continuations chained inside it run in microtasks after any reset could.)
 */
export class TurnBudget implements Turns {
  readonly #budgetMs: number;
  #queue: Array<Queued> = [];
  #scheduled = false;
  /** Until then the running turn may go on; once it passes, work outside a turn yields at once. */
  #deadline = Number.NEGATIVE_INFINITY;
  /** The part of the budget a synchronous item may take while resumed work waits behind it. */
  #shareDeadline = Number.NEGATIVE_INFINITY;

  constructor(budgetMs: number) {
    this.#budgetMs = budgetMs;
  }

  /** Runs `run` in the next turn (never on the caller's stack). `run` must not throw. */
  later(run: () => void): void {
    this.#queue.push({ run, resumes: false });
    this.#schedule();
  }

  /** Resolves in the next turn: what awaits it goes on with a fresh budget, shared with the turn's other work. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#queue.push({ run: resolve, resumes: true });
      this.#schedule();
    });
  }

  /** A promise to await when this turn's budget is spent (always, outside a turn), else undefined. Cheap per record. */
  due(): Promise<void> | undefined {
    return performance.now() >= this.#deadline ? this.next() : undefined;
  }

  /**
   * Milliseconds left of a synchronous slice's (the drain's) share of the turn: zero or less once
   * spent, and outside a turn. Work that was waiting for this turn (requests being encoded) shares the
   * budget, so a drain with a long backlog does not take every turn while requests wait.
   */
  shareLeft(): number {
    return this.#shareDeadline - performance.now();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#turn);
  }

  readonly #turn = (): void => {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    this.#deadline = performance.now() + this.#budgetMs;
    // Each synchronous item gets an equal part of what is left when it starts, each piece of resumed
    // work counting as a part too: several clients' drains queue in the same order every turn, and
    // a share sized for one drain let the first take the whole share, every turn.
    const parts = queue.length;
    let partsLeft = parts;
    let resumed = 0;
    // Resumed work runs in the microtasks after this callback, with what is left of the budget.
    for (const item of queue) {
      if (item.resumes) resumed++;
      else {
        const now = performance.now();
        this.#shareDeadline = now + (this.#deadline - now) / partsLeft--;
      }
      try {
        item.run();
      } catch {
        // Queued work logs its own errors (the drain does); one that throws must not strand the rest.
      }
    }
    // A drain keeping up with a caller that publishes thousands of events per macrotask runs past its
    // share (drain.ts, KEEP_UP_RECORDS). The requests waiting for this turn still get their parts:
    // they would find the budget spent at their first check in every turn, and no batch would leave
    // until the caller paused (a burst filled the queue while Langfuse sat idle).
    if (resumed > 0) {
      const now = performance.now();
      const fair = (this.#budgetMs * resumed) / parts;
      if (this.#deadline - now < fair / 2) this.#deadline = now + fair;
    }
  };
}

interface Queued {
  run: () => void;
  /** A promise's resolve: the work behind it runs after this turn's synchronous items. */
  resumes: boolean;
}

/**
 * Per event-loop iteration for all of fusewire's background work together, before whatever a
 * young-generation scavenge in it adds. 4 ms: under the 10 ms stall the project promises with room
 * for a scavenge and one large event past the budget (a 200 KB payload takes 1–2 ms to serialise).
 */
export const TURN_BUDGET_MS = 4;

/**
 * The process's one budget: every client in it shares the one event loop, and so does every bundled
 * copy of fusewire (ESM and CJS builds loaded side by side, a bundle per Next.js entry).
 */
export const backgroundTurns: Turns = (globalState().turns ??= new TurnBudget(TURN_BUDGET_MS));
