// The map and the commune's layers on it: panes in drawing order, the small layers loaded
// whole, parcels and households fetched for the current view only (bbox), from a minimum
// zoom, and drawn on canvas so that ten times the sample's parcels stay usable; where that
// is not enough (parcels below that zoom or too many in view; canals and flood zones of a
// province, more than one request holds) the layer is drawn from the server's vector
// tiles instead (tiles.js); which layers are switched on; the villages' labels and the
// village picker; and the hit test that finds every feature under a click.

/* global L */
import * as api from './api.js';
import { $, esc, setHtml, setStatus } from './dom.js';
import { t } from './i18n.js';
import {
  CATCHMENT_STYLE, CLEARANCE_COLOR, WATER_COLOR, canalStyle, depthColor,
} from './look.js';
import { busy, emit, on } from './state.js';
import { VectorTileLayer, trace } from './tiles.js';

const LAYER_ORDER = ['villages', 'flood_zones', 'catchments', 'parcels', 'canals', 'households'];
/** Which layer a click picks first where several overlap. */
const HIT_ORDER = ['households', 'canals', 'parcels', 'flood_zones', 'catchments', 'villages'];
/** Below these zooms the view-dependent layers are not fetched. */
const MIN_ZOOM = { parcels: 15, households: 15 };
/** Above this many features in view the layer asks the user to zoom in. */
const MAX_IN_VIEW = { parcels: 12000, households: 12000 };
/** The property each layer is styled by: a change to it restyles the feature. */
const STYLE_KEY = { canals: 'status', parcels: 'clearance_status', households: 'water_status', flood_zones: 'depth_m' };

let map = null;
const groups = {};
/** layer name → Map(id → Leaflet layer, whose .feature is the GeoJSON feature) */
const index = {};
const visible = {
  villages: true, canals: true, parcels: true, flood_zones: true, catchments: false, households: true, osm: false,
};
/**
 * parcels and households: ok, zoom (zoom in to see), too_many or signin; parcels, canals
 * and flood zones also tiles (drawn from vector tiles).
 */
const viewState = { parcels: 'ok', households: 'ok' };
/** The layers that can be drawn from vector tiles, and their grid layers once made. */
const TILED = ['parcels', 'canals', 'flood_zones'];
const tileLayers = {};
const aborts = {};
let osm = null;

function householdRadius() {
  const z = map ? map.getZoom() : 16;
  return z <= 15 ? 2.2 : z === 16 ? 3 : z === 17 ? 4.2 : 5.5;
}

