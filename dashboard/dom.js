// Element helpers. Every value from the API is set as text (textContent or an
// attribute value), never parsed as HTML: audit rows and names carry strings
// chosen by customers' applications.

/**
 * h('button', {class: 'x', type: 'button', on: {click: fn}}, 'Label', child, ...)
 * Attributes go through setAttribute (except `on`, `dataset` and boolean
 * `disabled`/`checked`/`hidden`/`selected`); children are nodes or strings
 * (strings become text nodes); null/undefined/false children are skipped,
 * arrays are flattened.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG elements (charts). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (name === 'dataset') {
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) el.dataset[k] = String(v);
    } else if (name === 'value' && 'value' in el && el.namespaceURI !== SVG_NS) {
      el.value = String(value);
    } else if (['disabled', 'checked', 'hidden', 'selected', 'required', 'readOnly'].includes(name)) {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Removes every child. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

let idCounter = 0;
/** A unique id for label/input pairs. */
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled input: returns {wrap, input}. */
export function field(label, attrs = {}, hint = null) {
  const id = attrs.id || uid('in');
  const tag = attrs.tag || 'input';
  const inputAttrs = { ...attrs, id };
  delete inputAttrs.tag;
  const input = h(tag, inputAttrs);
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, label), input, hint ? h('p', { class: 'hint' }, hint) : null, error);
  return { wrap, input, error };
}

/** A <select> with options [{value, label}] or strings. */
export function select(label, options, attrs = {}) {
  const id = attrs.id || uid('sel');
  const current = attrs.value;
  const sel = h('select', { ...attrs, id, value: null },
    options.map((o) => {
      const opt = typeof o === 'string' ? { value: o, label: o } : o;
      return h('option', { value: opt.value, selected: opt.value === current }, opt.label);
    }));
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), sel);
  return { wrap, input: sel };
}

/** RFC 3339 → "2026-01-31 12:00:05Z" in a <time>, or a dash. */
export function time(value) {
  if (!value) return h('span', { class: 'muted' }, '—');
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(value));
  const text = d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return h('time', { datetime: d.toISOString(), title: String(value) }, text);
}

export function fmtNumber(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function fmtPercent(part, whole) {
  if (!whole) return '0 %';
  return `${(100 * part / whole).toLocaleString('en-US', { maximumFractionDigits: 1 })} %`;
}

/** A table from column specs [{label, cell: row => node|string, class?}]. */
export function table(columns, rows, opts = {}) {
  const thead = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label))));
  const tbody = h('tbody', {});
  for (const row of rows) tbody.appendChild(tableRow(columns, row, opts));
  return h('table', { class: opts.class || 'data' }, opts.caption ? h('caption', {}, opts.caption) : null, thead, tbody);
}

export function tableRow(columns, row, opts = {}) {
  const tr = h('tr', opts.rowAttrs ? opts.rowAttrs(row) : {});
  for (const c of columns) tr.appendChild(h('td', { class: c.class }, c.cell(row)));
  return tr;
}

/** A key/value list. */
export function dl(pairs) {
  return h('dl', { class: 'kv' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** Pretty JSON as text in a <pre>. */
export function pre(value) {
  return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}
