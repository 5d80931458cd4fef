// Route options side by side (POST /api/analyses/compare-routes): two to five candidates,
// each drawn on the map (drawing.js, as for route impact) or a stored canal, the section
// proposed for them, the options on the map in their own colours with their letters, and
// the endpoint's table — one row per option — with its CSV and .xlsx downloads.

/* global L */
import * as api from './api.js';
import {
  $, esc, paintAttrs, setHtml, setStatus,
} from './dom.js';
import { cancelDrawing, finishDrawing, startDrawing } from './drawing.js';
import { download } from './exports.js';
import {
  applyStatic, fmtArea, fmtLen, fmtNum, t, tStatus,
} from './i18n.js';
import { pill, swatch } from './look.js';
import { featuresOf, fitPadding, getMap } from './layers.js';
import { VERDICT_COLOR } from './hydraulics.js';
import { busy, on } from './state.js';

const MAX_OPTIONS = 5;
const LETTERS = ['A', 'B', 'C', 'D', 'E'];
/** One colour per option, in order: none is a canal status's or a verdict's colour. */
export const OPTION_COLORS = ['#1f6fd1', '#e6550d', '#7b3fa0', '#0e9aa7', '#b8860b'];

/** The options: [{ id, kind: 'route'|'canal', geometry?, canal_id?, color }]. */
let options = [];
/** The answer shown: { body (the request), result }, or null. */
let shown = null;
let group = null;
let abort = null;

/** The comparison shown ({ body, result }), or null. */
export function current() {
  return shown;
}

function freeLetter() {
  return LETTERS.find((l) => !options.some((o) => o.id === l));
}

function colorOf(id) {
  return OPTION_COLORS[LETTERS.indexOf(id)] || OPTION_COLORS[0];
}

/** Whom drawing.js draws a route for. */
const OWNER = {
  draw: '#cmp-draw-btn',
  finish: '#cmp-finish-btn',
  cancel: '#cmp-cancel-btn',
  hint: '#cmp-draw-hint',
  status: '#cmp-status',
  color: OPTION_COLORS[0],
  begin: () => setStatus($('#cmp-status'), ''),
  done: (geometry) => addOption({ kind: 'route', geometry }),
};

const FORM = `<div class="card" id="compare-card">
  <h2 data-i18n="cmp.title"></h2>
  <p class="muted" data-i18n="cmp.intro"></p>
  <ol class="cmp-options" id="cmp-options"></ol>
  <div class="row">
    <button type="button" id="cmp-draw-btn" class="btn" data-i18n="cmp.draw"></button>
    <button type="button" id="cmp-finish-btn" class="btn" data-i18n="impact.finish" hidden></button>
    <button type="button" id="cmp-cancel-btn" class="btn" data-i18n="impact.cancel" hidden></button>
  </div>
  <p id="cmp-draw-hint" class="hint" data-i18n="impact.drawing" hidden></p>
  <label class="field cmp-pick"><span data-i18n="cmp.add_canal"></span><select id="cmp-canal"></select></label>
  <fieldset class="cmp-section">
    <legend data-i18n="cmp.section"></legend>
    <label><span data-i18n="cmp.shape"></span><select id="cmp-shape">
      <option value="rectangular" data-i18n="status.shape.rectangular_open"></option>
      <option value="trapezoidal" data-i18n="status.shape.trapezoidal_open"></option>
      <option value="circular" data-i18n="status.shape.circular_pipe"></option>
    </select></label>
    <label data-for="open"><span data-i18n="cmp.width"></span><input id="cmp-width" type="number" min="0.1" max="20" step="0.1" value="1.5"></label>
    <label data-for="open"><span data-i18n="cmp.depth"></span><input id="cmp-depth" type="number" min="0.1" max="10" step="0.1" value="1.5"></label>
    <label data-for="trapezoidal" hidden><span data-i18n="cmp.side_slope"></span><input id="cmp-side" type="number" min="0" max="10" step="0.25" value="1"></label>
    <label data-for="circular" hidden><span data-i18n="cmp.diameter"></span><input id="cmp-diameter" type="number" min="0.1" max="5" step="0.1" value="1"></label>
    <label><span data-i18n="cmp.lining"></span><select id="cmp-lining"></select></label>
    <label><span data-i18n="cmp.class"></span><select id="cmp-class"></select></label>
    <label><span data-i18n="cmp.slope"></span><input id="cmp-slope" type="number" min="0.05" max="100" step="0.05" value="1"></label>
    <label><span data-i18n="impact.width"></span><input id="cmp-corridor" type="number" min="0.5" max="100" step="0.5" value="6"></label>
  </fieldset>
  <div class="row"><button type="button" id="cmp-go" class="btn primary" data-i18n="cmp.go" disabled></button>
  <button type="button" id="cmp-clear" class="btn ghost" data-i18n="cmp.clear" hidden></button></div>
</div>
<div id="cmp-status" class="status" role="status" hidden></div>
<div id="cmp-result"></div>`;

