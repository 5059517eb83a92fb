// Entry point: session check, sign-in/out, the router and the status line.

import { api, ApiError, onUnauthorized, session } from './api.js';
import { h, replace, clear } from './dom.js';
import { parseHash } from './router.js';
import overview from './views/overview.js';
import customers from './views/customers.js';
import keys from './views/keys.js';
import policies from './views/policies.js';
import audit from './views/audit.js';
import metrics from './views/metrics.js';

const views = { overview, customers, keys, policies, audit, metrics };
const $ = (id) => document.getElementById(id);

const main = $('main');
let renderToken = 0;
let cleanup = null;

/** Shows a message in the status line (role=status, announced). */
export function status(message, kind = 'info') {
  const el = $('status');
  el.textContent = message || '';
  el.className = `status ${kind}`;
}

function showSignIn(message) {
  session.current = null;
  if (cleanup) { cleanup(); cleanup = null; }
  document.body.classList.remove('read-only');
  $('nav').hidden = true;
  $('who').hidden = true;
  $('signin').hidden = false;
  clear(main);
  main.dataset.state = 'signed-out';
  main.dataset.view = '';
  main.setAttribute('aria-busy', 'false');
  const err = $('signin-error');
  err.textContent = message || '';
  err.hidden = !message;
  $('signin-key').focus();
}

function showApp(info) {
  session.current = info;
  $('signin').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('who-name').textContent = info.name ? `Signed in as ${info.name}` : 'Signed in';
  $('who-ro').hidden = !info.read_only;
  document.body.classList.toggle('read-only', Boolean(info.read_only));
  render();
}

async function render() {
  if (!session.current) return;
  const token = ++renderToken;
  if (cleanup) { cleanup(); cleanup = null; }
  const route = parseHash();
  const view = views[route.view] ? route.view : 'overview';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  main.dataset.view = view;
  main.dataset.state = 'loading';
  main.setAttribute('aria-busy', 'true');
  const container = h('div', { class: 'view' });
  try {
    const result = await views[view]({ container, args: route.args, params: route.params, status,
      isCurrent: () => token === renderToken });
    if (token !== renderToken) return;
    cleanup = typeof result === 'function' ? result : null;
    replace(main, container);
    main.dataset.state = 'ready';
  } catch (err) {
    if (token !== renderToken) return;
    if (err instanceof ApiError && err.status === 401) return; // handled by onUnauthorized
    replace(main, h('div', { class: 'view' }, h('h1', {}, 'Error'),
      h('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? err.display : String(err))));
    main.dataset.state = 'error';
  } finally {
    if (token === renderToken) main.setAttribute('aria-busy', 'false');
  }
}

async function signIn(event) {
  event.preventDefault();
  const input = $('signin-key');
  const key = input.value.trim();
  // The key leaves the page at once: the input is cleared before the answer.
  input.value = '';
  const err = $('signin-error');
  err.hidden = true;
  if (!key) {
    err.textContent = 'Enter an admin key.';
    err.hidden = false;
    input.focus();
    return;
  }
  $('signin-submit').disabled = true;
  try {
    const info = await api('POST', '/admin/session', { body: { key }, quiet401: true });
    status('');
    showApp(info);
    main.focus();
  } catch (e) {
    const message = e instanceof ApiError && e.status === 401 ? 'That key was refused.' : (e.display || String(e));
    err.textContent = message;
    err.hidden = false;
    input.focus();
  } finally {
    $('signin-submit').disabled = false;
  }
}

async function signOut() {
  try {
    await api('DELETE', '/admin/session', { quiet401: true });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) status(`Sign-out failed: ${e.display || e}`, 'error');
  }
  showSignIn('Signed out.');
}

async function boot() {
  $('signin-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => { status(''); render(); });
  onUnauthorized(() => showSignIn('Your session has ended; sign in again.'));
  try {
    const info = await api('GET', '/admin/session', { quiet401: true });
    showApp(info);
  } catch (e) {
    showSignIn(e instanceof ApiError && e.status === 401 ? '' : `The server could not be reached: ${e.display || e}`);
  }
}

boot();
