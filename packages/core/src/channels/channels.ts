/**
 * The diagnostics_channel names fusewire listens on. Publishers need nothing from
 * fusewire: `require('node:diagnostics_channel').channel('langfuse.span').publish({...})`.
 */
export const CHANNELS = {
  trace: 'langfuse.trace',
  span: 'langfuse.span',
  generation: 'langfuse.generation',
  event: 'langfuse.event',
  score: 'langfuse.score',
} as const;

/** A plain channel kind: the suffix of a `langfuse.*` channel name. */
export type ChannelKind = keyof typeof CHANNELS;
