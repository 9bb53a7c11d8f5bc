// Small formatting helpers shared by the list and the trace view.

/** @param {string} tag @param {Record<string, string>} [attrs] @param {...(Node|string|undefined|false)} children */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === false || child === null) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

export function duration(ms) {
  if (ms === undefined || ms === null) return '';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function clock(ms) {
  if (ms === undefined || ms === null) return '';
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function dateTime(ms) {
  return ms === undefined ? '' : `${new Date(ms).toLocaleDateString()} ${clock(ms)}`;
}

export function cost(usd) {
  if (!usd) return '';
  // Three significant digits however small: $0.00000855, $0.0123, $1.23.
  const digits = Math.min(12, Math.max(2, 2 - Math.floor(Math.log10(usd))));
  return `$${usd.toFixed(digits)}`;
}

export function tokens(n) {
  if (n === undefined || n === null) return '';
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k tok` : `${n} tok`;
}

/** Usage as `input 12 · output 34 · total 46`, Langfuse's keys as they are. */
export function usageText(usage) {
  if (!usage) return '';
  return Object.entries(usage)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
}

export const LEVELS = ['DEBUG', 'DEFAULT', 'WARNING', 'ERROR'];

export function levelRank(level) {
  const i = LEVELS.indexOf(level);
  return i === -1 ? 1 : i;
}

/** A badge for WARNING and ERROR (quieter levels get none). */
export function levelBadge(level) {
  if (level !== 'WARNING' && level !== 'ERROR') return undefined;
  return h('span', { class: `badge level-${level.toLowerCase()}` }, level === 'ERROR' ? '✕ ERROR' : '! WARNING');
}
