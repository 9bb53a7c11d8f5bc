/**
 * Provider usage objects often nest counts (OpenAI: `prompt_tokens_details: { cached_tokens }`),
 * and `obs.usageDetails = response.usage` is the natural thing to write. Langfuse takes a flat
 * record of integers, so nested counts are flattened to `outer_inner` keys and empty entries
 * dropped. Returns undefined when something other than counts is in the way.
 */
export function flattenUsage(usage: unknown): Record<string, number> | undefined {
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return undefined;
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(usage)) {
    if (value == null) continue;
    if (typeof value === 'number') {
      out[key] = value;
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) return undefined;
    for (const [inner, count] of Object.entries(value)) {
      if (count == null) continue;
      if (typeof count !== 'number') return undefined;
      out[`${key}_${inner}`] = count;
    }
  }
  return out;
}
