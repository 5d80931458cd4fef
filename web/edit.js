// Editing from the details popup (officers): a canal's status, a parcel's clearance step,
// a household's contribution or water registration. The statuses offered are the ones
// the server lists in the layer's queryables. Every edit is sent with the ETag of the
// version the officer read, so that someone else's change in between is refused (412)
// and shown, never overwritten.
//
// Every edit goes through the outbox (./outbox.js): kept on the device first, then sent,
// and sent again when the connection returns. A household opened without a connection
// (its version cannot be read) still takes a contribution or a water step: it is kept,
// and sent without If-Match (a contribution adds to whatever is stored).

import * as api from './api.js';
import * as outbox from './outbox.js';
import { esc } from './dom.js';
import { t, tStatus } from './i18n.js';
import { currentPopup, isOpen, refresh } from './popup.js';
import {
  canEdit, emit, enumValues, getUser,
} from './state.js';

/** The layers whose common changes an officer makes from the details popup. */
const EDITABLE = new Set(['canals', 'parcels', 'households']);
/** The step an edit form offers first: the one that usually follows the current status. */
const NEXT_STEP = {
  canal: { proposed: 'planned', planned: 'under_construction', under_construction: 'completed' },
  clearance: { not_required: 'awaiting', awaiting: 'agreed', agreed: 'donated', donated: 'cleared', compensated: 'cleared' },
  water: { not_registered: 'registered', registered: 'connected' },
};
/**
 * What a household contributes, and whether it is pledged or done. These are arguments
 * of the contributions endpoint, not properties of a layer, so no queryables list them;
 * each kind also needs its unit (`edit.contribution.unit.<kind>`) and report fields here.
 */
const CONTRIBUTION_KINDS = ['land', 'labour', 'money'];
const CONTRIBUTION_STATES = ['pledged', 'done'];

/** The popup part (see popup.js); it keeps `etag` (the version the forms edit) and `msgs` (each form's last message) on the popup. */
export const part = {
  init(pop) {
    pop.etag = null;
    pop.offline = false;
    pop.msgs = {};
  },
  wide: (name) => canEdit() && EDITABLE.has(name),
  attrs: (pop) => (pop.etag ? ` data-etag="${esc(pop.etag)}"` : ''),
  html: editHtml,
  wire(el) {
    for (const form of el.querySelectorAll('form.edit-form')) {
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        submitEdit(form);
      });
      const kind = form.querySelector('select[name=kind]');
      if (kind) kind.addEventListener('change', () => { form.querySelector('[data-unit]').textContent = t(`edit.contribution.unit.${kind.value}`); });
    }
  },
  opened(pop) {
    if (canEdit() && EDITABLE.has(pop.name)) loadForEdit(pop);
  },
};

/** Today in the browser's time zone, as the YYYY-MM-DD a date input holds. */
function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function msgHtml(pop, step) {
  const m = pop?.msgs?.[step];
  return `<p class="form-msg${m?.kind ? ` ${m.kind}` : ''}" data-msg="${step}" role="status"${m ? '' : ' hidden'}>${m ? esc(m.text) : ''}</p>`;
}

/** Steps that may be recorded without the feature's version (no connection to read it): a household's. */
const OFFLINE_STEPS = new Set(['contribution', 'water', 'consent']);
/** The layers whose popup takes some steps without a connection. */
const OFFLINE_LAYERS = new Set(['households', 'parcels']);
/** The states of a donating parcel's fence and gate (the server's `fence_gate_state`). */
const FENCE_GATE_STATES = ['not_needed', 'to_rebuild', 'rebuilding', 'rebuilt'];
/** The largest scan the server takes (src/store/attachments.rs MAX_BYTES). */
const MAX_SCAN_BYTES = 10 * 1024 * 1024;
/** A photo re-encoded on the device (too large, or not JPEG/PNG) is at most this wide or tall. */
const SCAN_SIDE_PX = 2400;

function formShell(pop, step, fields) {
  // Disabled until the feature's version (ETag) is known, so that no edit goes out blind;
  // without a connection, a household's steps are kept to be sent later.
  const ready = !!pop?.etag || (!!pop?.offline && OFFLINE_STEPS.has(step));
  return `<form class="edit-form" data-step="${step}" novalidate>
    <div class="edit-title">${esc(t(`edit.${step}.title`))}</div>
    <div class="edit-row">${fields}</div>
    <div class="edit-actions"><button type="submit" class="btn primary small"${ready ? '' : ' disabled'}>${esc(t('edit.save'))}</button>${msgHtml(pop, step)}</div>
  </form>`;
}

