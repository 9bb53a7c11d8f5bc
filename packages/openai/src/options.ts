/** What {@link observeOpenAI} records besides what each call says. */
export interface ObserveOpenAIOptions {
  /** Observation name; default the method (`openai.chat.completions`, `openai.responses`, `openai.embeddings`). */
  name?: string;
  /** Metadata put on every recorded call. */
  metadata?: Record<string, unknown>;
  /** Links the generations to a Langfuse prompt (both or neither). */
  promptName?: string;
  promptVersion?: number;
}

/** The shared part of every recorded call's attributes. */
export function baseAttributes(options: ObserveOpenAIOptions, defaultName: string) {
  return {
    name: options.name ?? defaultName,
    ...(options.metadata !== undefined && { metadata: options.metadata }),
    ...(options.promptName !== undefined &&
      options.promptVersion !== undefined && { promptName: options.promptName, promptVersion: options.promptVersion }),
  };
}
