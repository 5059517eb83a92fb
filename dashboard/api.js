// Fetch wrapper for the same-origin API. The session is an HttpOnly cookie set
// by POST /admin/session: the page never holds the admin key after sign-in.
// Every state-changing request carries X-Convergence-CSRF (a cross-site form
// cannot send a custom header, so the server can refuse forged requests).

export class ApiError extends Error {
  constructor(status, code, message, requestId, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.body = body;
  }

  /** The field an error names: "rules.block_threshold: …" → "rules.block_threshold". */
  get field() {
    const m = /^(rules\.[A-Za-z0-9_.]+|[a-z_]+)(?=:)/.exec(this.message || '');
    if (m) return m[1];
    const byCode = { invalid_name: 'name', invalid_mode: 'mode', invalid_rules: 'rules', invalid_tenant_id: 'tenant_id',
      invalid_tier: 'tier', invalid_expires_at: 'expires_at', invalid_rate_limit: 'rate_limit', invalid_customer_id: 'customer_id' };
    return byCode[this.code] || null;
  }

  get display() {
    const rid = this.requestId ? ` (request ${this.requestId})` : '';
    return `${this.message || 'Request failed'}${this.code ? ` [${this.code}]` : ''}${rid}`;
  }
}

const listeners = { unauthorized: [] };
/** Called when any call answers 401 (session expired or revoked). */
export function onUnauthorized(fn) { listeners.unauthorized.push(fn); }

/** Builds "path?query" from an object, skipping empty values. */
export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v === null || v === undefined || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * api('GET', '/admin/keys', {query: {...}}) → parsed JSON (null for 204).
 * Throws ApiError with the server's error code and message.
 */
export async function api(method, path, { query, body, signal, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-Convergence-CSRF'] = '1';
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'error', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(withQuery(path, query), init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The server could not be reached.', null, null);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!response.ok) {
    const e = (json && json.error) || {};
    const err = new ApiError(response.status, e.code || `http_${response.status}`,
      e.message || `HTTP ${response.status}`, e.request_id || response.headers.get('X-Request-ID'), json);
    if (response.status === 401 && !quiet401) listeners.unauthorized.forEach((fn) => fn(err));
    throw err;
  }
  return json;
}

/** The signed-in session ({key_id, name, read_only, expires_at}) or null. */
export const session = { current: null };

export function isReadOnly() {
  return Boolean(session.current && session.current.read_only);
}
