// The planners' map: the commune's layers on a Leaflet map, the reports beside it, and
// route impact (a stored canal or a route drawn on the map).
//
// Everything the page knows comes from the same HTTP API as every other client
// (./api.js). Parcels and households are fetched for the current view only (bbox), from
// a minimum zoom, and drawn on canvas, so that ten times the sample's parcels stay usable.

/* global L */
import * as api from './api.js';
import {
  t, tStatus, setLang, getLang, fmtNum, fmtPct, fmtLen, fmtArea, fmtDate, fmtDateTime, fmtMonth, applyStatic,
} from './i18n.js';
import { addDownloadPanel, buttonHtml, download } from './exports.js';

// ---------------------------------------------------------------------------------
// Look

const CANAL_STATUSES = ['existing', 'completed', 'under_construction', 'planned', 'proposed'];
const CANAL_STYLE = {
  existing: { color: '#4f6d7a', dashArray: null },
  completed: { color: '#1a9850', dashArray: null },
  under_construction: { color: '#f28e1c', dashArray: '9 5' },
  planned: { color: '#d7191c', dashArray: '12 6' },
  proposed: { color: '#8e44ad', dashArray: '3 7' },
};
const CLEARANCE_STATUSES = ['not_required', 'awaiting', 'agreed', 'donated', 'compensated', 'cleared'];
const CLEARANCE_COLOR = {
  not_required: '#ffffff',
  awaiting: '#e45756',
  agreed: '#f2b134',
  donated: '#54a24b',
  compensated: '#4c78a8',
  cleared: '#9c755f',
};
const WATER_STATUSES = ['not_registered', 'registered', 'connected'];
const WATER_COLOR = { not_registered: '#c3cad0', registered: '#5fa8d3', connected: '#0b4f8a' };
const DEPTH_BREAKS = [0.2, 0.4, 0.6, 0.8];
const DEPTH_COLOR = ['#dbe9f6', '#b5d3ea', '#84b9dd', '#4f97c9', '#2166ac'];
const IMPACT_COLOR = '#e4572e';

/** The layers whose common changes an officer makes from the details popup. */
const EDITABLE = new Set(['canals', 'parcels', 'households']);
/** The property each layer is styled by: a change to it restyles the feature. */
const STYLE_KEY = { canals: 'status', parcels: 'clearance_status', households: 'water_status', flood_zones: 'depth_m' };
/** The step an edit form offers first: the one that usually follows the current status. */
const NEXT_STEP = {
  canal: { proposed: 'planned', planned: 'under_construction', under_construction: 'completed' },
  clearance: { not_required: 'awaiting', awaiting: 'agreed', agreed: 'donated', donated: 'cleared', compensated: 'cleared' },
  water: { not_registered: 'registered', registered: 'connected' },
};
const CONTRIBUTION_KINDS = ['land', 'labour', 'money'];
/** Contribution fields in the order the reports show them, with their decimals and unit key. */
const CONTRIBUTION_FIELDS = [
  ['land_pledged_m2', 1, 'unit.m2'], ['land_donated_m2', 1, 'unit.m2'],
  ['labour_pledged_days', 1, 'unit.days'], ['labour_done_days', 1, 'unit.days'],
  ['money_pledged_vnd', 0, 'unit.vnd'], ['money_paid_vnd', 0, 'unit.vnd'],
];

/** Below these zooms the view-dependent layers are not fetched. */
const MIN_ZOOM = { parcels: 15, households: 15 };
/** Above this many features in view the layer asks the user to zoom in. */
const MAX_IN_VIEW = { parcels: 12000, households: 12000 };
const LAYER_ORDER = ['villages', 'flood_zones', 'parcels', 'canals', 'households'];
/** Which layer a click picks first where several overlap. */
const HIT_ORDER = ['households', 'canals', 'parcels', 'flood_zones', 'villages'];

function depthColor(d) {
  let i = 0;
  while (i < DEPTH_BREAKS.length && Number(d) >= DEPTH_BREAKS[i]) i++;
  return DEPTH_COLOR[i];
}

function householdRadius() {
  const z = S.map ? S.map.getZoom() : 16;
  return z <= 15 ? 2.2 : z === 16 ? 3 : z === 17 ? 4.2 : 5.5;
}

function canalStyle(status) {
  const s = CANAL_STYLE[status] || CANAL_STYLE.proposed;
  return { color: s.color, dashArray: s.dashArray, weight: 4, opacity: 0.95, lineCap: 'round', lineJoin: 'round' };
}

const STYLE = {
  villages: () => ({ color: '#2f3e46', weight: 2, dashArray: '7 4 2 4', fill: true, fillColor: '#ffffff', fillOpacity: 0.35 }),
  flood_zones: (p) => ({ color: '#2166ac', weight: 1, opacity: 0.6, fillColor: depthColor(p.depth_m), fillOpacity: 0.55 }),
  parcels: (p) => {
    const c = CLEARANCE_COLOR[p.clearance_status];
    const none = !c || p.clearance_status === 'not_required';
    return { color: '#7b8a94', weight: 0.7, opacity: 0.9, fillColor: none ? '#ffffff' : c, fillOpacity: none ? 0.25 : 0.55 };
  },
  canals: (p) => canalStyle(p.status),
  households: (p) => ({
    radius: householdRadius(), color: '#ffffff', weight: 1, fillColor: WATER_COLOR[p.water_status] || '#999', fillOpacity: 1,
  }),
};

// ---------------------------------------------------------------------------------
// State

const S = {
  map: null,
  groups: {},
  /** layer name → Map(id → Leaflet layer, whose .feature is the GeoJSON feature) */
  index: {},
  visible: { villages: true, canals: true, parcels: true, flood_zones: true, households: true, osm: false },
  viewState: { parcels: 'ok', households: 'ok' },
  aborts: {},
  reports: { canals: null, water: null, progress: null, canalsError: null, waterError: null, progressError: null },
  impact: null,
  impactAbort: null,
  draw: null,
  popup: null,
  busy: 0,
  osm: null,
  user: null,
  authAvailable: false,
};

// ---------------------------------------------------------------------------------
// Exports hook (issue "Engineering dossier exports"): push descriptors here,
// { id, label_key, title_key?, primary?, when: (ctx) => bool, request: (ctx) => {url, init} }.
// The impact card calls exportActions({ kind: 'impact', source, result, width }) and shows
// one button per action; a click downloads through exports.js (fetch with the page's
// Authorization header, saved under the server's file name).
const EXPORTS = [];
export function registerExport(def) {
  EXPORTS.push(def);
}
function exportActions(ctx) {
  return EXPORTS.filter((e) => !e.when || e.when(ctx));
}

registerExport({
  id: 'dossier',
  label_key: 'export.dossier',
  title_key: 'export.dossier_title',
  primary: true,
  when: (ctx) => ctx.kind === 'impact',
  request: (ctx) => api.dossierRequest(ctx.source, ctx.width),
});
registerExport({
  id: 'strips',
  label_key: 'export.strips',
  title_key: 'export.strips_title',
  // The server has no strips to write for a route that takes no land.
  when: (ctx) => ctx.kind === 'impact' && ctx.result.parcels.length > 0,
  // In the format and CRS chosen in the download panel (shown under the button).
  request: (ctx) => api.impactExportRequest(ctx.source, ctx.width, S.downloads.choice()),
  detail: () => S.downloads.formatLabel(),
});

// ---------------------------------------------------------------------------------
// Small helpers

const $ = (sel) => document.querySelector(sel);

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

const COLOR = /^#[0-9a-f]{3,8}$/i;

/**
 * Colours and sizes computed at run time. The service's Content-Security-Policy
 * (style-src 'self') refuses style attributes in HTML the page writes, so HTML strings
 * carry them as data attributes (paintAttrs) and paint() sets them through the CSSOM,
 * which the policy allows; only colours and percentages pass, never free CSS text.
 */
function paintAttrs({ bg, line, width, left } = {}) {
  let s = '';
  if (bg) s += ` data-bg="${esc(bg)}"`;
  if (line) s += ` data-line="${esc(line)}"`;
  if (width !== undefined) s += ` data-width="${Number(width)}"`;
  if (left !== undefined) s += ` data-left="${Number(left)}"`;
  return s;
}

/** Applies the paintAttrs() attributes under `root`. */
function paint(root) {
  for (const el of root.querySelectorAll('[data-bg],[data-line],[data-width],[data-left]')) {
    const { bg, line, width, left } = el.dataset;
    if (bg && COLOR.test(bg)) el.style.background = bg;
    if (line && COLOR.test(line)) el.style.borderColor = line;
    if (width !== undefined && Number.isFinite(Number(width))) el.style.width = `${Number(width)}%`;
    if (left !== undefined && Number.isFinite(Number(left))) el.style.left = `${Number(left)}%`;
  }
}

/** Sets an element's content from an HTML string, and paints it. */
function setHtml(el, html) {
  el.innerHTML = html;
  paint(el);
}

