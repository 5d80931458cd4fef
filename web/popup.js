// The details popup of a feature: its properties as the role may see them, links to the
// other features under the same click, and the parts other modules add below the details
// (edit.js: the officers' forms; history.js: the change history), each keeping its own
// state on the popup's record.

/* global L */
import * as api from './api.js';
import { esc, htmlNode } from './dom.js';
import {
  fmtArea, fmtDate, fmtLen, fmtNum, fmtPct, t, tStatus,
} from './i18n.js';
import {
  CANAL_STYLE, CLEARANCE_COLOR, UNKNOWN_COLOR, WATER_COLOR, hiddenOr, pill,
} from './look.js';
import {
  getMap, hitTest, householdName, layerOf, villageName,
} from './layers.js';
import {
  emit, getImpactResult, getUser, on,
} from './state.js';

/**
 * The open popup: { popup (Leaflet's), name (layer), feature, latlng, others (the other
 * hits), … what the parts keep }, or null.
 */
let current = null;

/**
 * What other modules add to the popup, in order:
 * { init(pop), wide(name), attrs(pop), html(name, feature, pop), wire(element, pop), opened(pop) },
 * every member optional.
 */
const parts = [];

export function addPart(part) {
  parts.push(part);
}

/** The open popup's record, or null. */
export function currentPopup() {
  return current;
}

/** Whether `pop` is still the open popup (an answer for a closed one is dropped). */
export function isOpen(pop) {
  return current === pop;
}

export function init(map) {
  map.on('popupopen', () => { document.body.dataset.popup = 'open'; });
  map.on('popupclose', (e) => {
    if (current && e.popup === current.popup) current = null;
    document.body.dataset.popup = '';
  });
  on('lang', refresh);
  on('user', () => map.closePopup());
  on('feature', ({ name, feature, force }) => {
    if (current && current.name === name && String(current.feature.id) === String(feature.id)) {
      current.feature = feature;
      refresh();
    } else if (force) {
      refresh();
    }
  });
}

/** Opens the details of the feature a click at `latlng` hits first (nothing when none). */
export async function openAt(latlng) {
  let hits = hitTest(latlng);
  if (!hits.length) return;
  // A feature found in a vector tile has its id and a few properties: the popup shows the
  // whole feature, as the caller may see it.
  if (hits.some((h) => h.tile)) {
    const whole = await Promise.all(hits.map(async (h) => {
      if (!h.tile) return h;
      const feature = await api.fetchItem(h.name, h.layer.feature.id).catch(() => null);
      return feature ? { name: h.name, layer: { feature } } : null;
    }));
    hits = whole.filter(Boolean);
    if (!hits.length) return;
  }
  openDetails(hits[0].name, hits[0].layer.feature, latlng, hits.slice(1));
}

export function openDetails(name, feature, latlng, others = []) {
  const map = getMap();
  const popup = current?.popup && map.hasLayer(current.popup) ? current.popup : L.popup({ maxWidth: 340, autoPanPadding: [20, 20] });
  const wide = parts.some((p) => p.wide?.(name));
  // Forms and the history need room: a wider popup that scrolls rather than leaves the map.
  // On a phone the popup never grows wider than the map.
  const room = Math.max(200, map.getSize().x - 44);
  popup.options.minWidth = Math.min(wide ? 320 : 50, room);
  popup.options.maxWidth = Math.min(wide ? 380 : 340, room);
  popup.options.maxHeight = Math.max(260, Math.round(map.getSize().y * 0.8));
  current = { popup, name, feature, latlng, others };
  for (const p of parts) p.init?.(current);
  popup.setLatLng(latlng).setContent(htmlNode(detailsHtml(current)));
  if (!map.hasLayer(popup)) popup.openOn(map);
  wire(current);
  for (const p of parts) p.opened?.(current);
}

/** Writes the open popup again (a new language, a new version of its feature, a message). */
export function refresh() {
  if (!current) return;
  current.popup.setContent(htmlNode(detailsHtml(current)));
  wire(current);
}

function wire(pop) {
  const el = pop.popup.getElement();
  if (!el) return;
  for (const p of parts) p.wire?.(el, pop);
  for (const a of el.querySelectorAll('a[data-other]')) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      const i = Number(a.dataset.other);
      const { others, latlng, name, feature } = current;
      const pick = others[i];
      const rest = others.filter((_, j) => j !== i);
      rest.unshift({ name, layer: { feature } });
      openDetails(pick.name, pick.layer.feature, latlng, rest);
    });
  }
  // A catchment's canal: its details, where the canal is.
  for (const a of el.querySelectorAll('a[data-canal]')) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      const layer = layerOf('canals', a.dataset.canal);
      if (!layer) return;
      const b = layer.getBounds();
      getMap().fitBounds(b, { padding: [60, 60], maxZoom: 18 });
      openDetails('canals', layer.feature, layer.getCenter());
    });
  }
  const btn = el.querySelector('button[data-analyse]');
  if (btn) btn.addEventListener('click', () => emit('analyse', { id: btn.dataset.analyse }));
  if (pop.name === 'parcels') fillOwner(pop);
}

