// Customers: list with search (1 call), detail (5 calls), onboarding (secret
// shown once), tier change, delete/purge with typed confirmation.

import { api } from '../api.js';
import { h, field, select, table, tableRow, time, fmtNumber, dl, replace } from '../dom.js';
import { go, href } from '../router.js';
import { barChart } from '../chart.js';
import { button, mutation, secretBox, errorLine, showError, hideError, keyState, rateLimitText, hoursAgo, nowIso } from './common.js';

export default async function customers(ctx) {
  if (ctx.args.length) return detail(ctx);
  return list(ctx);
}

const columns = [
  { label: 'Name', cell: (c) => h('a', { href: href('customers', [c.tenant_id]) }, c.name || c.tenant_id) },
  { label: 'Tenant', cell: (c) => h('code', {}, c.tenant_id) },
  { label: 'Tier', cell: (c) => c.tier },
  { label: 'Keys', cell: (c) => fmtNumber(c.key_count), class: 'num' },
  { label: 'Status', cell: (c) => h('span', { class: `state ${c.status || (c.deleted_at ? 'deleted' : 'active')}` }, c.status || (c.deleted_at ? 'deleted' : 'active')) },
  { label: 'Created', cell: (c) => time(c.created_at) },
];

async function list({ container, params }) {
  const q = params.q || '';
  const includeDeleted = params.deleted === '1';
  const query = { q, limit: 100, include_deleted: includeDeleted ? 'true' : '' };
  const page = await api('GET', '/admin/customers', { query });

  const search = field('Search name or tenant id', { type: 'search', name: 'q', value: q, id: 'customer-search' });
  const deleted = h('input', { type: 'checkbox', id: 'customer-deleted', checked: includeDeleted });
  const searchForm = h('form', { class: 'inline-form', role: 'search', on: { submit: (e) => {
    e.preventDefault();
    go('customers', [], { q: search.input.value.trim(), deleted: deleted.checked ? '1' : '' });
  } } }, search.wrap, h('div', { class: 'field check' }, deleted, h('label', { for: 'customer-deleted' }, 'Include deleted')),
  h('button', { type: 'submit' }, 'Search'));

  const tbl = table(columns, page.customers || [], { caption: `${(page.customers || []).length} customers shown` });
  tbl.id = 'customers-table';
  const tbody = tbl.querySelector('tbody');
  let cursor = page.next_cursor;
  const more = button('Load more', async () => {
    more.disabled = true;
    try {
      const next = await api('GET', '/admin/customers', { query: { ...query, cursor } });
      for (const c of next.customers || []) tbody.appendChild(tableRow(columns, c));
      cursor = next.next_cursor;
      more.hidden = !cursor;
    } catch (e) { showError(listError, e); } finally { more.disabled = false; }
  }, { hidden: !cursor, id: 'customers-more' });
  const listError = errorLine();

  container.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'Customers')),
    searchForm,
    onboardForm(),
    tbl, more, listError);
}

function onboardForm() {
  const tenant = field('Tenant id', { name: 'tenant_id', id: 'onboard-tenant', autocomplete: 'off', spellcheck: 'false' },
    '3–50 letters, digits or _ (e.g. acmeinc_23xv2)');
  const name = field('Name (optional)', { name: 'name', id: 'onboard-name', autocomplete: 'off' });
  const tier = select('Tier', ['free', 'pro'], { id: 'onboard-tier', value: 'free' });
  const err = errorLine();
  const result = h('div', { id: 'onboard-result' });
  const submit = h('button', { type: 'submit', id: 'onboard-submit' }, 'Onboard');
  const form = h('form', { class: 'card', id: 'onboard-form', novalidate: true, on: { submit: async (e) => {
    e.preventDefault();
    hideError(err);
    submit.disabled = true;
    const body = { tenant_id: tenant.input.value.trim(), tier: tier.input.value };
    if (name.input.value.trim()) body.name = name.input.value.trim();
    try {
      const made = await api('POST', '/api/v1/customers/onboard', { body });
      form.reset();
      replace(result,
        secretBox(`Customer ${made.tenant_id} onboarded — its first API key`, made.api_key,
          `Dry run: ${made.dryrun_status}. Reloading or leaving this page removes the key from the screen.`),
        h('p', {}, h('a', { href: href('customers', [made.tenant_id]) }, `Open ${made.tenant_id}`)));
      result.querySelector('input').focus();
    } catch (ex) {
      showError(err, ex);
    } finally { submit.disabled = false; }
  } } },
  h('h2', {}, 'Onboard a customer'),
  h('div', { class: 'row' }, tenant.wrap, name.wrap, tier.wrap), err, submit);
  return mutation(h('div', {}, form, result));
}

