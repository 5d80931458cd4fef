// Route impact: what a stored canal (picked in the impact tab or from its popup) or a
// route drawn on the map (drawing.js) takes — the corridor and the affected parcels on the
// map, the table of land taken per parcel, the served households and the flood zones
// crossed, with the card's downloads (exports.js).

/* global L */
import * as api from './api.js';
import {
  $, esc, setHtml, setStatus, showTab,
} from './dom.js';
import { actionsHtml, updatePanel, wireActions } from './exports.js';
import {
  fmtArea, fmtLen, fmtNum, fmtPct, t, tStatus,
} from './i18n.js';
import {
  CLEARANCE_COLOR, IMPACT_COLOR, UNKNOWN_COLOR, hiddenOr, pill, swatch,
} from './look.js';
import {
  featuresOf, fitPadding, getMap, layerOf,
} from './layers.js';
import { openDetails } from './popup.js';
import {
  busy, on, setImpactResult,
} from './state.js';

/** The impact shown: { source: {kind:'canal', id} | {kind:'route', geometry}, result, selected, parcelLayers }, or null. */
let shown = null;
let abort = null;
let group = null;

/** The impact shown ({ source, result }), or null. */
export function current() {
  return shown;
}

export function init(map) {
  group = L.featureGroup([]).addTo(map);
  $('#canal-select').addEventListener('change', (e) => {
    if (e.target.value) runImpact({ kind: 'canal', id: e.target.value });
    else clearImpact();
  });
  $('#clear-btn').addEventListener('click', clearImpact);
  let widthTimer = null;
  $('#width-input').addEventListener('input', () => {
    clearTimeout(widthTimer);
    widthTimer = setTimeout(() => {
      if (shown) runImpact(shown.source);
    }, 350);
  });
  on('lang', () => {
    renderCanalSelect();
    render();
  });
  on('user', () => {
    if (shown) runImpact(shown.source);
  });
  on('analyse', ({ id }) => {
    showTab('impact');
    $('#canal-select').value = id;
    runImpact({ kind: 'canal', id });
  });
  on('feature', ({ name, feature }) => {
    if (name === 'canals') renderCanalSelect();
    if (name === 'parcels') parcelChanged(feature);
  });
}

/** An edited parcel's clearance step, in the table and its totals. */
function parcelChanged(feature) {
  if (!shown) return;
  const id = String(feature.id);
  const p = feature.properties || {};
  const row = shown.result.parcels.find((x) => String(x.id) === id);
  if (row && row.clearance_status !== p.clearance_status) {
    const by = shown.result.totals?.by_clearance_status;
    if (by) {
      by[row.clearance_status] = Math.max(0, (by[row.clearance_status] || 0) - 1);
      by[p.clearance_status] = (by[p.clearance_status] || 0) + 1;
    }
    row.clearance_status = p.clearance_status;
    render();
  }
}

/** The stored canals to pick from, grouped by status, the likeliest to be analysed first. */
export function renderCanalSelect() {
  const sel = $('#canal-select');
  const current = sel.value;
  const canals = featuresOf('canals');
  const rank = (s) => ({ planned: 0, proposed: 1, under_construction: 2, completed: 3, existing: 4 }[s] ?? 5);
  const groups = new Map();
  for (const f of canals.sort((a, b) => rank(a.properties.status) - rank(b.properties.status) || String(a.properties.name).localeCompare(String(b.properties.name), 'vi'))) {
    const s = f.properties.status;
    if (!groups.has(s)) groups.set(s, []);
    groups.get(s).push(f);
  }
  let html = `<option value="">${esc(t('impact.pick_none'))}</option>`;
  for (const [s, fs] of groups) {
    html += `<optgroup label="${esc(tStatus('canal', s))}">${fs.map((f) => {
      const len = typeof f.properties.length_m === 'number' ? ` · ${fmtLen(f.properties.length_m)} m` : '';
      return `<option value="${esc(f.id)}">${esc(f.properties.name || f.id)}${len}</option>`;
    }).join('')}</optgroup>`;
  }
  setHtml(sel, html);
  sel.value = current;
}

