// The drainage check on the map (GET /api/analyses/hydraulics): the "Thuỷ lực /
// Hydraulics" tab — the rain station and the flag saying its constants are unverified,
// the planned canal's sentence ("carries X l/s against a design inflow of Y l/s from
// Z ha"), every section's verdict and what could not be assessed — the canals drawn in
// their verdict's colour while the tab is open, and the hydraulic part of a canal's and a
// catchment's details (section, flows, velocity, ratio, verdict, the sizes that would
// pass, the longitudinal profile as an <img> of profile.svg).
//
// The network's answer is fetched once and again after an edit to a canal, a catchment
// or a parcel (they change the flows).

/* global L */
import * as api from './api.js';
import {
  $, esc, paintAttrs, setHtml,
} from './dom.js';
import { download } from './exports.js';
import {
  fmtLen, fmtNum, t, tStatus,
} from './i18n.js';
import * as legend from './legend.js';
import { pill } from './look.js';
import {
  featuresOf, fitPadding, getMap, layerOf,
} from './layers.js';
import { openDetails } from './popup.js';
import { busy, on } from './state.js';

/** The colour of each verdict on the map, in the legend and the labels. */
export const VERDICT_COLOR = {
  adequate: '#1a9850',
  undersized: '#d7191c',
  scouring: '#8e44ad',
  too_slow: '#e08a00',
  no_inflow: '#5b7c99',
  not_assessed: '#8a949b',
};
/** The verdicts in the legend's order. */
const VERDICTS = ['adequate', 'undersized', 'scouring', 'too_slow', 'no_inflow', 'not_assessed'];

/** The network's answer, or null until it is read. */
let answer = null;
/** True when an edit since may have changed it. */
let stale = true;
let loading = null;
let loadError = null;
/** Whether the canals are drawn by verdict (the tab is open). */
let viewOn = false;
let overlay = null;

/** The network's answer (read when needed), or null; resolves after a failed read too. */
export async function load() {
  if (answer && !stale) return answer;
  if (loading) return loading;
  busy(1);
  loading = (async () => {
    try {
      answer = await api.networkHydraulics();
      stale = false;
      loadError = null;
    } catch (e) {
      loadError = e;
    } finally {
      loading = null;
      busy(-1);
    }
    return answer;
  })();
  return loading;
}

/** The answer read last (for the tests and the console), or null. */
export function current() {
  return answer;
}

export function init(map) {
  // Above the households' dots (430), under route impact (440).
  map.createPane('hydraulics').style.zIndex = '435';
  overlay = L.featureGroup([], { pane: 'hydraulics' });
  legend.addRow(legendRow);
  on('tab', ({ name }) => setView(name === 'hydraulics'));
  on('lang', () => {
    render();
    if (viewOn) drawOverlay();
  });
  on('feature', ({ name }) => {
    if (!['canals', 'catchments', 'parcels'].includes(name)) return;
    stale = true;
    if (viewOn) refreshView();
  });
  on('edited', ({ name }) => {
    if (['canals', 'catchments', 'parcels'].includes(name)) stale = true;
  });
}

async function refreshView() {
  await load();
  if (!viewOn) return;
  render();
  drawOverlay();
}

/** Draws the canals by verdict (and the tab's content) or puts the map back. */
async function setView(on_) {
  if (on_ === viewOn) return;
  viewOn = on_;
  const map = getMap();
  map.getContainer().classList.toggle('hydraulics-view', viewOn);
  if (!viewOn) {
    map.removeLayer(overlay);
    legend.render();
    return;
  }
  overlay.addTo(map);
  render();
  await refreshView();
  document.body.dataset.hydraulics = loadError ? 'error' : 'ready';
}

// ---------------------------------------------------------------------------------
// What the answer says of one canal

function sectionOf(id) {
  return answer?.sections.find((s) => s.canal_id === String(id)) ?? null;
}

