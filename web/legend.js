// The map's layer box (a switch per layer and its feature count) and its legend (a line
// per styled layer switched on, one item per value the server lists for it).

/* global L */
import { $, esc, paintAttrs, setHtml } from './dom.js';
import { fmtNum, t, tStatus } from './i18n.js';
import {
  CATCHMENT_STYLE, CLEARANCE_COLOR, DEPTH_BREAKS, DEPTH_COLOR, WATER_COLOR, canalStyle,
} from './look.js';
import { layerStatus, setVisible } from './layers.js';
import { enumValues, on } from './state.js';

function boxControl(map, position, id, className) {
  const ctl = L.control({ position });
  ctl.onAdd = () => {
    const d = L.DomUtil.create('div', className);
    d.id = id;
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  ctl.addTo(map);
}

/** Adds the layer box (top right) and the legend (bottom right), kept up to date. */
export function init(map) {
  boxControl(map, 'topright', 'layers-box', 'map-box');
  boxControl(map, 'bottomright', 'legend-box', 'map-box legend-box');
  on('layers', render);
  on('lang', render);
}

function legendHtml(name) {
  const item = (sw, label) => `<div class="legend-item">${sw}<span>${esc(label)}</span></div>`;
  switch (name) {
    case 'canals':
      return enumValues('canals', 'status').map((s) => {
        const st = canalStyle(s);
        const kind = !st.dashArray ? 'solid' : st.dashArray === canalStyle('proposed').dashArray ? 'dotted' : 'dashed';
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
    case 'catchments':
      return item(`<span class="legend-fill catchment"${paintAttrs({ bg: CATCHMENT_STYLE.fillColor, line: CATCHMENT_STYLE.color })}></span>`, t('legend.catchment_item'));
    case 'parcels':
      return enumValues('parcels', 'clearance_status')
        .map((s) => item(`<span class="legend-fill"${paintAttrs({ bg: CLEARANCE_COLOR[s] || '#ffffff' })}></span>`, tStatus('clearance_short', s))).join('');
    case 'households':
      return enumValues('households', 'water_status')
        .map((s) => item(`<span class="legend-dot"${paintAttrs({ bg: WATER_COLOR[s] || '#999999' })}></span>`, tStatus('water', s))).join('');
    default:
      return '';
  }
}

/** Functions giving a legend row's HTML ('' when it has none to show), first on top. */
const extraRows = [];

/** Adds a legend row that another part of the page draws (call render() when it changes). */
export function addRow(fn) {
  extraRows.push(fn);
}

/** Writes the layer box and the legend again. */
export function render() {
  renderLayerBox();
  renderLegend();
}

function renderLayerBox() {
  const box = $('#layers-box');
  if (!box) return;
  const rows = ['villages', 'canals', 'flood_zones', 'catchments', 'parcels', 'households'].map((name) => {
    const s = layerStatus(name);
    let count = `<span class="count" data-count="${name}">${fmtNum(s.count)}</span>`;
    if (s.viewState === 'zoom') count = `<span class="count warn">${esc(t('layer.zoom_in'))}</span>`;
    if (s.viewState === 'too_many') count = `<span class="count warn">${esc(t('layer.too_many'))}</span>`;
    if (s.viewState === 'tiles') count = `<span class="count" data-tiles="${name}">${esc(t('layer.tiles'))}</span>`;
    if (s.viewState === 'signin') count = `<span class="count warn">${esc(t('layer.signin'))}</span>`;
    if (!s.visible) count = '';
    return `<label class="layer-toggle"><input type="checkbox" data-layer="${name}" ${s.visible ? 'checked' : ''}>
      <span>${esc(t(`layer.${name}`))}</span>${count}</label>`;
  });
  rows.push(`<div class="legend-sep"></div><label class="layer-toggle"><input type="checkbox" data-layer="osm" ${layerStatus('osm').visible ? 'checked' : ''}>
      <span>${esc(t('layer.osm'))}</span></label>`);
  setHtml(box, `<h4>${esc(t('layers.title'))}</h4>${rows.join('')}`);
  for (const input of box.querySelectorAll('input[data-layer]')) {
    input.addEventListener('change', () => setVisible(input.dataset.layer, input.checked));
  }
}

function renderLegend() {
  const box = $('#legend-box');
  if (!box) return;
  const titles = {
    canals: 'legend.canals', flood_zones: 'legend.flood', catchments: 'legend.catchments', parcels: 'legend.parcels', households: 'legend.households',
  };
  const rows = ['canals', 'flood_zones', 'catchments', 'parcels', 'households']
    .filter((n) => layerStatus(n).visible)
    .map((n) => `<div class="legend-row"><span class="legend-title">${esc(t(titles[n]))}</span>${legendHtml(n)}</div>`);
  // Rows other parts add while they draw on the map (the hydraulic verdict).
  for (const extra of extraRows) {
    const html = extra();
    if (html) rows.unshift(html);
  }
  box.hidden = !rows.length;
  setHtml(box, rows.join(''));
}
