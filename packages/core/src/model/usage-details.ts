type Counts = Record<string, number>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

const isDetails = (v: unknown) => v == null || (isObject(v) && Object.values(v).every((n) => n == null || isCount(n)));

/**
 * Exactly an OpenAI usage object as Langfuse's own `UsageDetails` schema reads it (strict: the three
 * counts, at most the two detail objects of counts, no other key): Chat (`prompt_tokens`, …) or
 * Responses (`input_tokens`, …). Sent as it is, Langfuse converts it and prices its details.
 */
const OPENAI_PAIRS = [
  ['prompt_tokens', 'completion_tokens'],
  ['input_tokens', 'output_tokens'],
] as const;

export function isOpenAiUsage(usage: unknown): boolean {
  if (!isObject(usage)) return false;
  // No total_tokens, no OpenAI shape: the usual (Langfuse-shaped) usage stops here.
  if (!isCount(usage.total_tokens)) return false;
  for (const [input, output] of OPENAI_PAIRS) {
    if (!isCount(usage[input]) || !isCount(usage[output]) || !isCount(usage.total_tokens)) continue;
    const allowed = new Set([input, output, 'total_tokens', `${input}_details`, `${output}_details`]);
    if (!Object.keys(usage).every((k) => allowed.has(k))) return false;
    return isDetails(usage[`${input}_details`]) && isDetails(usage[`${output}_details`]);
  }
  return false;
}

/** The shape Langfuse's own UsageDetails schema converts: three counts plus two optional detail objects. */
function openAiShape(usage: Record<string, unknown>, input: string, output: string): Counts | undefined {
  if (!isCount(usage[input]) || !isCount(usage[output]) || !isCount(usage.total_tokens)) return undefined;
  const inDetails = usage[`${input}_details`];
  const outDetails = usage[`${output}_details`];
  const out: Counts = { input: usage[input], output: usage[output], total: usage.total_tokens };
  for (const [side, details] of [
    ['input', inDetails],
    ['output', outDetails],
  ] as const) {
    if (!isObject(details)) continue;
    for (const [name, n] of Object.entries(details)) {
      if (!isCount(n)) continue;
      out[`${side}_${name}`] = n;
      out[side] = Math.max((out[side] ?? 0) - n, 0);
    }
  }
  // Any other count the object carries is kept under its own name (a newer SDK field, say).
  const known = new Set([input, output, 'total_tokens', `${input}_details`, `${output}_details`]);
  for (const [key, n] of Object.entries(usage)) if (isCount(n) && !known.has(key) && !(key in out)) out[key] = n;
  return out;
}

/** A total that includes a detail: the detail is moved out of it (Langfuse's convention). */
function split(out: Counts, side: 'input' | 'output', whole: unknown, detail: string, part: unknown): void {
  if (!isCount(whole)) return;
  out[side] = whole;
  if (isCount(part)) {
    out[`${side}_${detail}`] = part;
    out[side] = Math.max(whole - part, 0);
  }
}

/** Vercel AI SDK `LanguageModelUsage`: inputTokens / outputTokens / totalTokens (+ cached, reasoning). */
function aiSdkShape(u: Record<string, unknown>): Counts | undefined {
  if (!isCount(u.inputTokens) && !isCount(u.outputTokens)) return undefined;
  const out: Counts = {};
  const inDetails = isObject(u.inputTokenDetails) ? u.inputTokenDetails : {};
  const outDetails = isObject(u.outputTokenDetails) ? u.outputTokenDetails : {};
  split(out, 'input', u.inputTokens, 'cached_tokens', u.cachedInputTokens ?? inDetails.cacheReadTokens);
  if (isCount(inDetails.cacheWriteTokens)) {
    out.input_cache_creation = inDetails.cacheWriteTokens;
    out.input = Math.max((out.input ?? 0) - inDetails.cacheWriteTokens, 0);
  }
  split(out, 'output', u.outputTokens, 'reasoning_tokens', u.reasoningTokens ?? outDetails.reasoningTokens);
  if (isCount(u.totalTokens)) out.total = u.totalTokens;
  return out;
}

/** Google Gemini `usageMetadata`: promptTokenCount includes cached content; thoughts are apart. */
function geminiShape(u: Record<string, unknown>): Counts | undefined {
  if (!isCount(u.promptTokenCount) && !isCount(u.candidatesTokenCount)) return undefined;
  const out: Counts = {};
  split(out, 'input', u.promptTokenCount, 'cached_tokens', u.cachedContentTokenCount);
  if (isCount(u.candidatesTokenCount)) out.output = u.candidatesTokenCount;
  if (isCount(u.thoughtsTokenCount)) out.output_reasoning_tokens = u.thoughtsTokenCount;
  if (isCount(u.totalTokenCount)) out.total = u.totalTokenCount;
  return out;
}

const COUNT_KEY = /^(input|output|total)$|tokens$|count$/i;

/** Counts kept as they are (Anthropic's keys, Langfuse's own); nested objects and labels dropped. */
function countsAsTheyAre(u: Record<string, unknown>): Counts | undefined {
  const out: Counts = {};
  for (const key of Object.keys(u)) {
    const value = u[key];
    if (value == null || isObject(value) || typeof value === 'boolean') continue;
    // A label (`service_tier: 'standard'`) is dropped; a string where a count belongs is an error.
    if (typeof value === 'string' && !COUNT_KEY.test(key)) continue;
    if (!isCount(value)) return undefined; // 1.5 or -1: let validation say what is wrong
    out[key] = value;
  }
  return out;
}

/**
 * Usage as keys Langfuse prices. `obs.usageDetails = response.usage` is the natural thing to write, so
 * the shapes providers return are read here:
 * - OpenAI Chat (`prompt_tokens`, `completion_tokens`, `total_tokens`, `*_tokens_details`) and Responses
 *   (`input_tokens`, `output_tokens`, `total_tokens`, …) exactly as the SDK returns them: passed through,
 *   Langfuse's UsageDetails schema converts them (`input`, `output`, `total`, `input_<detail>`, …). With
 *   any extra key Langfuse would not convert them: then they are converted here, to the same keys.
 * - Vercel AI SDK (`inputTokens`, `outputTokens`, `totalTokens`, `cachedInputTokens`, `reasoningTokens`)
 *   and Google (`promptTokenCount`, `candidatesTokenCount`, `cachedContentTokenCount`,
 *   `thoughtsTokenCount`, `totalTokenCount`): the same canonical keys.
 * - Anything else (Anthropic's `input_tokens`, `cache_read_input_tokens`, … which Claude prices list;
 *   Langfuse's own keys): counts kept as they are; nested objects and labels (`service_tier`) dropped.
 * Never flattens into `outer_inner` keys no price lists. Undefined when a value is not a count (the
 * validator then names it) or `usage` is not an object.
 */
export function toLangfuseUsage(usage: unknown): Counts | undefined {
  try {
    if (!isObject(usage)) return undefined;
    // Langfuse converts these itself: passed through as they are (a plain copy).
    if (isOpenAiUsage(usage)) return JSON.parse(JSON.stringify(usage)) as Counts;
    return (
      openAiShape(usage, 'prompt_tokens', 'completion_tokens') ??
      openAiShape(usage, 'input_tokens', 'output_tokens') ??
      aiSdkShape(usage) ??
      geminiShape(usage) ??
      countsAsTheyAre(usage)
    );
  } catch {
    return undefined; // a hostile object (throwing getter): validation reports it
  }
}