function busy(delta) {
  S.busy = Math.max(0, S.busy + delta);
  document.body.dataset.busy = String(S.busy);
  const el = $('#map-busy');
  if (el) el.hidden = S.busy === 0;
}

function villageName(id) {
  if (id === null || id === undefined) return '—';
  const l = S.index.villages?.get(id);
  return l ? l.feature.properties.name : String(id);
}

function householdName(id) {
  const l = S.index.households?.get(id);
  return l ? l.feature.properties.head : null;
}

function geodesicLength(latlngs) {
  let m = 0;
  const flat = Array.isArray(latlngs[0]) ? latlngs.flat(Infinity) : latlngs;
  for (let i = 1; i < flat.length; i++) m += S.map.distance(flat[i - 1], flat[i]);
  return m;
}

/** What to show for a personal field the server left out: a hint to sign in for the public. */
function hiddenOr(dash) {
  return S.user || !S.authAvailable ? dash : `<span class="redacted">${esc(t('auth.hidden'))}</span>`;
}

function pill(color, text) {
  const light = ['#ffffff', '#f2b134', '#c3cad0', '#dbe9f6', '#b5d3ea'].includes(color);
  return `<span class="pill${light ? ' light' : ''}"${paintAttrs({ bg: color })}>${esc(text)}</span>`;
}

/** A small colour square (class `sw` and any `extra` classes). */
function swatch(color, extra = '') {
  return `<span class="sw${extra ? ` ${extra}` : ''}"${paintAttrs({ bg: color })}></span>`;
}

// ---------------------------------------------------------------------------------
// Map and layers

function initMap() {
  const map = L.map('map', {
    zoomControl: true,
    minZoom: 11,
    maxZoom: 21,
    doubleClickZoom: true,
    attributionControl: true,
  });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
  map.setView([19.22, 105.7], 15);
  S.map = map;

  // One pane per layer, in drawing order; the two large layers on canvas.
  const z = { villages: 360, flood_zones: 370, parcels: 380, canals: 420, households: 430, impact: 440, impactParcels: 445, highlight: 450, draw: 460 };
  for (const [name, zi] of Object.entries(z)) {
    map.createPane(name).style.zIndex = String(zi);
  }
  const renderer = {
    villages: L.svg({ pane: 'villages', tolerance: 3 }),
    flood_zones: L.svg({ pane: 'flood_zones', tolerance: 3 }),
    parcels: L.canvas({ pane: 'parcels', padding: 0.3, tolerance: 2 }),
    canals: L.svg({ pane: 'canals', tolerance: 6 }),
    households: L.canvas({ pane: 'households', padding: 0.3, tolerance: 4 }),
  };
  for (const name of LAYER_ORDER) {
    S.groups[name] = L.featureGroup([], { pane: name }).addTo(map);
    S.groups[name].renderer = renderer[name];
    S.index[name] = new Map();
  }
  S.groups.impact = L.featureGroup([]).addTo(map);
  S.groups.draw = L.featureGroup([]).addTo(map);

  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);

  const busyCtl = L.control({ position: 'bottomleft' });
  busyCtl.onAdd = () => {
    const d = L.DomUtil.create('div', 'map-busy');
    d.id = 'map-busy';
    d.hidden = true;
    d.textContent = t('app.loading');
    return d;
  };
  busyCtl.addTo(map);

  const layersCtl = L.control({ position: 'topright' });
  layersCtl.onAdd = () => {
    const d = L.DomUtil.create('div', 'map-box');
    d.id = 'layers-box';
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  layersCtl.addTo(map);


  const legendCtl = L.control({ position: 'bottomright' });
  legendCtl.onAdd = () => {
    const d = L.DomUtil.create('div', 'map-box legend-box');
    d.id = 'legend-box';
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  legendCtl.addTo(map);

  map.on('click', onMapClick);
  map.on('dblclick', onMapDblClick);
  map.on('mousemove', onMapMouseMove);
  map.on('moveend', scheduleViewLoad);
  map.on('zoomend', () => {
    // Village names only where they can be read (a province-size data set has hundreds).
    map.getContainer().classList.toggle('hide-village-labels', map.getZoom() < 14);
    const r = householdRadius();
    for (const l of S.index.households.values()) l.setRadius(r);
  });
  map.on('popupclose', (e) => {
    if (S.popup && e.popup === S.popup.popup) S.popup = null;
  });
}

function makeLayer(name, feature) {
  const p = feature.properties || {};
  const opts = { ...STYLE[name](p), renderer: S.groups[name].renderer, pane: name, interactive: false };
  const layer = L.GeoJSON.geometryToLayer(feature, {
    ...opts,
    pointToLayer: (f, latlng) => L.circleMarker(latlng, opts),
  });
  layer.feature = feature;
  return layer;
}

/** Makes the layer `name` hold exactly `features`, reusing what it already draws. */
function syncLayer(name, features) {
  const group = S.groups[name];
  const idx = S.index[name];
  const keep = new Set();
  for (const f of features) {
    const id = String(f.id ?? f.properties?.id);
    keep.add(id);
    const old = idx.get(id);
    if (old) {
      // Someone may have changed it since it was drawn (an edit): restyle what changed.
      const key = STYLE_KEY[name];
      if (key && old.feature.properties?.[key] !== f.properties?.[key]) old.setStyle(STYLE[name](f.properties || {}));
      old.feature = f;
      continue;
    }
    const layer = makeLayer(name, f);
    idx.set(id, layer);
    group.addLayer(layer);
  }
  for (const [id, layer] of idx) {
    if (!keep.has(id)) {
      group.removeLayer(layer);
      idx.delete(id);
    }
  }
}

function clearLayer(name) {
  S.groups[name].clearLayers();
  S.index[name].clear();
}

async function loadWhole(name) {
  busy(1);
  try {
    const { features } = await api.fetchItems(name, { max: api.MAX_LIMIT });
    syncLayer(name, features);
  } finally {
    busy(-1);
  }
}

let viewTimer = null;
function scheduleViewLoad() {
  // A scheduled load counts as work in progress, so data-busy says when the view is complete.
  if (viewTimer === null) busy(1);
  clearTimeout(viewTimer);
  viewTimer = setTimeout(() => {
    viewTimer = null;
    loadView('parcels');
    loadView('households');
    busy(-1);
  }, 150);
}

async function loadView(name) {
  if (S.aborts[name]) S.aborts[name].abort();
  if (!S.visible[name]) {
    clearLayer(name);
    renderLayerBox();
    return;
  }
  if (S.map.getZoom() < MIN_ZOOM[name]) {
    clearLayer(name);
    S.viewState[name] = 'zoom';
    renderLayerBox();
    return;
  }
  const b = S.map.getBounds().pad(0.2);
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6));
  const ctl = new AbortController();
  S.aborts[name] = ctl;
  busy(1);
  try {
    const r = await api.fetchItems(name, { bbox, max: MAX_IN_VIEW[name], signal: ctl.signal });
    if (ctl.signal.aborted) return;
    if (!r.complete) {
      clearLayer(name);
      S.viewState[name] = 'too_many';
    } else {
      syncLayer(name, r.features);
      S.viewState[name] = 'ok';
    }
    renderLayerBox();
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      clearLayer(name);
      S.viewState[name] = 'signin';
      renderLayerBox();
    } else if (e.name !== 'AbortError') showMapError(e);
  } finally {
    busy(-1);
    if (S.aborts[name] === ctl) S.aborts[name] = null;
  }
}

function setVisible(name, on) {
  S.visible[name] = on;
  if (name === 'osm') {
    if (on) {
      if (!S.osm) {
        S.osm = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
          maxZoom: 21,
          maxNativeZoom: 19,
          attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        });
      }
      S.osm.addTo(S.map).bringToBack();
    } else if (S.osm) {
      S.map.removeLayer(S.osm);
    }
    return;
  }
  const group = S.groups[name];
  if (on) S.map.addLayer(group);
  else S.map.removeLayer(group);
  if (name === 'parcels' || name === 'households') loadView(name);
  renderLayerBox();
}

function showMapError(e) {
  const el = $('#impact-status');
  console.warn('drainplan:', e);
  setStatus(el, t('app.load_error', { msg: e.message }), true);
}

// ---------------------------------------------------------------------------------
// Layer box and legend

