// The outbox: the edits an officer makes from the map (a contribution, a water step, a
// clearance step, a canal's status), kept on this device until the server has answered.
//
// Every edit goes through here, with or without a connection. It is written to
// localStorage first, then sent; an edit whose request fails for want of a connection
// (or a server that is down, or a session the server no longer knows) stays, is shown as
// waiting, and is sent again when the connection returns (the `online` event, and a
// retry every RETRY_MS), after a reload too. Each edit carries its own Idempotency-Key,
// made once when it is entered: the server answers a request sent again with the same
// key with its first answer (nothing is made twice), so an edit whose answer was lost
// on a weak connection is safe to send again. An edit the server refuses (a stale
// version, a value it will not take) leaves the queue as refused, with the server's
// message; nothing is ever dropped silently.
//
// What is kept: the layer, the feature's id, the step and its values, the version
// (ETag) the officer read if the page had read it, who entered it and when. No names.
// A consent record comes with a photo of the signed paper, too large for localStorage:
// the photo is kept in IndexedDB under the edit's key (written before the edit is), sent
// first (POST /api/attachments answers its SHA-256; the same bytes sent twice are stored
// once), and its hash is written into the edit's body and kept before the edit is sent,
// so that a retry sends the very same request under the same Idempotency-Key. The photo
// is forgotten once the edit is sent.

import * as api from './api.js';
import {
  busy, emit, getUser, on,
} from './state.js';

const STORE_KEY = 'drainplan.outbox';
/** How often waiting edits are tried again while there are any (a weak connection may not say when it is back). */
const RETRY_MS = 15000;
/** How many finished (sent or refused) edits the list keeps to show. */
const KEEP_DONE = 20;

const PHOTO_DB = 'drainplan-outbox';
const PHOTO_STORE = 'photos';

let entries = load();
let flushing = null;
let timer = null;
const listeners = [];

function load() {
  try {
    const v = JSON.parse(localStorage.getItem(STORE_KEY) || '[]');
    return Array.isArray(v) ? v.filter((e) => e && e.key && e.step && e.id) : [];
  } catch {
    return [];
  }
}

function save() {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(entries));
    return true;
  } catch {
    // Storage full or refused: the edit still lives in the page until it is sent.
    return false;
  }
}

function changed() {
  save();
  emit('outbox');
}

/** The photos' database (one object store, keyed by the edit's key). */
function photoDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(PHOTO_DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(PHOTO_STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Runs `fn(store)` in a transaction; resolves to its request's result once the transaction is done. */
async function photoTx(mode, fn) {
  const db = await photoDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(PHOTO_STORE, mode);
      const req = fn(tx.objectStore(PHOTO_STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('aborted'));
    });
  } finally {
    db.close();
  }
}

const putPhoto = (key, blob) => photoTx('readwrite', (s) => s.put(blob, key));
const getPhoto = (key) => photoTx('readonly', (s) => s.get(key));
function dropPhoto(key) {
  photoTx('readwrite', (s) => s.delete(key)).catch(() => { /* kept until the next try */ });
}

/** A new key for one edit: a UUID (crypto.randomUUID needs a secure context; fall back to getRandomValues). */
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Every edit kept: waiting ones first (in the order entered), then the finished ones, newest first. */
export function list() {
  const waiting = entries.filter((e) => e.state === 'waiting');
  const done = entries.filter((e) => e.state !== 'waiting').reverse();
  return [...waiting, ...done];
}

/** How many edits wait to be sent. */
export function waitingCount() {
  return entries.filter((e) => e.state === 'waiting').length;
}

/**
 * Called with (entry, outcome) when an edit has been tried: outcome is
 * { sent: true, feature, etag } | { refused: true, status, message } | { waiting: true, why, message }.
 */
export function onOutcome(fn) {
  listeners.push(fn);
}

function tell(entry, outcome) {
  for (const fn of listeners) {
    try {
      fn(entry, outcome);
    } catch (e) {
      console.warn('outbox listener failed', e);
    }
  }
}

/**
 * Keeps a new edit ({ step, layer, id, body, etag, photo }) and sends what waits. Resolves
 * to the entry once this round of sending is over (its `state` says how it went). A
 * `photo` (a Blob) is kept in IndexedDB first; when it cannot be kept, nothing is and
 * the promise rejects.
 */