/** A select of the values the server lists (with the current one, should it have dropped it) and a date. */
function statusForm(pop, step, kind, values, current) {
  const list = current && !values.includes(current) ? [...values, current] : values;
  const next = NEXT_STEP[kind]?.[current];
  const pick = list.includes(next) ? next : current ?? list[0];
  const options = list.map((v) => `<option value="${esc(v)}"${v === pick ? ' selected' : ''}>${esc(tStatus(kind, v))}${v === current ? ` ${esc(t('edit.current'))}` : ''}</option>`).join('');
  return formShell(pop, step, `<label class="grow"><span>${esc(t(`edit.${step}.status`))}</span><select name="status">${options}</select></label>
    <label><span>${esc(t('edit.date'))}</span><input type="date" name="date" value="${todayIso()}" required></label>`);
}

function contributionForm(pop) {
  const kinds = CONTRIBUTION_KINDS.map((k) => `<option value="${k}"${k === 'labour' ? ' selected' : ''}>${esc(t(`edit.contribution.kind.${k}`))}</option>`).join('');
  const states = CONTRIBUTION_STATES.map((st) => `<option value="${st}"${st === 'done' ? ' selected' : ''}>${esc(t(`edit.contribution.state.${st}`))}</option>`).join('');
  return formShell(pop, 'contribution', `<label class="grow"><span>${esc(t('edit.contribution.kind'))}</span><select name="kind">${kinds}</select></label>
    <label class="amount"><span>${esc(t('edit.contribution.amount'))} (<span data-unit>${esc(t('edit.contribution.unit.labour'))}</span>)</span><input type="number" name="amount" min="0" step="any" inputmode="decimal" required></label>
    <label class="grow"><span>${esc(t('edit.contribution.state'))}</span><select name="state">${states}</select></label>
    <label><span>${esc(t('edit.date'))}</span><input type="date" name="date" value="${todayIso()}" required></label>`);
}

/**
 * A donating parcel's consent record: what the household was told and by whom, the
 * witness, the signed paper (its reference and a photo taken on the spot), the day it
 * signed and the fence and gate. Filled with what is stored; a blank member is left as
 * stored.
 */
function consentForm(pop, p) {
  const v = (k) => esc(p[k] ?? '');
  const states = ['', ...FENCE_GATE_STATES].map((st) => `<option value="${st}"${(p.fence_gate_state ?? '') === st ? ' selected' : ''}>${esc(st ? tStatus('fence_gate', st) : '—')}</option>`).join('');
  return formShell(pop, 'consent', `<label class="check grow"><input type="checkbox" name="told_may_refuse"${p.consent_told_may_refuse ? ' checked' : ''}> <span>${esc(t('f.consent_told_may_refuse'))}</span></label>
    <label class="amount"><span>${esc(t('f.consent_compensation_vnd'))} (${esc(t('unit.vnd'))})</span><input type="number" name="compensation_vnd" min="0" step="1000" inputmode="numeric" value="${v('consent_compensation_vnd')}"></label>
    <label><span>${esc(t('f.consent_told_on'))}</span><input type="date" name="told_on" value="${v('consent_told_on')}"></label>
    <label class="grow"><span>${esc(t('f.consent_told_by'))}</span><input type="text" name="told_by" maxlength="200" autocomplete="off" value="${v('consent_told_by')}"></label>
    <label class="grow"><span>${esc(t('f.consent_witness'))}</span><input type="text" name="witness" maxlength="200" autocomplete="off" value="${v('consent_witness')}"></label>
    <label class="grow"><span>${esc(t('f.consent_witness_role'))}</span><input type="text" name="witness_role" maxlength="200" placeholder="${esc(t('consent.witness_role_hint'))}" value="${v('consent_witness_role')}"></label>
    <label class="grow"><span>${esc(t('f.consent_document_ref'))}</span><input type="text" name="document_ref" maxlength="200" autocomplete="off" value="${v('consent_document_ref')}"></label>
    <label><span>${esc(t('f.consent_date'))}</span><input type="date" name="consent_date" value="${p.consent_date ? v('consent_date') : todayIso()}"></label>
    <label class="grow"><span>${esc(t('f.fence_gate_state'))}</span><select name="fence_gate_state">${states}</select></label>
    <label class="grow photo"><span>${esc(t('consent.photo'))}</span><input type="file" name="photo" accept="image/*" capture="environment"></label>`);
}

