// Drawing a route on the map: a click adds a point, a double click, Enter or "Xong /
// Finish" ends the route and hands it to whoever asked for it (route impact by default;
// the route options of compare.js), Escape or "Huỷ / Cancel" drops it.

/* global L */
import { $, setStatus, showTab } from './dom.js';
import { t } from './i18n.js';
import { IMPACT_COLOR } from './look.js';
import { clearImpact, runImpact } from './impact.js';

let map = null;
let group = null;
/** The route being drawn: { points, line, guide, markers, owner }, or null. */
let draw = null;

/**
 * Who a route is drawn for: its buttons and hint (selectors, shown and hidden while
 * drawing), its status line, the line's colour, what to do first and what to do with the
 * finished LineString.
 */
const IMPACT = {
  draw: '#draw-btn',
  finish: '#finish-btn',
  cancel: '#cancel-btn',
  hint: '#draw-hint',
  status: '#impact-status',
  color: IMPACT_COLOR,
  begin: () => clearImpact(),
  done: (geometry) => {
    showTab('impact');
    runImpact({ kind: 'route', geometry });
  },
};

export function init(m) {
  map = m;
  group = L.featureGroup([]).addTo(map);
  map.on('dblclick', () => {
    if (draw) finishDrawing();
  });
  map.on('mousemove', onMouseMove);
  $('#draw-btn').addEventListener('click', () => startDrawing(IMPACT));
  $('#finish-btn').addEventListener('click', finishDrawing);
  $('#cancel-btn').addEventListener('click', cancelDrawing);
  document.addEventListener('keydown', (e) => {
    if (!draw) return;
    if (e.key === 'Escape') cancelDrawing();
    if (e.key === 'Enter') finishDrawing();
  });
}

/** Whether a route is being drawn (a map click then adds a point, not opens details). */
export function isDrawing() {
  return !!draw;
}

/** Starts drawing a route for `owner` (see IMPACT); one drawn for another owner is dropped. */
export function startDrawing(owner) {
  cancelDrawing();
  owner.begin?.();
  map.closePopup();
  draw = { points: [], line: null, guide: null, markers: [], owner };
  map.doubleClickZoom.disable();
  $('#map').classList.add('drawing');
  showControls(owner, true);
  document.body.dataset.drawing = 'true';
}

function showControls(owner, drawing) {
  $(owner.draw).hidden = drawing;
  $(owner.finish).hidden = !drawing;
  $(owner.cancel).hidden = !drawing;
  $(owner.hint).hidden = !drawing;
}

/** Drops the route being drawn. */
export function cancelDrawing() {
  if (!draw) return;
  group.clearLayers();
  showControls(draw.owner, false);
  draw = null;
  $('#map').classList.remove('drawing');
  delete document.body.dataset.drawing;
  // Re-enable after the dblclick that may have ended drawing has passed.
  setTimeout(() => map.doubleClickZoom.enable(), 400);
}

/** Adds a clicked point to the route (not one within 4 px of the last). */
export function addPoint(latlng) {
  const d = draw;
  const last = d.points[d.points.length - 1];
  if (last && map.latLngToContainerPoint(last).distanceTo(map.latLngToContainerPoint(latlng)) < 4) return;
  d.points.push(latlng);
  if (!d.line) {
    d.line = L.polyline(d.points, { pane: 'draw', color: d.owner.color, weight: 3, interactive: false }).addTo(group);
  } else {
    d.line.setLatLngs(d.points);
  }
  d.markers.push(L.circleMarker(latlng, { pane: 'draw', radius: 4, color: '#fff', weight: 2, fillColor: d.owner.color, fillOpacity: 1, interactive: false }).addTo(group));
  document.body.dataset.drawPoints = String(d.points.length);
}

function onMouseMove(e) {
  const d = draw;
  if (!d || !d.points.length) return;
  const pts = [d.points[d.points.length - 1], e.latlng];
  if (!d.guide) d.guide = L.polyline(pts, { pane: 'draw', color: d.owner.color, weight: 2, dashArray: '4 4', opacity: 0.7, interactive: false }).addTo(group);
  else d.guide.setLatLngs(pts);
}

/** Ends the route and hands it to its owner (two points at least). */
export function finishDrawing() {
  const d = draw;
  if (!d) return;
  if (d.points.length < 2) {
    setStatus($(d.owner.status), t('impact.need_two'), true);
    return;
  }
  const geometry = { type: 'LineString', coordinates: d.points.map((p) => [Number(p.lng.toFixed(7)), Number(p.lat.toFixed(7))]) };
  cancelDrawing();
  d.owner.done(geometry);
}
