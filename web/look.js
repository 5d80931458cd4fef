// How the API's values look: the colour and line of each canal status, clearance step,
// water status and flood depth, shared by the map, the legend, the popups, the reports and
// the impact table. Keyed by the values the server sends; which values exist, and in what
// order, is the server's to say (queryables, see state.js): a value added there without a
// look here is drawn in a neutral one.

import { esc, paintAttrs } from './dom.js';
import { t } from './i18n.js';
import { getUser, hasAuth } from './state.js';

export const CANAL_STYLE = {
  existing: { color: '#4f6d7a', dashArray: null },
  completed: { color: '#1a9850', dashArray: null },
  under_construction: { color: '#f28e1c', dashArray: '9 5' },
  planned: { color: '#d7191c', dashArray: '12 6' },
  proposed: { color: '#8e44ad', dashArray: '3 7' },
};
export const CLEARANCE_COLOR = {
  not_required: '#ffffff',
  awaiting: '#e45756',
  agreed: '#f2b134',
  donated: '#54a24b',
  compensated: '#4c78a8',
  cleared: '#9c755f',
};
export const WATER_COLOR = { not_registered: '#c3cad0', registered: '#5fa8d3', connected: '#0b4f8a' };
export const DEPTH_BREAKS = [0.2, 0.4, 0.6, 0.8];
export const DEPTH_COLOR = ['#dbe9f6', '#b5d3ea', '#84b9dd', '#4f97c9', '#2166ac'];
export const IMPACT_COLOR = '#e4572e';
/** A catchment's outline and fill on the map and in the legend. */
export const CATCHMENT_STYLE = {
  color: '#0f766e', weight: 1.5, opacity: 0.9, dashArray: '6 3', fillColor: '#2bb3a3', fillOpacity: 0.12,
};
/** Contribution fields in the order the reports show them, with their decimals and unit key. */
export const CONTRIBUTION_FIELDS = [
  ['land_pledged_m2', 1, 'unit.m2'], ['land_donated_m2', 1, 'unit.m2'],
  ['labour_pledged_days', 1, 'unit.days'], ['labour_done_days', 1, 'unit.days'],
  ['money_pledged_vnd', 0, 'unit.vnd'], ['money_paid_vnd', 0, 'unit.vnd'],
];
/** A value with no colour of its own: a status the server added since. */
export const UNKNOWN_COLOR = '#777';

export function depthColor(d) {
  let i = 0;
  while (i < DEPTH_BREAKS.length && Number(d) >= DEPTH_BREAKS[i]) i++;
  return DEPTH_COLOR[i];
}

/** A canal's line on the map (and in the legend); an unknown status is drawn like a proposal. */
export function canalStyle(status) {
  const s = CANAL_STYLE[status] || CANAL_STYLE.proposed;
  return { color: s.color, dashArray: s.dashArray, weight: 4, opacity: 0.95, lineCap: 'round', lineJoin: 'round' };
}

/** A value as a coloured label; light colours get dark text and an outline. */
export function pill(color, text) {
  const light = ['#ffffff', '#f2b134', '#c3cad0', '#dbe9f6', '#b5d3ea'].includes(color);
  return `<span class="pill${light ? ' light' : ''}"${paintAttrs({ bg: color })}>${esc(text)}</span>`;
}

/** A small colour square (class `sw` and any `extra` classes). */
export function swatch(color, extra = '') {
  return `<span class="sw${extra ? ` ${extra}` : ''}"${paintAttrs({ bg: color })}></span>`;
}

/** What to show for a personal field the server left out: a hint to sign in for the public. */
export function hiddenOr(dash) {
  return getUser() || !hasAuth() ? dash : `<span class="redacted">${esc(t('auth.hidden'))}</span>`;
}
