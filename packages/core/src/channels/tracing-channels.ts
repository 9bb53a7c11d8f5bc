import type { TracingChannel } from 'node:diagnostics_channel';
import dc from 'dc-polyfill';
import { OBSERVATION_TYPES, type ObservationType } from '../model/schemas.js';

/**
 * The observation types with a TracingChannel: every observation type but `event`, which is a
 * point in time with no start and end (publish it on the plain `langfuse.event` channel).
 */
export const TRACED_TYPES = OBSERVATION_TYPES.filter((type) => type !== 'event') as readonly TracedType[];

/** An observation type that has a TracingChannel. */
export type TracedType = Exclude<ObservationType, 'event'>;

/**
 * The TracingChannel names fusewire listens on, by observation type: `langfuse.<type>`. A library
 * needs nothing from fusewire to be traced:
 * `require('node:diagnostics_channel').tracingChannel('langfuse.tool').tracePromise(fn, { name: 'search' })`.
 */
export const TRACING_CHANNELS: Readonly<Record<TracedType, string>> = Object.freeze(
  Object.fromEntries(TRACED_TYPES.map((type) => [type, `langfuse.${type}`])) as Record<TracedType, string>,
);

export type AnyTracingChannel = TracingChannel<unknown, object>;

// Created once at module load: a lookup by name costs more than a publish (NODE-NOTES.md).
const byType: Record<string, AnyTracingChannel | undefined> = Object.create(null);
for (const type of TRACED_TYPES) byType[type] = dc.tracingChannel(TRACING_CHANNELS[type]) as AnyTracingChannel;

/** The TracingChannel for an observation type; undefined for `event` and unknown types. */
export function tracingChannelFor(type: string): AnyTracingChannel | undefined {
  // A non-string from plain JS could throw when used as a key: it has no channel.
  return typeof type === 'string' ? byType[type] : undefined;
}

/**
 * Whether stores other than fusewire's are bound to this start channel. `runStores` costs
 * ~3x a plain `storage.run` + `publish` on Node 20, so `instrument()` uses it only when it
 * matters: when another tracer bound a store too, or when the channel's internals cannot
 * be read (then it is the safe choice).
 */
export function hasForeignStores(channel: AnyTracingChannel): boolean {
  const stores = (channel.start as unknown as { _stores?: { size?: unknown } })._stores;
  return typeof stores?.size !== 'number' || stores.size > 1;
}