function editHtml(name, f, pop) {
  if (!EDITABLE.has(name)) return '';
  // Signed out while the popup was open (the session expired): no forms, only why.
  if (!canEdit()) return pop?.msgs?.all ? `<div class="edit">${msgHtml(pop, 'all')}</div>` : '';
  const p = f.properties || {};
  let forms = '';
  if (name === 'canals') forms = statusForm(pop, 'canal_status', 'canal', enumValues('canals', 'status'), p.status);
  if (name === 'parcels') {
    forms = statusForm(pop, 'clearance', 'clearance', enumValues('parcels', 'clearance_status'), p.clearance_status) + consentForm(pop, p);
  }
  if (name === 'households') {
    forms = contributionForm(pop) + statusForm(pop, 'water', 'water', enumValues('households', 'water_status'), p.water_status);
  }
  return `<div class="edit" data-edit="${esc(name)}">${forms}${msgHtml(pop, 'all')}</div>`;
}

/** Reads the feature and its ETag afresh when an officer opens it, and enables the forms. */
async function loadForEdit(pop) {
  try {
    const r = await api.fetchItemForEdit(pop.name, pop.feature.id);
    if (!isOpen(pop)) return;
    if (!r) {
      pop.msgs = { all: { text: t('edit.gone'), kind: 'error' } };
      refresh();
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
    if (!isOpen(pop)) return;
    if (e.status === 0 && OFFLINE_LAYERS.has(pop.name)) {
      // No connection: what the officer records is kept on this device and sent later.
      pop.offline = true;
      pop.msgs = { all: { text: t(pop.name === 'parcels' ? 'consent.offline' : 'edit.offline'), kind: 'queued' } };
    } else {
      pop.msgs = { all: { text: t('edit.failed', { msg: e.message }), kind: 'error' } };
    }
    refresh();
  }
}

function setFormMsg(form, text, kind = '') {
  const p = form.querySelector('.form-msg');
  if (!p) return;
  p.hidden = !text;
  p.textContent = text || '';
  p.className = `form-msg${kind ? ` ${kind}` : ''}`;
  currentPopup()?.popup.update();
}

/** The consent members the form holds (a blank one is left out: kept as stored). */
function consentBody(fd) {
  const body = {};
  if (fd.get('told_may_refuse')) body.told_may_refuse = true;
  const money = String(fd.get('compensation_vnd') ?? '').trim().replace(/[.,\s]/g, '');
  if (money) {
    const n = Number(money);
    if (!Number.isFinite(n) || n < 0) return { error: t('consent.compensation_invalid') };
    body.compensation_vnd = n;
  }
  for (const k of ['told_on', 'consent_date']) {
    const d = String(fd.get(k) ?? '');
    if (d && !/^\d{4}-\d{2}-\d{2}$/.test(d)) return { error: t('edit.date_invalid') };
    if (d) body[k] = d;
  }
  for (const k of ['told_by', 'witness', 'witness_role', 'document_ref', 'fence_gate_state']) {
    const s = String(fd.get(k) ?? '').trim();
    if (s) body[k] = s;
  }
  if (body.told_on && body.consent_date && body.told_on > body.consent_date) return { error: t('consent.told_after') };
  const photo = fd.get('photo');
  const hasPhoto = photo && typeof photo === 'object' && photo.size > 0;
  if (!Object.keys(body).length && !hasPhoto) return { error: t('consent.empty') };
  return { body, photo: hasPhoto ? photo : null };
}

/**
 * The photo as the server takes it: a JPEG or PNG of at most 10 MiB as it is; anything
 * else the browser can draw (a HEIC a phone made, a huge PNG) re-encoded as a JPEG of at
 * most SCAN_SIDE_PX a side, which keeps a signed page legible.
 */
async function scanOf(file) {
  if ((file.type === 'image/jpeg' || file.type === 'image/png') && file.size <= MAX_SCAN_BYTES) return file;
  const bitmap = await createImageBitmap(file);
  const k = Math.min(1, SCAN_SIDE_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * k);
  canvas.height = Math.round(bitmap.height * k);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => { canvas.toBlob(resolve, 'image/jpeg', 0.85); });
  if (!blob || blob.size > MAX_SCAN_BYTES) throw new Error('too large');
  return blob;
}

