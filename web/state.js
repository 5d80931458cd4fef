// What several parts of the page read and one part writes: who is signed in, the values
// each enumerated property may take (from the server's queryables), the route impact
// shown now, the count of requests in flight; and the events by which a part tells the
// others that something changed, so that no part reaches into another's state.
//
// Events (emit/on):
//   lang     the language changed: every part writes its text again
//   user     someone signed in or out: every part fetches again what the role may see
//   feature  { name, feature, force } the server's version of a feature is known (an edit,
//            a reload): the map, the impact table and the open details follow
//   edited   { name, id } an edit was acknowledged: the reports follow
//   layers   a layer's features, visibility or view state changed: the layer box follows
//   analyse  { id } someone asked for a stored canal's impact
//   tab      { name } the side panel shows tab `name`

import * as api from './api.js';

const bus = new EventTarget();

export function on(name, fn) {
  bus.addEventListener(name, (e) => fn(e.detail ?? {}));
}

export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

// ---------------------------------------------------------------------------------
// Who is signed in (written by auth.js)

let user = null;
let authAvailable = false;

/** The signed-in user ({ name, role }), or null for the public. */
export function getUser() {
  return user;
}

export function setUser(u) {
  user = u;
}

/** Whether the server has sign-in at all (one without it serves everyone everything). */
export function hasAuth() {
  return authAvailable;
}

export function setHasAuth(on) {
  authAvailable = on;
}

export function canEdit() {
  return !!user && (user.role === 'officer' || user.role === 'admin');
}

export function canReadHistory() {
  return !!user;
}

// ---------------------------------------------------------------------------------
// Enumerated values, as the server lists them in /collections/{id}/queryables

/** The collections whose enumerated properties the page lists (legend, forms, reports). */
const ENUM_COLLECTIONS = ['canals', 'parcels', 'households'];
const enums = {};

/** Reads the enumerated properties of the collections the page lists. Rejects when one fails. */
export async function loadEnums() {
  const got = await Promise.all(ENUM_COLLECTIONS.map((c) => api.queryableEnums(c)));
  ENUM_COLLECTIONS.forEach((c, i) => {
    enums[c] = got[i];
  });
}

/** The values `property` of `collection` may take, in the server's order ([] until known). */
export function enumValues(collection, property) {
  return enums[collection]?.[property] ?? [];
}

// ---------------------------------------------------------------------------------
// The route impact shown now (written by impact.js; a parcel's details quote it)

let impactResult = null;

export function getImpactResult() {
  return impactResult;
}

export function setImpactResult(r) {
  impactResult = r;
}

// ---------------------------------------------------------------------------------
// Requests in flight: body[data-busy] tells the tests when the page is idle.

let inFlight = 0;

export function busy(delta) {
  inFlight = Math.max(0, inFlight + delta);
  document.body.dataset.busy = String(inFlight);
  const el = document.getElementById('map-busy');
  if (el) el.hidden = inFlight === 0;
}