function currentWidth() {
  const w = Number($('#width-input').value);
  return Number.isFinite(w) && w > 0 ? w : 6;
}

/** Asks the server for the impact of `source` at the width in the tab, and shows it. */
export async function runImpact(source) {
  const status = $('#impact-status');
  if (abort) abort.abort();
  const ctl = new AbortController();
  abort = ctl;
  setStatus(status, t('impact.running'));
  busy(1);
  const width = currentWidth();
  try {
    const result = source.kind === 'canal'
      ? await api.canalImpact(source.id, width, { signal: ctl.signal })
      : await api.routeImpact(source.geometry, width, { signal: ctl.signal });
    if (ctl.signal.aborted) return;
    shown = { source, result, selected: null, parcelLayers: new Map() };
    setImpactResult(result);
    setStatus(status, '');
    await draw(ctl.signal);
    render();
    document.body.dataset.impact = 'ready';
  } catch (e) {
    if (e.name === 'AbortError') return;
    setStatus(status, t('impact.error', { msg: e.message }), true);
    document.body.dataset.impact = 'error';
  } finally {
    busy(-1);
  }
}

export function clearImpact() {
  if (abort) abort.abort();
  shown = null;
  setImpactResult(null);
  group.clearLayers();
  $('#canal-select').value = '';
  setStatus($('#impact-status'), '');
  render();
  delete document.body.dataset.impact;
}

/** The corridor, the route and the affected parcels' outlines on the map, fitted in view. */
async function draw(signal) {
  const g = group;
  g.clearLayers();
  const { result, source } = shown;
  const svg = L.svg({ pane: 'impact' });
  if (result.corridor) {
    L.geoJSON(result.corridor, {
      pane: 'impact', renderer: svg, interactive: false,
      style: { color: IMPACT_COLOR, weight: 1.5, dashArray: '5 4', fillColor: IMPACT_COLOR, fillOpacity: 0.16 },
    }).addTo(g);
  }
  let routeLatLngs = null;
  if (source.kind === 'route') routeLatLngs = source.geometry.coordinates.map(([x, y]) => [y, x]);
  else routeLatLngs = layerOf('canals', source.id)?.getLatLngs() ?? null;
  if (routeLatLngs) {
    L.polyline(routeLatLngs, { pane: 'impact', renderer: svg, interactive: false, color: '#7a1f0c', weight: 2, dashArray: '1 5', lineCap: 'round' }).addTo(g);
  }
  // The affected parcels' outlines: one bbox request around the corridor.
  const ids = new Set(result.parcels.map((p) => String(p.id)));
  if (ids.size) {
    const b = g.getBounds().isValid() ? g.getBounds() : null;
    if (b) {
      const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6));
      const r = await api.fetchItems('parcels', { bbox, max: api.MAX_LIMIT, signal });
      const psvg = L.svg({ pane: 'impactParcels' });
      for (const f of r.features) {
        if (!ids.has(String(f.id))) continue;
        const layer = L.geoJSON(f, {
          pane: 'impactParcels', renderer: psvg, interactive: false,
          style: { color: '#b2182b', weight: 2, fillColor: IMPACT_COLOR, fillOpacity: 0.28 },
        });
        layer.feature = f;
        layer.addTo(g);
        shown.parcelLayers.set(String(f.id), layer);
      }
    }
  }
  const fit = g.getBounds();
  if (fit.isValid()) getMap().fitBounds(fit, { ...fitPadding(40), maxZoom: 19 });
}

/** The bounds of what the impact draws on the map, or null. */
export function bounds() {
  const b = group.getBounds();
  return b.isValid() ? b : null;
}