export function init(map) {
  map.createPane('compare').style.zIndex = '441';
  group = L.featureGroup([]).addTo(map);
  const el = $('#compare-panel');
  setHtml(el, FORM);
  applyStatic(el);
  $('#cmp-draw-btn').addEventListener('click', () => {
    OWNER.color = colorOf(freeLetter());
    startDrawing(OWNER);
  });
  $('#cmp-finish-btn').addEventListener('click', finishDrawing);
  $('#cmp-cancel-btn').addEventListener('click', cancelDrawing);
  $('#cmp-canal').addEventListener('change', (e) => {
    if (e.target.value) addOption({ kind: 'canal', canal_id: e.target.value });
    e.target.value = '';
  });
  $('#cmp-shape').addEventListener('change', showShapeFields);
  $('#cmp-go').addEventListener('click', run);
  $('#cmp-clear').addEventListener('click', clearAll);
  on('lang', () => {
    renderCanalSelect();
    renderOptions();
    renderResult();
  });
  on('feature', ({ name }) => {
    if (name === 'canals') renderCanalSelect();
  });
  showShapeFields();
}

function showShapeFields() {
  const shape = $('#cmp-shape').value;
  for (const l of document.querySelectorAll('.cmp-section label[data-for]')) {
    const f = l.dataset.for;
    l.hidden = f === 'open' ? shape === 'circular' : f !== shape;
  }
}

/** The canals to pick from, and the linings and classes the network uses (after the canals load). */
export function renderCanalSelect() {
  const canals = featuresOf('canals');
  const sel = $('#cmp-canal');
  const taken = new Set(options.filter((o) => o.kind === 'canal').map((o) => o.canal_id));
  const byName = [...canals].sort((a, b) => String(a.properties.name).localeCompare(String(b.properties.name), 'vi'));
  setHtml(sel, `<option value="">${esc(t('impact.pick_none'))}</option>${byName.map((f) => {
    const len = typeof f.properties.length_m === 'number' ? ` · ${fmtLen(f.properties.length_m)} m` : '';
    return `<option value="${esc(f.id)}"${taken.has(String(f.id)) ? ' disabled' : ''}>${esc(f.properties.name || f.id)} (${esc(tStatus('canal_short', f.properties.status))})${len}</option>`;
  }).join('')}`);
  sel.disabled = options.length >= MAX_OPTIONS;
  fillDistinct('#cmp-lining', canals.map((f) => f.properties.lining), 'concrete', (v) => tStatus('lining', v));
  fillDistinct('#cmp-class', canals.map((f) => f.properties.drainage_class), 'village_main', (v) => tStatus('drainage_class', v));
}

/** A select of the distinct values the canals carry (and `fallback`), keeping the choice. */
function fillDistinct(selector, values, fallback, label) {
  const sel = $(selector);
  const keep = sel.value || fallback;
  const set = [...new Set([fallback, ...values.filter((v) => typeof v === 'string' && v.trim())])].sort();
  setHtml(sel, set.map((v) => `<option value="${esc(v)}">${esc(label(v))} (${esc(v)})</option>`).join(''));
  sel.value = set.includes(keep) ? keep : fallback;
}

function addOption(o) {
  const id = freeLetter();
  if (!id) return;
  options.push({ ...o, id, color: colorOf(id) });
  forgetResult();
  renderOptions();
  renderCanalSelect();
  drawOptions();
}

function removeOption(id) {
  options = options.filter((o) => o.id !== id);
  forgetResult();
  renderOptions();
  renderCanalSelect();
  drawOptions();
}

/** Another set of options: the table shown no longer answers for them. */
function forgetResult() {
  if (!shown) return;
  shown = null;
  renderResult();
  delete document.body.dataset.compare;
}

function clearAll() {
  cancelDrawing();
  options = [];
  shown = null;
  if (abort) abort.abort();
  setStatus($('#cmp-status'), '');
  renderOptions();
  renderCanalSelect();
  renderResult();
  drawOptions();
  delete document.body.dataset.compare;
}

function optionText(o) {
  if (o.kind === 'canal') {
    const f = featuresOf('canals').find((x) => String(x.id) === String(o.canal_id));
    return t('cmp.opt.canal', { name: f?.properties.name || o.canal_id });
  }
  const map = getMap();
  const pts = o.geometry.coordinates.map(([x, y]) => L.latLng(y, x));
  let m = 0;
  for (let i = 1; i < pts.length; i++) m += map.distance(pts[i - 1], pts[i]);
  return t('cmp.opt.drawn', { len: fmtLen(m) });
}

