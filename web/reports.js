// The reports tab: canal length by village and status (bars), piped-water registration
// per village against the target, and the month-by-month progress from the change
// history. Fetched again after every acknowledged edit and on signing in or out.

import * as api from './api.js';
import {
  $, esc, paintAttrs, setHtml,
} from './dom.js';
import {
  fmtLen, fmtMonth, fmtNum, fmtPct, t, tStatus,
} from './i18n.js';
import {
  CANAL_STYLE, CLEARANCE_COLOR, CONTRIBUTION_FIELDS, swatch,
} from './look.js';
import {
  busy, enumValues, on,
} from './state.js';
import { download } from './exports.js';

const reports = { canals: null, water: null, progress: null, canalsError: null, waterError: null, progressError: null };

export function init() {
  initReview();
  on('lang', render);
  on('user', load);
  on('edited', load);
}

function showError(el, e) {
  setHtml(el, `<div class="status error">${esc(t('report.error', { msg: e.message }))}</div>`);
}

/** Fetches the three reports and shows them; body[data-reports] counts the loads, for the tests. */
export async function load() {
  busy(1);
  try {
    const [canals, water, progress] = await Promise.allSettled([api.canalLengthReport(), api.waterReport(), api.monthlyProgress()]);
    reports.canals = canals.status === 'fulfilled' ? canals.value : null;
    reports.canalsError = canals.status === 'rejected' ? canals.reason : null;
    reports.water = water.status === 'fulfilled' ? water.value : null;
    reports.waterError = water.status === 'rejected' ? water.reason : null;
    reports.progress = progress.status === 'fulfilled' ? progress.value : null;
    reports.progressError = progress.status === 'rejected' ? progress.reason : null;
    render();
    document.body.dataset.reports = String((Number(document.body.dataset.reports) || 0) + 1);
  } finally {
    busy(-1);
  }
}

function render() {
  renderCanals();
  renderWater();
  renderProgress();
}

/** Month by month, newest first: canal metres, parcels per clearance step, contributions, water rate. */
function renderProgress() {
  const el = $('#report-progress');
  if (!el) return;
  if (reports.progressError) return showError(el, reports.progressError);
  const r = reports.progress;
  if (!r) return;
  const start = r.water_rate_at_start !== null
    ? `<p class="muted small progress-start">${esc(t('progress.water_start', { p: fmtPct(r.water_rate_at_start) }))}</p>` : '';
  if (!r.months.length) {
    setHtml(el, `<p class="muted" data-progress-empty>${esc(t('progress.none'))}</p>${start}`);
    return;
  }
  const target = reports.water?.target_rate;
  const signed = (v, d) => `${v > 0 ? '+' : ''}${fmtNum(v, d)}`;
  // The server's steps in its order, then any step it reports that it does not list.
  const listed = enumValues('parcels', 'clearance_status');
  let prevRate = r.water_rate_at_start;
  const rows = r.months.map((m) => {
    const steps = [...listed, ...Object.keys(m.parcels_to_status).filter((st) => !listed.includes(st))];
    const parcels = steps.filter((st) => m.parcels_to_status[st] > 0)
      .map((st) => `<span class="key" data-parcels-status="${esc(st)}" data-count="${m.parcels_to_status[st]}">${swatch(CLEARANCE_COLOR[st], 'edged')}${esc(tStatus('clearance', st))} <b>${fmtNum(m.parcels_to_status[st])}</b></span>`).join('');
    const contrib = CONTRIBUTION_FIELDS.filter(([f]) => Math.abs(m.contributions_added[f] || 0) > 1e-9)
      .map(([f, d, unit]) => `<span class="key" data-contrib="${f}" data-value="${m.contributions_added[f]}">${esc(t(`progress.c.${f}`))} <b>${signed(m.contributions_added[f], d)} ${esc(t(unit))}</b></span>`).join('');
    const delta = prevRate === null ? null : m.water_rate - prevRate;
    prevRate = m.water_rate;
    const canal = m.canal_completed_m || m.canal_started_m
      ? `<span data-canal-completed="${m.canal_completed_m}">${esc(t('progress.completed'))} <b>${fmtLen(m.canal_completed_m)} m</b></span> · <span data-canal-started="${m.canal_started_m}">${esc(t('progress.started'))} <b>${fmtLen(m.canal_started_m)} m</b></span>`
      : '<span class="muted">—</span>';
    const reached = target !== undefined && m.water_rate >= target;
    return { month: m.month, html: `<div class="month" data-month="${esc(m.month)}">
      <div class="month-head"><b>${esc(fmtMonth(m.month))}</b><span class="muted">${esc(t('progress.edits', { n: fmtNum(m.edits) }))}</span></div>
      <div class="month-grid">
        <span class="lbl">${esc(t('progress.canals'))}</span><span>${canal}</span>
        <span class="lbl">${esc(t('progress.parcels'))}</span><span class="keys tight">${parcels || '<span class="muted">—</span>'}</span>
        <span class="lbl">${esc(t('progress.contrib'))}</span><span class="keys tight">${contrib || '<span class="muted">—</span>'}</span>
        <span class="lbl">${esc(t('progress.water'))}</span><span class="water-cell">
          <span class="bar mini" title="${target !== undefined ? esc(t('report.water.target', { p: fmtPct(target) })) : ''}"><span class="fill-reg ${reached ? 'reached' : 'behind'}"${paintAttrs({ width: Math.min(100, m.water_rate * 100) })}></span>${target !== undefined ? `<span class="target"${paintAttrs({ left: Math.min(100, target * 100) })}></span>` : ''}</span>
          <b data-water-rate="${m.water_rate}">${fmtPct(m.water_rate)}</b>${delta !== null && Math.abs(delta) > 1e-9 ? ` <span class="muted">(${esc(t('progress.points', { d: signed(delta * 100, 1) }))})</span>` : ''}</span>
      </div></div>` };
  });
  setHtml(el, rows.reverse().map((x) => x.html).join('') + start);
}

