// Pieces shared by the views.

import { isReadOnly, ApiError } from '../api.js';
import { h, replace } from '../dom.js';

/**
 * A control that changes something. A read-only session never gets it (the
 * server refuses such requests anyway): returns null, which h() skips.
 */
export function mutation(el) {
  if (isReadOnly()) return null;
  el.setAttribute('data-mutation', '');
  return el;
}

export function button(label, onClick, attrs = {}) {
  return h('button', { type: 'button', ...attrs, on: { click: onClick } }, label);
}

/** A secret shown once, with a copy button. It lives only in this element. */
export function secretBox(title, secret, note) {
  const id = `secret-${Math.random().toString(36).slice(2)}`;
  const input = h('input', { id, class: 'secret-value', type: 'text', readOnly: true, value: secret, spellcheck: 'false',
    autocomplete: 'off', 'data-secret': '' });
  const copied = h('span', { class: 'muted', role: 'status' });
  const copy = button('Copy', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      copied.textContent = 'Copied.';
    } catch {
      input.select();
      copied.textContent = 'Selected: press Ctrl+C to copy.';
    }
  }, { class: 'copy' });
  return h('div', { class: 'secret', role: 'region', 'aria-label': title },
    h('p', { class: 'secret-title' }, h('strong', {}, title)),
    h('label', { for: id }, 'Secret (shown once: store it now, it cannot be shown again)'),
    h('div', { class: 'secret-row' }, input, copy, copied),
    note ? h('p', { class: 'hint' }, note) : null);
}

/** An error line for a form or section. */
export function errorLine() {
  return h('p', { class: 'error', role: 'alert', hidden: true });
}

export function showError(el, err) {
  el.textContent = err instanceof ApiError ? err.display : String(err && err.message ? err.message : err);
  el.hidden = false;
}

export function hideError(el) {
  el.textContent = '';
  el.hidden = true;
}

/**
 * Two-step confirmation inside the page (no window.confirm): the first button
 * reveals "Confirm …" and "Cancel"; Confirm runs `action`.
 */
export function confirmButton(label, confirmLabel, action, attrs = {}) {
  const wrap = h('span', { class: 'confirm' });
  const start = button(label, () => {
    const yes = button(confirmLabel, async () => {
      yes.disabled = true;
      try { await action(); } finally { yes.disabled = false; }
    }, { class: 'danger', 'data-confirm': '' });
    const no = button('Cancel', () => { replace(wrap, start); start.focus(); });
    replace(wrap, yes, no);
    yes.focus();
  }, attrs);
  wrap.appendChild(start);
  return mutation(wrap);
}

/** Key state as text: active / rotating until … / revoked / expired. */
export function keyState(k) {
  const state = k.state || (k.revoked_at ? 'revoked'
    : (k.expires_at && new Date(k.expires_at) <= new Date() ? 'expired' : (k.replaced_by ? 'rotating' : 'active')));
  if (state === 'rotating') {
    const until = k.grace_until || k.expires_at;
    return h('span', { class: 'state rotating', dataset: { state } }, `rotating until ${until ? shortTime(until) : '?'}`);
  }
  return h('span', { class: `state ${state}`, dataset: { state } }, state);
}

export function shortTime(v) {
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function rateLimitText(rl) {
  if (!rl) return 'tier default';
  return `${rl.limit} / ${rl.period_seconds} s`;
}

/** A card with a big number (Overview, Metrics). */
export function stat(label, value, name, extra) {
  return h('div', { class: 'stat', dataset: { stat: name } },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value', dataset: { statValue: name } }, value),
    extra ? h('span', { class: 'stat-extra' }, extra) : null);
}

/** ISO time n hours ago (whole seconds). */
export function hoursAgo(n, from = new Date()) {
  return new Date(from.getTime() - n * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function nowIso() {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}
