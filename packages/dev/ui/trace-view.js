import { cost, dateTime, duration, h, levelBadge, tokens, usageText } from './format.js';
import { jsonBlock } from './json-view.js';
import { listKeys } from './trace-list.js';

function flatten(roots) {
  const out = [];
  const walk = (node, depth) => {
    out.push({ node, depth });
    for (const child of node.children) walk(child, depth + 1);
  };
  for (const root of roots) walk(root, 0);
  return out;
}

function chip(label, value) {
  return value ? h('span', { class: 'chip' }, h('span', { class: 'chip-label' }, label), value) : undefined;
}

function costProvided(node) {
  return node.attributes?.['langfuse.observation.cost_details'] !== undefined || node.body?.costDetails !== undefined;
}

function costLine(node) {
  if (!node.totalCost) return undefined;
  const note = costProvided(node) ? 'from costDetails' : 'list price × usage';
  return h('p', { class: 'cost' }, h('strong', {}, cost(node.totalCost)), h('span', { class: 'muted' }, ` (${note})`));
}

function costTable(record) {
  if (!record) return undefined;
  return table(
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === 'number' ? cost(v) || '$0' : v])),
  );
}

function table(record) {
  if (!record || Object.keys(record).length === 0) return undefined;
  return h(
    'table',
    { class: 'kv' },
    h(
      'tbody',
      {},
      ...Object.entries(record).map(([k, v]) =>
        h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, typeof v === 'string' ? v : JSON.stringify(v))),
      ),
    ),
  );
}

function observationDetail(node, traceStart) {
  const offset =
    node.startTime !== undefined && traceStart !== undefined ? `+${duration(node.startTime - traceStart)}` : '';
  const ttft =
    node.completionStartTime && node.startTime ? duration(node.completionStartTime - node.startTime) : undefined;
  const isError = node.level === 'ERROR';
  return h(
    'article',
    { class: `obs-detail level-${node.level.toLowerCase()}`, 'aria-label': `Observation ${node.name}` },
    h('h3', {}, h('span', { class: `type type-${node.type}` }, node.type), ` ${node.name} `, levelBadge(node.level)),
    h(
      'p',
      { class: 'chips' },
      chip('start', offset),
      chip('duration', duration(node.durationMs)),
      chip('first token', ttft),
      chip('id', node.id),
    ),
    node.statusMessage
      ? h('p', { class: isError ? 'status-message error' : 'status-message' }, node.statusMessage)
      : undefined,
    node.model
      ? h(
          'section',
          { class: 'generation' },
          h('h4', {}, 'Model'),
          h(
            'p',
            { class: 'model' },
            node.model,
            node.promptName
              ? h('span', { class: 'muted' }, `  prompt ${node.promptName} v${node.promptVersion}`)
              : undefined,
          ),
          table(node.modelParameters),
        )
      : undefined,
    node.usage ? h('section', { class: 'usage' }, h('h4', {}, 'Usage'), table(node.usage)) : undefined,
    node.totalCost
      ? h('section', { class: 'costs' }, h('h4', {}, 'Cost'), costLine(node), costTable(node.costDetails))
      : undefined,
    jsonBlock('Input', node.input),
    jsonBlock('Output', node.output),
    jsonBlock('Metadata', node.metadata),
    node.attributes
      ? h(
          'details',
          { class: 'raw' },
          h('summary', {}, 'Raw span attributes'),
          jsonBlock('Attributes', node.attributes),
        )
      : undefined,
  );
}

