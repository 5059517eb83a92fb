// Policies: list (1 call), editor (2 calls: the policy and its versions) with
// a form for every rule plus raw JSON; the server's 400 is shown next to the
// field it names.

import { api, ApiError, isReadOnly } from '../api.js';
import { h, field, select, table, time, fmtNumber, pre, replace, uid } from '../dom.js';
import { go, href } from '../router.js';
import { button, mutation, errorLine, showError, hideError, confirmButton } from './common.js';

const INT_RULES = [
  ['max_tokens', 'Max tokens per operation'],
  ['max_external_calls', 'Max external calls per check'],
  ['block_threshold', 'Block threshold (0–100)'],
  ['large_dataset_tokens', 'Large dataset: tokens over'],
  ['large_dataset_records', 'Large dataset: records over'],
];
const BOOL_RULES = [
  ['block_personal_data', 'Block personal data'],
  ['block_secrets', 'Block secrets'],
];
const KINDS = ['date_of_birth', 'email', 'iban', 'ip_address', 'national_id', 'payment_card', 'person_name', 'phone', 'postal_address', 'ssn'];
const FACTORS = ['personal_data', 'secret', 'external_model', 'large_dataset', 'unknown_operation'];

export default async function policies(ctx) {
  if (ctx.args.length) return editor(ctx);
  return list(ctx);
}

async function list({ container, params }) {
  const customer = params.customer || '';
  const page = await api('GET', '/policies', { query: { customer_id: customer, limit: 200 } });
  const filter = field('Customer (tenant id or UUID)', { id: 'policies-customer', value: customer, autocomplete: 'off' });
  const rows = page.policies || [];
  const tbl = table([
    { label: 'Name', cell: (p) => h('a', { href: href('policies', [p.id]), class: 'policy-name' }, p.name) },
    { label: 'Customer', cell: (p) => h('code', {}, p.customer_id) },
    { label: 'Mode', cell: (p) => h('span', { class: `mode ${p.mode}` }, p.mode) },
    { label: 'Active', cell: (p) => (p.active ? 'yes' : 'no') },
    { label: 'Version', cell: (p) => String(p.version), class: 'num' },
    { label: 'Would have blocked (24 h)', cell: (p) => (p.mode === 'monitor' ? fmtNumber(p.would_block_24h ?? 0) : '—'), class: 'num' },
    { label: 'Updated', cell: (p) => time(p.updated_at) },
  ], rows, { rowAttrs: (p) => ({ dataset: { policyId: p.id } }), caption: `${rows.length} policies` });
  tbl.id = 'policies-table';
  container.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'Policies'),
      mutation(h('a', { class: 'button', href: href('policies', ['new'], { customer }), id: 'policy-new' }, 'New policy'))),
    h('form', { class: 'inline-form', on: { submit: (e) => { e.preventDefault(); go('policies', [], { customer: filter.input.value.trim() }); } } },
      filter.wrap, h('button', { type: 'submit' }, 'Filter')),
    tbl,
    page.next_cursor ? h('p', { class: 'muted' }, 'More policies exist: filter by customer.') : null);
}