/** The impact card, the parcels' table, the served households and the flood zones crossed. */
function render() {
  const el = $('#impact-result');
  $('#clear-btn').hidden = !shown;
  updatePanel();
  if (!shown) {
    setHtml(el, '');
    return;
  }
  const { result: r, source } = shown;
  const tot = r.totals || {};
  const name = source.kind === 'canal'
    ? (layerOf('canals', source.id)?.feature.properties.name || source.id)
    : t('impact.drawn_route');
  const parcels = [...r.parcels].sort((a, b) => b.taken_area_m2 - a.taken_area_m2);
  const rows = parcels.map((p) => `<tr tabindex="0" data-parcel="${esc(p.id)}" class="${shown.selected === p.id ? 'selected' : ''}">
      <td>${esc(p.map_sheet)}/${esc(p.parcel_no)}</td>
      <td>${p.owner_name || p.owner_household ? esc(p.owner_name || p.owner_household) : hiddenOr('—')}</td>
      <td class="n">${fmtArea(p.taken_area_m2)}</td>
      <td class="n">${fmtPct(p.taken_share)}</td>
      <td class="n">${fmtLen(p.fence_to_rebuild_m)}</td>
      <td><span class="dot-label">${swatch(CLEARANCE_COLOR[p.clearance_status] || UNKNOWN_COLOR)}${esc(tStatus('clearance_short', p.clearance_status))}</span></td>
    </tr>`).join('');
  const table = parcels.length
    ? `<div class="table-wrap"><table class="impact" id="impact-table">
        <thead><tr><th>${esc(t('impact.col.parcel'))}</th><th>${esc(t('impact.col.owner'))}</th><th class="n" title="${esc(t('impact.col.taken_title'))}">${esc(t('impact.col.taken'))}</th>
        <th class="n">${esc(t('impact.col.share'))}</th><th class="n" title="${esc(t('impact.col.fence_title'))}">${esc(t('impact.col.fence'))}</th><th>${esc(t('impact.col.status'))}</th></tr></thead>
        <tbody>${rows}</tbody>
        <tfoot><tr>
          <td colspan="2" data-total="parcels" data-value="${tot.parcels}" data-households="${tot.households_affected}">${esc(t('impact.total', { n: fmtNum(tot.parcels), hh: fmtNum(tot.households_affected) }))}</td>
          <td class="n" data-total="taken_area_m2" data-value="${tot.taken_area_m2}">${fmtArea(tot.taken_area_m2)}</td>
          <td></td>
          <td class="n" data-total="fence_to_rebuild_m" data-value="${tot.fence_to_rebuild_m}">${fmtLen(tot.fence_to_rebuild_m)}</td>
          <td></td>
        </tr></tfoot>
      </table></div><p class="muted row-hint">${esc(t('impact.row_hint'))}</p>`
    : `<p class="muted">${esc(t('impact.parcels.none'))}</p>`;
  const byStatus = Object.entries(tot.by_clearance_status || {}).filter(([, n]) => n > 0)
    .map(([s, n]) => `<span class="key" data-status="${esc(s)}">${pill(CLEARANCE_COLOR[s] || UNKNOWN_COLOR, tStatus('clearance', s))} ${fmtNum(n)}</span>`).join('');
  const floods = r.flood_zones.length
    ? `<ul class="plain-list">${r.flood_zones.map((z) => `<li>${esc(t('impact.flood.row', { name: z.name, depth: fmtNum(z.depth_m, 2), len: fmtLen(z.length_inside_m) }))}
        <span class="meta">· ${esc(z.village || '')}</span></li>`).join('')}</ul>`
    : `<p class="muted">${esc(t('impact.flood.none'))}</p>`;
  const served = r.served_households.length
    ? `<ul class="plain-list" id="served-list">${r.served_households.map((h) => `<li class="${h.id ? 'clickable' : ''}" data-household="${esc(h.id)}">${h.head ? esc(h.head) : hiddenOr('—')} <span class="meta">· ${esc(h.village)} · ${esc(h.flood_zone)}</span></li>`).join('')}</ul>`
    : `<p class="muted">${esc(t('impact.served.none'))}</p>`;
  const exportCtx = { kind: 'impact', source, result: r, width: r.corridor_width_m };
  const exportsHtml = actionsHtml(exportCtx);
  setHtml(el, `<div class="card" id="impact-card">
      <h2>${esc(name)}</h2>
      <p class="summary">${esc(t('impact.summary', { len: fmtLen(r.route_length_m), w: fmtNum(r.corridor_width_m, 1), area: fmtArea(r.corridor_area_m2) }))}</p>
      <div class="kpis">
        <div class="kpi"><b data-kpi="taken">${fmtArea(tot.taken_area_m2)}</b><span>${esc(t('impact.kpi.taken'))}</span></div>
        <div class="kpi"><b data-kpi="fence">${fmtLen(tot.fence_to_rebuild_m)}</b><span>${esc(t('impact.kpi.fence'))}</span></div>
        <div class="kpi"><b data-kpi="gates">${fmtNum(tot.gates_to_rebuild)}</b><span>${esc(t('impact.kpi.gates'))}</span></div>
      </div>
      ${byStatus ? `<div class="keys">${byStatus}</div>` : ''}
      ${exportsHtml ? `<div class="export-actions" id="impact-exports">${exportsHtml}</div><p id="impact-export-status" class="status small" role="status" aria-live="polite" hidden></p>` : ''}
    </div>
    <div class="card"><h2>${esc(t('impact.parcels.title'))}</h2>${table}</div>
    <div class="card"><h2>${esc(t('impact.served.title'))}</h2><p class="muted note">${esc(t('impact.served.note'))}</p>${served}</div>
    <div class="card"><h2>${esc(t('impact.flood.title'))}</h2>${floods}</div>`);
  for (const tr of el.querySelectorAll('tr[data-parcel]')) {
    tr.addEventListener('click', () => selectParcel(tr.dataset.parcel));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        selectParcel(tr.dataset.parcel);
      }
    });
  }
  for (const li of el.querySelectorAll('li.clickable[data-household]')) {
    li.addEventListener('click', () => findHousehold(li.dataset.household));
  }
  wireActions(el, exportCtx, $('#impact-export-status'));
}