export async function add({
  step, layer, id, body, etag, photo,
}) {
  const key = newKey();
  if (photo) await putPhoto(key, photo);
  const entry = {
    key,
    user: getUser()?.name ?? null,
    step,
    layer,
    id: String(id),
    body,
    etag: etag || null,
    at: new Date().toISOString(),
    state: 'waiting',
    message: null,
  };
  if (photo) entry.photo = { type: photo.type, size: photo.size };
  entries.push(entry);
  changed();
  await flush();
  return entry;
}

/** Forgets the finished edits (the waiting ones stay). */
export function clearDone() {
  for (const e of entries) if (e.state !== 'waiting' && e.photo) dropPhoto(e.key);
  entries = entries.filter((e) => e.state === 'waiting');
  changed();
}

/** Sends the waiting edits of the signed-in user, in order; one round at a time. */
export function flush() {
  if (!flushing) {
    flushing = sendAll().finally(() => {
      flushing = null;
      schedule();
    });
  }
  return flushing;
}

function schedule() {
  clearTimeout(timer);
  timer = null;
  if (waitingCount() && getUser()) timer = setTimeout(flush, RETRY_MS);
}

async function sendAll() {
  // The browser knows it has no connection (false is certain, true is not): nothing is
  // tried until its `online` event.
  if (navigator.onLine === false) return;
  // Entries made in another tab meanwhile.
  const stored = load();
  for (const s of stored) if (!entries.some((e) => e.key === s.key)) entries.push(s);
  for (;;) {
    const user = getUser();
    const entry = entries.find((e) => e.state === 'waiting' && user && e.user === user.name);
    if (!entry) return;
    const stop = await sendOne(entry);
    if (stop) return;
  }
}

/** Sends one edit; true when the rest must wait (no connection, no session, the server down). */
async function sendOne(entry) {
  busy(1);
  try {
    if (entry.photo && !entry.body.scan_sha256) {
      // The photo first; its hash goes into the body, kept before the edit is sent.
      const blob = await getPhoto(entry.key);
      if (!blob) throw new api.ApiError('the photo kept on this device is gone; record the consent again', 410);
      const stored = await api.uploadAttachment(blob);
      entry.body = { ...entry.body, scan_sha256: stored.sha256 };
      changed();
    }
    const r = await api.editStep(entry.step, entry.id, entry.body, entry.etag, entry.key);
    if (entry.photo) dropPhoto(entry.key);
    entry.state = 'sent';
    entry.message = null;
    entry.sentAt = new Date().toISOString();
    // Later edits of the same feature read the same version: they follow on from this one.
    for (const e of entries) {
      if (e.state === 'waiting' && e.layer === entry.layer && e.id === entry.id && e.etag && e.etag === entry.etag) e.etag = r.etag;
    }
    trim();
    changed();
    tell(entry, { sent: true, feature: r.feature, etag: r.etag });
    return false;
  } catch (e) {
    const status = e.status ?? 0;
    if (status === 0 || status === 401 || status === 408 || status === 429 || status >= 500) {
      // Not refused: no connection, a session to renew, or a server that cannot take it now.
      // No connection needs no message (the entry says it waits); a server's does.
      entry.message = status === 0 || status === 401 ? null : e.message;
      changed();
      tell(entry, { waiting: true, why: status === 401 ? 'signin' : 'offline', status, message: e.message });
      return true;
    }
    entry.state = 'refused';
    entry.status = status;
    entry.message = e.message;
    trim();
    changed();
    tell(entry, { refused: true, status, message: e.message });
    return false;
  } finally {
    busy(-1);
  }
}

function trim() {
  const done = entries.filter((e) => e.state !== 'waiting');
  if (done.length > KEEP_DONE) {
    const drop = new Set(done.slice(0, done.length - KEEP_DONE).map((e) => e.key));
    for (const e of entries) if (drop.has(e.key) && e.photo) dropPhoto(e.key);
    entries = entries.filter((e) => !drop.has(e.key));
  }
}

/** Sends what waits when the connection returns, someone signs in, or another tab adds to it. */
export function init() {
  window.addEventListener('online', () => flush());
  on('user', () => flush());
  window.addEventListener('storage', (e) => {
    if (e.key === STORE_KEY) {
      entries = load();
      emit('outbox');
    }
  });
  schedule();
}
