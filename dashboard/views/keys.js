// API keys: one list call (sorted and filtered by the server), cursor paging,
// issue (secret shown once), rotate (grace end shown), revoke, set the limit.

import { api } from '../api.js';
import { h, field, select, table, tableRow, time, replace } from '../dom.js';
import { go, href } from '../router.js';
import { button, mutation, secretBox, errorLine, showError, hideError, keyState, rateLimitText, confirmButton, shortTime } from './common.js';

const SORTS = [
  { value: 'created', label: 'Created (oldest first)' },
  { value: 'last_used', label: 'Last used' },
  { value: 'expires', label: 'Expiring soon' },
];

export default async function keys({ container, params }) {
  const customer = params.customer || '';
  const sort = SORTS.some((s) => s.value === params.sort) ? params.sort : 'created';
  const query = { customer_id: customer, sort: sort === 'created' ? '' : sort, limit: 100 };
  const page = await api('GET', '/admin/keys', { query });

  const filter = field('Customer (tenant id or UUID)', { id: 'keys-customer', value: customer, autocomplete: 'off', spellcheck: 'false' });
  const sortSel = select('Sort by', SORTS, { id: 'keys-sort', value: sort });
  const filterForm = h('form', { class: 'inline-form', on: { submit: (e) => {
    e.preventDefault();
    go('keys', [], { customer: filter.input.value.trim(), sort: sortSel.input.value === 'created' ? '' : sortSel.input.value });
  } } }, filter.wrap, sortSel.wrap, h('button', { type: 'submit' }, 'Apply'));

  const notice = h('div', { id: 'keys-notice' });
  const listError = errorLine();
  const reload = () => go('keys', [], { customer, sort: sort === 'created' ? '' : sort });

  const columns = [
    { label: 'Name', cell: (k) => k.name || '—' },
    { label: 'Key', cell: (k) => h('code', {}, `${k.prefix || ''}…${k.last4 || ''}`) },
    { label: 'Customer', cell: (k) => (k.tenant_id ? h('a', { href: href('customers', [k.tenant_id]) }, k.tenant_id) : (k.kind || '—')) },
    { label: 'Created', cell: (k) => time(k.created_at) },
    { label: 'Expires', cell: (k) => time(k.expires_at) },
    { label: 'Last used', cell: (k) => time(k.last_used_at) },
    { label: 'Rate limit', cell: (k) => rateLimitText(k.rate_limit) },
    { label: 'State', cell: keyState },
    { label: 'Actions', cell: (k) => actions(k), class: 'actions' },
  ];

  function actions(k) {
    const state = k.state || (k.revoked_at ? 'revoked' : 'active');
    if (state === 'revoked' || state === 'expired' || (k.kind && k.kind !== 'customer')) return '';
    const cell = h('div', { class: 'action-cell' });
    const rowError = errorLine();
    const rotate = state === 'active' && !k.replaced_by ? mutation(button('Rotate', async () => {
      rotate.disabled = true;
      hideError(rowError);
      try {
        const made = await api('POST', `/admin/keys/${encodeURIComponent(k.key_id)}/rotate`, { body: {} });
        const prev = made.previous || {};
        const graceEnd = prev.grace_until || prev.expires_at;
        replace(notice, secretBox(`Key ${k.name || k.key_id} rotated — the replacement`, made.key || made.api_key,
          `The old key ${k.prefix || ''}…${k.last4 || ''} keeps working until ${graceEnd ? shortTime(graceEnd) : 'its grace period ends'}.`),
        h('p', { class: 'grace', dataset: { graceUntil: graceEnd || '' } }, `Grace period ends ${graceEnd ? shortTime(graceEnd) : '—'}.`),
        button('Refresh list', reload, { id: 'keys-refresh' }));
        notice.querySelector('input').focus();
      } catch (e) { showError(rowError, e); rotate.disabled = false; }
    }, { 'aria-label': `Rotate key ${k.name || k.key_id}`, dataset: { action: 'rotate', keyId: k.key_id } })) : null;
    const revoke = confirmButton('Revoke', 'Confirm revoke', async () => {
      hideError(rowError);
      try {
        await api('DELETE', `/admin/keys/${encodeURIComponent(k.key_id)}`);
        replace(notice, h('p', { class: 'ok', role: 'status' }, `Key ${k.name || k.key_id} (${k.prefix || ''}…${k.last4 || ''}) revoked.`),
          button('Refresh list', reload, { id: 'keys-refresh' }));
        replace(cell, h('span', { class: 'state revoked', dataset: { state: 'revoked' } }, 'revoked'));
        notice.querySelector('button').focus();
      } catch (e) { showError(rowError, e); }
    }, { 'aria-label': `Revoke key ${k.name || k.key_id}`, dataset: { action: 'revoke', keyId: k.key_id } });
    const limit = mutation(button('Set limit', () => {
      replace(limitSlot, limitForm(k, rowError, () => replace(limitSlot), reload));
      limitSlot.querySelector('input').focus();
    }, { 'aria-label': `Set rate limit of key ${k.name || k.key_id}`, dataset: { action: 'limit', keyId: k.key_id } }));
    const limitSlot = h('div', {});
    cell.append(...[rotate, revoke, limit].filter(Boolean), limitSlot, rowError);
    return cell;
  }

  const tbl = table(columns, page.keys || [], {
    rowAttrs: (k) => ({ dataset: { keyId: k.key_id } }),
    caption: `Sorted by ${SORTS.find((s) => s.value === sort).label.toLowerCase()}`,
  });
  tbl.id = 'keys-table';
  const tbody = tbl.querySelector('tbody');
  let cursor = page.next_cursor;
  const more = button('Load more', async () => {
    more.disabled = true;
    try {
      const next = await api('GET', '/admin/keys', { query: { ...query, cursor } });
      for (const k of next.keys || []) tbody.appendChild(tableRow(columns, k, { rowAttrs: (r) => ({ dataset: { keyId: r.key_id } }) }));
      cursor = next.next_cursor;
      more.hidden = !cursor;
    } catch (e) { showError(listError, e); } finally { more.disabled = false; }
  }, { hidden: !cursor, id: 'keys-more' });

  container.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'API keys')),
    filterForm,
    issueForm(customer, notice),
    notice,
    tbl, more, listError);
}

