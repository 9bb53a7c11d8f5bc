import { h } from './format.js';

const MAX_STRING = 2000;

/** A string holding JSON (as OTLP attributes carry it) shown as the value it holds. */
function unwrap(value) {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return value;
  try {
    return JSON.parse(t);
  } catch {
    return value;
  }
}

function scalar(value) {
  if (value === null) return h('span', { class: 'j-null' }, 'null');
  if (typeof value === 'number') return h('span', { class: 'j-num' }, String(value));
  if (typeof value === 'boolean') return h('span', { class: 'j-bool' }, String(value));
  const text = String(value);
  const shown = text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}… (${text.length} characters)` : text;
  return h('span', { class: 'j-str' }, JSON.stringify(shown));
}

function node(value, depth) {
  value = unwrap(value);
  if (value === null || typeof value !== 'object') return scalar(value);
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return h('span', { class: 'j-punct' }, open + close);
  const list = h('ul', { class: 'j-list' });
  for (const [key, child] of entries) {
    list.append(
      h('li', {}, Array.isArray(value) ? undefined : h('span', { class: 'j-key' }, `${key}: `), node(child, depth + 1)),
    );
  }
  const noun = Array.isArray(value) ? 'item' : 'key';
  const summary = `${open} ${entries.length} ${noun}${entries.length === 1 ? '' : 's'} ${close}`;
  const details = h(
    'details',
    { class: 'j-details', open: depth < 3 ? true : undefined },
    h('summary', {}, summary),
    list,
  );
  return details;
}

/**
 * Readable JSON built from DOM nodes (never innerHTML: a trace's content is untrusted), nested levels
 * collapsible with the keyboard (summary elements), long strings cut with their length shown.
 */
export function jsonView(value) {
  if (value === undefined) return h('p', { class: 'muted' }, '—');
  return h('div', { class: 'json' }, node(value, 0));
}

/** A titled block of JSON, e.g. Input / Output / Metadata; nothing when the value is absent. */
export function jsonBlock(title, value) {
  if (value === undefined) return undefined;
  return h('section', { class: 'io' }, h('h4', {}, title), jsonView(value));
}
