// Audit log: the API's filters live in the URL hash; one call per page
// (cursor paging); rows expand in place (no request per row); export of the
// loaded rows; auto-refresh only while the tab is visible.

import { api } from '../api.js';
import { h, field, select, time, dl, pre, replace } from '../dom.js';
import { go } from '../router.js';
import { button, errorLine, showError, hideError } from './common.js';

const FILTERS = ['customer_id', 'decision', 'kind', 'since', 'until', 'request_id', 'limit'];
const REFRESH_MS = 10000;

export default async function audit({ container, params }) {
  const filters = {};
  for (const f of FILTERS) if (params[f]) filters[f] = params[f];
  const first = await api('GET', '/logs', { query: filters });
  const rows = [...(first.logs || [])];
  const seen = new Set(rows.map((r) => r.id));
  let cursor = first.next_cursor;

  // Filter form.
  const cust = field('Customer id', { id: 'audit-customer_id', value: filters.customer_id || '', autocomplete: 'off', spellcheck: 'false' });
  const decision = select('Decision', [{ value: '', label: 'any' }, 'allow', 'block'], { id: 'audit-decision', value: filters.decision || '' });
  const kind = select('Kind', [{ value: '', label: 'any' }, 'check', 'admin'], { id: 'audit-kind', value: filters.kind || '' });
  const since = field('Since (RFC 3339 or YYYY-MM-DD)', { id: 'audit-since', value: filters.since || '', autocomplete: 'off' });
  const until = field('Until', { id: 'audit-until', value: filters.until || '', autocomplete: 'off' });
  const rid = field('Request id', { id: 'audit-request_id', value: filters.request_id || '', autocomplete: 'off', spellcheck: 'false' });
  const limit = field('Page size', { id: 'audit-limit', value: filters.limit || '', inputmode: 'numeric', placeholder: '100', autocomplete: 'off' });
  const form = h('form', { class: 'filters', id: 'audit-filters', on: { submit: (e) => {
    e.preventDefault();
    go('audit', [], { customer_id: cust.input.value.trim(), decision: decision.input.value, kind: kind.input.value,
      since: since.input.value.trim(), until: until.input.value.trim(), request_id: rid.input.value.trim(), limit: limit.input.value.trim() });
  } } }, cust.wrap, decision.wrap, kind.wrap, since.wrap, until.wrap, rid.wrap, limit.wrap,
  h('div', { class: 'field buttons' }, h('button', { type: 'submit' }, 'Apply'), button('Clear', () => go('audit'))));

  const tbody = h('tbody', {});
  const count = h('span', { id: 'audit-count', role: 'status' });
  const err = errorLine();
  const tableEl = h('table', { class: 'data audit', id: 'audit-table' },
    h('thead', {}, h('tr', {}, ['', 'Time', 'Kind', 'Decision / action', 'Risk', 'Customer', 'User', 'Request id'].map((l) => h('th', { scope: 'col' }, l)))),
    tbody);

  function renderRow(r) {
    const tr = h('tr', { class: `row ${r.decision || r.kind}`, dataset: { id: r.id } });
    const detailRow = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: 8 }));
    const toggle = h('button', { type: 'button', class: 'expand', 'aria-expanded': 'false', 'aria-label': `Details of record ${r.id}`,
      on: { click: () => {
        const open = toggle.getAttribute('aria-expanded') === 'true';
        toggle.setAttribute('aria-expanded', String(!open));
        toggle.textContent = open ? '▸' : '▾';
        if (!open && !detailRow.firstChild.firstChild) detailRow.firstChild.appendChild(details(r));
        detailRow.hidden = open;
      } } }, '▸');
    tr.append(
      h('td', {}, toggle),
      h('td', {}, time(r.created_at)),
      h('td', {}, r.kind || ''),
      h('td', {}, r.decision ? h('span', { class: `decision ${r.decision}` }, r.decision) : (r.action || '—'),
        r.would_block ? h('span', { class: 'badge' }, 'would block') : null),
      h('td', { class: 'num' }, r.risk_score ?? '—'),
      h('td', {}, h('code', {}, r.customer_id || '—')),
      h('td', { class: 'user' }, r.user_id ?? '—'),
      h('td', {}, h('code', {}, r.request_id || '—')));
    return [tr, detailRow];
  }

  function details(r) {
    return h('div', { class: 'record' },
      dl([
        ['Record id', h('code', {}, r.id)],
        ['Key id', r.key_id ? h('code', {}, r.key_id) : '—'],
        ['Session', r.session_id ?? '—'],
        ['Latency', r.latency_ms != null ? `${r.latency_ms} ms` : '—'],
        ['Target', r.target ?? '—'],
        ['Policy versions', (r.policy_versions || []).join(', ') || '—'],
        ['Would block by', (r.would_block_by || []).join(', ') || '—'],
      ]),
      h('h3', {}, 'Reasons'), (r.reasons || []).length
        ? h('ul', {}, r.reasons.map((x) => h('li', {}, `${x.factor}: ${x.points} points${x.detail ? ` — ${x.detail}` : ''}`)))
        : h('p', { class: 'muted' }, 'none'),
      h('h3', {}, 'Violations'), (r.violations || []).length
        ? h('ul', {}, r.violations.map((v) => h('li', {}, `${v.policy_id}:${v.version} ${v.rule} (${v.mode})${v.detail ? ` — ${v.detail}` : ''}`)))
        : h('p', { class: 'muted' }, 'none'),
      h('h3', {}, 'Operations'), pre(r.operations ?? null));
  }

  function appendRows(list) { for (const r of list) tbody.append(...renderRow(r)); }
  function updateCount() {
    count.textContent = `${rows.length} records loaded${cursor ? '' : ' (end)'}`;
    more.hidden = !cursor;
    tableEl.dataset.end = cursor ? 'false' : 'true';
  }

  const more = button('Load more', async () => {
    more.disabled = true;
    hideError(err);
    try {
      const page = await api('GET', '/logs', { query: { ...filters, cursor } });
      const fresh = (page.logs || []).filter((r) => !seen.has(r.id));
      fresh.forEach((r) => seen.add(r.id));
      rows.push(...fresh);
      appendRows(fresh);
      cursor = page.next_cursor;
      updateCount();
    } catch (e) { showError(err, e); } finally { more.disabled = false; }
  }, { id: 'audit-more' });

  // Export of the loaded rows.
  function download(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  const csvCols = ['id', 'created_at', 'kind', 'decision', 'risk_score', 'customer_id', 'key_id', 'request_id', 'user_id', 'session_id',
    'latency_ms', 'action', 'target', 'would_block', 'policy_versions', 'would_block_by', 'reasons', 'violations', 'operations'];
  function csvCell(v) {
    if (v === null || v === undefined) return '';
    let t = typeof v === 'object' ? JSON.stringify(v) : String(v);
    // A leading = + - @ would be a formula in a spreadsheet.
    if (/^[=+\-@\t\r]/.test(t)) t = `'${t}`;
    return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  }
  const exportCsv = button('Export CSV', () => {
    const lines = [csvCols.join(','), ...rows.map((r) => csvCols.map((c) => csvCell(r[c])).join(','))];
    download('audit.csv', 'text/csv', `${lines.join('\r\n')}\r\n`);
  }, { id: 'audit-export-csv' });
  const exportJson = button('Export JSON', () => download('audit.json', 'application/json', JSON.stringify(rows, null, 2)),
    { id: 'audit-export-json' });

  // Auto-refresh: newest rows are fetched (first page, same filters) and put
  // on top; the timer runs only while the tab is visible.
  const auto = h('input', { type: 'checkbox', id: 'audit-auto', checked: params.auto === '1' });
  let timer = null;
  async function refresh() {
    try {
      const page = await api('GET', '/logs', { query: filters });
      const fresh = (page.logs || []).filter((r) => !seen.has(r.id));
      if (!fresh.length) return;
      fresh.forEach((r) => seen.add(r.id));
      rows.unshift(...fresh);
      const nodes = fresh.flatMap(renderRow);
      tbody.prepend(...nodes);
      updateCount();
    } catch (e) { showError(err, e); }
  }
  function schedule() {
    clearInterval(timer);
    timer = null;
    if (auto.checked && document.visibilityState === 'visible') timer = setInterval(refresh, REFRESH_MS);
  }
  const onVisibility = () => { if (document.visibilityState === 'visible' && auto.checked) refresh(); schedule(); };
  auto.addEventListener('change', schedule);
  document.addEventListener('visibilitychange', onVisibility);

  appendRows(rows);
  updateCount();
  schedule();
  container.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'Audit log')),
    form,
    h('div', { class: 'toolbar' }, count, exportCsv, exportJson,
      h('span', { class: 'check' }, auto, h('label', { for: 'audit-auto' }, 'Auto-refresh every 10 s while visible'))),
    tableEl, more, err);
  return () => { clearInterval(timer); document.removeEventListener('visibilitychange', onVisibility); };
}