function problemsOf(kind, id) {
  return (answer?.problems ?? []).filter((p) => p.kind === kind && p.id === String(id)).map((p) => p.problem);
}

/** `adequate`, `undersized`, …, or `not_assessed` for a canal the check left out. */
function verdictOf(id) {
  return sectionOf(id)?.verdict ?? 'not_assessed';
}

const ls = (m3s) => fmtNum(m3s * 1000, 0);

function verdictPill(v) {
  return pill(VERDICT_COLOR[v] || VERDICT_COLOR.not_assessed, tStatus('verdict', v));
}

/** The flag for a result that depends on the rain constants (or on any unverified table). */
function flagHtml(kind = 'rain') {
  if (!answer) return '';
  const rain = answer.rain_constants_unverified;
  if (kind === 'rain' ? !rain : !answer.unverified_constants) return '';
  const text = kind === 'rain' ? t('hyd.flag.rain', { station: answer.rain_station }) : t('hyd.flag.tables');
  return `<p class="unverified" data-unverified="${esc(kind)}" title="${esc(answer.unverified_note || '')}">${esc(text)}</p>`;
}

/** "carries X l/s against a design inflow of Y l/s from Z ha", in the page's language. */
function carriesSentence(s) {
  return t('hyd.carries', {
    cap: ls(s.capacity_m3s), q: ls(s.design_flow_m3s), area: fmtNum(s.catchment_area_ha, 1),
  });
}

function floodNames(ids) {
  return ids.map((id) => layerOf('flood_zones', id)?.feature.properties.name || id);
}

function canalName(id) {
  return layerOf('canals', id)?.feature.properties.name || sectionOf(id)?.name || id;
}

function shapeText(s) {
  const dims = s.shape === 'circular_pipe'
    ? t('hyd.shape.pipe_dims', { d: fmtNum(s.bottom_width_m, 2) })
    : s.shape === 'trapezoidal_open'
      ? t('hyd.shape.trap_dims', { b: fmtNum(s.bottom_width_m, 2), h: fmtNum(s.depth_m, 2), m: fmtNum(s.side_slope, 2) })
      : t('hyd.shape.rect_dims', { b: fmtNum(s.bottom_width_m, 2), h: fmtNum(s.depth_m, 2) });
  return `${tStatus('shape', s.shape)} ${dims} · ${tStatus('lining', s.lining)} · n = ${fmtNum(s.manning_n, 3)}`;
}

function resizeText(r) {
  if (!r) return '';
  const parts = [];
  if (r.min_bottom_width_m != null) parts.push(t('hyd.resize.width', { b: fmtNum(r.min_bottom_width_m, 2) }));
  if (r.min_depth_m != null) parts.push(t('hyd.resize.depth', { h: fmtNum(r.min_depth_m, 2) }));
  if (r.min_diameter_m != null) parts.push(t('hyd.resize.diameter', { d: fmtNum(r.min_diameter_m, 2) }));
  return parts.join(t('hyd.resize.or'));
}

// ---------------------------------------------------------------------------------
// The details popup's part