function renderCanals() {
  const el = $('#report-canals');
  if (reports.canalsError) return showError(el, reports.canalsError);
  const r = reports.canals;
  if (!r) return;
  if (!r.rows.length) {
    setHtml(el, `<p class="muted">${esc(t('report.canals.none'))}</p>`);
    return;
  }
  const byVillage = new Map();
  const byStatus = new Map();
  for (const row of r.rows) {
    const key = row.village_id ?? '';
    if (!byVillage.has(key)) byVillage.set(key, { name: row.village || t('report.canals.outside'), total: 0, parts: new Map() });
    const v = byVillage.get(key);
    v.total += row.length_m;
    v.parts.set(row.status, (v.parts.get(row.status) || 0) + row.length_m);
    byStatus.set(row.status, (byStatus.get(row.status) || 0) + row.length_m);
  }
  const villages = [...byVillage.entries()].sort((a, b) => (a[0] === '') - (b[0] === '') || a[1].name.localeCompare(b[1].name, 'vi'));
  const max = Math.max(...villages.map(([, v]) => v.total), 1);
  const listed = enumValues('canals', 'status');
  const statuses = [...listed, ...[...byStatus.keys()].filter((s) => !listed.includes(s))];
  const bars = villages.map(([id, v]) => {
    const segs = statuses.filter((s) => v.parts.get(s) > 0).map((s) => {
      const len = v.parts.get(s);
      const color = CANAL_STYLE[s]?.color || '#999';
      return `<div class="seg"${paintAttrs({ width: (100 * len) / max, bg: color })} title="${esc(tStatus('canal', s))}: ${fmtLen(len)} m"></div>`;
    }).join('');
    return `<div class="bar-row" data-village="${esc(id)}"><span class="name" title="${esc(v.name)}">${esc(v.name)}</span>
      <div class="bar">${segs}</div><span class="val">${fmtLen(v.total)} m</span></div>`;
  }).join('');
  const list = statuses.filter((s) => byStatus.get(s) > 0).map((s) => `<li data-status="${esc(s)}">${swatch(CANAL_STYLE[s]?.color || '#999')}${esc(tStatus('canal', s))}<span class="num">${fmtLen(byStatus.get(s))} m</span></li>`).join('');
  setHtml(el, `${bars}
    <ul class="status-list">${list}</ul>
    <div class="total-line"><span>${esc(t('report.canals.total'))}</span><span data-total-length="${r.total_length_m}">${fmtLen(r.total_length_m)} m</span></div>`);
}

