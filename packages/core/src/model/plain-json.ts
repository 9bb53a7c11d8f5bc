/**
 * The fast path of safe-json.ts: most payloads are small trees of plain objects, arrays and
 * primitives, which JSON.stringify would write exactly as the safe writer does. This writes
 * those without the writer's bookkeeping (no maps of seen objects, no closures per object) and
 * gives up — returning undefined, so the safe writer runs instead — on anything else: a class
 * instance, a `toJSON`, an Error, binary data, a bigint, an object met twice (a cycle or a
 * repeat), deep nesting, a throwing getter, or text that might not fit the budget. Whatever it
 * returns is what the safe writer would have written, value for value and node for node.
 */

/** Deeper than this is left to the safe writer (which also marks cycles and repeats). */
const MAX_DEPTH = 8;
/** Objects and arrays per value; each new one is checked against the others (a repeat or a cycle gives up). */
const MAX_OBJECTS = 32;
/**
 * Values per payload, and keys or items per object. Small, so that giving up costs little: the
 * safe writer then reads the value again (a getter runs twice), within its own budget.
 */
const MAX_NODES = 256;
const MAX_WIDTH = 64;

import type { SerializedJson } from './safe-json.js';

let busy = false;
let limit = 0;
let out = '';
let nodes = 0;
let objectCount = 0;
const objects: object[] = [];

/** `value` as JSON when it is plain data within the budget; undefined means "use the safe writer". */
export function plainJson(value: unknown, maxBytes: number, maxNodes: number): SerializedJson | undefined {
  // A getter or Proxy trap that serialises again would share this state: let the safe writer do it.
  if (busy) return undefined;
  busy = true;
  limit = maxBytes;
  out = '';
  nodes = 0;
  objectCount = 0;
  try {
    if (!write(value, 0)) return undefined;
    // Node counts and bytes only grow: within both bounds at the end means the safe writer
    // never found its budget exhausted, and never cut a string.
    if (nodes >= maxNodes) return undefined;
    const json = out;
    // Flattened once (as the safe writer does): a queued event retains its characters, not a rope.
    Number(json);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes >= maxBytes) return undefined;
    return { json, bytes, truncated: false, nodes };
  } catch {
    return undefined;
  } finally {
    // Never keep a caller's object alive from here.
    for (let i = 0; i < objectCount; i++) objects[i] = EMPTY;
    out = '';
    busy = false;
  }
}

const EMPTY = {};

function write(v: unknown, depth: number): boolean {
  nodes++;
  switch (typeof v) {
    case 'string':
      // Never more work than the budget: a long string is the safe writer's to cut.
      if (v.length >= limit - out.length) return false;
      out += JSON.stringify(v);
      return true;
    case 'number':
      out += Number.isFinite(v) ? String(v) : 'null';
      return true;
    case 'boolean':
      out += v ? 'true' : 'false';
      return true;
    case 'object':
      if (nodes > MAX_NODES) return false;
      if (v === null) {
        out += 'null';
        return true;
      }
      return writeObject(v, depth);
    default:
      // bigint (written as a string by the safe writer), and what only the root can be.
      return false;
  }
}

function writeObject(o: object, depth: number): boolean {
  if (depth >= MAX_DEPTH || objectCount >= MAX_OBJECTS) return false;
  for (let i = 0; i < objectCount; i++) if (objects[i] === o) return false;
  objects[objectCount++] = o;
  if (typeof (o as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(o)) {
    if (o.length > MAX_WIDTH) return false;
    out += '[';
    for (let i = 0; i < o.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = o[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') out += 'null';
      else if (!write(item, depth + 1)) return false;
    }
    out += ']';
    return true;
  }
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return false;
  // An Error or a typed array given a plain prototype is still one to the safe writer.
  if (ArrayBuffer.isView(o) || Object.prototype.toString.call(o) !== '[object Object]') return false;
  const keys = Object.keys(o);
  if (keys.length > MAX_WIDTH) return false;
  out += '{';
  let first = true;
  for (const key of keys) {
    const value: unknown = (o as Record<string, unknown>)[key];
    nodes++;
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key);
    out += ':';
    if (!write(value, depth + 1)) return false;
  }
  out += '}';
  return true;
}
