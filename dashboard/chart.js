// Small inline-SVG charts (no library). Every bar is a <rect> with its bucket's
// start and values as data attributes and a <title> for the tooltip, so the
// chart can be read by a screen reader's table fallback and by the tests.

import { h, s } from './dom.js';

const W = 960;
const H = 220;
const PAD = { left: 48, right: 8, top: 10, bottom: 24 };

function niceMax(v) {
  if (v <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}

function axis(max, format) {
  const g = s('g', { class: 'axis' });
  for (let i = 0; i <= 4; i += 1) {
    const value = (max * i) / 4;
    const y = PAD.top + (H - PAD.top - PAD.bottom) * (1 - i / 4);
    g.appendChild(s('line', { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: 'grid' }));
    g.appendChild(s('text', { x: PAD.left - 6, y: y + 4, 'text-anchor': 'end' }, format(value)));
  }
  return g;
}

function label(start, bucket) {
  const d = new Date(start);
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString();
  if (bucket === '1d') return iso.slice(5, 10);
  if (bucket === '1h') return `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
  return iso.slice(11, 16);
}

/**
 * Stacked bars: series = [{start, ...counters}], keys = [{key, label, cls}].
 * Returns a <figure> with the SVG and a legend.
 */
export function barChart(series, keys, { title, bucket = '5m', id, since, until } = {}) {
  const n = series.length;
  const totals = series.map((p) => keys.reduce((sum, k) => sum + (Number(p[k.key]) || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = n ? plotW / n : plotW;
  const barW = Math.max(0.5, slot * 0.8);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title || 'chart',
    preserveAspectRatio: 'none' });
  svg.appendChild(axis(max, (v) => (v >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v * 10) / 10))));
  const bars = s('g', { class: 'bars' });
  series.forEach((p, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    let y = PAD.top + plotH;
    const g = s('g', { class: 'bar', 'data-start': p.start, 'data-total': totals[i] });
    const tip = [new Date(p.start).toISOString().slice(0, 16).replace('T', ' '),
      ...keys.map((k) => `${k.label}: ${Number(p[k.key]) || 0}`)].join('\n');
    g.appendChild(s('title', {}, tip));
    // An invisible full-height hit area keeps the tooltip reachable on empty buckets.
    g.appendChild(s('rect', { x, y: PAD.top, width: barW, height: plotH, class: 'hit' }));
    for (const k of keys) {
      const v = Number(p[k.key]) || 0;
      if (v <= 0) continue;
      const hgt = (v / max) * plotH;
      y -= hgt;
      g.appendChild(s('rect', { x, y, width: barW, height: hgt, class: `seg ${k.cls}`, 'data-key': k.key, 'data-value': v }));
    }
    bars.appendChild(g);
  });
  svg.appendChild(bars);
  // X labels: about eight.
  const step = Math.max(1, Math.ceil(n / 8));
  const labels = s('g', { class: 'axis' });
  for (let i = 0; i < n; i += step) {
    const x = PAD.left + i * slot;
    if (x > W - PAD.right - 70) break; // the last label would be cut off
    labels.appendChild(s('text', { x, y: H - 6 }, label(series[i].start, bucket)));
  }
  svg.appendChild(labels);
  return h('figure', { class: 'chart-figure', id, dataset: { bars: n, bucket, since, until } },
    title ? h('figcaption', {}, title) : null,
    svg,
    legend(keys));
}

/** Lines: series = [{start, ...}], keys = [{key (dot path ok), label, cls}]. */
export function lineChart(series, keys, { title, unit = '', id } = {}) {
  const get = (p, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), p);
  const n = series.length;
  const values = series.flatMap((p) => keys.map((k) => Number(get(p, k.key)) || 0));
  const max = niceMax(Math.max(0, ...values));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const xAt = (i) => PAD.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const yAt = (v) => PAD.top + plotH * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title || 'chart',
    preserveAspectRatio: 'none' });
  svg.appendChild(axis(max, (v) => `${Math.round(v * 10) / 10}${unit}`));
  for (const k of keys) {
    const pts = series.map((p, i) => `${xAt(i).toFixed(1)},${yAt(Number(get(p, k.key)) || 0).toFixed(1)}`).join(' ');
    svg.appendChild(s('polyline', { points: pts, class: `line ${k.cls}`, 'data-key': k.key }));
  }
  return h('figure', { class: 'chart-figure', id }, title ? h('figcaption', {}, title) : null, svg, legend(keys));
}

function legend(keys) {
  return h('ul', { class: 'legend' }, keys.map((k) => h('li', {}, h('span', { class: `swatch ${k.cls}`, 'aria-hidden': 'true' }), k.label)));
}