function renderWater() {
  const el = $('#report-water');
  if (reports.waterError) return showError(el, reports.waterError);
  const r = reports.water;
  if (!r) return;
  const rowHtml = (v, strong) => {
    const ok = v.rate >= v.target_rate;
    const conn = v.dwellings ? v.connected / v.dwellings : 0;
    return `<div class="bar-row${strong ? ' commune' : ''}" data-water="${esc(v.village_id ?? 'commune')}">
      <span class="name" title="${esc(v.village)}">${strong ? `<b>${esc(v.village)}</b>` : esc(v.village)}</span>
      <div class="bar" title="${esc(t('report.water.target', { p: fmtPct(v.target_rate) }))}">
        <div class="fill-reg ${ok ? 'reached' : 'behind'}"${paintAttrs({ width: Math.min(100, v.rate * 100) })}></div>
        <div class="fill-conn"${paintAttrs({ width: Math.min(100, conn * 100) })}></div>
        <div class="target"${paintAttrs({ left: Math.min(100, v.target_rate * 100) })}></div>
      </div>
      <span class="val" data-rate="${v.rate}">${fmtPct(v.rate)}</span>
      <div class="sub" title="${esc(t('report.water.households', { hh: fmtNum(v.households), dw: fmtNum(v.dwellings) }))}"><span>${esc(t('report.water.detail', { reg: fmtNum(v.registered), dw: fmtNum(v.dwellings), conn: fmtNum(v.connected) }))}</span>
        <span class="${ok ? 'ok' : 'short'}">${ok ? '✓ ' : ''}${esc(ok ? t('report.water.reached') : t('report.water.to_target', { n: fmtNum(v.dwellings_to_target) }))}</span></div>
    </div>`;
  };
  const rows = r.villages.map((v) => rowHtml(v, false)).join('');
  const commune = r.commune ? `<div class="legend-sep"></div>${rowHtml(r.commune, true)}` : '';
  setHtml(el, `${rows}${commune}
    <div class="keys">
      <span class="key"><span class="sw key-registered"></span>${esc(tStatus('water', 'registered'))}</span>
      <span class="key"><span class="sw key-connected"></span>${esc(tStatus('water', 'connected'))}</span>
      <span class="key"><span class="sw key-target"></span>${esc(t('report.water.target', { p: fmtPct(r.target_rate) }))}</span>
    </div>`);
}

/** This month in the commune's calendar (UTC+7), `YYYY-MM`. */
function thisMonth() {
  return new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 7);
}

/**
 * The monthly review pack: a month and two downloads, the printable A4 page and the
 * workbook (through fetch, so that a signed-in user's token goes with them).
 */
function initReview() {
  const el = $('#report-review');
  if (!el) return;
  setHtml(el, `<label class="field"><span data-i18n="review.month">${esc(t('review.month'))}</span>
      <input type="month" id="review-month" min="2000-01" max="2999-12" value="${thisMonth()}"></label>
    <div class="review-actions">
      <button type="button" class="btn" id="review-html"><span class="label" data-i18n="review.html">${esc(t('review.html'))}</span></button>
      <button type="button" class="btn" id="review-xlsx"><span class="label" data-i18n="review.xlsx">${esc(t('review.xlsx'))}</span></button>
    </div>
    <p class="muted small" data-i18n="review.note">${esc(t('review.note'))}</p>
    <p class="status" id="review-status" hidden></p>`);
  for (const format of ['html', 'xlsx']) {
    const button = $(`#review-${format}`);
    button.addEventListener('click', () => {
      const month = $('#review-month').value || thisMonth();
      download(
        { url: `/api/reports/review?month=${encodeURIComponent(month)}&format=${format}` },
        { button, status: $('#review-status') },
      );
    });
  }
}