async function detail({ container, args }) {
  const id = args[0];
  const customer = await api('GET', `/admin/customers/${encodeURIComponent(id)}`);
  const until = nowIso();
  const [keys, pols, logs, usage] = await Promise.all([
    api('GET', '/admin/keys', { query: { customer_id: customer.id, limit: 100 } }),
    api('GET', '/policies', { query: { customer_id: customer.id, limit: 100 } }),
    api('GET', '/logs', { query: { customer_id: customer.id, limit: 20 } }),
    api('GET', '/admin/usage', { query: { customer_id: customer.id, since: hoursAgo(24, new Date(until)), until, bucket: '1h' } }),
  ]);
  const deleted = Boolean(customer.deleted_at) || customer.status === 'deleted';

  container.append(
    h('p', { class: 'crumbs' }, h('a', { href: href('customers') }, 'Customers'), ' / ', customer.tenant_id),
    h('div', { class: 'view-head' }, h('h1', {}, customer.name || customer.tenant_id)),
    dl([
      ['Tenant id', h('code', {}, customer.tenant_id)],
      ['Customer id', h('code', {}, customer.id)],
      ['Tier', customer.tier],
      ['Status', deleted ? 'deleted' : (customer.status || 'active')],
      ['Created', time(customer.created_at)],
    ]),
    deleted ? null : tierForm(customer),
    barChart(usage.series || [], [
      { key: 'allowed', label: 'allowed', cls: 'c-allow' },
      { key: 'blocked', label: 'blocked', cls: 'c-block' },
      { key: 'rate_limited', label: 'rate limited', cls: 'c-429' },
    ], { title: 'Checks per hour, last 24 h', bucket: '1h', id: 'chart-customer' }),
    h('h2', {}, 'API keys'),
    table([
      { label: 'Name', cell: (k) => k.name || '—' },
      { label: 'Key', cell: (k) => h('code', {}, `${k.prefix || ''}…${k.last4 || ''}`) },
      { label: 'State', cell: keyState },
      { label: 'Last used', cell: (k) => time(k.last_used_at) },
      { label: 'Expires', cell: (k) => time(k.expires_at) },
      { label: 'Rate limit', cell: (k) => rateLimitText(k.rate_limit) },
    ], keys.keys || []),
    h('p', {}, h('a', { href: href('keys', [], { customer: customer.tenant_id }) }, 'Manage keys')),
    h('h2', {}, 'Policies'),
    table([
      { label: 'Name', cell: (p) => h('a', { href: href('policies', [p.id]) }, p.name) },
      { label: 'Mode', cell: (p) => p.mode },
      { label: 'Active', cell: (p) => (p.active ? 'yes' : 'no') },
      { label: 'Version', cell: (p) => String(p.version), class: 'num' },
    ], pols.policies || []),
    h('h2', {}, 'Recent audit records'),
    table([
      { label: 'Time', cell: (r) => time(r.created_at) },
      { label: 'Kind', cell: (r) => r.kind },
      { label: 'Decision / action', cell: (r) => r.decision || r.action || '—' },
      { label: 'Risk', cell: (r) => (r.risk_score ?? '—'), class: 'num' },
      { label: 'User', cell: (r) => r.user_id || '—' },
    ], logs.logs || []),
    h('p', {}, h('a', { href: href('audit', [], { customer_id: customer.id }) }, 'Full audit log')),
    deleteForm(customer, deleted),
  );
}

function tierForm(customer) {
  const tier = select('Tier', ['free', 'pro'], { id: 'tier-select', value: customer.tier });
  const err = errorLine();
  const done = h('span', { role: 'status', class: 'muted' });
  const form = h('form', { class: 'inline-form', on: { submit: async (e) => {
    e.preventDefault();
    hideError(err);
    try {
      const updated = await api('PATCH', `/admin/customers/${encodeURIComponent(customer.id)}`, { body: { tier: tier.input.value } });
      done.textContent = `Tier is now ${updated.tier}.`;
    } catch (ex) { showError(err, ex); }
  } } }, tier.wrap, h('button', { type: 'submit' }, 'Change tier'), done, err);
  return mutation(form);
}

function deleteForm(customer, alreadyDeleted) {
  const confirmInput = field(`Type the tenant id (${customer.tenant_id}) to confirm`,
    { id: 'delete-confirm', autocomplete: 'off', spellcheck: 'false' });
  const purge = h('input', { type: 'checkbox', id: 'delete-purge', checked: alreadyDeleted, disabled: alreadyDeleted });
  const submit = h('button', { type: 'submit', class: 'danger', id: 'delete-submit', disabled: true },
    alreadyDeleted ? 'Purge customer' : 'Delete customer');
  confirmInput.input.addEventListener('input', () => { submit.disabled = confirmInput.input.value !== customer.tenant_id; });
  const err = errorLine();
  const form = h('form', { class: 'card danger-zone', novalidate: true, on: { submit: async (e) => {
    e.preventDefault();
    if (confirmInput.input.value !== customer.tenant_id) return;
    hideError(err);
    submit.disabled = true;
    try {
      await api('DELETE', `/admin/customers/${encodeURIComponent(customer.id)}`, { query: { purge: purge.checked ? 'true' : '' } });
      go('customers');
    } catch (ex) { showError(err, ex); submit.disabled = false; }
  } } },
  h('h2', {}, alreadyDeleted ? 'Purge' : 'Delete'),
  h('p', {}, 'Deleting revokes every key of this customer at once. Purging also drops its tenant schema (audit records stay).'),
  confirmInput.wrap,
  h('div', { class: 'field check' }, purge, h('label', { for: 'delete-purge' }, 'Purge (drop the tenant schema and the customer)')),
  err, submit);
  return mutation(form);
}