function rows(list) {
  return `<table>${list.filter(Boolean).map(([k, v]) => `<tr><th>${esc(t(k))}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function canalPartHtml(id) {
  const s = sectionOf(id);
  if (!s) {
    const why = problemsOf('canal', id);
    return `<div class="kind">${esc(t('hyd.part.title'))}</div>
      <p>${verdictPill('not_assessed')}</p>
      <ul class="hyd-problems">${(why.length ? why : [t('hyd.not_in_network')]).map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
  }
  const planned = s.status === 'planned' || s.status === 'proposed';
  const floods = s.flood_zones.length ? floodNames(s.flood_zones).join(', ') : null;
  const resize = s.verdict === 'undersized' || s.findings?.includes('undersized') ? resizeText(s.resize) : '';
  return `<div class="kind">${esc(t('hyd.part.title_p', { p: s.return_period_years }))}</div>
    <p class="hyd-verdict" data-verdict="${esc(s.verdict)}">${verdictPill(s.verdict)}
      <span class="ratio">${esc(t('hyd.ratio_short', { r: fmtNum(s.ratio, 2) }))}</span></p>
    ${planned ? `<p class="hyd-sentence" data-sentence>${esc(carriesSentence(s))}</p>` : ''}
    ${flagHtml('rain')}
    <a class="hyd-profile-link" href="${esc(api.profileUrl(id))}" target="_blank" rel="noopener" title="${esc(t('hyd.profile.open'))}">
      <img class="hyd-profile" src="${esc(api.profileUrl(id))}" alt="${esc(t('hyd.profile.alt', { name: canalName(id) }))}">
    </a>
    ${rows([
    ['hyd.f.section', esc(shapeText(s))],
    ['hyd.f.slope', `${fmtNum(s.slope * 1000, 2)} ‰ · ${fmtLen(s.length_m)} ${t('unit.m')}`],
    ['hyd.f.catchment', `${fmtNum(s.catchment_area_ha, 2)} ha · ψ = ${fmtNum(s.runoff_coefficient, 2)}`],
    ['hyd.f.tc', `${fmtNum(s.time_of_concentration_min, 1)} ${t('unit.min')} · q = ${fmtNum(s.intensity_l_s_ha, 0)} l/s·ha`],
    ['hyd.f.flow', `<b data-q="${s.design_flow_m3s}">${ls(s.design_flow_m3s)}</b> / <b data-cap="${s.capacity_m3s}">${ls(s.capacity_m3s)}</b> l/s`],
    ['hyd.f.velocity', `${fmtNum(s.velocity_m_s, 2)} m/s ${esc(t('hyd.limits', { a: fmtNum(s.min_velocity_m_s, 2), b: fmtNum(s.max_velocity_m_s, 2) }))}`],
    ['hyd.f.ratio', `<span data-ratio="${s.ratio}">${fmtNum(s.ratio, 2)}</span>`],
    resize ? ['hyd.f.resize', `<span data-resize>${esc(resize)}</span>`] : null,
    floods ? ['hyd.f.drains_floods', esc(floods)] : null,
  ])}`;
}

function catchmentPartHtml(id) {
  const c = answer?.catchments.find((x) => x.id === String(id));
  if (!c) {
    const why = problemsOf('catchment', id);
    return `<div class="kind">${esc(t('hyd.part.title'))}</div>
      <ul class="hyd-problems">${(why.length ? why : [t('hyd.not_in_network')]).map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
  }
  const uses = Object.entries(c.land_use_ha || {}).sort((a, b) => b[1] - a[1])
    .map(([code, ha]) => `${esc(code)} ${fmtNum(ha, 2)}`).join(' · ');
  return `<div class="kind">${esc(t('hyd.part.title'))}</div>
    ${rows([
    ['hyd.f.area', `<b data-area="${c.area_ha}">${fmtNum(c.area_ha, 2)}</b> ha`],
    ['hyd.f.psi', `<b data-psi="${c.runoff_coefficient}">${fmtNum(c.runoff_coefficient, 2)}</b> ${esc(t('hyd.at_p', { p: c.return_period_years }))}`],
    ['hyd.f.drains_to', esc(canalName(c.drains_to))],
    uses ? ['hyd.f.land_use', `${uses} ha`] : null,
    c.remainder_ha > 0 ? ['hyd.f.remainder', `${fmtNum(c.remainder_ha, 2)} ha`] : null,
  ])}
    ${flagHtml('tables')}`;
}

/** The hydraulic part of a canal's or a catchment's details (popup.addPart). */
export const part = {
  wide: (name) => name === 'canals',
  html: (name) => (name === 'canals' || name === 'catchments' ? `<div class="hyd-part" data-hyd="${esc(name)}"></div>` : ''),
  wire: (el, pop) => fillPart(el, pop),
};

async function fillPart(el, pop) {
  const box = el.querySelector('[data-hyd]');
  if (!box) return;
  const write = () => {
    const target = pop.popup.getElement()?.querySelector('[data-hyd]');
    if (!target) return;
    if (!answer) {
      setHtml(target, `<p class="muted">${esc(t('hyd.error', { msg: loadError?.message ?? '' }))}</p>`);
    } else {
      setHtml(target, pop.name === 'canals' ? canalPartHtml(pop.feature.id) : catchmentPartHtml(pop.feature.id));
    }
    target.dataset.ready = 'true';
    // The profile's height is known once it has loaded: lay the popup out again then.
    const img = target.querySelector('img.hyd-profile');
    if (img) img.addEventListener('load', () => pop.popup.isOpen() && pop.popup.update(), { once: true });
    pop.popup.update();
  };
  if (answer && !stale) {
    write();
    return;
  }
  setHtml(box, `<p class="muted">${esc(t('hyd.loading'))}</p>`);
  await load();
  if (pop.popup.isOpen()) write();
}

// ---------------------------------------------------------------------------------
// The map: canals by verdict

function drawOverlay() {
  overlay.clearLayers();
  if (!answer) return;
  const svg = L.svg({ pane: 'hydraulics', tolerance: 0 });
  for (const f of featuresOf('canals')) {
    const base = layerOf('canals', f.id);
    if (!base?.getLatLngs) continue;
    const v = verdictOf(f.id);
    const line = L.polyline(base.getLatLngs(), {
      pane: 'hydraulics',
      renderer: svg,
      interactive: false,
      color: VERDICT_COLOR[v],
      weight: v === 'not_assessed' ? 4 : 6,
      opacity: 0.95,
      dashArray: v === 'not_assessed' ? '2 7' : null,
      lineCap: 'round',
      className: `hyd-line verdict-${v} hyd-canal-${String(f.id).replace(/[^\w-]/g, '_')}`,
    }).addTo(overlay);
    const s = sectionOf(f.id);
    if (v === 'undersized' && s) {
      line.bindTooltip(`×${fmtNum(s.ratio, 1)}`, {
        permanent: true, direction: 'center', className: 'hyd-tag undersized', interactive: false,
      });
    }
  }
  legend.render();
}

function legendRow() {
  if (!viewOn) return '';
  const shown = new Set(featuresOf('canals').map((f) => verdictOf(f.id)));
  const items = VERDICTS.filter((v) => shown.has(v) || v === 'adequate' || v === 'undersized').map((v) => {
    const kind = v === 'not_assessed' ? 'dotted' : 'solid';
    return `<div class="legend-item"><span class="legend-line ${kind}"${paintAttrs({ line: VERDICT_COLOR[v] })}></span><span>${esc(tStatus('verdict', v))}</span></div>`;
  }).join('');
  return `<div class="legend-row" data-legend="hydraulics"><span class="legend-title">${esc(t('legend.hydraulics'))}</span>${items}</div>`;
}

// ---------------------------------------------------------------------------------
// The tab

function render() {
  const el = $('#hydraulics-panel');
  if (!el) return;
  if (!answer) {
    const msg = loadError ? t('hyd.error', { msg: loadError.message }) : t('hyd.loading');
    setHtml(el, `<div class="card"><h2>${esc(t('hyd.title'))}</h2><p class="status${loadError ? ' error' : ''}" id="hyd-status">${esc(msg)}</p></div>`);
    return;
  }
  const a = answer;
  const sections = [...a.sections].sort((x, y) => (x.verdict === 'undersized' ? 0 : 1) - (y.verdict === 'undersized' ? 0 : 1) || y.ratio - x.ratio);
  const planned = a.sections.filter((s) => s.status === 'planned' || s.status === 'proposed');
  const plannedHtml = planned.map((s) => `<div class="hyd-planned" data-canal="${esc(s.canal_id)}">
      <div class="hyd-planned-head"><b>${esc(canalName(s.canal_id))}</b> ${verdictPill(s.verdict)}</div>
      <p class="hyd-sentence" data-sentence="${esc(s.canal_id)}">${esc(carriesSentence(s))}</p>
      ${s.flood_zones.length ? `<p class="muted small">${esc(t('hyd.drains_floods', { names: floodNames(s.flood_zones).join(', ') }))}</p>` : ''}
      <button type="button" class="link-btn" data-show="${esc(s.canal_id)}">${esc(t('hyd.show_on_map'))}</button>
    </div>`).join('');
  const body = sections.map((s) => `<tr tabindex="0" data-canal="${esc(s.canal_id)}" data-verdict="${esc(s.verdict)}">
      <td>${esc(canalName(s.canal_id))}</td>
      <td class="n">${fmtNum(s.catchment_area_ha, 1)}</td>
      <td class="n" data-q="${s.design_flow_m3s}">${ls(s.design_flow_m3s)}</td>
      <td class="n" data-cap="${s.capacity_m3s}">${ls(s.capacity_m3s)}</td>
      <td class="n">${fmtNum(s.ratio, 2)}</td>
      <td>${verdictPill(s.verdict)}</td>
    </tr>`).join('');
  const problems = a.problems.length
    ? `<ul class="plain-list hyd-problems" id="hyd-problems">${a.problems.map((p) => {
      const name = p.kind === 'canal' ? canalName(p.id) : (layerOf('catchments', p.id)?.feature.properties.name || p.id);
      return `<li data-problem="${esc(p.kind)}:${esc(p.id)}"><b>${esc(name)}</b> <span class="meta">(${esc(t(`feature.${p.kind}`))})</span>: ${esc(p.problem)}</li>`;
    }).join('')}</ul>`
    : `<p class="muted">${esc(t('hyd.problems.none'))}</p>`;
  setHtml(el, `<div class="card" id="hyd-card">
      <h2>${esc(t('hyd.title'))}</h2>
      <p class="summary">${esc(t('hyd.intro', { station: a.rain_station }))}</p>
      ${flagHtml('rain')}
      ${plannedHtml}
      <div class="table-wrap"><table class="impact hyd-table" id="hyd-table">
        <thead><tr><th>${esc(t('hyd.col.canal'))}</th><th class="n">${esc(t('hyd.col.area'))}</th><th class="n">${esc(t('hyd.col.q'))}</th>
        <th class="n">${esc(t('hyd.col.cap'))}</th><th class="n">${esc(t('hyd.col.ratio'))}</th><th>${esc(t('hyd.col.verdict'))}</th></tr></thead>
        <tbody>${body}</tbody>
      </table></div>
      <p class="muted row-hint">${esc(t('hyd.row_hint'))}</p>
      <div class="export-actions"><button type="button" class="btn" id="swmm-btn"><span class="label">${esc(t('hyd.swmm'))}</span></button></div>
      <p id="swmm-status" class="status small" role="status" hidden></p>
    </div>
    <div class="card"><h2>${esc(t('hyd.problems.title'))}</h2>${problems}</div>`);
  for (const tr of el.querySelectorAll('tr[data-canal]')) {
    tr.addEventListener('click', () => showCanal(tr.dataset.canal));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        showCanal(tr.dataset.canal);
      }
    });
  }
  for (const b of el.querySelectorAll('button[data-show]')) b.addEventListener('click', () => showCanal(b.dataset.show));
  const swmm = $('#swmm-btn');
  swmm.addEventListener('click', () => download({ url: '/api/export/swmm' }, { button: swmm, status: $('#swmm-status') }));
}

/** Zooms to a canal and opens its details (with its hydraulic part). */
export function showCanal(id) {
  const layer = layerOf('canals', id);
  if (!layer) return;
  const map = getMap();
  // Not animated: the popup pans itself into view on opening, which a zoom still in
  // flight would undo.
  map.fitBounds(layer.getBounds(), { ...fitPadding(40), maxZoom: 18, animate: false });
  openDetails('canals', layer.feature, layer.getCenter());
}
