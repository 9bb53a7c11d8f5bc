import dc from 'dc-polyfill';

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

// Looked up once: a lookup by name costs more than the publish itself (NODE-NOTES.md).
export const traceChannel = dc.channel(CHANNELS.trace);
export const spanChannel = dc.channel(CHANNELS.span);
export const generationChannel = dc.channel(CHANNELS.generation);
export const eventChannel = dc.channel(CHANNELS.event);
export const scoreChannel = dc.channel(CHANNELS.score);
