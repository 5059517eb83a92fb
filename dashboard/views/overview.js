// Overview: 2 API calls (stats, 24 h usage).

import { api } from '../api.js';
import { h, fmtNumber, fmtPercent, table, time } from '../dom.js';
import { href } from '../router.js';
import { button, stat, hoursAgo, nowIso } from './common.js';
import { barChart } from '../chart.js';

export default async function overview({ container }) {
  const until = nowIso();
  const [stats, usage] = await Promise.all([
    api('GET', '/admin/stats'),
    api('GET', '/admin/usage', { query: { since: hoursAgo(24, new Date(until)), until, bucket: '1h' } }),
  ]);
  const checks = stats.checks || {};
  const total = (checks.allowed || 0) + (checks.blocked || 0);
  const t = usage.totals || {};
  const audit = stats.audit || {};
  const workers = stats.workers || {};
  const up = (ok) => h('span', { class: ok ? 'ok' : 'bad' }, ok ? 'up' : 'down');

  container.append(
    h('div', { class: 'view-head' },
      h('h1', {}, 'Overview'),
      button('Refresh', () => window.dispatchEvent(new HashChangeEvent('hashchange')), { id: 'refresh' })),
    h('p', { class: 'muted' }, 'Counters since the service started (shared memory, every worker) — as of ', time(stats.generated_at), '.'),
    h('div', { class: 'stats' },
      stat('Checks', fmtNumber(total), 'checks_total'),
      stat('Allowed', fmtNumber(checks.allowed), 'checks_allowed'),
      stat('Blocked', fmtNumber(checks.blocked), 'checks_blocked', `block rate ${fmtPercent(checks.blocked || 0, total)}`),
      stat('Would block (monitor)', fmtNumber(checks.would_block), 'checks_would_block'),
      stat('Rate limited (429)', fmtNumber(stats.rate_limited), 'rate_limited'),
      stat('Latency p95', `${fmtNumber(stats.latency_ms && stats.latency_ms.p95, 2)} ms`, 'latency_p95',
        `p50 ${fmtNumber(stats.latency_ms && stats.latency_ms.p50, 2)} ms`)),
    h('h2', {}, 'Health'),
    h('div', { class: 'stats' },
      stat('Audit backlog', fmtNumber(audit.backlog), 'audit_backlog',
        `oldest unflushed ${fmtNumber(audit.oldest_unflushed_age_seconds, 1)} s`),
      stat('Audit flusher', up(audit.flusher_up), 'flusher_up'),
      stat('PostgreSQL', up(audit.postgres_up), 'postgres_up'),
      stat('Workers', `${fmtNumber(workers.up)} / ${fmtNumber(workers.configured)}`, 'workers')),
    h('h2', {}, 'Last 24 hours'),
    h('div', { class: 'stats' },
      stat('Checks', fmtNumber(t.checks), 'usage_checks'),
      stat('Blocked', fmtNumber(t.blocked), 'usage_blocked', `block rate ${fmtPercent(t.blocked || 0, t.checks || 0)}`),
      stat('Rate limited', fmtNumber(t.rate_limited), 'usage_rate_limited'),
      stat('PII findings', fmtNumber(t.pii_findings), 'usage_pii')),
    barChart(usage.series || [], [
      { key: 'allowed', label: 'allowed', cls: 'c-allow' },
      { key: 'blocked', label: 'blocked', cls: 'c-block' },
      { key: 'rate_limited', label: 'rate limited', cls: 'c-429' },
    ], { title: 'Checks per hour, last 24 h', bucket: '1h', id: 'chart-overview' }),
    h('div', { class: 'cols' },
      h('section', {},
        h('h2', {}, 'Top customers by blocks (24 h)'),
        (usage.top_customers_by_blocks || []).length
          ? table([
            { label: 'Customer', cell: (r) => h('a', { href: href('customers', [r.tenant_id || r.customer_id]) }, r.name || r.tenant_id || r.customer_id) },
            { label: 'Tenant', cell: (r) => r.tenant_id || '—' },
            { label: 'Blocked', cell: (r) => fmtNumber(r.blocked), class: 'num' },
          ], usage.top_customers_by_blocks, { class: 'data', caption: null })
          : h('p', { class: 'muted' }, 'No blocked checks.')),
      h('section', {},
        h('h2', {}, 'Top violated rules (24 h)'),
        (usage.top_rules || []).length
          ? table([
            { label: 'Rule', cell: (r) => r.rule },
            { label: 'Policy', cell: (r) => (r.policy_id ? h('a', { href: href('policies', [r.policy_id]) }, r.policy_id) : '—') },
            { label: 'Blocked', cell: (r) => fmtNumber(r.blocked), class: 'num' },
            { label: 'Would block', cell: (r) => fmtNumber(r.would_block), class: 'num' },
          ], usage.top_rules)
          : h('p', { class: 'muted' }, 'No violated rules.'))),
  );
}