function issueForm(customer, notice) {
  const cust = field('Customer (tenant id or UUID)', { id: 'issue-customer', value: customer, autocomplete: 'off', spellcheck: 'false' });
  const name = field('Name', { id: 'issue-name', autocomplete: 'off' });
  const expires = field('Expires at (optional, RFC 3339)', { id: 'issue-expires', placeholder: '2027-01-01T00:00:00Z', autocomplete: 'off' });
  const err = errorLine();
  const submit = h('button', { type: 'submit', id: 'issue-submit' }, 'Issue key');
  const form = h('form', { class: 'card', id: 'issue-form', novalidate: true, on: { submit: async (e) => {
    e.preventDefault();
    hideError(err);
    const body = { customer_id: cust.input.value.trim() };
    if (name.input.value.trim()) body.name = name.input.value.trim();
    if (expires.input.value.trim()) body.expires_at = expires.input.value.trim();
    submit.disabled = true;
    try {
      const made = await api('POST', '/admin/keys', { body });
      name.input.value = '';
      expires.input.value = '';
      replace(notice, secretBox(`Key ${made.name || made.key_id} issued`, made.key || made.api_key,
        `Key id ${made.key_id}.`), button('Refresh list', () => go('keys', [], { customer: body.customer_id }), { id: 'keys-refresh' }));
      notice.querySelector('input').focus();
    } catch (ex) { showError(err, ex); } finally { submit.disabled = false; }
  } } }, h('h2', {}, 'Issue a key'), h('div', { class: 'row' }, cust.wrap, name.wrap, expires.wrap), err, submit);
  return mutation(form);
}

function limitForm(k, rowError, close, reload) {
  const current = k.rate_limit || {};
  const limit = field('Requests', { type: 'number', value: current.limit ?? '', id: `limit-${k.key_id}`, min: 1 });
  const period = field('Per seconds', { type: 'number', value: current.period_seconds ?? 60, id: `period-${k.key_id}`, min: 1 });
  const send = async (value) => {
    hideError(rowError);
    try {
      await api('PUT', `/admin/keys/${encodeURIComponent(k.key_id)}/rate_limit`, { body: value });
      reload();
    } catch (e) { showError(rowError, e); }
  };
  return h('form', { class: 'limit-form', novalidate: true, on: { submit: (e) => {
    e.preventDefault();
    send({ limit: Number(limit.input.value), period_seconds: Number(period.input.value) });
  } } }, limit.wrap, period.wrap,
  h('button', { type: 'submit' }, 'Save limit'),
  button('Use tier default', () => send(null)),
  button('Cancel', close));
}
