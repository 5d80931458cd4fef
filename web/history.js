// A feature's change history in its details popup (signed-in viewers and above): who
// changed what, when, from which value to which. Read again when the feature changes.

import * as api from './api.js';
import { esc, setHtml } from './dom.js';
import {
  fmtDate, fmtDateTime, fmtNum, t, tValue,
} from './i18n.js';
import { CONTRIBUTION_FIELDS } from './look.js';
import { currentPopup, isOpen } from './popup.js';
import { canReadHistory, on } from './state.js';

/** The popup part (see popup.js); it keeps `history` on the popup: null (folded) or { loading, error, entries, matched }. */
export const part = {
  init(pop) {
    pop.history = null;
  },
  wide: () => canReadHistory(),
  html: (name, f, pop) => historyHtml(pop),
  wire(el, pop) {
    const btn = el.querySelector('button[data-history-toggle]');
    if (btn) btn.addEventListener('click', () => toggle(pop));
  },
};

export function init() {
  // After an edit or a reload of the feature shown, an open history is read again.
  on('feature', ({ name, feature }) => {
    const pop = currentPopup();
    if (pop?.history && pop.name === name && String(pop.feature.id) === String(feature.id)) load(pop);
  });
}

function propLabel(prop) {
  const k = `f.${prop}`;
  const s = t(k);
  return s === k ? prop : s;
}

function propValue(prop, v) {
  if (v === null || v === undefined || v === '') return '—';
  const named = tValue(prop, v);
  if (named !== null) return esc(named);
  if (typeof v === 'boolean') return esc(v ? t('yes') : t('no'));
  if (typeof v === 'number') {
    const field = CONTRIBUTION_FIELDS.find(([f]) => f === prop);
    return field ? `${fmtNum(v, field[1])} ${esc(t(field[2]))}` : fmtNum(v, 2);
  }
  if (typeof v === 'string' && /(_date|last_observed)$/.test(prop)) return esc(fmtDate(v));
  if (typeof v === 'object') return esc(JSON.stringify(v).slice(0, 60));
  return esc(v);
}

function rowsHtml(entries) {
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

function bodyHtml(h) {
  if (!h) return '';
  if (h.loading && !h.entries) return `<p class="muted small">${esc(t('app.loading'))}</p>`;
  if (h.error) return `<p class="form-msg error">${esc(t('history.error', { msg: h.error }))}</p>`;
  if (!h.entries.length) return `<p class="muted small" data-history-empty>${esc(t('history.none'))}</p>`;
  const more = h.matched > h.entries.length ? `<p class="muted small">${esc(t('history.more', { n: fmtNum(h.matched - h.entries.length) }))}</p>` : '';
  return `<div class="table-wrap"><table class="history" id="history-table">
      <thead><tr><th>${esc(t('history.col.at'))}</th><th>${esc(t('history.col.user'))}</th><th>${esc(t('history.col.changes'))}</th></tr></thead>
      <tbody>${rowsHtml(h.entries)}</tbody></table></div>${more}`;
}

function historyHtml(pop) {
  if (!canReadHistory() || !pop) return '';
  const h = pop.history;
  return `<div class="history-box"><button type="button" class="link-btn" data-history-toggle aria-expanded="${h ? 'true' : 'false'}">${esc(t(h ? 'history.hide' : 'history.show'))}</button>
    <div data-history>${bodyHtml(h)}</div></div>`;
}

/** Writes the history box of the open popup in place (the forms around it keep what was typed). */
function renderBox(pop) {
  if (!isOpen(pop)) return;
  const el = pop.popup.getElement();
  const box = el?.querySelector('[data-history]');
  const btn = el?.querySelector('button[data-history-toggle]');
  if (!box || !btn) return;
  setHtml(box, bodyHtml(pop.history));
  btn.textContent = t(pop.history ? 'history.hide' : 'history.show');
  btn.setAttribute('aria-expanded', String(!!pop.history));
  pop.popup.update();
}

async function load(pop) {
  pop.history = { ...(pop.history || {}), loading: true, error: null };
  renderBox(pop);
  try {
    const r = await api.featureHistory(pop.name, pop.feature.id);
    if (!pop.history) return;
    pop.history = { loading: false, error: null, entries: r.entries, matched: r.matched };
  } catch (e) {
    if (!pop.history) return;
    pop.history = { loading: false, error: e.message, entries: null };
  }
  renderBox(pop);
}

function toggle(pop) {
  if (!isOpen(pop)) return;
  if (pop.history) {
    pop.history = null;
    renderBox(pop);
  } else {
    load(pop);
  }
}
