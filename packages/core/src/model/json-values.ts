import { describeError } from '../runtime/errors.js';

/** Pieces of the JSON writer in safe-json.ts: how values JSON.stringify mishandles are read. */

/**
 * A repeated object is written again only up to this many values; beyond, a marker. The fast
 * path (plain-json.ts) gives up on exactly those repeats.
 */
export const SMALL_REPEAT = 32;

export interface Seen {
  /** Where it was first written: its parent and key (the path is spelled out only for a marker). */
  parent: Seen | undefined;
  key: string | number;
  /** Values written for it the first time; -1 while it is being written (an ancestor). */
  size: number;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** `$.a.b[3]`: where a repeated object was first written. */
export function pathOf(seen: Seen): string {
  const steps: string[] = [];
  for (let s: Seen | undefined = seen; s?.parent !== undefined; s = s.parent) {
    const k = s.key;
    steps.push(typeof k === 'number' ? `[${k}]` : IDENT.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
  }
  return `$${steps.reverse().join('')}`;
}

export function typeTag(v: object): string {
  if (Buffer.isBuffer(v)) return 'Buffer';
  return Object.prototype.toString.call(v).slice(8, -1);
}

export function readProperty(o: object, key: string): unknown {
  try {
    return (o as Record<string, unknown>)[key];
  } catch (error) {
    return `[Unreadable: ${describeError(error)}]`;
  }
}

/** What an Error says: name, message, its own fields (code, errno …), cause, errors, stack. */
export function errorFields(e: Error): Array<readonly [string, unknown]> {
  const fields: Array<readonly [string, unknown]> = [
    ['name', readProperty(e, 'name')],
    ['message', readProperty(e, 'message')],
  ];
  for (const k of Object.keys(e)) {
    if (k !== 'name' && k !== 'message' && k !== 'stack' && k !== 'cause') fields.push([k, readProperty(e, k)]);
  }
  if ('cause' in e) fields.push(['cause', readProperty(e, 'cause')]);
  if (e instanceof AggregateError) fields.push(['errors', readProperty(e, 'errors')]);
  fields.push(['stack', readProperty(e, 'stack')]);
  return fields;
}

/** Cuts at `n` code units without leaving half a surrogate pair. */
export function cutAt(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}