const STYLE = {
  villages: () => ({ color: '#2f3e46', weight: 2, dashArray: '7 4 2 4', fill: true, fillColor: '#ffffff', fillOpacity: 0.35 }),
  flood_zones: (p) => ({ color: '#2166ac', weight: 1, opacity: 0.6, fillColor: depthColor(p.depth_m), fillOpacity: 0.55 }),
  catchments: () => ({ ...CATCHMENT_STYLE }),
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

/** Parcels' cells below zoom 15 (each a count of parcels smaller than a pixel), by clearance step. */
const CELL_NONE = '#9aa6ae';

/** How each tiled layer draws a decoded feature on its tile's canvas. */
const DRAW = {
  parcels: (ctx, f, scale, z, ratio) => {
    const p = f.properties;
    const c = CLEARANCE_COLOR[p.clearance_status];
    const none = !c || p.clearance_status === 'not_required';
    if (f.type === 'point') {
      // A cell: two pixels square, at its centre.
      const [x, y] = f.parts[0][0];
      const side = 32 * scale;
      ctx.globalAlpha = none ? 0.8 : 1;
      ctx.fillStyle = none ? CELL_NONE : c;
      ctx.fillRect(x * scale - side / 2, y * scale - side / 2, side, side);
      ctx.globalAlpha = 1;
      return;
    }
    const s = STYLE.parcels(p);
    trace(ctx, f, scale);
    ctx.globalAlpha = z < 15 && none ? 0.6 : s.fillOpacity;
    ctx.fillStyle = z < 15 && none ? CELL_NONE : s.fillColor;
    ctx.fill('evenodd');
    if (z >= 15) {
      ctx.globalAlpha = s.opacity;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = s.weight * ratio;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  },
  canals: (ctx, f, scale, z, ratio) => {
    const s = canalStyle(f.properties.status);
    trace(ctx, f, scale);
    ctx.globalAlpha = s.opacity;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = (z >= 15 ? s.weight : 2) * ratio;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.setLineDash(s.dashArray ? s.dashArray.split(' ').map((d) => Number(d) * ratio) : []);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  },
  flood_zones: (ctx, f, scale, z, ratio) => {
    const s = STYLE.flood_zones(f.properties);
    trace(ctx, f, scale);
    ctx.globalAlpha = s.fillOpacity;
    ctx.fillStyle = s.fillColor;
    ctx.fill('evenodd');
    ctx.globalAlpha = s.opacity;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.weight * ratio;
    ctx.stroke();
    ctx.globalAlpha = 1;
  },
};

/** Draws layer `name` from vector tiles (true) or from its GeoJSON features (false). */
function useTiles(name, on) {
  const tl = tileLayers[name];
  if (on) {
    if (visible[name] && !map.hasLayer(tl)) tl.addTo(map);
    if (map.hasLayer(groups[name])) map.removeLayer(groups[name]);
  } else {
    if (map.hasLayer(tl)) map.removeLayer(tl);
    if (visible[name] && !map.hasLayer(groups[name])) map.addLayer(groups[name]);
  }
}

function tilesShown(name) {
  return Boolean(tileLayers[name] && map.hasLayer(tileLayers[name]));
}

/** For the browser tests: per tiled layer, whether it is drawn from tiles and how many features its tiles on the map hold. */
export function tileStatus() {
  return Object.fromEntries(TILED.map((n) => [n, { shown: tilesShown(n), drawn: tileLayers[n]?.drawnCount() ?? 0 }]));
}

export function getMap() {
  return map;
}

/** The Leaflet layer drawing feature `id` of layer `name`, or undefined. */
export function layerOf(name, id) {
  return index[name]?.get(String(id));
}

/** The features layer `name` holds now. */
export function featuresOf(name) {
  return [...index[name].values()].map((l) => l.feature);
}

/** For the layer box: whether a layer is on, its view state, and how many features it draws. */
export function layerStatus(name) {
  return { visible: visible[name], viewState: viewState[name] ?? 'ok', count: index[name]?.size ?? 0 };
}

export function counts() {
  return Object.fromEntries(LAYER_ORDER.map((n) => [n, index[n].size]));
}

export function viewStates() {
  return { ...viewState };
}

/** Makes the map, its panes, the layers' groups and the scale and busy controls. */
export function initMap() {
  map = L.map('map', {
    zoomControl: true,
    minZoom: 11,
    maxZoom: 21,
    doubleClickZoom: true,
    attributionControl: true,
  });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
  map.setView([19.22, 105.7], 15);

  // One pane per layer, in drawing order; the two large layers on canvas.
  const z = { villages: 360, flood_zones: 370, parcels: 380, catchments: 385, canals: 420, households: 430, impact: 440, impactParcels: 445, highlight: 450, draw: 460 };
  for (const [name, zi] of Object.entries(z)) {
    map.createPane(name).style.zIndex = String(zi);
  }
  const renderer = {
    villages: L.svg({ pane: 'villages', tolerance: 3 }),
    flood_zones: L.svg({ pane: 'flood_zones', tolerance: 3 }),
    catchments: L.svg({ pane: 'catchments', tolerance: 3 }),
    parcels: L.canvas({ pane: 'parcels', padding: 0.3, tolerance: 2 }),
    canals: L.svg({ pane: 'canals', tolerance: 6 }),
    households: L.canvas({ pane: 'households', padding: 0.3, tolerance: 4 }),
  };
  for (const name of LAYER_ORDER) {
    groups[name] = L.featureGroup([], { pane: name });
    if (visible[name]) groups[name].addTo(map);
    groups[name].renderer = renderer[name];
    index[name] = new Map();
  }
  for (const name of TILED) {
    const tl = new VectorTileLayer({ layer: name, pane: name, draw: DRAW[name] });
    // Tiles in flight count as work in progress (data-busy), until loaded or taken off.
    let loading = false;
    const settle = () => {
      if (loading) busy(-1);
      loading = false;
    };
    tl.on('loading', () => {
      if (!loading) busy(1);
      loading = true;
    });
    tl.on('load', () => {
      settle();
      emit('layers');
    });
    tl.on('remove', settle);
    tl.on('tileerror', (e) => showMapError(e.error || new Error('tile')));
    tileLayers[name] = tl;
  }

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

  map.on('moveend', scheduleViewLoad);
  map.on('zoomend', () => {
    toggleVillageLabels();
    const r = householdRadius();
    for (const l of index.households.values()) l.setRadius(r);
  });

  on('lang', () => {
    const el = $('#map-busy');
    if (el) el.textContent = t('app.loading');
    renderVillageSelect();
  });
  on('user', () => {
    // The role changes what a tile carries.
    for (const name of TILED) if (tilesShown(name)) tileLayers[name].refresh();
    clearLayer('parcels');
    clearLayer('households');
    loadView('parcels');
    loadView('households');
  });
  on('feature', ({ name, feature }) => {
    if (tilesShown(name)) tileLayers[name].refresh();
    const layer = index[name]?.get(String(feature.id));
    if (layer) {
      layer.feature = feature;
      layer.setStyle(STYLE[name](feature.properties || {}));
    }
  });
  return map;
}

function makeLayer(name, feature) {
  const p = feature.properties || {};
  const opts = { ...STYLE[name](p), renderer: groups[name].renderer, pane: name, interactive: false };
  const layer = L.GeoJSON.geometryToLayer(feature, {
    ...opts,
    pointToLayer: (f, latlng) => L.circleMarker(latlng, opts),
  });
  layer.feature = feature;
  return layer;
}

/** Makes the layer `name` hold exactly `features`, reusing what it already draws. */
function syncLayer(name, features) {
  const group = groups[name];
  const idx = index[name];
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
  groups[name].clearLayers();
  index[name].clear();
}

/** Loads a small layer whole. */
export async function loadWhole(name) {
  busy(1);
  try {
    const { features, complete } = await api.fetchItems(name, { max: api.MAX_LIMIT });
    syncLayer(name, features);
    // More than one request holds (a province): the tools keep what was loaded, the map
    // draws the whole layer from tiles.
    if (TILED.includes(name)) {
      viewState[name] = complete ? 'ok' : 'tiles';
      useTiles(name, !complete);
    }
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

/** Loads the part of a view-dependent layer (parcels, households) in view. */
export async function loadView(name) {
  if (aborts[name]) aborts[name].abort();
  if (!visible[name]) {
    clearLayer(name);
    emit('layers');
    return;
  }
  if (map.getZoom() < MIN_ZOOM[name]) {
    clearLayer(name);
    viewState[name] = TILED.includes(name) ? 'tiles' : 'zoom';
    if (TILED.includes(name)) useTiles(name, true);
    emit('layers');
    return;
  }
  const b = map.getBounds().pad(0.2);
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6));
  const ctl = new AbortController();
  aborts[name] = ctl;
  busy(1);
  try {
    const r = await api.fetchItems(name, { bbox, max: MAX_IN_VIEW[name], signal: ctl.signal });
    if (ctl.signal.aborted) return;
    if (!r.complete) {
      clearLayer(name);
      viewState[name] = TILED.includes(name) ? 'tiles' : 'too_many';
      if (TILED.includes(name)) useTiles(name, true);
    } else {
      syncLayer(name, r.features);
      viewState[name] = 'ok';
      if (TILED.includes(name)) useTiles(name, false);
    }
    emit('layers');
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      clearLayer(name);
      viewState[name] = 'signin';
      emit('layers');
    } else if (e.name !== 'AbortError') showMapError(e);
  } finally {
    busy(-1);
    if (aborts[name] === ctl) aborts[name] = null;
  }
}

/** Switches a layer (or the OpenStreetMap background, `osm`) on or off. */
export function setVisible(name, on) {
  visible[name] = on;
  if (name === 'osm') {
    if (on) {
      if (!osm) {
        osm = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
          maxZoom: 21,
          maxNativeZoom: 19,
          attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        });
      }
      osm.addTo(map).bringToBack();
    } else if (osm) {
      map.removeLayer(osm);
    }
    return;
  }
  const group = groups[name];
  if (!on) {
    map.removeLayer(group);
    if (tileLayers[name]) map.removeLayer(tileLayers[name]);
  } else if (viewState[name] === 'tiles') {
    useTiles(name, true);
  } else {
    map.addLayer(group);
  }
  if (name === 'parcels' || name === 'households') loadView(name);
  emit('layers');
}