function renderOptions() {
  const list = $('#cmp-options');
  setHtml(list, options.map((o) => `<li data-option="${esc(o.id)}">${swatch(o.color, 'line')}
      <b>${esc(o.id)}</b> <span>${esc(optionText(o))}</span>
      <button type="button" class="link-btn" data-remove="${esc(o.id)}">${esc(t('cmp.remove'))}</button></li>`).join('')
    || `<li class="muted">${esc(t('cmp.none'))}</li>`);
  for (const b of list.querySelectorAll('button[data-remove]')) b.addEventListener('click', () => removeOption(b.dataset.remove));
  $('#cmp-go').disabled = options.length < 2;
  $('#cmp-draw-btn').disabled = options.length >= MAX_OPTIONS;
  $('#cmp-clear').hidden = !options.length && !shown;
  $('#cmp-go').title = options.length < 2 ? t('cmp.need_two') : '';
}

/** The options on the map: the answer's geometries once compared, else what was drawn or picked. */
function drawOptions() {
  group.clearLayers();
  const svg = L.svg({ pane: 'compare', tolerance: 0 });
  const geomOf = (o) => {
    const answered = shown?.result.routes.find((r) => r.id === o.id)?.geometry;
    if (answered) return answered;
    if (o.kind === 'route') return o.geometry;
    return featuresOf('canals').find((f) => String(f.id) === String(o.canal_id))?.geometry ?? null;
  };
  for (const o of options) {
    const g = geomOf(o);
    if (!g) continue;
    const lines = g.type === 'MultiLineString' ? g.coordinates : [g.coordinates];
    const latlngs = lines.map((l) => l.map(([x, y]) => [y, x]));
    const line = L.polyline(latlngs, {
      pane: 'compare',
      renderer: svg,
      interactive: false,
      color: o.color,
      weight: shown ? 6 : 4,
      opacity: 0.9,
      dashArray: shown ? null : '8 6',
      lineCap: 'round',
      className: `cmp-route cmp-route-${o.id}`,
    }).addTo(group);
    line.bindTooltip(o.id, {
      permanent: true, direction: 'center', className: `cmp-label cmp-label-${o.id}`, interactive: false,
    });
  }
  paintLabels();
}

/** The letters' colours (the tooltips are made by Leaflet; their colours are set here). */
function paintLabels() {
  for (const o of options) {
    for (const el of document.querySelectorAll(`.cmp-label-${o.id}`)) {
      el.style.background = o.color;
      el.style.borderColor = o.color;
    }
  }
}

function numberOf(selector) {
  const v = Number($(selector).value);
  return Number.isFinite(v) ? v : NaN;
}

/** The request body for the options and the section in the form. */
function requestBody() {
  const shape = $('#cmp-shape').value;
  const section = { shape, lining: $('#cmp-lining').value, drainage_class: $('#cmp-class').value };
  if (shape === 'circular') section.diameter_m = numberOf('#cmp-diameter');
  else {
    section.width_m = numberOf('#cmp-width');
    section.depth_m = numberOf('#cmp-depth');
    if (shape === 'trapezoidal') section.side_slope = numberOf('#cmp-side');
  }
  return {
    routes: options.map((o) => (o.kind === 'route' ? { id: o.id, route: o.geometry } : { id: o.id, canal_id: o.canal_id })),
    section,
    slope: numberOf('#cmp-slope') / 1000,
    corridor_width_m: numberOf('#cmp-corridor'),
  };
}

async function run() {
  if (options.length < 2) {
    setStatus($('#cmp-status'), t('cmp.need_two'), true);
    return;
  }
  if (abort) abort.abort();
  const ctl = new AbortController();
  abort = ctl;
  const body = requestBody();
  setStatus($('#cmp-status'), t('impact.running'));
  document.body.dataset.compare = 'busy';
  busy(1);
  try {
    const result = await api.compareRoutes(body, { signal: ctl.signal });
    if (ctl.signal.aborted) return;
    shown = { body, result };
    setStatus($('#cmp-status'), '');
    drawOptions();
    renderOptions();
    renderResult();
    const b = group.getBounds();
    if (b.isValid()) getMap().fitBounds(b, { ...fitPadding(40), maxZoom: 18 });
    $('#cmp-card')?.scrollIntoView({ block: 'nearest' });
    document.body.dataset.compare = 'ready';
  } catch (e) {
    if (e.name === 'AbortError') return;
    setStatus($('#cmp-status'), t('impact.error', { msg: e.message }), true);
    document.body.dataset.compare = 'error';
  } finally {
    busy(-1);
  }
}

