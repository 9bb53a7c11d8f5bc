import { clock, cost, duration, h, levelBadge, levelRank, tokens } from './format.js';

/** Does a trace summary pass the filters (substring, case-insensitive; level: at least the one picked)? */
export function matches(summary, filters) {
  const has = (value, wanted) => !wanted || (value ?? '').toLowerCase().includes(wanted.toLowerCase());
  if (!has(summary.name ?? summary.id, filters.name)) return false;
  if (!has(summary.userId, filters.user)) return false;
  if (!has(summary.sessionId, filters.session)) return false;
  if (filters.level && levelRank(summary.level) < levelRank(filters.level)) return false;
  return true;
}

function meta(label, value) {
  return value ? h('span', { class: 'meta' }, h('span', { class: 'meta-label' }, label), value) : undefined;
}

/** One row of the list: a button, so Tab, Enter and screen readers work without extra code. */
export function traceRow(summary, { selected, fresh, onOpen }) {
  const level = summary.level;
  const button = h(
    'button',
    {
      type: 'button',
      class: `trace-row level-${level.toLowerCase()}${selected ? ' selected' : ''}${fresh ? ' fresh' : ''}`,
      'data-trace-id': summary.id,
      'aria-current': selected ? 'true' : undefined,
      onclick: () => onOpen(summary.id),
    },
    h(
      'span',
      { class: 'row-main' },
      h('span', { class: 'trace-name' }, summary.name ?? `(unnamed) ${summary.id.slice(0, 8)}`),
      levelBadge(level),
      h('span', { class: 'row-time' }, clock(summary.timestamp ?? summary.receivedAt)),
    ),
    h(
      'span',
      { class: 'row-meta' },
      meta('took', duration(summary.durationMs)),
      meta('obs', String(summary.observationCount)),
      meta('user', summary.userId),
      meta('session', summary.sessionId),
      meta('model', summary.models.join(', ')),
      meta('', tokens(summary.totalTokens)),
      meta('', cost(summary.totalCost)),
      summary.tags.length > 0
        ? h('span', { class: 'tags' }, ...summary.tags.map((t) => h('span', { class: 'tag' }, t)))
        : undefined,
    ),
  );
  return h('li', {}, button);
}

/** Arrow keys (and j/k) move between the rows of a list of buttons; Home/End jump. */
export function listKeys(list, selector) {
  list.addEventListener('keydown', (event) => {
    const rows = [...list.querySelectorAll(selector)];
    const at = rows.indexOf(document.activeElement);
    if (at === -1) return;
    const next = { ArrowDown: at + 1, j: at + 1, ArrowUp: at - 1, k: at - 1, Home: 0, End: rows.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    rows[Math.max(0, Math.min(rows.length - 1, next))]?.focus();
  });
}
