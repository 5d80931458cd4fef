// The panels that open over the map, one at a time: on a phone (style.css, max-width
// 700px) the layer box, the legend, the reports, route impact and the outbox are sheets
// over the lower half of the map, opened from the bar at the bottom and closed with ×,
// the same button again, or Escape; the map comes first. On a wider screen only the
// outbox is one (a drop-down under the top bar); the rest stay where they always were.
//
// The open sheet is body[data-sheet]; buttons with data-sheet="name" open and close it.

import { $, esc, showTab } from './dom.js';

/** The side panel's tabs, each a sheet of its own on a phone. */
const TABS = ['reports', 'impact', 'hydraulics', 'responsibility'];
import { fmtDateTime, t, tStatus } from './i18n.js';
import { householdName } from './layers.js';
import * as outbox from './outbox.js';
import { getUser, on } from './state.js';

/** The sheet open now ('' for none). */
export function current() {
  return document.body.dataset.sheet || '';
}

/** Opens sheet `name` (layers, legend, reports, impact, hydraulics, responsibility, outbox), or closes it when it is open ('' closes any). */
export function toggle(name) {
  const next = name && current() !== name ? name : '';
  document.body.dataset.sheet = next;
  if (TABS.includes(next)) showTab(next);
  for (const b of document.querySelectorAll('button[data-sheet]')) b.setAttribute('aria-expanded', String(b.dataset.sheet === next));
  if (next === 'outbox') renderOutbox();
}

function stepLabel(e) {
  const b = e.body || {};
  if (e.step === 'contribution') {
    return `${t('outbox.step.contribution')}: ${t(`edit.contribution.kind.${b.kind}`)} ${b.amount} ${t(`edit.contribution.unit.${b.kind}`)} (${t(`edit.contribution.state.${b.state}`)})`;
  }
  if (e.step === 'consent') {
    const day = b.consent_date ? ` ${b.consent_date}` : '';
    return `${t('outbox.step.consent')}${day}${e.photo ? ` (${t('outbox.with_photo')})` : ''}`;
  }
  const kind = { water: 'water', clearance: 'clearance', canal_status: 'canal' }[e.step];
  return `${t(`outbox.step.${e.step}`)}: ${tStatus(kind, b.status)}`;
}

function renderOutbox() {
  const all = outbox.list();
  const n = outbox.waitingCount();
  for (const el of document.querySelectorAll('[data-outbox-count]')) el.textContent = String(n);
  document.body.dataset.outbox = String(n);
  // On a wide screen the top bar's button shows only while something is kept.
  $('#outbox-btn').hidden = !all.length;
  const list = $('#outbox-list');
  if (!list) return;
  if (!all.length) {
    list.innerHTML = `<p class="muted">${esc(t('outbox.none'))}</p>`;
    return;
  }
  const user = getUser();
  const rows = all.map((e) => {
    const who = e.layer === 'households' ? householdName(e.id) : null;
    const feature = who ? `${who} (${e.id})` : e.id;
    let note = '';
    if (e.state === 'waiting' && (!user || user.name !== e.user)) note = t('outbox.signin_as', { user: e.user ?? '?' });
    else if (e.message) note = e.message;
    return `<li class="outbox-item ${esc(e.state)}" data-key="${esc(e.key)}" data-state="${esc(e.state)}">
      <div class="outbox-head"><span class="pill outbox-state">${esc(t(`outbox.state.${e.state}`))}</span> <b>${esc(feature)}</b></div>
      <div>${esc(stepLabel(e))} · ${esc(e.body?.date ?? '')}</div>
      <div class="meta">${esc(t('outbox.entered', { at: fmtDateTime(e.at) }))}</div>
      ${note ? `<div class="outbox-msg" data-msg>${esc(note)}</div>` : ''}
    </li>`;
  });
  const done = all.length - n;
  list.innerHTML = `<p class="outbox-count" data-waiting="${n}">${esc(t('outbox.waiting', { n }))}</p>
    <ul class="outbox-list">${rows.join('')}</ul>
    <div class="row">${n ? `<button type="button" class="btn primary" data-outbox-send>${esc(t('outbox.send_now'))}</button>` : ''}
    ${done ? `<button type="button" class="btn ghost" data-outbox-clear>${esc(t('outbox.clear_done'))}</button>` : ''}</div>`;
  list.querySelector('[data-outbox-send]')?.addEventListener('click', () => outbox.flush());
  list.querySelector('[data-outbox-clear]')?.addEventListener('click', () => outbox.clearDone());
}

export function init() {
  document.body.dataset.sheet = '';
  for (const b of document.querySelectorAll('button[data-sheet]')) b.addEventListener('click', () => toggle(b.dataset.sheet));
  $('#sheet-close').addEventListener('click', () => toggle(''));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && current()) toggle('');
  });
  // The side panel's own tabs keep the bar's buttons in step.
  for (const b of document.querySelectorAll('.tabs button')) {
    b.addEventListener('click', () => {
      if (TABS.includes(current()) && current() !== b.dataset.tab) toggle(b.dataset.tab);
    });
  }
  on('outbox', renderOutbox);
  on('lang', renderOutbox);
  on('user', renderOutbox);
  on('layers', () => {
    if (current() === 'outbox') renderOutbox();
  });
  renderOutbox();
}