/** The table's columns: [key in the row, header key, cell]. */
const COLUMNS = [
  ['length_m', 'cmp.col.length', (r) => fmtLen(r.length_m)],
  ['land_taken_m2', 'cmp.col.land', (r) => fmtArea(r.land_taken_m2)],
  ['parcels', 'cmp.col.parcels', (r) => fmtNum(r.parcels)],
  ['owners', 'cmp.col.owners', (r) => fmtNum(r.owners)],
  ['not_agreed', 'cmp.col.not_agreed', (r) => fmtNum(r.not_agreed)],
  ['fences_m', 'cmp.col.fences', (r) => fmtLen(r.fences_m)],
  ['gates', 'cmp.col.gates', (r) => fmtNum(r.gates)],
  ['served_households', 'cmp.col.served', (r) => fmtNum(r.served_households)],
  ['slope', 'cmp.col.slope', (r) => fmtNum(r.slope * 1000, 2)],
  ['design_flow_m3s', 'cmp.col.q', (r) => fmtNum(r.design_flow_m3s * 1000, 0)],
  ['capacity_m3s', 'cmp.col.cap', (r) => fmtNum(r.capacity_m3s * 1000, 0)],
  ['ratio', 'cmp.col.ratio', (r) => fmtNum(r.ratio, 2)],
  ['velocity_m_s', 'cmp.col.velocity', (r) => fmtNum(r.velocity_m_s, 2)],
  ['verdict', 'cmp.col.verdict', (r) => pill(VERDICT_COLOR[r.verdict] || VERDICT_COLOR.not_assessed, tStatus('verdict', r.verdict))],
  ['cost.total_vnd', 'cmp.col.cost', (r) => fmtNum(r.cost.total_vnd / 1e6, 1)],
];

function valueAt(row, key) {
  return key.split('.').reduce((v, k) => v?.[k], row);
}

function renderResult() {
  const el = $('#cmp-result');
  if (!shown) {
    setHtml(el, '');
    return;
  }
  const { result: r } = shown;
  const head = COLUMNS.map(([key, h]) => `<th class="${key === 'verdict' ? '' : 'n'}" data-col="${esc(key)}">${esc(t(h))}</th>`).join('');
  const body = r.rows.map((row) => {
    const o = options.find((x) => x.id === row.route_id);
    const cells = COLUMNS.map(([key, , cell]) => {
      const v = valueAt(row, key);
      return `<td class="${key === 'verdict' ? '' : 'n'}" data-col="${esc(key)}" data-value="${esc(v)}">${cell(row)}</td>`;
    }).join('');
    return `<tr data-route="${esc(row.route_id)}"><th scope="row"><span class="cmp-id"${paintAttrs({ bg: o?.color || colorOf(row.route_id) })}>${esc(row.route_id)}</span></th>${cells}</tr>`;
  }).join('');
  const costRows = r.rows.map((row) => `<li>${esc(t('cmp.cost_row', {
    id: row.route_id,
    earth: fmtNum(row.cost.earthwork_m3, 0),
    e: fmtNum(row.cost.earthwork_vnd / 1e6, 1),
    l: fmtNum(row.cost.lining_vnd / 1e6, 1),
    f: fmtNum(row.cost.fences_vnd / 1e6, 1),
    g: fmtNum(row.cost.gates_vnd / 1e6, 1),
  }))}</li>`).join('');
  setHtml(el, `<div class="card" id="cmp-card">
      <h2>${esc(t('cmp.result', { n: r.rows.length }))}</h2>
      ${r.rain_constants_unverified ? `<p class="unverified" data-unverified="rain" title="${esc(r.unverified_note || '')}">${esc(t('hyd.flag.rain_short'))}</p>` : ''}
      <div class="table-wrap"><table class="impact cmp-table" id="cmp-table">
        <thead><tr><th>${esc(t('cmp.col.option'))}</th>${head}</tr></thead>
        <tbody>${body}</tbody>
      </table></div>
      <ul class="plain-list cmp-costs">${costRows}</ul>
      ${r.prices_are_samples ? `<p class="muted note" data-samples>${esc(t('cmp.samples'))}</p>` : ''}
      <div class="export-actions">
        <button type="button" class="btn" data-cmp-format="csv"><span class="label">CSV</span></button>
        <button type="button" class="btn" data-cmp-format="xlsx"><span class="label">Excel (.xlsx)</span></button>
      </div>
      <p id="cmp-export-status" class="status small" role="status" hidden></p>
    </div>`);
  for (const b of el.querySelectorAll('button[data-cmp-format]')) {
    b.addEventListener('click', () => download(api.compareRequest(shown.body, b.dataset.cmpFormat), { button: b, status: $('#cmp-export-status') }));
  }
}
