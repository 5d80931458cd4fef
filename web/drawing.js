// Drawing a route on the map for its impact: a click adds a point, a double click, Enter
// or "Xong / Finish" ends the route and asks for its impact, Escape or "Huỷ / Cancel"
// drops it.

/* global L */
import { $, setStatus, showTab } from './dom.js';
import { t } from './i18n.js';
import { IMPACT_COLOR } from './look.js';
import { clearImpact, runImpact } from './impact.js';

let map = null;
let group = null;
/** The route being drawn: { points, line, guide, markers }, or null. */
let draw = null;

export function init(m) {
  map = m;
  group = L.featureGroup([]).addTo(map);
  map.on('dblclick', () => {
    if (draw) finish();
  });
  map.on('mousemove', onMouseMove);
  $('#draw-btn').addEventListener('click', start);
  $('#finish-btn').addEventListener('click', finish);
  $('#cancel-btn').addEventListener('click', end);
  document.addEventListener('keydown', (e) => {
    if (!draw) return;
    if (e.key === 'Escape') end();
    if (e.key === 'Enter') finish();
  });
}

/** Whether a route is being drawn (a map click then adds a point, not opens details). */
export function isDrawing() {
  return !!draw;
}

function start() {
  clearImpact();
  map.closePopup();
  draw = { points: [], line: null, guide: null, markers: [] };
  map.doubleClickZoom.disable();
  $('#map').classList.add('drawing');
  $('#draw-btn').hidden = true;
  $('#finish-btn').hidden = false;
  $('#cancel-btn').hidden = false;
  $('#draw-hint').hidden = false;
  document.body.dataset.drawing = 'true';
}

function end() {
  if (!draw) return;
  group.clearLayers();
  draw = null;
  $('#map').classList.remove('drawing');
  $('#draw-btn').hidden = false;
  $('#finish-btn').hidden = true;
  $('#cancel-btn').hidden = true;
  $('#draw-hint').hidden = true;
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
    d.line = L.polyline(d.points, { pane: 'draw', color: IMPACT_COLOR, weight: 3, interactive: false }).addTo(group);
  } else {
    d.line.setLatLngs(d.points);
  }
  d.markers.push(L.circleMarker(latlng, { pane: 'draw', radius: 4, color: '#fff', weight: 2, fillColor: IMPACT_COLOR, fillOpacity: 1, interactive: false }).addTo(group));
  document.body.dataset.drawPoints = String(d.points.length);
}

function onMouseMove(e) {
  const d = draw;
  if (!d || !d.points.length) return;
  const pts = [d.points[d.points.length - 1], e.latlng];
  if (!d.guide) d.guide = L.polyline(pts, { pane: 'draw', color: IMPACT_COLOR, weight: 2, dashArray: '4 4', opacity: 0.7, interactive: false }).addTo(group);
  else d.guide.setLatLngs(pts);
}

function finish() {
  const d = draw;
  if (!d) return;
  if (d.points.length < 2) {
    setStatus($('#impact-status'), t('impact.need_two'), true);
    return;
  }
  const geometry = { type: 'LineString', coordinates: d.points.map((p) => [Number(p.lng.toFixed(7)), Number(p.lat.toFixed(7))]) };
  end();
  showTab('impact');
  runImpact({ kind: 'route', geometry });
}
