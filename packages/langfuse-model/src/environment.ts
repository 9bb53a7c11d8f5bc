/** What Langfuse stores when an environment is missing or breaks its rule. */
export const DEFAULT_ENVIRONMENT = 'default';

const ALLOWED = /^[a-z0-9-_]+$/;
const MAX_LENGTH = 40;

/**
 * The environment name Langfuse v4 stores for `value`, as its ingestion schema computes it: lowercased,
 * leading `langfuse` prefixes (with an optional `-` or `_`) stripped, cut to 40 characters, then
 * `'default'` unless only `a-z`, `0-9`, `-` and `_` are left. Anything not a string is `'default'`.
 *
 * @example
 * ```ts
 * normalizeEnvironment('Production'); // 'production'
 * normalizeEnvironment('QA Env');     // 'default' (the space)
 * ```
 */
export function normalizeEnvironment(value: unknown): string {
  if (typeof value !== 'string') return DEFAULT_ENVIRONMENT;
  const cut = value
    .toLowerCase()
    .replace(/^(?:langfuse[-_]?)+/, '')
    .slice(0, MAX_LENGTH);
  return cut !== '' && ALLOWED.test(cut) ? cut : DEFAULT_ENVIRONMENT;
}

/**
 * True when Langfuse stores `value` unchanged: already lowercase, no `langfuse` prefix, at most 40
 * characters of `a-z`, `0-9`, `-`, `_`. A client that sends only such names never sees one rewritten.
 */
export function isStoredUnchanged(value: string): boolean {
  return normalizeEnvironment(value) === value;
}
