import { types } from 'node:util';
import { SMALL_REPEAT } from './json-values.js';
import type { SerializedJson } from './safe-json.js';

/**
 * The fast path of safe-json.ts: most payloads are small trees of plain objects, arrays and
 * primitives, which JSON.stringify writes exactly as the safe writer does. A check walk that
 * builds no string proves the value is such a tree, within the budget; then one native
 * JSON.stringify writes it. Anything else — a class instance, a `toJSON`, an Error, binary
 * data, a bigint, a cycle, a large object met twice, deep nesting, a getter, a Proxy, text
 * that might not fit — returns undefined, and the safe writer runs instead. Whatever it
 * returns is what the safe writer would have written, value for value and node for node.
 *
 * Why two reads are safe: the walk runs no code of the caller's. It never reads a property
 * that is a getter (an object's keys by their own descriptors, an array's items own or
 * inherited by `__lookupGetter__`: both look without calling), never
 * touches a Proxy (whose traps are code), and never calls `toJSON` or `Symbol.toStringTag`
 * (it gives up when either exists). Plain data cannot change between the walk and
 * JSON.stringify's read when no code runs in between, so what the walk bounded — nodes, depth,
 * characters — is what JSON.stringify writes: a getter cannot return a small
 * value to the walk and a 2^depth DAG to the second read, because it is never called here.
 * On the normalize side a getter therefore runs once, in the safe writer (the hot path's size
 * estimate, retained-size.ts, may sample it too). What is left: a global JSON.stringify
 * or Array.isArray replaced by the application runs for every payload (as it
 * would for any library), and the byte check after the write is the last guard.
 */

/** Deeper than this is left to the safe writer (it cuts at 64). */
const MAX_DEPTH = 16;
/**
 * Values (and keys) the walk visits before it gives up: giving up late costs a wasted walk
 * (≈20 ns a value), then the safe writer's own.
 */
const MAX_NODES = 4096;
/** Large objects (see remember()) are found again by a scan; past this many, by a Set. */
const SCAN = 16;

// Annex B (every engine Node runs on has it); TypeScript's lib does not declare it.
const lookupGetter = (Object.prototype as { __lookupGetter__: (this: object, key: PropertyKey) => unknown })
  .__lookupGetter__;
const objectTag = Object.prototype.toString;
const ownDescriptor = Object.getOwnPropertyDescriptor;
const TAG = Symbol.toStringTag;
const { isProxy } = types;

let busy = false;
let nodes = 0;
let nodeLimit = 0;
let chars = 0;
let charLimit = 0;
let largeCount = 0;
const large: object[] = [];
const many = new Set<object>();

/** `value` as JSON when it is plain data within the budget; undefined means "use the safe writer". */
export function plainJson(value: unknown, maxBytes: number, maxNodes: number): SerializedJson | undefined {
  // No caller code runs in here, so nothing can re-enter; the guard keeps it that way if that changes.
  if (busy) return undefined;
  busy = true;
  nodes = 0;
  // Node counts and bytes only grow: ending below both bounds means the safe writer never
  // found its budget exhausted, and never cut a string.
  nodeLimit = Math.min(maxNodes, MAX_NODES);
  chars = 0;
  charLimit = maxBytes;
  largeCount = 0;
  try {
    // Keys whose values JSON leaves out (undefined, a function) count as nodes without a check of their own.
    if (!plain(value, 0) || nodes >= nodeLimit) return undefined;
    const json = JSON.stringify(value);
    // Measuring flattens the text (a builder's rope of parts): a queued event retains its characters.
    const bytes = Buffer.byteLength(json);
    if (bytes >= maxBytes) return undefined;
    return { json, bytes, truncated: false, nodes };
  } catch {
    return undefined;
  } finally {
    // Never keep a caller's object alive from here.
    for (let i = 0; i < largeCount && i < SCAN; i++) large[i] = EMPTY;
    if (largeCount > SCAN) many.clear();
    busy = false;
  }
}

const EMPTY = {};

function plain(v: unknown, depth: number): boolean {
  if (++nodes >= nodeLimit) return false;
  switch (typeof v) {
    case 'string':
      // JSON of a string is at least its length plus quotes, in UTF-8 bytes.
      chars += v.length + 2;
      return chars < charLimit;
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      return v === null || plainObject(v, depth);
    default:
      // bigint (written as a string by the safe writer), and what only the root can be.
      return false;
  }
}

/**
 * A repeat of a small object is written again by the safe writer, as JSON.stringify writes it;
 * a repeat of a large one becomes a marker, so the walk gives up on it. A cycle runs into the
 * depth bound, and a DAG of small objects into the node bound, so neither is walked for long.
 */
function plainObject(o: object, depth: number): boolean {
  if (depth >= MAX_DEPTH || metLarge(o)) return false;
  // Before anything else touches it: every operation on a Proxy may run a trap.
  if (isProxy(o)) return false;
  // `in` finds one anywhere on the chain without reading it.
  if ('toJSON' in o) return false;
  // Values under it, counted as the safe writer counts its size.
  const start = nodes;
  const ok = Array.isArray(o) ? plainArray(o, depth) : plainRecord(o, depth);
  if (ok && nodes - start > SMALL_REPEAT) remember(o);
  return ok;
}

function plainRecord(o: object, depth: number): boolean {
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return false;
  // An Error, a boxed primitive or a typed array given a plain prototype is still one to the
  // safe writer (and a boxed primitive to JSON.stringify); the tag check reads no caller code
  // once no Symbol.toStringTag exists.
  if (TAG in o || ArrayBuffer.isView(o) || objectTag.call(o) !== '[object Object]') return false;
  // for-in and one own descriptor per key, rather than Object.keys, __lookupGetter__ and a read: no
  // array of keys per object, one native call per key instead of two lookups (−9% instructions per
  // span end to end: callgrind, a 3,000-trace burst). for-in also visits enumerable keys inherited from
  // Object.prototype (none unless an app adds one): such a key has no own descriptor and goes to
  // the safe writer, as does any accessor (get or set).
  for (const key in o) {
    if (++nodes >= nodeLimit) return false;
    const d = ownDescriptor(o, key);
    if (d === undefined || d.get !== undefined || d.set !== undefined) return false;
    const value: unknown = d.value;
    chars += key.length + 3;
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    if (!plain(value, depth + 1)) return false;
  }
  return chars < charLimit;
}

function plainArray(a: unknown[], depth: number): boolean {
  const length = a.length;
  if (nodes + length >= nodeLimit) return false;
  for (let i = 0; i < length; i++) {
    // An index getter, or one on the prototype chain that a hole would read.
    if (lookupGetter.call(a, i) !== undefined) return false;
    const item: unknown = a[i];
    chars += 1;
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    if (!plain(item, depth + 1)) return false;
  }
  return chars < charLimit;
}

function metLarge(o: object): boolean {
  if (largeCount <= SCAN) {
    for (let i = 0; i < largeCount; i++) if (large[i] === o) return true;
    return false;
  }
  return many.has(o);
}

/** Only large objects are remembered: few per value, so the scan stays short and the stores rare. */
function remember(o: object): void {
  if (largeCount < SCAN) large[largeCount] = o;
  else {
    if (largeCount === SCAN) for (let i = 0; i < SCAN; i++) many.add(large[i]!);
    many.add(o);
  }
  largeCount++;
}
