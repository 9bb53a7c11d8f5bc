/** AI SDK v7's usage: totals with details (`inputTokenDetails`, `outputTokenDetails`). */
interface SdkUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  inputTokenDetails?: { noCacheTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number };
  outputTokenDetails?: { textTokens?: number; reasoningTokens?: number };
  /** v5/v6 flat fields, still read when present. */
  cachedInputTokens?: number;
  reasoningTokens?: number;
  tokens?: number;
}

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;

/**
 * Usage in the keys Langfuse prices: details are split out of their totals (cached input is not
 * input, reasoning is not output), as Langfuse does for OpenAI's own shape. Anthropic models keep
 * Anthropic's keys, which Langfuse prices for Claude (cache writes included).
 */
export function langfuseUsage(raw: unknown, provider: string | undefined): Record<string, number> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const u = raw as SdkUsage;
  const input = count(u.inputTokens);
  const output = count(u.outputTokens);
  const cacheRead = count(u.inputTokenDetails?.cacheReadTokens) ?? count(u.cachedInputTokens) ?? 0;
  const cacheWrite = count(u.inputTokenDetails?.cacheWriteTokens) ?? 0;
  const reasoning = count(u.outputTokenDetails?.reasoningTokens) ?? count(u.reasoningTokens) ?? 0;
  const uncached =
    count(u.inputTokenDetails?.noCacheTokens) ??
    (input !== undefined ? Math.max(0, input - cacheRead - cacheWrite) : undefined);
  const out: Record<string, number> = {};
  if (provider?.startsWith('anthropic')) {
    if (uncached !== undefined) out.input_tokens = uncached;
    if (output !== undefined) out.output_tokens = output;
    if (cacheRead > 0) out.cache_read_input_tokens = cacheRead;
    if (cacheWrite > 0) out.cache_creation_input_tokens = cacheWrite;
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (uncached !== undefined) out.input = uncached;
  if (cacheRead > 0) out.input_cached_tokens = cacheRead;
  if (output !== undefined) out.output = Math.max(0, output - reasoning);
  if (reasoning > 0) out.output_reasoning_tokens = reasoning;
  const total = count(u.totalTokens) ?? count(u.tokens);
  if (total !== undefined) out.total = total;
  else if (input !== undefined || output !== undefined) out.total = (input ?? 0) + (output ?? 0);
  if (out.input === undefined && count(u.tokens) !== undefined) out.input = count(u.tokens)!;
  return Object.keys(out).length > 0 ? out : undefined;
}