function waterfallRow(node, depth, span, selected, onSelect) {
  const left = span.total > 0 && node.startTime !== undefined ? ((node.startTime - span.start) / span.total) * 100 : 0;
  const width = span.total > 0 ? Math.max(((node.durationMs ?? 0) / span.total) * 100, 0.4) : 100;
  const bar = h('span', { class: `bar type-${node.type}` });
  bar.style.left = `${Math.min(left, 99.6)}%`;
  bar.style.width = `${Math.min(width, 100 - Math.min(left, 99.6))}%`;
  const label = h(
    'span',
    { class: 'obs-label' },
    h('span', { class: `type type-${node.type}` }, node.type),
    h('span', { class: 'obs-name' }, node.name),
    levelBadge(node.level),
    node.model ? h('span', { class: 'obs-model' }, node.model) : undefined,
    node.usage
      ? h(
          'span',
          { class: 'obs-usage' },
          tokens(node.usage.total ?? (node.usage.input ?? 0) + (node.usage.output ?? 0)),
        )
      : undefined,
  );
  label.style.paddingLeft = `${depth * 1.1}rem`;
  return h(
    'li',
    {},
    h(
      'button',
      {
        type: 'button',
        class: `obs-row level-${node.level.toLowerCase()}${selected ? ' selected' : ''}`,
        'data-obs-id': node.id,
        'aria-level': String(depth + 1),
        'aria-current': selected ? 'true' : undefined,
        title: usageText(node.usage) || undefined,
        onclick: () => onSelect(node.id),
      },
      label,
      h('span', { class: 'track' }, bar),
      h('span', { class: 'bar-text' }, duration(node.durationMs)),
    ),
  );
}

/**
 * Render one trace into the pane: header, trace I/O, the observation tree as a waterfall (one button
 * per observation, arrow keys move), and the selected observation's details. Returns the view state,
 * passed back in when the same trace is re-rendered live so the selection survives.
 */
export function renderTrace(pane, trace, previous) {
  const rows = flatten(trace.roots);
  const ids = new Set(rows.map((r) => r.node.id));
  const state = {
    traceId: trace.id,
    selected: previous && ids.has(previous.selected) ? previous.selected : rows[0]?.node.id,
  };
  const starts = rows.map((r) => r.node.startTime).filter((t) => t !== undefined);
  const ends = rows.map((r) => r.node.endTime ?? r.node.startTime).filter((t) => t !== undefined);
  const span = { start: Math.min(...starts), total: starts.length ? Math.max(...ends) - Math.min(...starts) : 0 };
  const tree = h('ol', { class: 'waterfall', 'aria-label': 'Observations, as a tree with a timeline' });
  const detail = h('div', { class: 'detail-slot' });
  const draw = (focusId) => {
    tree.replaceChildren(
      ...rows.map(({ node, depth }) => waterfallRow(node, depth, span, node.id === state.selected, select)),
    );
    const chosen = rows.find((r) => r.node.id === state.selected)?.node;
    detail.replaceChildren(
      chosen ? observationDetail(chosen, trace.timestamp) : h('p', { class: 'hint' }, 'No observations.'),
    );
    if (focusId) tree.querySelector(`[data-obs-id="${CSS.escape(focusId)}"]`)?.focus();
  };
  function select(id) {
    state.selected = id;
    draw(id);
  }
  listKeys(tree, '.obs-row');
  const envs = trace.environments?.length > 1 ? `${trace.environments.join(' + ')} (split!)` : trace.environment;
  const head = h(
    'header',
    { class: `trace-head level-${trace.level.toLowerCase()}` },
    h('h2', {}, trace.name ?? '(unnamed trace)', ' ', levelBadge(trace.level)),
    h(
      'p',
      { class: 'chips' },
      chip('user', trace.userId),
      chip('session', trace.sessionId),
      chip('env', envs),
      chip('release', trace.release),
      chip('version', trace.version),
      chip('at', dateTime(trace.timestamp)),
      chip('duration', duration(trace.durationMs)),
      chip('observations', String(trace.observationCount)),
      chip('cost', cost(trace.totalCost)),
      chip('errors', trace.errorCount ? String(trace.errorCount) : undefined),
      chip('id', trace.id),
    ),
    trace.tags?.length
      ? h('p', { class: 'tags' }, ...trace.tags.map((t) => h('span', { class: 'tag' }, t)))
      : undefined,
  );
  const scores = trace.scores?.length
    ? h(
        'section',
        { class: 'scores' },
        h('h3', {}, 'Scores'),
        table(Object.fromEntries(trace.scores.map((s) => [s.name, s.value]))),
      )
    : undefined;
  const io = h(
    'div',
    { class: 'trace-io' },
    jsonBlock('Trace input', trace.input),
    jsonBlock('Trace output', trace.output),
    jsonBlock('Trace metadata', trace.metadata),
  );
  pane.replaceChildren(
    head,
    io,
    h('section', { class: 'tree' }, h('h3', {}, 'Observations'), tree),
    detail,
    scores ?? '',
  );
  draw();
  return state;
}
