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

// Built once: the subscriber adds these very strings to `subscribed`, so othersListen's lookup on
// every instrument() call matches them by identity (an equal string built anew is compared by content).
const OWN_KEYS: Record<string, string | undefined> = Object.create(null);
for (const type of TRACED_TYPES) OWN_KEYS[type] = `tracing:${TRACING_CHANNELS[type]}`;

/** The key under which fusewire records, in `GlobalState.subscribed`, that it subscribed to a type's TracingChannel. */
export const subscriptionKey = (type: TracedType): string => OWN_KEYS[type] ?? `tracing:${TRACING_CHANNELS[type]}`;

/** Types whose key was found in `subscribed`: the Set lookup, once per type instead of per call. */
const ownSubscribed: Record<string, boolean | undefined> = Object.create(null);

type SubChannel = { _subscribers?: { length?: unknown } };
const subscriberCount = (c: unknown): number => {
  const subscribers = (c as SubChannel)._subscribers;
  // An inactive channel has no array; an unreadable shape counts as "someone else listens".
  if (subscribers === undefined) return 0;
  return typeof subscribers.length === 'number' ? subscribers.length : Number.NaN;
};

/**
 * Whether anything but fusewire's own subscribers (tracing-subscribers.ts: one each on start,
 * end and asyncEnd, which ignore fusewire's own observations) listens on this TracingChannel.
 * When nothing else does, `instrument()` publishes nothing: five publishes with no effect were
 * ~6% of a root call. `subscribed` is the process-wide set of channels fusewire subscribed.
 */
export function othersListen(channel: AnyTracingChannel, type: string, subscribed: ReadonlySet<string>): boolean {
  if (ownSubscribed[type] !== true) {
    if (!subscribed.has(OWN_KEYS[type] ?? '')) return true;
    // Nothing removes a key from `subscribed` (a subscription lives as long as the process).
    ownSubscribed[type] = true;
  }
  return (
    subscriberCount(channel.start) !== 1 ||
    subscriberCount(channel.end) !== 1 ||
    subscriberCount(channel.asyncEnd) !== 1 ||
    subscriberCount(channel.asyncStart) !== 0 ||
    subscriberCount(channel.error) !== 0 ||
    hasForeignStores(channel)
  );
}