async function editor({ container, args, params, status }) {
  const isNew = args[0] === 'new';
  let policy = { name: '', mode: 'enforce', active: true, rules: {}, customer_id: params.customer || '' };
  let versions = [];
  if (!isNew) {
    const [p, v] = await Promise.all([
      api('GET', `/policies/${encodeURIComponent(args[0])}`),
      api('GET', `/policies/${encodeURIComponent(args[0])}/versions`),
    ]);
    policy = p;
    versions = v.versions || [];
  }
  const readOnly = isReadOnly();
  const slots = {}; // field name → error element
  const fieldWrap = (name, f) => { slots[name] = f.error; f.wrap.dataset.field = name; return f.wrap; };

  const name = field('Name', { id: 'policy-name', value: policy.name, autocomplete: 'off', disabled: readOnly });
  const customer = isNew ? field('Customer (tenant id or UUID)', { id: 'policy-customer', value: policy.customer_id, autocomplete: 'off' }) : null;
  const mode = select('Mode', [{ value: 'enforce', label: 'enforce' }, { value: 'monitor', label: 'monitor (report, never block)' }],
    { id: 'policy-mode', value: policy.mode, disabled: readOnly });
  const active = h('input', { type: 'checkbox', id: 'policy-active', checked: policy.active !== false, disabled: readOnly });

  const rules = policy.rules || {};
  const ints = INT_RULES.map(([key, label]) => [key, field(label, { id: `rule-${key}`, inputmode: 'numeric', autocomplete: 'off',
    value: rules[key] ?? '', disabled: readOnly, placeholder: 'not set' })]);
  const bools = BOOL_RULES.map(([key, label]) => [key, select(label, [
    { value: '', label: 'not set' }, { value: 'true', label: 'yes' }, { value: 'false', label: 'no' }],
  { id: `rule-${key}`, value: rules[key] === undefined ? '' : String(rules[key]), disabled: readOnly })]);
  for (const [, b] of bools) {
    b.error = h('p', { class: 'field-error', role: 'alert', hidden: true });
    b.wrap.appendChild(b.error);
  }
  const models = field('Allowed models (comma-separated; * matches any run)', { id: 'rule-allowed_models', autocomplete: 'off',
    disabled: readOnly, value: Array.isArray(rules.allowed_models) ? rules.allowed_models.join(', ') : '', placeholder: 'not set' });
  const denied = field('Denied models (comma-separated; * matches any run)', { id: 'rule-denied_models', autocomplete: 'off',
    disabled: readOnly, value: Array.isArray(rules.denied_models) ? rules.denied_models.join(', ') : '', placeholder: 'not set' });
  // Rules the form has no field for (per-model `models`, and any added later) ride along
  // unchanged: a form save replaces the rules whole and must not drop them.
  const formKeys = new Set([...INT_RULES.map(([k]) => k), ...BOOL_RULES.map(([k]) => k), 'allowed_models', 'denied_models',
    'personal_data_kinds', 'risk_weights']);
  const carriedOf = (r) => Object.fromEntries(Object.entries(r || {}).filter(([k]) => !formKeys.has(k)));
  let carried = carriedOf(rules);
  const carriedNote = h('p', { class: 'hint', id: 'rules-carried' });
  const showCarried = () => {
    const keys = Object.keys(carried);
    carriedNote.textContent = keys.length ? `Also kept as they are (edit them in the JSON tab): ${keys.join(', ')}.` : '';
    carriedNote.hidden = keys.length === 0;
  };
  showCarried();
  const kindBoxes = KINDS.map((k) => {
    const id = uid('kind');
    const box = h('input', { type: 'checkbox', id, value: k, disabled: readOnly,
      checked: Array.isArray(rules.personal_data_kinds) && rules.personal_data_kinds.includes(k) });
    return { k, box, wrap: h('span', { class: 'check' }, box, h('label', { for: id }, k)) };
  });
  const kindsError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const kindsSet = h('fieldset', { class: 'field kinds', dataset: { field: 'rules.personal_data_kinds' } },
    h('legend', {}, 'Personal data kinds (none checked: every kind)'), kindBoxes.map((x) => x.wrap), kindsError);
  slots['rules.personal_data_kinds'] = kindsError;
  const weights = FACTORS.map((f) => [f, field(f, { id: `weight-${f}`, inputmode: 'numeric', autocomplete: 'off', disabled: readOnly,
    value: rules.risk_weights && rules.risk_weights[f] !== undefined ? rules.risk_weights[f] : '', placeholder: 'default' })]);
  const weightsError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  slots['rules.risk_weights'] = weightsError;

  const formError = errorLine();
  const raw = h('textarea', { id: 'policy-raw', rows: 18, spellcheck: 'false', disabled: readOnly });
  const rawError = h('p', { class: 'field-error', role: 'alert', hidden: true, id: 'policy-raw-error' });
  let tab = 'form';

  function num(v) {
    const t = v.trim();
    return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t; // anything else goes as typed: the server names the field
  }
  function fromForm() {
    const r = { ...carried };
    for (const [key, f] of ints) if (f.input.value.trim() !== '') r[key] = num(f.input.value);
    for (const [key, b] of bools) if (b.input.value !== '') r[key] = b.input.value === 'true';
    if (models.input.value.trim() !== '') r.allowed_models = models.input.value.split(',').map((m) => m.trim()).filter(Boolean);
    if (denied.input.value.trim() !== '') r.denied_models = denied.input.value.split(',').map((m) => m.trim()).filter(Boolean);
    const kinds = kindBoxes.filter((x) => x.box.checked).map((x) => x.k);
    if (kinds.length) r.personal_data_kinds = kinds;
    const w = {};
    for (const [f, inp] of weights) if (inp.input.value.trim() !== '') w[f] = num(inp.input.value);
    if (Object.keys(w).length) r.risk_weights = w;
    return { name: name.input.value, mode: mode.input.value, active: active.checked, rules: r };
  }
  function toForm(doc) {
    const r = doc.rules || {};
    name.input.value = doc.name ?? '';
    mode.input.value = doc.mode || 'enforce';
    active.checked = doc.active !== false;
    for (const [key, f] of ints) f.input.value = r[key] ?? '';
    for (const [key, b] of bools) b.input.value = r[key] === undefined ? '' : String(r[key]);
    models.input.value = Array.isArray(r.allowed_models) ? r.allowed_models.join(', ') : '';
    denied.input.value = Array.isArray(r.denied_models) ? r.denied_models.join(', ') : '';
    carried = carriedOf(r);
    showCarried();
    for (const x of kindBoxes) x.box.checked = Array.isArray(r.personal_data_kinds) && r.personal_data_kinds.includes(x.k);
    for (const [f, inp] of weights) inp.input.value = r.risk_weights && r.risk_weights[f] !== undefined ? r.risk_weights[f] : '';
  }

  for (const [key, f] of ints) slots[`rules.${key}`] = f.error;
  for (const [key, b] of bools) slots[`rules.${key}`] = b.error;
  slots['rules.allowed_models'] = models.error;
  slots['rules.denied_models'] = denied.error;
  slots.name = name.error;
  if (customer) slots.customer_id = customer.error;

  function clearErrors() {
    for (const el of Object.values(slots)) { el.textContent = ''; el.hidden = true; }
    hideError(formError);
    rawError.hidden = true;
  }
  function showFieldError(err) {
    if (tab === 'json') { rawError.textContent = err.display; rawError.hidden = false; return; }
    let f = err.field;
    while (f && !slots[f]) f = f.includes('.') ? f.slice(0, f.lastIndexOf('.')) : null;
    if (f === 'rules') f = null;
    if (f) {
      slots[f].textContent = err.display;
      slots[f].hidden = false;
      const input = slots[f].parentElement.querySelector('input, select, textarea');
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
    } else {
      showError(formError, err);
    }
  }

  const formPane = h('div', { id: 'policy-form-pane' },
    h('div', { class: 'row' }, customer ? fieldWrap('customer_id', customer) : null, fieldWrap('name', name), mode.wrap,
      h('div', { class: 'field check' }, active, h('label', { for: 'policy-active' }, 'Active'))),
    h('h2', {}, 'Rules'),
    h('p', { class: 'hint' }, 'Empty fields are not part of the policy. A save replaces the rules as a whole (PUT).'),
    h('div', { class: 'grid' },
      ints.map(([key, f]) => fieldWrap(`rules.${key}`, f)),
      bools.map(([key, b]) => { b.wrap.dataset.field = `rules.${key}`; return b.wrap; }),
      fieldWrap('rules.allowed_models', models), fieldWrap('rules.denied_models', denied), carriedNote),
    kindsSet,
    h('fieldset', { class: 'field', dataset: { field: 'rules.risk_weights' } }, h('legend', {}, 'Risk weights (points per factor, 0–100)'),
      h('div', { class: 'grid' }, weights.map(([, f]) => f.wrap)), weightsError));
  const jsonPane = h('div', { id: 'policy-json-pane', hidden: true },
    h('label', { for: 'policy-raw' }, 'Policy as JSON (name, mode, active, rules)'), raw, rawError);

  const tabForm = button('Form', () => switchTab('form'), { id: 'tab-form', 'aria-pressed': 'true' });
  const tabJson = button('Raw JSON', () => switchTab('json'), { id: 'tab-json', 'aria-pressed': 'false' });
  function switchTab(to) {
    if (to === tab) return;
    clearErrors();
    if (to === 'json') {
      raw.value = JSON.stringify(fromForm(), null, 2);
    } else {
      try { toForm(JSON.parse(raw.value)); } catch (e) {
        rawError.textContent = `Not valid JSON: ${e.message}`;
        rawError.hidden = false;
        return;
      }
    }
    tab = to;
    formPane.hidden = to !== 'form';
    jsonPane.hidden = to !== 'json';
    tabForm.setAttribute('aria-pressed', String(to === 'form'));
    tabJson.setAttribute('aria-pressed', String(to === 'json'));
  }

  const save = h('button', { type: 'submit', id: 'policy-save' }, isNew ? 'Create policy' : 'Save new version');
  const form = h('form', { id: 'policy-form', novalidate: true, on: { submit: async (e) => {
    e.preventDefault();
    clearErrors();
    let doc;
    if (tab === 'json') {
      try { doc = JSON.parse(raw.value); } catch (ex) {
        rawError.textContent = `Not valid JSON: ${ex.message}`;
        rawError.hidden = false;
        return;
      }
    } else {
      doc = fromForm();
    }
    save.disabled = true;
    try {
      let saved;
      if (isNew) {
        saved = await api('POST', '/policies', { body: { customer_id: customer.input.value.trim(), ...doc } });
      } else {
        saved = await api('PUT', `/policies/${encodeURIComponent(policy.id)}`, { body: doc });
      }
      status(`Saved ${saved.name}: version ${saved.version}.`, 'ok');
      go('policies', [saved.id]);
    } catch (ex) {
      if (ex instanceof ApiError && ex.status === 400) showFieldError(ex); else showError(formError, ex);
    } finally { save.disabled = false; }
  } } },
  h('div', { class: 'tabs', role: 'group', 'aria-label': 'Editor' }, tabForm, tabJson),
  formPane, jsonPane, formError, mutation(save));

  // What the draft on screen would have done to the customer's checks of the last 7 days
  // (POST /policies/preview: nothing is stored). Same body as a save, so the same 400s.
  const previewResult = h('p', { id: 'policy-preview-result', class: 'hint', hidden: true, 'aria-live': 'polite' });
  const preview = button('Preview last 7 days', async () => {
    clearErrors();
    let doc;
    try { doc = tab === 'json' ? JSON.parse(raw.value) : fromForm(); } catch (ex) {
      rawError.textContent = `Not valid JSON: ${ex.message}`;
      rawError.hidden = false;
      return;
    }
    const body = { rules: doc.rules || {}, mode: doc.mode || 'enforce' };
    if (isNew) body.customer_id = customer.input.value.trim(); else body.policy_id = policy.id;
    preview.disabled = true;
    try {
      const r = await api('POST', '/policies/preview', { body });
      previewResult.dataset.replayed = r.replayed;
      previewResult.dataset.newlyBlocked = r.newly_blocked;
      previewResult.dataset.newlyAllowed = r.newly_allowed;
      const rules = (r.by_rule || []).slice(0, 5).map((x) => `${x.rule} ${fmtNumber(x.checks)}`).join(', ');
      previewResult.textContent = `${fmtNumber(r.replayed)} checks of the last 7 days replayed${r.truncated ? ' (the newest only)' : ''}: `
        + `this draft would block ${fmtNumber(r.draft.blocked)} (now ${fmtNumber(r.current.blocked)}), `
        + `${fmtNumber(r.newly_blocked)} newly blocked, ${fmtNumber(r.newly_allowed)} newly allowed`
        + (r.draft.would_block ? `, ${fmtNumber(r.draft.would_block)} would-block in monitor mode` : '')
        + (rules ? `. Rules: ${rules}.` : '.');
      previewResult.hidden = false;
    } catch (ex) {
      if (ex instanceof ApiError && ex.status === 400) showFieldError(ex); else showError(formError, ex);
    } finally { preview.disabled = false; }
  }, { id: 'policy-preview' });
  if (mutation(preview)) form.append(preview, previewResult); // a read-only key cannot POST, not even a preview

  const del = isNew || policy.deleted ? null : confirmButton('Delete policy', 'Confirm delete', async () => {
    try {
      await api('DELETE', `/policies/${encodeURIComponent(policy.id)}`);
      status(`Deleted ${policy.name}.`, 'ok');
      go('policies');
    } catch (ex) { showError(formError, ex); }
  }, { id: 'policy-delete' });

  container.append(
    h('p', { class: 'crumbs' }, h('a', { href: href('policies') }, 'Policies'), ' / ', isNew ? 'new' : policy.name),
    h('div', { class: 'view-head' }, h('h1', { id: 'policy-title' }, isNew ? 'New policy' : policy.name),
      isNew ? null : h('span', { class: 'badge', id: 'policy-version', dataset: { version: policy.version } }, `version ${policy.version}`),
      del),
    isNew ? null : h('p', { class: 'muted' }, 'Policy ', h('code', {}, policy.id), ' of customer ', h('code', {}, policy.customer_id),
      ' · updated ', time(policy.updated_at),
      policy.mode === 'monitor' && policy.would_block_24h !== undefined ? ` · would have blocked ${fmtNumber(policy.would_block_24h)} checks in 24 h` : ''),
    form,
    isNew ? null : history(versions));
}

function history(versions) {
  return h('section', { id: 'policy-history' },
    h('h2', {}, 'Version history'),
    table([
      { label: 'Version', cell: (v) => String(v.version), class: 'num' },
      { label: 'Made', cell: (v) => time(v.created_at) },
      { label: 'Name', cell: (v) => v.name },
      { label: 'Mode', cell: (v) => v.mode },
      { label: 'Active', cell: (v) => (v.active ? 'yes' : 'no') },
      { label: 'Deleted', cell: (v) => (v.deleted ? 'yes' : '') },
      { label: 'By key', cell: (v) => (v.admin_key_id ? h('code', {}, v.admin_key_id) : '—') },
      { label: 'Rules', cell: (v) => h('details', {}, h('summary', {}, 'show'), pre(v.rules)) },
    ], versions, { rowAttrs: (v) => ({ dataset: { version: v.version } }) }));
}