/** A row of the table: its parcel highlighted, zoomed to, and its details opened. */
async function selectParcel(id) {
  if (!shown) return;
  const map = getMap();
  shown.selected = id;
  for (const tr of document.querySelectorAll('#impact-table tr[data-parcel]')) tr.classList.toggle('selected', tr.dataset.parcel === id);
  for (const [pid, layer] of shown.parcelLayers) {
    layer.setStyle(pid === id
      ? { color: '#ff7f00', weight: 4, fillColor: '#ff7f00', fillOpacity: 0.45 }
      : { color: '#b2182b', weight: 2, fillColor: IMPACT_COLOR, fillOpacity: 0.28 });
  }
  let layer = shown.parcelLayers.get(id);
  let feature = layer?.feature;
  if (!feature) {
    feature = await api.fetchItem('parcels', id);
    if (!feature) return;
    layer = L.geoJSON(feature, { pane: 'impactParcels', interactive: false, style: { color: '#ff7f00', weight: 4, fillOpacity: 0.45 } }).addTo(group);
    layer.feature = feature;
    shown.parcelLayers.set(id, layer);
  }
  layer.bringToFront();
  const b = layer.getBounds();
  map.fitBounds(b, { padding: [60, 60], maxZoom: 20 });
  document.body.dataset.selectedParcel = id;
  openDetails('parcels', feature, b.getCenter());
}

/** A served household: the map goes to it, rings it a moment and opens its details. */
async function findHousehold(id) {
  const map = getMap();
  const f = layerOf('households', id)?.feature || (await api.fetchItem('households', id));
  if (!f) return;
  const [lng, lat] = f.geometry.coordinates;
  map.setView([lat, lng], Math.max(map.getZoom(), 18));
  const ring = L.circleMarker([lat, lng], { pane: 'highlight', radius: 10, color: IMPACT_COLOR, weight: 3, fill: false, interactive: false }).addTo(map);
  setTimeout(() => map.removeLayer(ring), 2500);
  openDetails('households', f, L.latLng(lat, lng));
}
