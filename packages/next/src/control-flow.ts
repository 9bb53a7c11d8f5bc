/**
 * Next.js signals some outcomes by throwing: `redirect()`, `notFound()`, `forbidden()`,
 * `unauthorized()`, and internal bail-outs during prerendering. They are control flow, not
 * failures, and must be re-thrown untouched for Next to act on them. We recognise them by their
 * `digest`, the stable string Next also sends to the browser, so no Next internals are imported.
 */

/** How a thrown value steers Next, or undefined when it is a real error. */
export type ControlFlow =
  | { kind: 'redirect'; status: number }
  | { kind: 'http-fallback'; status: number }
  | { kind: 'internal'; digest: string };

const REDIRECT = 'NEXT_REDIRECT';
const HTTP_FALLBACK = 'NEXT_HTTP_ERROR_FALLBACK;';
const NOT_FOUND_LEGACY = 'NEXT_NOT_FOUND';
const POSTPONE = Symbol.for('react.postpone');

/** Thrown by Next while it decides how to render; never seen by users as errors. */
const INTERNAL = new Set([
  'DYNAMIC_SERVER_USAGE',
  'BAILOUT_TO_CLIENT_SIDE_RENDERING',
  'NEXT_PRERENDER_INTERRUPTED',
  'HANGING_PROMISE_REJECTION',
  'CLIENT_HOOK_DYNAMIC',
]);

/**
 * Classifies a thrown value. Never throws, even for hostile values (throwing getters, proxies).
 *
 * @example
 * ```ts
 * classifyControlFlow(Object.assign(new Error('NEXT_REDIRECT'), { digest: 'NEXT_REDIRECT;replace;/login;307;' }));
 * // → { kind: 'redirect', status: 307 }
 * ```
 */
export function classifyControlFlow(error: unknown): ControlFlow | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  try {
    const { digest, code, $$typeof } = error as { digest?: unknown; code?: unknown; $$typeof?: unknown };
    if (typeof digest === 'string') {
      if (digest.startsWith(REDIRECT)) {
        // `NEXT_REDIRECT;<type>;<url>;<status>;` — the url may itself contain `;`.
        const status = Number(digest.split(';').at(-2));
        return { kind: 'redirect', status: Number.isInteger(status) && status >= 300 && status < 400 ? status : 307 };
      }
      if (digest.startsWith(HTTP_FALLBACK)) {
        const status = Number(digest.slice(HTTP_FALLBACK.length).split(';')[0]);
        return {
          kind: 'http-fallback',
          status: Number.isInteger(status) && status >= 400 && status < 500 ? status : 404,
        };
      }
      if (digest === NOT_FOUND_LEGACY) return { kind: 'http-fallback', status: 404 };
      if (INTERNAL.has(digest)) return { kind: 'internal', digest };
    }
    if (code === 'NEXT_STATIC_GEN_BAILOUT') return { kind: 'internal', digest: code };
    if ($$typeof === POSTPONE) return { kind: 'internal', digest: 'REACT_POSTPONE' };
  } catch {
    // A value whose properties throw is no Next control-flow error.
  }
  return undefined;
}
