/**
 * The entries of `source` named in `keys` whose value is not undefined or null: model parameters
 * from a request, without copying prompts or tools along.
 */
export function pickDefined(source: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    out ??= {};
    out[key] = value;
  }
  return out;
}
