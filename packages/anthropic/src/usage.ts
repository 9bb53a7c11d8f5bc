// Langfuse prices Claude models on Anthropic's own keys; Anthropic's input_tokens already
// exclude the cached ones, so nothing is subtracted. Only counts are kept (no service_tier, no
// nested server_tool_use), because Langfuse keeps only non-negative integer keys.
const KEYS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

/** Anthropic usage as Langfuse prices it. */
export function anthropicUsage(raw: unknown): Record<string, number> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  let out: Record<string, number> | undefined;
  for (const key of KEYS) {
    const value = (raw as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) continue;
    out ??= {};
    out[key] = value;
  }
  return out;
}

/** Streamed usage arrives in pieces: `message_start` has the input side, `message_delta` the final counts. */
export function mergeUsage(into: Record<string, number> | undefined, raw: unknown): Record<string, number> | undefined {
  const next = anthropicUsage(raw);
  if (next === undefined) return into;
  return { ...into, ...next };
}
