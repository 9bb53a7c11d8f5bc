import { h } from './format.js';
import { listKeys, matches, traceRow } from './trace-list.js';
import { renderTrace } from './trace-view.js';

const $ = (id) => document.getElementById(id);
const state = { traces: new Map(), order: [], selected: undefined, fresh: new Set(), view: undefined };
const filters = { name: '', user: '', session: '', level: '' };

function renderList() {
  const list = $('trace-list');
  const focusedId = document.activeElement?.dataset?.traceId;
  const shown = state.order.map((id) => state.traces.get(id)).filter((s) => s && matches(s, filters));
  list.replaceChildren(
    ...shown.map((s) =>
      traceRow(s, {
        selected: s.id === state.selected,
        fresh: state.fresh.has(s.id),
        onOpen: (id) => openTrace(id, true),
      }),
    ),
  );
  if (focusedId) list.querySelector(`[data-trace-id="${CSS.escape(focusedId)}"]`)?.focus();
  const total = state.order.length;
  $('list-count').textContent =
    total === 0 ? '' : shown.length === total ? `${total} traces` : `${shown.length} of ${total} traces`;
  $('empty').hidden = total > 0;
  state.fresh.clear();
}

function upsert(summary, fresh) {
  state.traces.set(summary.id, summary);
  state.order = [summary.id, ...state.order.filter((id) => id !== summary.id)];
  if (fresh) state.fresh.add(summary.id);
}

let detailTimer;
async function loadTrace(id) {
  const res = await fetch(`/api/dev/traces/${encodeURIComponent(id)}`);
  if (state.selected !== id) return;
  const pane = $('trace-pane');
  if (!res.ok) {
    pane.replaceChildren(
      h('p', { class: 'hint' }, 'This trace is no longer held by the server (it keeps the latest ones).'),
    );
    return;
  }
  const trace = await res.json();
  if (state.selected !== id) return;
  state.view = renderTrace(pane, trace, state.view?.traceId === id ? state.view : undefined);
}

function openTrace(id, focus) {
  state.selected = id;
  if (location.hash !== `#/trace/${id}`) history.replaceState(null, '', `#/trace/${id}`);
  renderList();
  // The tree loads after a round trip; by then the user may have moved on (pressed "/", tabbed to a
  // filter), and taking focus back from them would swallow what they type.
  const focusedAtOpen = document.activeElement;
  void loadTrace(id).then(() => {
    if (focus && document.activeElement === focusedAtOpen) $('trace-pane').querySelector('.obs-row')?.focus();
  });
}

function onStats(stats) {
  const s = stats.store;
  const parts = [`${s.traces} traces`, `${stats.otlpRequests + stats.ingestionRequests} requests`];
  if (s.evictedTraces > 0) parts.push(`${s.evictedTraces} evicted`);
  if (stats.forward)
    parts.push(
      `forwarded ${stats.forward.forwarded}/${stats.forward.accepted}${stats.forward.failed ? `, ${stats.forward.failed} failed` : ''}`,
    );
  $('counters').textContent = parts.join(' · ');
  const rej = $('rejection');
  rej.hidden = !stats.lastRejection;
  if (stats.lastRejection) {
    const r = stats.lastRejection;
    rej.textContent = `${stats.rejectedRequests} rejected — last: ${r.status} ${r.message}`;
  }
}

function connect() {
  const source = new EventSource('/api/dev/events');
  source.addEventListener('open', () => {
    $('status').textContent = 'live';
    $('status').className = 'status live';
  });
  source.addEventListener('error', () => {
    $('status').textContent = 'reconnecting…';
    $('status').className = 'status down';
  });
  source.addEventListener('snapshot', (e) => {
    state.traces.clear();
    state.order = [];
    for (const s of JSON.parse(e.data).reverse()) upsert(s, false);
    renderList();
  });
  source.addEventListener('trace', (e) => {
    const summary = JSON.parse(e.data);
    upsert(summary, true);
    renderList();
    if (summary.id === state.selected) {
      clearTimeout(detailTimer);
      detailTimer = setTimeout(() => loadTrace(summary.id), 100);
    }
  });
  source.addEventListener('evicted', (e) => {
    const { id } = JSON.parse(e.data);
    state.traces.delete(id);
    state.order = state.order.filter((x) => x !== id);
    renderList();
  });
  source.addEventListener('stats', (e) => onStats(JSON.parse(e.data)));
}

function setup() {
  const url = location.origin;
  $('env-lines').textContent = `LANGFUSE_BASE_URL=${url}\nLANGFUSE_PUBLIC_KEY=pk-lf-dev\nLANGFUSE_SECRET_KEY=sk-lf-dev`;
  for (const key of Object.keys(filters)) {
    $(`filter-${key}`).addEventListener('input', (e) => {
      filters[key] = e.target.value;
      renderList();
    });
  }
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('clear').addEventListener('click', () => fetch('/api/dev/traces', { method: 'DELETE' }));
  listKeys($('trace-list'), '.trace-row');
  document.addEventListener('keydown', (e) => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
    if (e.key === '/' && !typing) {
      e.preventDefault();
      $('filter-name').focus();
    } else if (e.key === 'Escape') {
      const row = state.selected && $('trace-list').querySelector(`[data-trace-id="${CSS.escape(state.selected)}"]`);
      (row || $('trace-list').querySelector('.trace-row') || $('filter-name')).focus();
    }
  });
  const fromHash = /^#\/trace\/(.+)$/.exec(location.hash);
  if (fromHash) openTrace(decodeURIComponent(fromHash[1]), false);
  connect();
}

setup();
