type Counts = Record<string, number>;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** `{ cached_tokens: 3 }`-style details: counts or null only (Langfuse's schema is that strict). */
function isDetails(v: unknown): v is Record<string, number | null | undefined> {
  return v === undefined || v === null || (isObject(v) && Object.values(v).every((n) => n == null || isCount(n)));
}

/**
 * An OpenAI usage shape, when `usage` is exactly one: three integer counts and at most the two detail
 * objects, no other key (Langfuse's schema is strict, one extra key and the raw rule applies).
 */
function openAiShape(usage: Record<string, unknown>, input: string, output: string): Counts | undefined {
  const inputDetails = `${input}_details`;
  const outputDetails = `${output}_details`;
  const allowed = new Set([input, output, 'total_tokens', inputDetails, outputDetails]);
  if (!Object.keys(usage).every((k) => allowed.has(k))) return undefined;
  if (!isCount(usage[input]) || !isCount(usage[output]) || !isCount(usage.total_tokens)) return undefined;
  if (!isDetails(usage[inputDetails]) || !isDetails(usage[outputDetails])) return undefined;
  const out: Counts = { input: usage[input], output: usage[output], total: usage.total_tokens };
  for (const [side, key] of [
    ['input', inputDetails],
    ['output', outputDetails],
  ] as const) {
    const details = usage[key] as Record<string, number | null | undefined> | null | undefined;
    for (const [name, n] of Object.entries(details ?? {})) {
      if (n == null) continue;
      out[`${side}_${name}`] = n;
      out[side] = Math.max((out[side] ?? 0) - n, 0);
    }
  }
  return out;
}

/**
 * Usage details as Langfuse v4 stores them (its `UsageDetails` schema): the OpenAI Chat shape
 * (`prompt_tokens`, `completion_tokens`, `total_tokens`, `*_tokens_details`) and the OpenAI Responses
 * shape (`input_tokens`, `output_tokens`, …) become `input`, `output`, `total`, `input_<detail>`,
 * `output_<detail>` with the details subtracted from input and output. Any other object keeps only its
 * non-negative integer values (and integer strings), nested objects dropped. Undefined when nothing is left.
 *
 * @example
 * ```ts
 * convertUsageDetails({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15,
 *   prompt_tokens_details: { cached_tokens: 4 } });
 * // { input: 6, output: 5, total: 15, input_cached_tokens: 4 }
 * ```
 */
export function convertUsageDetails(usage: unknown): Counts | undefined {
  if (!isObject(usage)) return undefined;
  const shaped =
    openAiShape(usage, 'prompt_tokens', 'completion_tokens') ?? openAiShape(usage, 'input_tokens', 'output_tokens');
  if (shaped) return shaped;
  const out: Counts = {};
  for (const [key, value] of Object.entries(usage)) {
    if (isCount(value)) out[key] = value;
    else if (typeof value === 'string') {
      const parsed = Number.parseInt(value, 10);
      if (!Number.isNaN(parsed) && parsed >= 0) out[key] = parsed;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The legacy ingestion `usage` object (`input`/`output`/`total` or `promptTokens`/…) as usage details. */
export function legacyUsage(usage: unknown): Counts | undefined {
  if (!isObject(usage)) return undefined;
  const pick = (a: string, b: string) => (isCount(usage[a]) ? usage[a] : isCount(usage[b]) ? usage[b] : undefined);
  const out: Counts = {};
  const input = pick('input', 'promptTokens');
  const output = pick('output', 'completionTokens');
  const total = pick('total', 'totalTokens');
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (total !== undefined) out.total = total;
  return Object.keys(out).length > 0 ? out : undefined;
}
