// Metrics: 3 API calls (stats, 5-minute buckets over 24 h, hourly over 30 days).

import { api } from '../api.js';
import { h, fmtNumber, fmtPercent, time } from '../dom.js';
import { barChart, lineChart } from '../chart.js';
import { button, stat, hoursAgo, nowIso } from './common.js';

const KEYS = [
  { key: 'allowed', label: 'allowed', cls: 'c-allow' },
  { key: 'blocked', label: 'blocked', cls: 'c-block' },
  { key: 'rate_limited', label: 'rate limited (429)', cls: 'c-429' },
];

export default async function metrics({ container }) {
  const until = nowIso();
  const end = new Date(until);
  const daySince = hoursAgo(24, end);
  const monthSince = hoursAgo(24 * 30, end);
  const [stats, day, month] = await Promise.all([
    api('GET', '/admin/stats'),
    // The charts show no top lists: top=false spares the server their ranking.
    api('GET', '/admin/usage', { query: { since: daySince, until, bucket: '5m', top: 'false' } }),
    api('GET', '/admin/usage', { query: { since: monthSince, until, bucket: '1h', top: 'false' } }),
  ]);
  const tiers = stats.rate_limited_by_tier || {};
  const table = stats.bucket_table || {};
  const workers = stats.workers || {};
  const dt = day.totals || {};

  container.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'Metrics'),
      button('Refresh', () => window.dispatchEvent(new HashChangeEvent('hashchange')), { id: 'refresh' })),
    h('p', { class: 'muted' }, 'Live counters as of ', time(stats.generated_at),
      '; charts from the usage rollups (filled as the audit trail is flushed, within about a second).'),
    h('div', { class: 'stats' },
      stat('Checks (24 h)', fmtNumber(dt.checks), 'day_checks'),
      stat('Allowed (24 h)', fmtNumber(dt.allowed), 'day_allowed'),
      stat('Blocked (24 h)', fmtNumber(dt.blocked), 'day_blocked'),
      stat('Rate limited (24 h)', fmtNumber(dt.rate_limited), 'day_rate_limited'),
      stat('Latency p50 / p95 (live)', `${fmtNumber(stats.latency_ms && stats.latency_ms.p50, 2)} / ${fmtNumber(stats.latency_ms && stats.latency_ms.p95, 2)} ms`, 'latency'),
      stat('429 by tier (live)', Object.keys(tiers).length ? Object.entries(tiers).map(([t, n]) => `${t} ${fmtNumber(n)}`).join(' · ') : '0', 'rate_limited_by_tier'),
      stat('Bucket table', `${fmtNumber(table.used)} / ${fmtNumber(table.capacity)}`, 'bucket_table', fmtPercent(table.used || 0, table.capacity || 0)),
      stat('Workers up', `${fmtNumber(workers.up)} / ${fmtNumber(workers.configured)}`, 'workers_up')),
    barChart(day.series || [], KEYS, { title: 'Checks per 5 minutes, last 24 h', bucket: '5m', id: 'chart-5m', since: daySince, until }),
    lineChart(day.series || [], [
      { key: 'latency_ms.p50', label: 'p50', cls: 'c-p50' },
      { key: 'latency_ms.p95', label: 'p95', cls: 'c-p95' },
    ], { title: 'Check latency per 5 minutes (ms)', unit: '', id: 'chart-latency' }),
    barChart(month.series || [], KEYS, { title: 'Checks per hour, last 30 days', bucket: '1h', id: 'chart-1h', since: monthSince, until }),
    h('p', {}, 'Long-term and per-worker graphs: import the shipped Grafana dashboard ',
      h('a', { href: 'grafana/convergence.json', download: 'convergence-grafana.json', id: 'grafana-link' }, 'configs/grafana/convergence.json'),
      ' (Prometheus scrapes /metrics from the host; see docs/operations.md, "Metrics").'),
  );
}
