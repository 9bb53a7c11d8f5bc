/**
 * `after()` from `next/server`, loaded lazily so that this package loads where Next is absent
 * (unit tests, scripts) and so that the import never runs on the hot path. `next` has no exports
 * map, hence the explicit `.js` for Node's ESM resolver; bundlers resolve it the same way.
 */

/** Next's `after(task)`: runs `task` once the response has been sent. Throws outside a request scope. */
export type AfterFn = (task: () => unknown) => void;

let after: AfterFn | null | undefined;
let loading: Promise<void> | undefined;

/** Starts loading `after` (once per bundled copy); resolves when it is known to exist or not. */
export function loadNextAfter(): Promise<void> {
  loading ??= import('next/server.js').then(
    (mod: any) => {
      const fn = mod?.after ?? mod?.default?.after;
      after = typeof fn === 'function' ? fn : null;
    },
    () => {
      after = null;
    },
  );
  return loading;
}

/** `after`, `null` when this Next has none, or `undefined` while still loading. */
export function nextAfter(): AfterFn | null | undefined {
  return after;
}