/** A parcel's owner is a household id; its head's name, when the map has not got it. */
async function fillOwner(pop) {
  const { popup, feature } = pop;
  const id = feature.properties.owner_household;
  if (!id || householdName(id)) return;
  try {
    const hh = await api.fetchItem('households', id);
    const cell = popup.getElement()?.querySelector('[data-owner]');
    if (hh && cell && current?.feature === feature) cell.textContent = `${hh.properties.head} (${id})`;
  } catch {
    /* the id stays shown */
  }
}

function rowsHtml(rows) {
  return `<table>${rows.filter(Boolean).map(([k, v]) => `<tr><th>${esc(t(k))}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function geodesicLength(latlngs) {
  const map = getMap();
  let m = 0;
  const flat = Array.isArray(latlngs[0]) ? latlngs.flat(Infinity) : latlngs;
  for (let i = 1; i < flat.length; i++) m += map.distance(flat[i - 1], flat[i]);
  return m;
}

function shortName(name, f) {
  const p = f.properties || {};
  if (name === 'parcels') return `${p.map_sheet}/${p.parcel_no}`;
  return p.name || p.head || f.id;
}

function detailsHtml(pop) {
  const { name, feature: f, others } = pop;
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
      const len = typeof p.length_m === 'number' ? p.length_m : geodesicLength(layerOf('canals', f.id)?.getLatLngs() || []);
      const vs = Array.isArray(p.villages) ? p.villages : p.villages ? [p.villages] : [];
      body = rowsHtml([
        ['f.status', pill(CANAL_STYLE[p.status]?.color || UNKNOWN_COLOR, tStatus('canal', p.status))],
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
      const taken = getImpactResult()?.parcels.find((x) => x.id === f.id);
      body = rowsHtml([
        ['f.owner', `<span data-owner>${owner ? esc(owner) : hiddenOr('—')}</span>`],
        ['f.village', esc(villageName(p.village_id))],
        ['f.land_use', esc(p.land_use ?? '—')],
        ['f.area_legal_m2', `${fmtArea(p.area_legal_m2)} ${t('unit.m2')}`],
        ['f.clearance_status', pill(CLEARANCE_COLOR[p.clearance_status] || UNKNOWN_COLOR, tStatus('clearance', p.clearance_status))],
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
    case 'catchments': {
      title = p.name || f.id;
      const canal = p.drains_to ? layerOf('canals', p.drains_to)?.feature.properties.name : null;
      body = rowsHtml([
        ['f.village', esc(villageName(p.village_id))],
        ['f.drains_to', p.drains_to ? `<a href="#" data-canal="${esc(p.drains_to)}">${esc(canal || p.drains_to)}</a>` : '—'],
        p.drains_at ? ['f.drains_at', esc(p.drains_at)] : null,
      ]);
      break;
    }
    case 'households': {
      title = p.head || (getUser() ? f.id : t('feature.household'));
      const known = (v) => v !== undefined && v !== null;
      const pair = (a, b, unit, d = 0) => (known(a) || known(b)
        ? `${fmtNum(a ?? 0, d)} / ${fmtNum(b ?? 0, d)} ${unit}`
        : hiddenOr('—'));
      body = rowsHtml([
        ['f.village', esc(villageName(p.village_id))],
        ['f.members', known(p.members) ? `${fmtNum(p.members)} ${t('unit.people')}` : hiddenOr('—')],
        ['f.dwelling_id', known(p.dwelling_id) ? esc(p.dwelling_id) : hiddenOr('—')],
        ['f.water_status', pill(WATER_COLOR[p.water_status] || UNKNOWN_COLOR, tStatus('water', p.water_status))],
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
  const kind = {
    villages: 'feature.village', canals: 'feature.canal', parcels: 'feature.parcel', flood_zones: 'feature.flood_zone', catchments: 'feature.catchment', households: 'feature.household',
  }[name];
  const also = others.length
    ? `<div class="also">${others.map((o, i) => `<a href="#" data-other="${i}">${esc(t(`feature.${o.name === 'flood_zones' ? 'flood_zone' : o.name.replace(/s$/, '')}`))}: ${esc(shortName(o.name, o.layer.feature))}</a>`).join('')}</div>`
    : '';
  const attrs = parts.map((x) => x.attrs?.(pop) ?? '').join('');
  const more = parts.map((x) => x.html?.(name, f, pop) ?? '').join('');
  return `<div class="pop" data-feature="${esc(name)}:${esc(f.id)}"${attrs}><div class="kind">${esc(t(kind))}</div><h3>${esc(title)}</h3>${body}${act}${more}${also}</div>`;
}