function legendHtml(name) {
  const item = (sw, label) => `<div class="legend-item">${sw}<span>${esc(label)}</span></div>`;
  switch (name) {
    case 'villages':
      return '';
    case 'canals':
      return CANAL_STATUSES.map((s) => {
        const st = CANAL_STYLE[s];
        const kind = !st.dashArray ? 'solid' : s === 'proposed' ? 'dotted' : 'dashed';
        return item(`<span class="legend-line ${kind}"${paintAttrs({ line: st.color })}></span>`, tStatus('canal_short', s));
      }).join('');
    case 'flood_zones': {
      const labels = [t('legend.depth_lt', { v: fmtNum(DEPTH_BREAKS[0], 1) })];
      for (let i = 1; i < DEPTH_BREAKS.length; i++) {
        labels.push(t('legend.depth_range', { a: fmtNum(DEPTH_BREAKS[i - 1], 1), b: fmtNum(DEPTH_BREAKS[i], 1) }));
      }
      labels.push(t('legend.depth_ge', { v: fmtNum(DEPTH_BREAKS[DEPTH_BREAKS.length - 1], 1) }));
      return labels.map((l, i) => item(`<span class="legend-fill"${paintAttrs({ bg: DEPTH_COLOR[i] })}></span>`, l)).join('');
    }
    case 'parcels':
      return CLEARANCE_STATUSES.map((s) => item(`<span class="legend-fill"${paintAttrs({ bg: CLEARANCE_COLOR[s] })}></span>`, tStatus('clearance_short', s))).join('');
    case 'households':
      return WATER_STATUSES.map((s) => item(`<span class="legend-dot"${paintAttrs({ bg: WATER_COLOR[s] })}></span>`, tStatus('water', s))).join('');
    default:
      return '';
  }
}

/** The map's layer box: a switch per layer and its feature count. */
function renderLayerBox() {
  const box = $('#layers-box');
  if (!box) return;
  const rows = ['villages', 'canals', 'flood_zones', 'parcels', 'households'].map((name) => {
    let count = `<span class="count" data-count="${name}">${fmtNum(S.index[name].size)}</span>`;
    if (S.visible[name] && S.viewState[name] === 'zoom') count = `<span class="count warn">${esc(t('layer.zoom_in'))}</span>`;
    if (S.visible[name] && S.viewState[name] === 'too_many') count = `<span class="count warn">${esc(t('layer.too_many'))}</span>`;
    if (S.visible[name] && S.viewState[name] === 'signin') count = `<span class="count warn">${esc(t('layer.signin'))}</span>`;
    if (!S.visible[name]) count = '';
    return `<label class="layer-toggle"><input type="checkbox" data-layer="${name}" ${S.visible[name] ? 'checked' : ''}>
      <span>${esc(t(`layer.${name}`))}</span>${count}</label>`;
  });
  rows.push(`<div class="legend-sep"></div><label class="layer-toggle"><input type="checkbox" data-layer="osm" ${S.visible.osm ? 'checked' : ''}>
      <span>${esc(t('layer.osm'))}</span></label>`);
  box.innerHTML = `<h4>${esc(t('layers.title'))}</h4>${rows.join('')}`;
  for (const input of box.querySelectorAll('input[data-layer]')) {
    input.addEventListener('change', () => setVisible(input.dataset.layer, input.checked));
  }
  renderLegend();
}

/** The legend: one line per styled layer that is switched on. */
function renderLegend() {
  const box = $('#legend-box');
  if (!box) return;
  const titles = { canals: 'legend.canals', flood_zones: 'legend.flood', parcels: 'legend.parcels', households: 'legend.households' };
  const rows = ['canals', 'flood_zones', 'parcels', 'households']
    .filter((n) => S.visible[n])
    .map((n) => `<div class="legend-row"><span class="legend-title">${esc(t(titles[n]))}</span>${legendHtml(n)}</div>`);
  box.hidden = !rows.length;
  setHtml(box, rows.join(''));
}

// ---------------------------------------------------------------------------------
// Villages: labels and zoom-to

function labelVillages() {
  for (const layer of S.index.villages.values()) {
    layer.unbindTooltip();
    layer.bindTooltip(esc(layer.feature.properties.name), {
      permanent: true, direction: 'center', className: 'village-label', interactive: false,
    });
  }
}

function renderVillageSelect() {
  const sel = $('#village-select');
  const current = sel.value;
  const villages = [...S.index.villages.values()]
    .map((l) => ({ id: l.feature.id, name: l.feature.properties.name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  sel.innerHTML = `<option value="">${esc(t('village.all'))}</option>`
    + villages.map((v) => `<option value="${esc(v.id)}">${esc(v.name)}</option>`).join('');
  sel.value = current;
}

function zoomToVillage(id) {
  if (!id) {
    fitAll();
    return;
  }
  const layer = S.index.villages.get(id);
  if (layer) S.map.fitBounds(layer.getBounds(), fitPadding());
}

/** Padding that keeps fitted features clear of the layer box on the right. */
function fitPadding(extra = 16) {
  const size = S.map.getSize();
  const top = $('#layers-box')?.offsetHeight ?? 0;
  const bottom = $('#legend-box')?.offsetHeight ?? 0;
  // Keep clear of the boxes when the map is tall enough to afford it.
  const room = size.y - top - bottom > 320;
  return {
    paddingTopLeft: [extra, room ? top + 10 + extra : extra],
    paddingBottomRight: [extra, room ? bottom + 10 + extra : extra],
  };
}

function fitAll() {
  const b = S.groups.villages.getBounds();
  if (b.isValid()) S.map.fitBounds(b, fitPadding());
  else {
    const c = S.groups.canals.getBounds();
    if (c.isValid()) S.map.fitBounds(c, { padding: [40, 40] });
  }
}

// ---------------------------------------------------------------------------------
// Clicking features: our own hit test over every visible layer, so that overlapping
// layers (a parcel inside a flood zone inside a village) are all reachable.

function hitTest(latlng) {
  const p = S.map.latLngToLayerPoint(latlng);
  const hits = [];
  for (const name of HIT_ORDER) {
    if (!S.visible[name]) continue;
    for (const layer of S.index[name].values()) {
      let inside = false;
      try {
        if (layer instanceof L.CircleMarker) {
          inside = layer._point && layer._point.distanceTo(p) <= layer._radius + 4;
        } else if (layer._containsPoint) {
          inside = layer._containsPoint(p);
        }
      } catch {
        inside = false;
      }
      if (inside) hits.push({ name, layer });
    }
  }
  return hits;
}

function onMapClick(e) {
  if (S.draw) {
    addDrawPoint(e.latlng);
    return;
  }
  const hits = hitTest(e.latlng);
  if (!hits.length) return;
  openDetails(hits[0].name, hits[0].layer.feature, e.latlng, hits.slice(1));
}

function openDetails(name, feature, latlng, others = []) {
  const popup = S.popup?.popup && S.map.hasLayer(S.popup.popup) ? S.popup.popup : L.popup({ maxWidth: 340, autoPanPadding: [20, 20] });
  const editing = canEdit() && EDITABLE.has(name);
  // Forms and the history need room: a wider popup that scrolls rather than leaves the map.
  popup.options.minWidth = editing || canReadHistory() ? 320 : 50;
  popup.options.maxWidth = editing || canReadHistory() ? 380 : 340;
  popup.options.maxHeight = Math.max(260, Math.round(S.map.getSize().y * 0.8));
  // etag: the version the forms edit (read fresh from the server, below); msgs: each
  // form's last message; history: the feature's change history once asked for.
  S.popup = { popup, name, feature, latlng, others, etag: null, msgs: {}, history: null };
  popup.setLatLng(latlng).setContent(contentNode(detailsHtml(name, feature, others)));
  if (!S.map.hasLayer(popup)) popup.openOn(S.map);
  wirePopup(popup);
  if (name === 'parcels') fillOwner(popup, feature);
  if (editing) loadForEdit(S.popup);
}

/**
 * Popup content as a node rather than a string: Leaflet's popup.update() (a new layout
 * after a form message or the history appears) re-inserts a node but re-parses a string,
 * which would drop the forms' listeners and whatever the officer typed.
 */
function contentNode(html) {
  const d = document.createElement('div');
  setHtml(d, html);
  return d;
}

function refreshPopup() {
  if (!S.popup) return;
  const { popup, name, feature, others } = S.popup;
  popup.setContent(contentNode(detailsHtml(name, feature, others)));
  wirePopup(popup);
  if (name === 'parcels') fillOwner(popup, feature);
}

function wirePopup(popup) {
  const el = popup.getElement();
  if (!el) return;
  for (const form of el.querySelectorAll('form.edit-form')) {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitEdit(form);
    });
    const kind = form.querySelector('select[name=kind]');
    if (kind) kind.addEventListener('change', () => { form.querySelector('[data-unit]').textContent = t(`edit.contribution.unit.${kind.value}`); });
  }
  const hist = el.querySelector('button[data-history-toggle]');
  if (hist) hist.addEventListener('click', toggleHistory);
  for (const a of el.querySelectorAll('a[data-other]')) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      const i = Number(a.dataset.other);
      const { others, latlng, name, feature } = S.popup;
      const pick = others[i];
      const rest = others.filter((_, j) => j !== i);
      rest.unshift({ name, layer: { feature } });
      openDetails(pick.name, pick.layer.feature, latlng, rest);
    });
  }
  const btn = el.querySelector('button[data-analyse]');
  if (btn) {
    btn.addEventListener('click', () => {
      showTab('impact');
      $('#canal-select').value = btn.dataset.analyse;
      runImpact({ kind: 'canal', id: btn.dataset.analyse });
    });
  }
}

