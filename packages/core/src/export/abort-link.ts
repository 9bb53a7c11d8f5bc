/**
 * Aborts `controller` when `parent` aborts, with the parent's reason; returns the function that
 * unlinks the two once the work is done. Instead of `AbortSignal.any`, which (Node 20) keeps a weak
 * reference per derived signal on the long-lived lane signal and costs a few tens of µs per request
 * plus GC work; a listener removed after each attempt costs neither.
 */
export function follow(parent: AbortSignal, controller: AbortController): () => void {
  if (parent.aborted) {
    controller.abort(parent.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}
