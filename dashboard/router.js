// Hash routes: #/view[/id][?k=v&...]. Filters live in the hash, so a view can
// be reloaded, bookmarked and shared without the page keeping any state.

export function parseHash(hash = window.location.hash) {
  const raw = hash.replace(/^#/, '') || '/overview';
  const [pathPart, queryPart = ''] = raw.split('?');
  const segments = pathPart.split('/').filter(Boolean).map((seg) => {
    try { return decodeURIComponent(seg); } catch { return seg; }
  });
  const params = {};
  for (const [k, v] of new URLSearchParams(queryPart)) params[k] = v;
  return { view: segments[0] || 'overview', args: segments.slice(1), params };
}

export function buildHash(view, args = [], params = {}) {
  const path = [view, ...args].map((seg) => encodeURIComponent(seg)).join('/');
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') qs.set(k, String(v));
  }
  const q = qs.toString();
  return `#/${path}${q ? `?${q}` : ''}`;
}

/** Navigates (adds a history entry, fires hashchange). */
export function go(view, args = [], params = {}) {
  const target = buildHash(view, args, params);
  if (window.location.hash === target) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = target;
  }
}

/** Replaces the hash without re-rendering (e.g. a filter already applied). */
export function replaceQuiet(view, args = [], params = {}) {
  history.replaceState(null, '', buildHash(view, args, params));
}

export function href(view, args = [], params = {}) {
  return buildHash(view, args, params);
}