async function fillOwner(popup, feature) {
  const id = feature.properties.owner_household;
  if (!id || householdName(id)) return;
  try {
    const hh = await api.fetchItem('households', id);
    const cell = popup.getElement()?.querySelector('[data-owner]');
    if (hh && cell && S.popup?.feature === feature) cell.textContent = `${hh.properties.head} (${id})`;
  } catch {
    /* the id stays shown */
  }
}

function rowsHtml(rows) {
  return `<table>${rows.filter(Boolean).map(([k, v]) => `<tr><th>${esc(t(k))}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function detailsHtml(name, f, others) {
  const p = f.properties || {};
  let title = '';
  let body = '';
  let act = '';
  const m = (v, d = 1) => (v === null || v === undefined ? '—' : `${fmtNum(v, d)} ${t('unit.m')}`);
  switch (name) {
    case 'villages':
      title = p.name;
      body = rowsHtml([
        ['f.code', esc(p.code ?? '—')],
        p.commune ? ['f.commune', esc(p.commune)] : null,
        p.water_target_rate !== undefined ? ['f.water_target_rate', fmtPct(p.water_target_rate)] : null,
      ]);
      break;
    case 'canals': {
      title = p.name || f.id;
      const len = typeof p.length_m === 'number' ? p.length_m : geodesicLength(S.index.canals.get(String(f.id))?.getLatLngs() || []);
      const vs = Array.isArray(p.villages) ? p.villages : p.villages ? [p.villages] : [];
      body = rowsHtml([
        ['f.status', pill(CANAL_STYLE[p.status]?.color || '#777', tStatus('canal', p.status))],
        ['f.length_m', `${fmtLen(len)} ${t('unit.m')}`],
        ['f.villages', esc(vs.map(villageName).join(', ') || '—')],
        ['f.funding', esc(tStatus('funding', p.funding))],
        ['f.width_m', m(p.width_m)],
        ['f.depth_m', m(p.depth_m)],
        ['f.lining', esc(tStatus('lining', p.lining))],
        ['f.year', esc(p.year ?? '—')],
        p.status_date ? ['f.status_date', esc(fmtDate(p.status_date))] : null,
      ]);
      act = `<div class="act"><button type="button" class="btn primary" data-analyse="${esc(f.id)}">${esc(t('f.analyse'))}</button></div>`;
      break;
    }
    case 'parcels': {
      title = `${t('f.map_sheet')} ${p.map_sheet ?? '—'} · ${t('f.parcel_no')} ${p.parcel_no ?? '—'}`;
      const owner = p.owner_household ? `${householdName(p.owner_household) ?? ''} (${p.owner_household})`.trim() : null;
      const taken = S.impact?.result.parcels.find((x) => x.id === f.id);
      body = rowsHtml([
        ['f.owner', `<span data-owner>${owner ? esc(owner) : hiddenOr('—')}</span>`],
        ['f.village', esc(villageName(p.village_id))],
        ['f.land_use', esc(p.land_use ?? '—')],
        ['f.area_legal_m2', `${fmtArea(p.area_legal_m2)} ${t('unit.m2')}`],
        ['f.clearance_status', pill(CLEARANCE_COLOR[p.clearance_status] || '#777', tStatus('clearance', p.clearance_status))],
        p.clearance_date ? ['f.clearance_date', esc(fmtDate(p.clearance_date))] : null,
        ['f.fence_type', esc(tStatus('fence', p.fence_type))],
        ['f.gate', p.gate ? t('yes') : t('no')],
        taken ? ['impact.col.taken', `<b>${fmtArea(taken.taken_area_m2)} ${t('unit.m2')}</b> (${fmtPct(taken.taken_share)})`] : null,
        taken ? ['impact.col.fence', m(taken.fence_to_rebuild_m)] : null,
      ]);
      break;
    }
    case 'flood_zones':
      title = p.name || f.id;
      body = rowsHtml([
        ['f.village', esc(villageName(p.village_id))],
        ['f.depth_m', m(p.depth_m, 2)],
        ['f.duration_days', p.duration_days !== undefined ? `${fmtNum(p.duration_days, 1)} ${t('unit.days')}` : '—'],
        ['f.frequency', esc(tStatus('frequency', p.frequency))],
        ['f.last_observed', esc(fmtDate(p.last_observed))],
      ]);
      break;
    case 'households': {
      title = p.head || (S.user ? f.id : t('feature.household'));
      const known = (v) => v !== undefined && v !== null;
      const pair = (a, b, unit, d = 0) => (known(a) || known(b)
        ? `${fmtNum(a ?? 0, d)} / ${fmtNum(b ?? 0, d)} ${unit}`
        : hiddenOr('—'));
      body = rowsHtml([
        ['f.village', esc(villageName(p.village_id))],
        ['f.members', known(p.members) ? `${fmtNum(p.members)} ${t('unit.people')}` : hiddenOr('—')],
        ['f.dwelling_id', known(p.dwelling_id) ? esc(p.dwelling_id) : hiddenOr('—')],
        ['f.water_status', pill(WATER_COLOR[p.water_status] || '#777', tStatus('water', p.water_status))],
        p.water_date ? ['f.water_date', esc(fmtDate(p.water_date))] : null,
      ]) + `<div class="kind contrib-head">${esc(t('f.contrib'))}</div>` + rowsHtml([
        ['f.land', pair(p.land_pledged_m2, p.land_donated_m2, t('unit.m2'), 1)],
        ['f.labour', pair(p.labour_pledged_days, p.labour_done_days, t('unit.days'), 1)],
        ['f.money', pair(p.money_pledged_vnd, p.money_paid_vnd, t('unit.vnd'))],
      ]);
      break;
    }
    default:
      title = f.id;
  }
  const kind = { villages: 'feature.village', canals: 'feature.canal', parcels: 'feature.parcel', flood_zones: 'feature.flood_zone', households: 'feature.household' }[name];
  const also = others.length
    ? `<div class="also">${others.map((o, i) => `<a href="#" data-other="${i}">${esc(t(`feature.${o.name === 'flood_zones' ? 'flood_zone' : o.name.replace(/s$/, '')}`))}: ${esc(shortName(o.name, o.layer.feature))}</a>`).join('')}</div>`
    : '';
  const etag = S.popup?.etag ? ` data-etag="${esc(S.popup.etag)}"` : '';
  return `<div class="pop" data-feature="${esc(name)}:${esc(f.id)}"${etag}><div class="kind">${esc(t(kind))}</div><h3>${esc(title)}</h3>${body}${act}${editHtml(name, f)}${historyHtml()}${also}</div>`;
}

// ---------------------------------------------------------------------------------
// Editing from the details popup (officers), and a feature's change history (viewers)

function canEdit() {
  return !!S.user && (S.user.role === 'officer' || S.user.role === 'admin');
}

function canReadHistory() {
  return !!S.user;
}

/** Today in the browser's time zone, as the YYYY-MM-DD a date input holds. */
function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function msgHtml(step) {
  const m = S.popup?.msgs?.[step];
  return `<p class="form-msg${m?.kind ? ` ${m.kind}` : ''}" data-msg="${step}" role="status"${m ? '' : ' hidden'}>${m ? esc(m.text) : ''}</p>`;
}

function formShell(step, fields) {
  // Disabled until the feature's version (ETag) is known, so that no edit goes out blind.
  const ready = !!S.popup?.etag;
  return `<form class="edit-form" data-step="${step}" novalidate>
    <div class="edit-title">${esc(t(`edit.${step}.title`))}</div>
    <div class="edit-row">${fields}</div>
    <div class="edit-actions"><button type="submit" class="btn primary small"${ready ? '' : ' disabled'}>${esc(t('edit.save'))}</button>${msgHtml(step)}</div>
  </form>`;
}

function statusForm(step, kind, values, current) {
  const pick = NEXT_STEP[kind]?.[current] ?? current ?? values[0];
  const options = values.map((v) => `<option value="${v}"${v === pick ? ' selected' : ''}>${esc(tStatus(kind, v))}${v === current ? ` ${esc(t('edit.current'))}` : ''}</option>`).join('');
  return formShell(step, `<label class="grow"><span>${esc(t(`edit.${step}.status`))}</span><select name="status">${options}</select></label>
    <label><span>${esc(t('edit.date'))}</span><input type="date" name="date" value="${todayIso()}" required></label>`);
}

function contributionForm() {
  const kinds = CONTRIBUTION_KINDS.map((k) => `<option value="${k}"${k === 'labour' ? ' selected' : ''}>${esc(t(`edit.contribution.kind.${k}`))}</option>`).join('');
  const states = ['pledged', 'done'].map((st) => `<option value="${st}"${st === 'done' ? ' selected' : ''}>${esc(t(`edit.contribution.state.${st}`))}</option>`).join('');
  return formShell('contribution', `<label class="grow"><span>${esc(t('edit.contribution.kind'))}</span><select name="kind">${kinds}</select></label>
    <label class="amount"><span>${esc(t('edit.contribution.amount'))} (<span data-unit>${esc(t('edit.contribution.unit.labour'))}</span>)</span><input type="number" name="amount" min="0" step="any" inputmode="decimal" required></label>
    <label class="grow"><span>${esc(t('edit.contribution.state'))}</span><select name="state">${states}</select></label>
    <label><span>${esc(t('edit.date'))}</span><input type="date" name="date" value="${todayIso()}" required></label>`);
}

function editHtml(name, f) {
  if (!EDITABLE.has(name)) return '';
  // Signed out while the popup was open (the session expired): no forms, only why.
  if (!canEdit()) return S.popup?.msgs?.all ? `<div class="edit">${msgHtml('all')}</div>` : '';
  const p = f.properties || {};
  let forms = '';
  if (name === 'canals') forms = statusForm('canal_status', 'canal', CANAL_STATUSES, p.status);
  if (name === 'parcels') forms = statusForm('clearance', 'clearance', CLEARANCE_STATUSES, p.clearance_status);
  if (name === 'households') forms = contributionForm() + statusForm('water', 'water', WATER_STATUSES, p.water_status);
  return `<div class="edit" data-edit="${esc(name)}">${forms}${msgHtml('all')}</div>`;
}

/** Reads the feature and its ETag afresh when an officer opens it, and enables the forms. */
async function loadForEdit(pop) {
  try {
    const r = await api.fetchItemForEdit(pop.name, pop.feature.id);
    if (S.popup !== pop) return;
    if (!r) {
      pop.msgs = { all: { text: t('edit.gone'), kind: 'error' } };
      refreshPopup();
      return;
    }
    pop.etag = r.etag;
    const changed = JSON.stringify(r.feature.properties) !== JSON.stringify(pop.feature.properties)
      || JSON.stringify(r.feature.geometry) !== JSON.stringify(pop.feature.geometry);
    if (changed) {
      applyFeature(pop.name, r.feature);
    } else {
      // Unchanged: enable the forms in place, keeping whatever the officer already picked.
      const el = pop.popup.getElement();
      el?.querySelector('.pop')?.setAttribute('data-etag', r.etag || '');
      for (const b of el?.querySelectorAll('form.edit-form button[type=submit]') || []) b.disabled = false;
    }
  } catch (e) {
    if (S.popup !== pop) return;
    pop.msgs = { all: { text: t('edit.failed', { msg: e.message }), kind: 'error' } };
    refreshPopup();
  }
}

function setFormMsg(form, text, kind = '') {
  const p = form.querySelector('.form-msg');
  if (!p) return;
  p.hidden = !text;
  p.textContent = text || '';
  p.className = `form-msg${kind ? ` ${kind}` : ''}`;
  S.popup?.popup.update();
}

function editBody(form) {
  const step = form.dataset.step;
  const fd = new FormData(form);
  // The day it happened: the monthly progress counts a dated change in its month.
  const date = String(fd.get('date') ?? '');
  if (step === 'contribution') {
    const raw = String(fd.get('amount') ?? '').trim().replace(',', '.');
    const amount = Number(raw);
    if (!raw || !Number.isFinite(amount) || amount <= 0) return { error: t('edit.contribution.amount_invalid') };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return { error: t('edit.date_invalid') };
    return { body: { kind: String(fd.get('kind')), amount, state: String(fd.get('state')), date } };
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return { error: t('edit.date_invalid') };
  return { body: { status: String(fd.get('status')), date } };
}

async function submitEdit(form) {
  const pop = S.popup;
  if (!pop || !pop.etag) return;
  const step = form.dataset.step;
  const { body, error } = editBody(form);
  if (error) {
    pop.msgs[step] = { text: error, kind: 'error' };
    setFormMsg(form, error, 'error');
    return;
  }
  const btn = form.querySelector('button[type=submit]');
  btn.disabled = true;
  setFormMsg(form, t('edit.saving'));
  busy(1);
  try {
    const r = await api.editStep(step, pop.feature.id, body, pop.etag);
    if (S.popup === pop) {
      pop.etag = r.etag;
      pop.msgs = { [step]: { text: t('edit.saved'), kind: 'ok' } };
    }
    applyFeature(pop.name, r.feature);
    afterEdit(pop);
  } catch (e) {
    if (e.status === 412) {
      // Someone else changed it since it was read: show theirs, and let the officer decide again.
      pop.msgs = { [step]: { text: t('edit.stale'), kind: 'error' } };
      await reloadFeature(pop);
    } else if (e.status === 401 && !S.user) {
      // The session expired (a server restart forgets sessions): the forms go, and the page says why.
      pop.msgs = { all: { text: t('auth.expired'), kind: 'error' } };
      if (S.popup === pop) refreshPopup();
    } else {
      const text = e.status === 401 || e.status === 403 ? t('edit.not_allowed', { msg: e.message }) : t('edit.failed', { msg: e.message });
      pop.msgs[step] = { text, kind: 'error' };
      if (S.popup === pop) {
        setFormMsg(form, text, 'error');
        btn.disabled = false;
      }
    }
  } finally {
    busy(-1);
  }
}

/** Reads a feature again after a refused edit: the map, the details and the history show what the server has. */
async function reloadFeature(pop) {
  try {
    const r = await api.fetchItemForEdit(pop.name, pop.feature.id);
    if (!r) {
      pop.msgs = { all: { text: t('edit.gone'), kind: 'error' } };
      if (S.popup === pop) refreshPopup();
      return;
    }
    if (S.popup === pop) pop.etag = r.etag;
    applyFeature(pop.name, r.feature, { force: true });
    if (S.popup === pop && pop.history) loadHistory(pop);
  } catch (e) {
    if (S.popup === pop) {
      pop.msgs = { all: { text: t('edit.failed', { msg: e.message }), kind: 'error' } };
      refreshPopup();
    }
  }
}

/** After an acknowledged edit: the reports, the impact table and the open history follow. */
function afterEdit(pop) {
  loadReports();
  if (S.popup === pop && pop.history) loadHistory(pop);
}

/** Puts a feature as the server now has it on the map (restyled), in the impact table and in the open details. */
function applyFeature(name, feature, { force = false } = {}) {
  const id = String(feature.id);
  const p = feature.properties || {};
  const layer = S.index[name]?.get(id);
  if (layer) {
    layer.feature = feature;
    layer.setStyle(STYLE[name](p));
  }
  if (name === 'canals') renderCanalSelect();
  if (name === 'parcels' && S.impact) {
    const row = S.impact.result.parcels.find((x) => String(x.id) === id);
    if (row && row.clearance_status !== p.clearance_status) {
      const by = S.impact.result.totals?.by_clearance_status;
      if (by) {
        by[row.clearance_status] = Math.max(0, (by[row.clearance_status] || 0) - 1);
        by[p.clearance_status] = (by[p.clearance_status] || 0) + 1;
      }
      row.clearance_status = p.clearance_status;
      renderImpact();
    }
  }
  if (S.popup && S.popup.name === name && String(S.popup.feature.id) === id) {
    S.popup.feature = feature;
    refreshPopup();
  } else if (force) {
    refreshPopup();
  }
  document.body.dataset.edited = `${name}:${id}`;
}

// The history: who changed what, when, from which value to which.

const PROP_KIND = {
  status: 'canal', clearance_status: 'clearance', water_status: 'water', fence_type: 'fence',
  funding: 'funding', lining: 'lining', frequency: 'frequency',
};

function propLabel(prop) {
  const k = `f.${prop}`;
  const s = t(k);
  return s === k ? prop : s;
}

function propValue(prop, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (PROP_KIND[prop]) return esc(tStatus(PROP_KIND[prop], v));
  if (typeof v === 'boolean') return esc(v ? t('yes') : t('no'));
  if (typeof v === 'number') {
    const field = CONTRIBUTION_FIELDS.find(([f]) => f === prop);
    return field ? `${fmtNum(v, field[1])} ${esc(t(field[2]))}` : fmtNum(v, 2);
  }
  if (typeof v === 'string' && /(_date|last_observed)$/.test(prop)) return esc(fmtDate(v));
  if (typeof v === 'object') return esc(JSON.stringify(v).slice(0, 60));
  return esc(v);
}

function historyRowsHtml(entries) {
  return entries.map((e) => {
    const items = [];
    if (e.op === 'create') items.push(`<li>${esc(t('history.created'))}</li>`);
    if (e.op === 'delete') items.push(`<li>${esc(t('history.deleted'))}</li>`);
    if (e.op !== 'delete') {
      for (const c of e.changes) {
        items.push(`<li data-property="${esc(c.property)}"><span class="prop">${esc(propLabel(c.property))}</span>: ${propValue(c.property, c.from)} → <b>${propValue(c.property, c.to)}</b></li>`);
      }
      if (e.geometry_changed && e.op !== 'create') items.push(`<li>${esc(t('history.geometry'))}</li>`);
    }
    return `<tr data-seq="${esc(e.seq)}"><td class="when">${esc(fmtDateTime(e.at))}</td><td class="user">${esc(e.user)}</td><td><ul>${items.join('') || `<li>${esc(t('history.no_change'))}</li>`}</ul></td></tr>`;
  }).join('');
}

function historyBodyHtml(h) {
  if (!h) return '';
  if (h.loading && !h.entries) return `<p class="muted small">${esc(t('app.loading'))}</p>`;
  if (h.error) return `<p class="form-msg error">${esc(t('history.error', { msg: h.error }))}</p>`;
  if (!h.entries.length) return `<p class="muted small" data-history-empty>${esc(t('history.none'))}</p>`;
  const more = h.matched > h.entries.length ? `<p class="muted small">${esc(t('history.more', { n: fmtNum(h.matched - h.entries.length) }))}</p>` : '';
  return `<div class="table-wrap"><table class="history" id="history-table">
      <thead><tr><th>${esc(t('history.col.at'))}</th><th>${esc(t('history.col.user'))}</th><th>${esc(t('history.col.changes'))}</th></tr></thead>
      <tbody>${historyRowsHtml(h.entries)}</tbody></table></div>${more}`;
}

function historyHtml() {
  if (!canReadHistory() || !S.popup) return '';
  const h = S.popup.history;
  return `<div class="history-box"><button type="button" class="link-btn" data-history-toggle aria-expanded="${h ? 'true' : 'false'}">${esc(t(h ? 'history.hide' : 'history.show'))}</button>
    <div data-history>${historyBodyHtml(h)}</div></div>`;
}

function renderHistoryBox(pop) {
  if (S.popup !== pop) return;
  const el = pop.popup.getElement();
  const box = el?.querySelector('[data-history]');
  const btn = el?.querySelector('button[data-history-toggle]');
  if (!box || !btn) return;
  box.innerHTML = historyBodyHtml(pop.history);
  btn.textContent = t(pop.history ? 'history.hide' : 'history.show');
  btn.setAttribute('aria-expanded', String(!!pop.history));
  pop.popup.update();
}

async function loadHistory(pop) {
  pop.history = { ...(pop.history || {}), loading: true, error: null };
  renderHistoryBox(pop);
  try {
    const r = await api.featureHistory(pop.name, pop.feature.id);
    if (!pop.history) return;
    pop.history = { loading: false, error: null, entries: r.entries, matched: r.matched };
  } catch (e) {
    if (!pop.history) return;
    pop.history = { loading: false, error: e.message, entries: null };
  }
  renderHistoryBox(pop);
}

function toggleHistory() {
  const pop = S.popup;
  if (!pop) return;
  if (pop.history) {
    pop.history = null;
    renderHistoryBox(pop);
  } else {
    loadHistory(pop);
  }
}

function shortName(name, f) {
  const p = f.properties || {};
  if (name === 'parcels') return `${p.map_sheet}/${p.parcel_no}`;
  return p.name || p.head || f.id;
}

// ---------------------------------------------------------------------------------
// Reports

function showReportError(el, e) {
  el.innerHTML = `<div class="status error">${esc(t('report.error', { msg: e.message }))}</div>`;
}

async function loadReports() {
  busy(1);
  try {
    const [canals, water, progress] = await Promise.allSettled([api.canalLengthReport(), api.waterReport(), api.monthlyProgress()]);
    S.reports.canals = canals.status === 'fulfilled' ? canals.value : null;
    S.reports.canalsError = canals.status === 'rejected' ? canals.reason : null;
    S.reports.water = water.status === 'fulfilled' ? water.value : null;
    S.reports.waterError = water.status === 'rejected' ? water.reason : null;
    S.reports.progress = progress.status === 'fulfilled' ? progress.value : null;
    S.reports.progressError = progress.status === 'rejected' ? progress.reason : null;
    renderReports();
    document.body.dataset.reports = String((Number(document.body.dataset.reports) || 0) + 1);
  } finally {
    busy(-1);
  }
}

function renderReports() {
  renderCanalReport();
  renderWaterReport();
  renderProgressReport();
}

/** Month by month, newest first: canal metres, parcels per clearance step, contributions, water rate. */
function renderProgressReport() {
  const el = $('#report-progress');
  if (!el) return;
  if (S.reports.progressError) return showReportError(el, S.reports.progressError);
  const r = S.reports.progress;
  if (!r) return;
  const start = r.water_rate_at_start !== null
    ? `<p class="muted small progress-start">${esc(t('progress.water_start', { p: fmtPct(r.water_rate_at_start) }))}</p>` : '';
  if (!r.months.length) {
    setHtml(el, `<p class="muted" data-progress-empty>${esc(t('progress.none'))}</p>${start}`);
    return;
  }
  const target = S.reports.water?.target_rate;
  const signed = (v, d) => `${v > 0 ? '+' : ''}${fmtNum(v, d)}`;
  let prevRate = r.water_rate_at_start;
  const rows = r.months.map((m) => {
    const parcels = CLEARANCE_STATUSES.filter((st) => m.parcels_to_status[st] > 0)
      .map((st) => `<span class="key" data-parcels-status="${st}" data-count="${m.parcels_to_status[st]}">${swatch(CLEARANCE_COLOR[st], 'edged')}${esc(tStatus('clearance', st))} <b>${fmtNum(m.parcels_to_status[st])}</b></span>`).join('');
    const contrib = CONTRIBUTION_FIELDS.filter(([f]) => Math.abs(m.contributions_added[f] || 0) > 1e-9)
      .map(([f, d, unit]) => `<span class="key" data-contrib="${f}" data-value="${m.contributions_added[f]}">${esc(t(`progress.c.${f}`))} <b>${signed(m.contributions_added[f], d)} ${esc(t(unit))}</b></span>`).join('');
    const delta = prevRate === null ? null : m.water_rate - prevRate;
    prevRate = m.water_rate;
    const canal = m.canal_completed_m || m.canal_started_m
      ? `<span data-canal-completed="${m.canal_completed_m}">${esc(t('progress.completed'))} <b>${fmtLen(m.canal_completed_m)} m</b></span> · <span data-canal-started="${m.canal_started_m}">${esc(t('progress.started'))} <b>${fmtLen(m.canal_started_m)} m</b></span>`
      : '<span class="muted">—</span>';
    return { month: m.month, html: `<div class="month" data-month="${esc(m.month)}">
      <div class="month-head"><b>${esc(fmtMonth(m.month))}</b><span class="muted">${esc(t('progress.edits', { n: fmtNum(m.edits) }))}</span></div>
      <div class="month-grid">
        <span class="lbl">${esc(t('progress.canals'))}</span><span>${canal}</span>
        <span class="lbl">${esc(t('progress.parcels'))}</span><span class="keys tight">${parcels || '<span class="muted">—</span>'}</span>
        <span class="lbl">${esc(t('progress.contrib'))}</span><span class="keys tight">${contrib || '<span class="muted">—</span>'}</span>
        <span class="lbl">${esc(t('progress.water'))}</span><span class="water-cell">
          <span class="bar mini" title="${target !== undefined ? esc(t('report.water.target', { p: fmtPct(target) })) : ''}"><span class="fill-reg ${target !== undefined && m.water_rate >= target ? 'reached' : 'behind'}"${paintAttrs({ width: Math.min(100, m.water_rate * 100) })}></span>${target !== undefined ? `<span class="target"${paintAttrs({ left: Math.min(100, target * 100) })}></span>` : ''}</span>
          <b data-water-rate="${m.water_rate}">${fmtPct(m.water_rate)}</b>${delta !== null && Math.abs(delta) > 1e-9 ? ` <span class="muted">(${esc(t('progress.points', { d: signed(delta * 100, 1) }))})</span>` : ''}</span>
      </div></div>` };
  });
  setHtml(el, rows.reverse().map((x) => x.html).join('') + start);
}

function renderCanalReport() {
  const el = $('#report-canals');
  if (S.reports.canalsError) return showReportError(el, S.reports.canalsError);
  const r = S.reports.canals;
  if (!r) return;
  if (!r.rows.length) {
    el.innerHTML = `<p class="muted">${esc(t('report.canals.none'))}</p>`;
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
  const statuses = [...CANAL_STATUSES, ...[...byStatus.keys()].filter((s) => !CANAL_STATUSES.includes(s))];
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

function renderWaterReport() {
  const el = $('#report-water');
  if (S.reports.waterError) return showReportError(el, S.reports.waterError);
  const r = S.reports.water;
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

// ---------------------------------------------------------------------------------
// Tabs, language

function showTab(name) {
  for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  $('#tab-reports').hidden = name !== 'reports';
  $('#tab-impact').hidden = name !== 'impact';
}

function switchLang(lang) {
  setLang(lang);
  try {
    localStorage.setItem('drainplan.lang', lang);
  } catch {
    /* private mode */
  }
  for (const b of document.querySelectorAll('.lang-switch button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  applyStatic();
  document.title = `drainplan — ${t('app.title')}`;
  const busyEl = $('#map-busy');
  if (busyEl) busyEl.textContent = t('app.loading');
  renderVillageSelect();
  renderCanalSelect();
  renderLayerBox();
  renderReports();
  renderImpact();
  renderAccount();
  refreshPopup();
}

// ---------------------------------------------------------------------------------
// Route impact

function setStatus(el, text, error = false) {
  el.hidden = !text;
  el.textContent = text || '';
  el.classList.toggle('error', !!error);
}

function renderCanalSelect() {
  const sel = $('#canal-select');
  const current = sel.value;
  const canals = [...S.index.canals.values()].map((l) => l.feature);
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
  sel.innerHTML = html;
  sel.value = current;
}

function currentWidth() {
  const w = Number($('#width-input').value);
  return Number.isFinite(w) && w > 0 ? w : 6;
}

async function runImpact(source) {
  const status = $('#impact-status');
  if (S.impactAbort) S.impactAbort.abort();
  const ctl = new AbortController();
  S.impactAbort = ctl;
  setStatus(status, t('impact.running'));
  busy(1);
  const width = currentWidth();
  try {
    const result = source.kind === 'canal'
      ? await api.canalImpact(source.id, width, { signal: ctl.signal })
      : await api.routeImpact(source.geometry, width, { signal: ctl.signal });
    if (ctl.signal.aborted) return;
    S.impact = { source, result, selected: null, parcelLayers: new Map() };
    setStatus(status, '');
    await drawImpact(ctl.signal);
    renderImpact();
    document.body.dataset.impact = 'ready';
  } catch (e) {
    if (e.name === 'AbortError') return;
    setStatus(status, t('impact.error', { msg: e.message }), true);
    document.body.dataset.impact = 'error';
  } finally {
    busy(-1);
  }
}

function clearImpact() {
  if (S.impactAbort) S.impactAbort.abort();
  S.impact = null;
  S.groups.impact.clearLayers();
  $('#canal-select').value = '';
  setStatus($('#impact-status'), '');
  renderImpact();
  delete document.body.dataset.impact;
}

async function drawImpact(signal) {
  const g = S.groups.impact;
  g.clearLayers();
  const { result, source } = S.impact;
  const svg = L.svg({ pane: 'impact' });
  if (result.corridor) {
    L.geoJSON(result.corridor, {
      pane: 'impact', renderer: svg, interactive: false,
      style: { color: IMPACT_COLOR, weight: 1.5, dashArray: '5 4', fillColor: IMPACT_COLOR, fillOpacity: 0.16 },
    }).addTo(g);
  }
  let routeLatLngs = null;
  if (source.kind === 'route') routeLatLngs = source.geometry.coordinates.map(([x, y]) => [y, x]);
  else routeLatLngs = S.index.canals.get(String(source.id))?.getLatLngs() ?? null;
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
        S.impact.parcelLayers.set(String(f.id), layer);
      }
    }
  }
  const fit = g.getBounds();
  if (fit.isValid()) S.map.fitBounds(fit, { ...fitPadding(40), maxZoom: 19 });
}

function renderImpact() {
  const el = $('#impact-result');
  $('#clear-btn').hidden = !S.impact;
  S.downloads?.update();
  if (!S.impact) {
    el.innerHTML = '';
    return;
  }
  const { result: r, source } = S.impact;
  const tot = r.totals || {};
  const name = source.kind === 'canal'
    ? (S.index.canals.get(String(source.id))?.feature.properties.name || source.id)
    : t('impact.drawn_route');
  const parcels = [...r.parcels].sort((a, b) => b.taken_area_m2 - a.taken_area_m2);
  const rows = parcels.map((p) => `<tr tabindex="0" data-parcel="${esc(p.id)}" class="${S.impact.selected === p.id ? 'selected' : ''}">
      <td>${esc(p.map_sheet)}/${esc(p.parcel_no)}</td>
      <td>${p.owner_name || p.owner_household ? esc(p.owner_name || p.owner_household) : hiddenOr('—')}</td>
      <td class="n">${fmtArea(p.taken_area_m2)}</td>
      <td class="n">${fmtPct(p.taken_share)}</td>
      <td class="n">${fmtLen(p.fence_to_rebuild_m)}</td>
      <td><span class="dot-label">${swatch(CLEARANCE_COLOR[p.clearance_status] || '#777')}${esc(tStatus('clearance_short', p.clearance_status))}</span></td>
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
    .map(([s, n]) => `<span class="key" data-status="${esc(s)}">${pill(CLEARANCE_COLOR[s] || '#777', tStatus('clearance', s))} ${fmtNum(n)}</span>`).join('');
  const floods = r.flood_zones.length
    ? `<ul class="plain-list">${r.flood_zones.map((z) => `<li>${esc(t('impact.flood.row', { name: z.name, depth: fmtNum(z.depth_m, 2), len: fmtLen(z.length_inside_m) }))}
        <span class="meta">· ${esc(z.village || '')}</span></li>`).join('')}</ul>`
    : `<p class="muted">${esc(t('impact.flood.none'))}</p>`;
  const served = r.served_households.length
    ? `<ul class="plain-list" id="served-list">${r.served_households.map((h) => `<li class="${h.id ? 'clickable' : ''}" data-household="${esc(h.id)}">${h.head ? esc(h.head) : hiddenOr('—')} <span class="meta">· ${esc(h.village)} · ${esc(h.flood_zone)}</span></li>`).join('')}</ul>`
    : `<p class="muted">${esc(t('impact.served.none'))}</p>`;
  const exportCtx = { kind: 'impact', source, result: r, width: r.corridor_width_m };
  const actions = exportActions(exportCtx);
  const exportsHtml = actions.map((x) => `<div class="export-action">
      <button type="button" class="btn${x.primary ? ' primary' : ''}" data-export="${esc(x.id)}"${x.title_key ? ` title="${esc(t(x.title_key))}"` : ''}>${buttonHtml(x.label_key)}</button>
      ${x.detail ? `<span class="detail"><span data-export-detail="${esc(x.id)}">${esc(x.detail(exportCtx))}</span> · <button type="button" class="link-btn" data-export-change>${esc(t('export.change'))}</button></span>` : ''}
    </div>`).join('');
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
    tr.addEventListener('click', () => selectImpactParcel(tr.dataset.parcel));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        selectImpactParcel(tr.dataset.parcel);
      }
    });
  }
  for (const li of el.querySelectorAll('li.clickable[data-household]')) {
    li.addEventListener('click', () => findHousehold(li.dataset.household));
  }
  for (const b of el.querySelectorAll('button[data-export]')) {
    const action = actions.find((x) => x.id === b.dataset.export);
    b.addEventListener('click', () => download(action.request(exportCtx), { button: b, status: $('#impact-export-status') }));
  }
  for (const b of el.querySelectorAll('[data-export-change]')) b.addEventListener('click', () => S.downloads.open('impact'));
}

async function selectImpactParcel(id) {
  if (!S.impact) return;
  S.impact.selected = id;
  for (const tr of document.querySelectorAll('#impact-table tr[data-parcel]')) tr.classList.toggle('selected', tr.dataset.parcel === id);
  for (const [pid, layer] of S.impact.parcelLayers) {
    layer.setStyle(pid === id
      ? { color: '#ff7f00', weight: 4, fillColor: '#ff7f00', fillOpacity: 0.45 }
      : { color: '#b2182b', weight: 2, fillColor: IMPACT_COLOR, fillOpacity: 0.28 });
  }
  let layer = S.impact.parcelLayers.get(id);
  let feature = layer?.feature;
  if (!feature) {
    feature = await api.fetchItem('parcels', id);
    if (!feature) return;
    layer = L.geoJSON(feature, { pane: 'impactParcels', interactive: false, style: { color: '#ff7f00', weight: 4, fillOpacity: 0.45 } }).addTo(S.groups.impact);
    layer.feature = feature;
    S.impact.parcelLayers.set(id, layer);
  }
  layer.bringToFront();
  const b = layer.getBounds();
  S.map.fitBounds(b, { padding: [60, 60], maxZoom: 20 });
  document.body.dataset.selectedParcel = id;
  openDetails('parcels', feature, b.getCenter());
}

async function findHousehold(id) {
  const f = S.index.households.get(id)?.feature || (await api.fetchItem('households', id));
  if (!f) return;
  const [lng, lat] = f.geometry.coordinates;
  S.map.setView([lat, lng], Math.max(S.map.getZoom(), 18));
  const ring = L.circleMarker([lat, lng], { pane: 'highlight', radius: 10, color: IMPACT_COLOR, weight: 3, fill: false, interactive: false }).addTo(S.map);
  setTimeout(() => S.map.removeLayer(ring), 2500);
  openDetails('households', f, L.latLng(lat, lng));
}

// ---------------------------------------------------------------------------------
// Drawing a route

function startDraw() {
  clearImpact();
  S.map.closePopup();
  S.draw = { points: [], line: null, guide: null, markers: [] };
  S.map.doubleClickZoom.disable();
  $('#map').classList.add('drawing');
  $('#draw-btn').hidden = true;
  $('#finish-btn').hidden = false;
  $('#cancel-btn').hidden = false;
  $('#draw-hint').hidden = false;
  document.body.dataset.drawing = 'true';
}

function endDraw() {
  if (!S.draw) return;
  S.groups.draw.clearLayers();
  S.draw = null;
  $('#map').classList.remove('drawing');
  $('#draw-btn').hidden = false;
  $('#finish-btn').hidden = true;
  $('#cancel-btn').hidden = true;
  $('#draw-hint').hidden = true;
  delete document.body.dataset.drawing;
  // Re-enable after the dblclick that may have ended drawing has passed.
  setTimeout(() => S.map.doubleClickZoom.enable(), 400);
}

function addDrawPoint(latlng) {
  const d = S.draw;
  const last = d.points[d.points.length - 1];
  if (last && S.map.latLngToContainerPoint(last).distanceTo(S.map.latLngToContainerPoint(latlng)) < 4) return;
  d.points.push(latlng);
  if (!d.line) {
    d.line = L.polyline(d.points, { pane: 'draw', color: IMPACT_COLOR, weight: 3, interactive: false }).addTo(S.groups.draw);
  } else {
    d.line.setLatLngs(d.points);
  }
  d.markers.push(L.circleMarker(latlng, { pane: 'draw', radius: 4, color: '#fff', weight: 2, fillColor: IMPACT_COLOR, fillOpacity: 1, interactive: false }).addTo(S.groups.draw));
  document.body.dataset.drawPoints = String(d.points.length);
}

function onMapMouseMove(e) {
  const d = S.draw;
  if (!d || !d.points.length) return;
  const pts = [d.points[d.points.length - 1], e.latlng];
  if (!d.guide) d.guide = L.polyline(pts, { pane: 'draw', color: IMPACT_COLOR, weight: 2, dashArray: '4 4', opacity: 0.7, interactive: false }).addTo(S.groups.draw);
  else d.guide.setLatLngs(pts);
}

function onMapDblClick() {
  if (S.draw) finishDraw();
}

function finishDraw() {
  const d = S.draw;
  if (!d) return;
  if (d.points.length < 2) {
    setStatus($('#impact-status'), t('impact.need_two'), true);
    return;
  }
  const geometry = { type: 'LineString', coordinates: d.points.map((p) => [Number(p.lng.toFixed(7)), Number(p.lat.toFixed(7))]) };
  endDraw();
  showTab('impact');
  runImpact({ kind: 'route', geometry });
}

// ---------------------------------------------------------------------------------
// Signing in (personal details are for signed-in officers only)

function renderAccount() {
  $('#account').hidden = !S.authAvailable;
  $('#signin-btn').hidden = !!S.user;
  $('#signout-btn').hidden = !S.user;
  const who = $('#who');
  who.hidden = !S.user;
  if (S.user) who.innerHTML = `<b>${esc(S.user.name)}</b> · ${esc(t(`auth.role.${S.user.role}`))}`;
}

async function initAuth() {
  let saved = null;
  try {
    saved = sessionStorage.getItem('drainplan.token');
  } catch {
    /* no storage */
  }
  if (saved) api.setToken(saved);
  try {
    const me = await api.whoAmI();
    S.authAvailable = true;
    S.user = me && me.role && me.role !== 'public' ? { name: me.name, role: me.role } : null;
  } catch (e) {
    // A server without sign-in (404) serves everyone everything.
    S.authAvailable = e.status !== 404 && e.status !== 0;
    S.user = null;
  }
  if (!S.user) forgetToken();
  renderAccount();
}

function forgetToken() {
  api.setToken(null);
  try {
    sessionStorage.removeItem('drainplan.token');
  } catch {
    /* no storage */
  }
}

/** After signing in or out: everything personal is fetched again. */
function refreshForUser() {
  renderAccount();
  clearLayer('parcels');
  clearLayer('households');
  loadView('parcels');
  loadView('households');
  loadReports();
  if (S.impact) runImpact(S.impact.source);
  S.map.closePopup();
}

function wireAuth() {
  const form = $('#signin-form');
  $('#signin-btn').addEventListener('click', () => {
    form.hidden = !form.hidden;
    if (!form.hidden) $('#signin-name').focus();
  });
  $('#signin-cancel').addEventListener('click', () => {
    form.hidden = true;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = $('#signin-error');
    setStatus(err, '');
    try {
      const r = await api.signIn($('#signin-name').value.trim(), $('#signin-password').value);
      api.setToken(r.token);
      try {
        sessionStorage.setItem('drainplan.token', r.token);
      } catch {
        /* no storage: the session lasts as long as the page */
      }
      S.user = { name: r.name, role: r.role };
      form.hidden = true;
      form.reset();
      refreshForUser();
    } catch (ex) {
      setStatus(err, t('auth.failed', { msg: ex.message }), true);
    }
  });
  $('#signout-btn').addEventListener('click', async () => {
    await api.signOut();
    forgetToken();
    S.user = null;
    refreshForUser();
  });
  api.setOnExpired(() => {
    forgetToken();
    S.user = null;
    renderAccount();
    setStatus($('#impact-status'), t('auth.expired'), true);
  });
}

// ---------------------------------------------------------------------------------
// Start

function wireUi() {
  for (const b of document.querySelectorAll('.lang-switch button')) b.addEventListener('click', () => switchLang(b.dataset.lang));
  for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
  $('#village-select').addEventListener('change', (e) => zoomToVillage(e.target.value));
  $('#canal-select').addEventListener('change', (e) => {
    if (e.target.value) runImpact({ kind: 'canal', id: e.target.value });
    else clearImpact();
  });
  $('#draw-btn').addEventListener('click', startDraw);
  $('#finish-btn').addEventListener('click', finishDraw);
  $('#cancel-btn').addEventListener('click', endDraw);
  $('#clear-btn').addEventListener('click', clearImpact);
  let widthTimer = null;
  $('#width-input').addEventListener('input', () => {
    clearTimeout(widthTimer);
    widthTimer = setTimeout(() => {
      if (S.impact) runImpact(S.impact.source);
    }, 350);
  });
  document.addEventListener('keydown', (e) => {
    if (!S.draw) return;
    if (e.key === 'Escape') endDraw();
    if (e.key === 'Enter') finishDraw();
  });
}

async function start() {
  let lang = 'vi';
  try {
    // `#lang=en` in the address picks the language (the server's / takes no query string).
    lang = new URLSearchParams(location.hash.slice(1)).get('lang') || localStorage.getItem('drainplan.lang') || 'vi';
  } catch {
    /* default */
  }
  setLang(lang);
  initMap();
  S.downloads = addDownloadPanel(S.map, {
    impact: () => (S.impact ? { source: S.impact.source, width: S.impact.result.corridor_width_m } : null),
  });
  document.addEventListener('drainplan:export-choice', () => {
    for (const el of document.querySelectorAll('[data-export-detail]')) {
      const x = EXPORTS.find((e) => e.id === el.dataset.exportDetail);
      if (x?.detail) el.textContent = x.detail();
    }
  });
  wireUi();
  wireAuth();
  switchLang(getLang());
  await initAuth();
  renderLayerBox();
  const reports = loadReports();
  try {
    await Promise.all(['villages', 'flood_zones', 'canals'].map(loadWhole));
  } catch (e) {
    showMapError(e);
  }
  labelVillages();
  renderVillageSelect();
  renderCanalSelect();
  fitAll();
  S.map.getContainer().classList.toggle('hide-village-labels', S.map.getZoom() < 14);
  renderLayerBox();
  await Promise.allSettled([reports, loadView('parcels'), loadView('households')]);
  document.body.dataset.ready = 'true';
}

// For the browser tests and for debugging from the console.
window.drainplan = {
  get map() { return S.map; },
  counts: () => Object.fromEntries(LAYER_ORDER.map((n) => [n, S.index[n].size])),
  viewState: () => ({ ...S.viewState }),
  featureLatLng(name, id) {
    const l = S.index[name].get(String(id));
    if (!l) return null;
    return l.getLatLng ? l.getLatLng() : l.getCenter();
  },
  get impact() { return S.impact?.result ?? null; },
  /** The feature as the map has it, and the fill (or line) colour it is drawn with. */
  feature(name, id) {
    const l = S.index[name].get(String(id));
    return l ? { properties: l.feature.properties, color: l.options.fillColor ?? l.options.color } : null;
  },
  get user() { return S.user; },
  impactBounds() {
    const b = S.groups.impact.getBounds();
    return b.isValid() ? b : null;
  },
  registerExport,
};

start();
