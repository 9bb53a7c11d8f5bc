/** What {@link observeAnthropic} records besides what each call says. */
export interface ObserveAnthropicOptions {
  /** Observation name; default `anthropic.messages`. */
  name?: string;
  /** Metadata put on every recorded call. */
  metadata?: Record<string, unknown>;
  /** Links the generations to a Langfuse prompt (both or neither). */
  promptName?: string;
  promptVersion?: number;
}
