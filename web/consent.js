// A donating parcel's consent record in its details popup (signed-in viewers and
// officers): what the household was told and by whom, the witness, the signed paper and
// its scan, the fence and gate; and whether the record is complete, or which elements it
// still lacks, as the server's donations report says (GET /api/reports/donations?parcel=).
// The public sees none of it: the server does not send these properties to the public.

import * as api from './api.js';
import { esc } from './dom.js';
import { fmtDate, fmtNum, t, tStatus } from './i18n.js';
import { currentPopup, isOpen } from './popup.js';
import { getUser, on } from './state.js';

/** The parcel properties of a consent record, in the order shown. */
const FIELDS = [
  'consent_told_may_refuse', 'consent_compensation_vnd', 'consent_told_on', 'consent_told_by',
  'consent_witness', 'consent_witness_role', 'consent_document_ref', 'consent_scan_sha256',
  'consent_date', 'fence_gate_state',
];

function value(name, v) {
  if (v === undefined || v === null || v === '') return '—';
  if (name === 'consent_told_may_refuse') return esc(v ? t('yes') : t('no'));
  if (name === 'consent_compensation_vnd') return `${fmtNum(v)} ${esc(t('unit.vnd'))}`;
  if (name === 'consent_told_on' || name === 'consent_date') return esc(fmtDate(v));
  if (name === 'fence_gate_state') return esc(tStatus('fence_gate', v));
  if (name === 'consent_scan_sha256') {
    return `<button type="button" class="btn small" data-scan="${esc(v)}" title="${esc(v)}">${esc(t('consent.view_scan'))}</button>`;
  }
  return esc(v);
}

/** What the server says of the parcel's record: a line, or nothing when it gives no land. */
function verdictHtml(pop) {
  const d = pop.donation;
  if (d === undefined) return '';
  if (d === null) return '';
  if (d.error) return `<p class="form-msg error">${esc(d.error)}</p>`;
  if (d.complete) return `<p class="consent-verdict ok" data-consent-complete="true">${esc(t('consent.complete'))}</p>`;
  const missing = d.missing.map((m) => t(`consent.missing.${m}`)).join(', ');
  return `<p class="consent-verdict incomplete" data-consent-complete="false">${esc(t('consent.incomplete', { missing }))}</p>`;
}

function bodyHtml(f, pop) {
  const p = f.properties || {};
  const has = FIELDS.some((k) => p[k] !== undefined && p[k] !== null);
  if (!has && !pop.donation) return '';
  const rows = FIELDS.filter((k) => p[k] !== undefined && p[k] !== null)
    .map((k) => `<tr><th>${esc(t(`f.${k}`))}</th><td>${value(k, p[k])}</td></tr>`).join('');
  return `<div class="kind">${esc(t('consent.title'))}</div>${verdictHtml(pop)}${rows ? `<table>${rows}</table>` : ''}<p class="form-msg" data-scan-msg hidden></p>`;
}

/** The popup part (see popup.js). */
export const part = {
  init(pop) {
    pop.donation = undefined;
  },
  html(name, f, pop) {
    if (name !== 'parcels' || !getUser()) return '';
    return `<div class="consent" data-consent="${esc(f.id)}">${bodyHtml(f, pop)}</div>`;
  },
  wire(el) {
    for (const b of el.querySelectorAll('.consent button[data-scan]')) {
      b.addEventListener('click', () => viewScan(b, el));
    }
  },
  opened(pop) {
    if (pop.name === 'parcels' && getUser()) loadVerdict(pop);
  },
};

/** Asks the server whether the parcel's record is complete, and writes only this part. */
async function loadVerdict(pop) {
  try {
    const d = await api.donationOf(pop.feature.id);
    if (!isOpen(pop)) return;
    pop.donation = d;
  } catch (e) {
    if (!isOpen(pop)) return;
    // No connection: the record is shown as the map has it, without the verdict.
    pop.donation = e.status === 0 ? undefined : { error: t('edit.failed', { msg: e.message }) };
  }
  const box = pop.popup.getElement()?.querySelector('.consent');
  if (box) {
    box.innerHTML = bodyHtml(pop.feature, pop);
    part.wire(pop.popup.getElement());
    pop.popup.update();
  }
}

/** Opens the scan in a new tab (fetched with the page's credentials: a link would not send them). */
async function viewScan(button, el) {
  const msg = el.querySelector('[data-scan-msg]');
  button.disabled = true;
  try {
    const { blob } = await api.fetchFile({ url: `/api/attachments/${encodeURIComponent(button.dataset.scan)}` });
    const url = URL.createObjectURL(blob);
    window.open(url, '_blank', 'noopener');
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (e) {
    if (msg) {
      msg.hidden = false;
      msg.className = 'form-msg error';
      msg.textContent = t('edit.failed', { msg: e.message });
    }
  } finally {
    button.disabled = false;
  }
}

/** Re-reads the verdict when the open parcel was changed (an officer's consent or clearance step). */
export function init() {
  on('edited', ({ name, id }) => {
    const pop = currentPopup();
    if (pop && name === 'parcels' && pop.name === 'parcels' && String(pop.feature.id) === id && getUser()) loadVerdict(pop);
  });
}