function editBody(form) {
  const step = form.dataset.step;
  const fd = new FormData(form);
  if (step === 'consent') return consentBody(fd);
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
  const pop = currentPopup();
  const step = form.dataset.step;
  if (!pop || !(pop.etag || (pop.offline && OFFLINE_STEPS.has(step)))) return;
  const { body, error, photo: picked } = editBody(form);
  const refuse = (text) => {
    pop.msgs[step] = { text, kind: 'error' };
    setFormMsg(form, text, 'error');
  };
  if (error) {
    refuse(error);
    return;
  }
  const btn = form.querySelector('button[type=submit]');
  btn.disabled = true;
  setFormMsg(form, t('edit.saving'));
  let photo = null;
  if (picked) {
    try {
      photo = await scanOf(picked);
    } catch {
      btn.disabled = false;
      refuse(t('consent.photo_invalid'));
      return;
    }
  }
  let entry;
  try {
    entry = await outbox.add({
      step, layer: pop.name, id: pop.feature.id, body, etag: pop.etag, photo,
    });
  } catch {
    // The photo could not be kept on this device (storage full or refused): nothing was.
    btn.disabled = false;
    refuse(t('consent.photo_not_kept'));
    return;
  }
  if (entry.state === 'waiting' && isOpen(pop)) {
    // Kept (behind an earlier one that could not go, or itself unsent): the form says so,
    // unless it already says why (a session to renew).
    if (!pop.msgs.all) {
      pop.msgs[step] = { text: t('edit.queued'), kind: 'queued' };
      setFormMsg(form, t('edit.queued'), 'queued');
    }
    // A second tap records a second contribution, so the amount is cleared; the photo
    // is kept with the edit, so a second tap does not send it again.
    const amount = form.querySelector('input[name=amount]');
    if (amount) amount.value = '';
    const file = form.querySelector('input[name=photo]');
    if (file) file.value = '';
    btn.disabled = false;
  }
}

/** The popup open on the feature an outbox entry edits, and its form for the entry's step. */
function openFor(entry) {
  const pop = currentPopup();
  if (!pop || pop.name !== entry.layer || String(pop.feature.id) !== entry.id) return {};
  const form = pop.popup.getElement()?.querySelector(`form.edit-form[data-step=${entry.step}]`);
  return { pop, form };
}

/** What the page shows when the outbox has tried an edit. */
function outcome(entry, o) {
  const { pop, form } = openFor(entry);
  const step = entry.step;
  if (o.sent) {
    if (pop) {
      pop.etag = o.etag;
      pop.offline = false;
      pop.msgs = { [step]: { text: t('edit.saved'), kind: 'ok' } };
    }
    applyFeature(entry.layer, o.feature);
    emit('edited', { name: entry.layer, id: String(o.feature.id) });
  } else if (o.refused && o.status === 412) {
    // Someone else changed it since it was read: show theirs, and let the officer decide again.
    if (pop) {
      pop.msgs = { [step]: { text: t('edit.stale'), kind: 'error' } };
      reloadFeature(pop);
    }
  } else if (o.refused) {
    const text = o.status === 403 ? t('edit.not_allowed', { msg: o.message }) : t('edit.failed', { msg: o.message });
    if (pop) {
      pop.msgs[step] = { text, kind: 'error' };
      if (form) {
        setFormMsg(form, text, 'error');
        form.querySelector('button[type=submit]').disabled = false;
      }
    }
  } else if (o.waiting && o.why === 'signin' && !getUser()) {
    // The session expired (a server restart forgets sessions): the forms go, and the page
    // says why; the edit is kept and sent once the same officer signs in again.
    if (pop) {
      pop.msgs = { all: { text: `${t('auth.expired')} ${t('edit.kept_signin', { user: entry.user })}`, kind: 'error' } };
      refresh();
    }
  } else if (o.waiting && pop && form) {
    pop.msgs[step] = { text: t('edit.queued'), kind: 'queued' };
    setFormMsg(form, t('edit.queued'), 'queued');
  }
}

outbox.onOutcome(outcome);

/** Reads a feature again after a refused edit: the map, the details and the history show what the server has. */
async function reloadFeature(pop) {
  try {
    const r = await api.fetchItemForEdit(pop.name, pop.feature.id);
    if (!r) {
      pop.msgs = { all: { text: t('edit.gone'), kind: 'error' } };
      if (isOpen(pop)) refresh();
      return;
    }
    if (isOpen(pop)) pop.etag = r.etag;
    applyFeature(pop.name, r.feature, { force: true });
  } catch (e) {
    if (isOpen(pop)) {
      pop.msgs = { all: { text: t('edit.failed', { msg: e.message }), kind: 'error' } };
      refresh();
    }
  }
}

/** Tells every part of the page the feature as the server now has it (map, impact table, details, history). */
function applyFeature(name, feature, { force = false } = {}) {
  emit('feature', { name, feature, force });
  document.body.dataset.edited = `${name}:${feature.id}`;
}
