/** How a response body stopped flowing. */
export type BodyOutcome =
  | { kind: 'complete' }
  | { kind: 'cancelled'; reason: unknown }
  | { kind: 'error'; error: unknown };

/** What {@link tracedBody} reports to, and how it runs reads. */
export interface BodyHooks {
  /** Runs each read of the source, so that work done while producing a chunk stays in the trace's context. */
  run<T>(fn: () => T): T;
  /** Called exactly once, when the body completes, is cancelled or fails. */
  end(outcome: BodyOutcome): void;
  /** Awaited after `end` on completion and before the stream closes: the bounded serverless flush. */
  beforeClose?: (() => Promise<void>) | undefined;
}

/**
 * A pull-through copy of `source` that reports when it ends. It reads one chunk per downstream
 * read (`highWaterMark: 0`), so backpressure and timing are the source's own; cancellation is
 * forwarded. The source is locked on the first read, not before, so a caller may still fall back
 * to the original body if building the new `Response` fails.
 *
 * @example
 * ```ts
 * const body = tracedBody(response.body, { run: (fn) => obs.run(fn), end: () => obs.end() });
 * return new Response(body, { status: response.status, headers: response.headers });
 * ```
 */
export function tracedBody<R>(source: ReadableStream<R>, hooks: BodyHooks): ReadableStream<R> {
  let reader: ReadableStreamDefaultReader<R> | undefined;
  let ended = false;
  const end = (outcome: BodyOutcome) => {
    if (ended) return;
    ended = true;
    try {
      hooks.end(outcome);
    } catch {
      // Tracing never breaks the body.
    }
  };
  return new ReadableStream<R>(
    {
      async pull(controller) {
        let chunk: Awaited<ReturnType<ReadableStreamDefaultReader<R>['read']>>;
        try {
          reader ??= source.getReader();
          const r = reader;
          chunk = await hooks.run(() => r.read());
        } catch (error) {
          end({ kind: 'error', error });
          safely(() => controller.error(error));
          return;
        }
        if (!chunk.done) {
          safely(() => controller.enqueue(chunk.value));
          return;
        }
        end({ kind: 'complete' });
        if (hooks.beforeClose !== undefined) await hooks.beforeClose().catch(() => {});
        safely(() => controller.close());
      },
      cancel(reason) {
        end({ kind: 'cancelled', reason });
        return reader !== undefined ? reader.cancel(reason) : source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** The stream may have been cancelled while a read was pending: enqueue/close then throw. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Nothing left to deliver to.
  }
}
