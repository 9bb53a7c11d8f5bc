const PARAMETERS = [
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'presencePenalty',
  'frequencyPenalty',
  'stopSequences',
  'seed',
] as const;

/** The request's model parameters, as the AI SDK names them. */
export function modelParameters(event: Record<string, unknown>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const key of PARAMETERS) {
    const value = event[key];
    if (value === undefined || value === null) continue;
    out ??= {};
    out[key] = value;
  }
  return out;
}

/** What the model was asked: the instructions (system prompt) and the messages. */
export function promptInput(event: Record<string, any>): unknown {
  const messages = event.messages ?? event.promptMessages ?? event.prompt;
  const system = event.instructions ?? event.system;
  if (system === undefined || system === null) return messages;
  return [{ role: 'system', content: system }, ...(Array.isArray(messages) ? messages : [messages])];
}

/** A model call's content parts as one readable output: the text alone when that is all there is. */
export function contentOutput(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  const text = content.filter((p) => p?.type === 'text').map((p) => p.text);
  if (text.length === content.length) return text.join('');
  return { role: 'assistant', content };
}