export function showMapError(e) {
  console.warn('drainplan:', e);
  setStatus($('#impact-status'), t('app.load_error', { msg: e.message }), true);
}

// ---------------------------------------------------------------------------------
// Villages: labels and zoom-to

export function labelVillages() {
  for (const layer of index.villages.values()) {
    layer.unbindTooltip();
    layer.bindTooltip(esc(layer.feature.properties.name), {
      permanent: true, direction: 'center', className: 'village-label', interactive: false,
    });
  }
}

/** Village names only where they can be read (a province-size data set has hundreds). */
export function toggleVillageLabels() {
  map.getContainer().classList.toggle('hide-village-labels', map.getZoom() < 14);
}

export function renderVillageSelect() {
  const sel = $('#village-select');
  const current = sel.value;
  const villages = [...index.villages.values()]
    .map((l) => ({ id: l.feature.id, name: l.feature.properties.name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  setHtml(sel, `<option value="">${esc(t('village.all'))}</option>`
    + villages.map((v) => `<option value="${esc(v.id)}">${esc(v.name)}</option>`).join(''));
  sel.value = current;
}

export function zoomToVillage(id) {
  if (!id) {
    fitAll();
    return;
  }
  const layer = index.villages.get(id);
  if (layer) map.fitBounds(layer.getBounds(), fitPadding());
}

/** A village's name by id ('—' for none, the id when unknown). */
export function villageName(id) {
  if (id === null || id === undefined) return '—';
  const l = index.villages?.get(id);
  return l ? l.feature.properties.name : String(id);
}

/** A household's head as the map has it, or null. */
export function householdName(id) {
  const l = index.households?.get(id);
  return l ? l.feature.properties.head : null;
}

/** Padding that keeps fitted features clear of the layer box on the right. */
export function fitPadding(extra = 16) {
  const size = map.getSize();
  const top = $('#layers-box')?.offsetHeight ?? 0;
  const bottom = $('#legend-box')?.offsetHeight ?? 0;
  // Keep clear of the boxes when the map is tall enough to afford it.
  const room = size.y - top - bottom > 320;
  return {
    paddingTopLeft: [extra, room ? top + 10 + extra : extra],
    paddingBottomRight: [extra, room ? bottom + 10 + extra : extra],
  };
}

/** Fits the map to the villages (or, without any, to the canals). */
export function fitAll() {
  const b = groups.villages.getBounds();
  if (b.isValid()) map.fitBounds(b, fitPadding());
  else {
    const c = groups.canals.getBounds();
    if (c.isValid()) map.fitBounds(c, { padding: [40, 40] });
  }
}

// ---------------------------------------------------------------------------------
// Our own hit test over every visible layer, so that overlapping layers (a parcel inside
// a flood zone inside a village) are all reachable.

/** Every feature under `latlng`, as [{ name, layer }], the one a click picks first. */
export function hitTest(latlng) {
  const p = map.latLngToLayerPoint(latlng);
  const hits = [];
  for (const name of HIT_ORDER) {
    if (!visible[name]) continue;
    if (tilesShown(name)) {
      // Features drawn from tiles: their id and tile properties; popup.js fetches the rest.
      const seen = new Set();
      for (const f of tileLayers[name].featuresAt(latlng)) {
        const id = String(f.properties.id);
        if (seen.has(id)) continue;
        seen.add(id);
        hits.push({
          name,
          tile: true,
          layer: { feature: { type: 'Feature', id, properties: f.properties, geometry: null } },
        });
      }
      continue;
    }
    for (const layer of index[name].values()) {
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
