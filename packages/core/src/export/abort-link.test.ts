import { describe, expect, it } from 'vitest';
import { follow } from './abort-link.js';

describe('follow', () => {
  it("aborts the follower with the parent's reason, and no longer once unlinked", () => {
    const parent = new AbortController();
    const follower = new AbortController();
    follow(parent.signal, follower);
    const reason = new Error('shutdown');
    parent.abort(reason);
    expect(follower.signal.aborted).toBe(true);
    expect(follower.signal.reason).toBe(reason);

    const other = new AbortController();
    const unlinked = new AbortController();
    follow(other.signal, unlinked)();
    other.abort();
    expect(unlinked.signal.aborted).toBe(false);
  });

  it('aborts at once when the parent already has, and leaves the parent alone when the follower aborts', () => {
    const follower = new AbortController();
    follow(AbortSignal.abort('gone'), follower);
    expect(follower.signal.reason).toBe('gone');

    const parent = new AbortController();
    const timeout = new AbortController();
    follow(parent.signal, timeout);
    timeout.abort();
    expect(parent.signal.aborted).toBe(false);
  });
});
