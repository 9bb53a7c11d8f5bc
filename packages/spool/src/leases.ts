import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CLAIMED, PENDING } from './schema.js';
import { moveTotals, type Statements } from './statements.js';

// Owners alive in this process (several clients may share one file): never taken over by pid.
const LIVE_KEY = Symbol.for('fusewire.spool.liveOwners');
const live: Set<string> =
  ((globalThis as Record<symbol, unknown>)[LIVE_KEY] as Set<string> | undefined) ??
  (((globalThis as Record<symbol, unknown>)[LIVE_KEY] = new Set<string>()) as Set<string>);

interface OwnerRow {
  owner: string;
  pid: number;
  host: string;
  leaseUntil: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * This process's lease on the rows it claims. Every claimed row names its owner; the owner's row
 * in `owners` carries a lease that heartbeats renew. A row whose owner is gone is free again: the
 * lease ran out, or the owner was a process on this host that no longer exists (found at once,
 * so a restart does not wait out the lease of the process it replaces).
 */
export class Lease {
  readonly owner = randomUUID();
  readonly #st: Statements;
  readonly #leaseMs: number;
  readonly #host = hostname();

  constructor(statements: Statements, leaseMs: number) {
    this.#st = statements;
    this.#leaseMs = leaseMs;
  }

  /** Registers (or re-registers) this owner. Call inside a write transaction. */
  register(now: number): void {
    live.add(this.owner);
    this.#st.register.run(this.owner, process.pid, this.#host, now, now + this.#leaseMs);
  }

  /** Extends the lease; false when another process had already taken it over (then re-registered). */
  renew(now: number): boolean {
    if (this.#st.heartbeat.run(now + this.#leaseMs, this.owner).changes === 1) return true;
    this.register(now);
    return false;
  }

  /** Frees the rows of owners that are gone; returns how many owners were taken over. */
  takeOver(now: number): number {
    const owners = this.#st.owners.all() as OwnerRow[];
    let gone = 0;
    for (const o of owners) {
      if (o.owner === this.owner || !this.#isGone(o, now)) continue;
      this.#st.dropOwner.run(o.owner);
      gone++;
    }
    // Also frees rows whose owner row was removed by someone else's takeover or a clean close.
    moveTotals(this.#st, CLAIMED, PENDING, this.#st.freeOrphans.all() as Array<{ bytes: number }>);
    return gone;
  }

  #isGone(o: OwnerRow, now: number): boolean {
    if (o.leaseUntil < now) return true;
    if (o.host !== this.#host) return false;
    if (o.pid === process.pid) return !live.has(o.owner);
    return !pidAlive(o.pid);
  }

  /** Gives up the lease (clean close): its remaining rows are free for anyone. */
  end(): void {
    live.delete(this.owner);
    moveTotals(this.#st, CLAIMED, PENDING, this.#st.releaseAll.all(this.owner) as Array<{ bytes: number }>);
    this.#st.dropOwner.run(this.owner);
  }

  /** Forgets the owner in this process only (the file is unusable). */
  forget(): void {
    live.delete(this.owner);
  }
}
