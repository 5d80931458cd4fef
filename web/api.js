// The page's only door to the server: the same HTTP API as every other client
// (OGC API – Features items, /api/reports/…, /api/analyses/…). Response shapes are
// normalised here, so that a change on the server touches this file only.

export const COLLECTIONS = ['villages', 'canals', 'parcels', 'flood_zones', 'households'];

/** The largest page the server hands out. */
export const MAX_LIMIT = 10000;

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

let token = null;
let onExpired = null;

/** Called (once per token) when the server refuses the token; the request is retried as the public. */
export function setOnExpired(fn) {
  onExpired = fn;
}

/** Sends `Authorization: Bearer <token>` with every request from now on (null: the public). */
export function setToken(t) {
  token = t || null;
}

async function request(url, options = {}) {
  return (await requestFull(url, options)).body;
}

/** Like request(), but resolves to { body, headers } (edits need the ETag header). */
async function requestFull(url, options = {}) {
  let res;
  const headers = { ...(options.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    res = await fetch(url, { ...options, headers });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(`${e.message} (${url})`, 0);
  }
  if (res.status === 401 && token && headers.Authorization) {
    token = null;
    if (onExpired) onExpired();
    return requestFull(url, options);
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const msg = (body && (body.error || body.message || body.description)) || text || res.statusText;
    throw new ApiError(String(msg), res.status);
  }
  if (body === null) throw new ApiError(`the server did not send JSON (${url})`, res.status);
  return { body, headers: res.headers };
}

function itemsUrl(collection, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  return `/collections/${encodeURIComponent(collection)}/items?${q}`;
}

function nextLink(fc) {
  const l = (fc.links || []).find((x) => x.rel === 'next');
  if (!l) return null;
  // Same origin as the page, whatever host name the server put in the link.
  try {
    const u = new URL(l.href, location.href);
    return `${u.pathname}${u.search}`;
  } catch {
    return l.href;
  }
}

/**
 * Features of a collection, following `next` links, up to `max` features.
 * Returns { features, matched, complete }: `matched` is the server's numberMatched
 * (or the count read when it does not say), `complete` false when `max` stopped us.
 */
export async function fetchItems(collection, { bbox, filters = {}, max = MAX_LIMIT, signal, pageSize = 5000 } = {}) {
  const features = [];
  let url = itemsUrl(collection, { bbox, limit: Math.min(pageSize, max, MAX_LIMIT), ...filters });
  let matched = null;
  while (url) {
    const fc = await request(url, { signal, headers: { Accept: 'application/geo+json' } });
    if (matched === null && typeof fc.numberMatched === 'number') matched = fc.numberMatched;
    for (const f of fc.features || []) features.push(f);
    if (matched !== null && matched > max) {
      return { features, matched, complete: false };
    }
    url = features.length < max ? nextLink(fc) : null;
    if (!(fc.features || []).length) url = null;
  }
  return { features, matched: matched ?? features.length, complete: true };
}

/**
 * The vector tile z/x/y of a layer as an ArrayBuffer, or null when the tile is empty
 * (204). With the caller's token, like every request: tiles carry what the role may see.
 */
export async function fetchTile(collection, z, x, y, { signal } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  const url = `/tiles/${encodeURIComponent(collection)}/${z}/${x}/${y}.mvt`;
  let res;
  try {
    res = await fetch(url, { signal, headers });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(`${e.message} (${url})`, 0);
  }
  if (res.status === 204) return null;
  if (!res.ok) {
    let msg = res.statusText;
    try {
      msg = (await res.json()).error || msg;
    } catch {
      /* not JSON */
    }
    throw new ApiError(String(msg), res.status);
  }
  return res.arrayBuffer();
}

/** One feature by id, or null. */
export async function fetchItem(collection, id, { signal } = {}) {
  try {
    return await request(`/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`, {
      signal,
      headers: { Accept: 'application/geo+json' },
    });
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

/**
 * The values each enumerated property of a collection may take, from its queryables
 * (JSON Schema: `properties.<name>.enum`): { property: [values] }, in the server's order.
 * Properties without fixed values are left out.
 */
export async function queryableEnums(collection) {
  const q = await request(`/collections/${encodeURIComponent(collection)}/queryables`, {
    headers: { Accept: 'application/schema+json, application/json' },
  });
  const out = {};
  for (const [name, schema] of Object.entries(q.properties || {})) {
    if (Array.isArray(schema?.enum)) out[name] = schema.enum.map(String);
  }
  return out;
}

/** Canal length report grouped by status and village: { rows:[{status, village_id, village, length_m}], total_length_m }. */
export async function canalLengthReport() {
  const r = await request('/api/reports/canal-length?by=status,village');
  const rows = (r.rows || []).map((row) => ({
    status: row.status,
    village_id: row.village_id ?? null,
    village: row.village ?? row.village_name ?? null,
    length_m: Number(row.length_m) || 0,
  }));
  const total = typeof r.total_length_m === 'number' ? r.total_length_m : rows.reduce((s, x) => s + x.length_m, 0);
  return { rows, total_length_m: total };
}

/** Piped-water report: { target_rate, villages:[…], commune:{…} }. */
export async function waterReport() {
  const r = await request('/api/reports/water-connection');
  const norm = (v) => ({
    village_id: v.village_id ?? null,
    village: v.village ?? v.name ?? '',
    households: Number(v.households) || 0,
    dwellings: Number(v.dwellings) || 0,
    registered: Number(v.registered) || 0,
    connected: Number(v.connected) || 0,
    rate: typeof v.rate === 'number' ? v.rate : v.dwellings ? v.registered / v.dwellings : 0,
    target_rate: typeof v.target_rate === 'number' ? v.target_rate : r.target_rate,
    dwellings_to_target: Number(v.dwellings_to_target) || 0,
  });
  return {
    target_rate: r.target_rate,
    villages: (r.villages || []).map(norm),
    commune: r.commune ? norm(r.commune) : null,
  };
}

function normImpact(r) {
  return {
    route_length_m: r.route_length_m,
    corridor_width_m: r.corridor_width_m,
    corridor_area_m2: r.corridor_area_m2,
    corridor: r.corridor || null,
    parcels: r.parcels || [],
    flood_zones: r.flood_zones || [],
    served_households: r.served_households || [],
    totals: r.totals || {},
    raw: r,
  };
}

/** Impact of a drawn route (GeoJSON LineString geometry). */
export async function routeImpact(lineString, corridorWidth, { signal } = {}) {
  const r = await request('/api/analyses/route-impact', {
    method: 'POST',
    signal,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ route: lineString, corridor_width_m: corridorWidth }),
  });
  return normImpact(r);
}

/** Impact of a stored canal. */
export async function canalImpact(canalId, corridorWidth, { signal } = {}) {
  const q = new URLSearchParams({ corridor_width_m: String(corridorWidth) });
  const r = await request(`/api/canals/${encodeURIComponent(canalId)}/impact?${q}`, {
    signal,
    headers: { Accept: 'application/json' },
  });
  return normImpact(r);
}

/** Signs in: { token, name, role }. */
export async function signIn(name, password) {
  return request('/api/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ name, password }),
  });
}

/** Who the current token belongs to: { name, role } (role "public" without one). */
export async function whoAmI() {
  return request('/api/session', { headers: { Accept: 'application/json' } });
}

/** Ends the session on the server (best effort). */
export async function signOut() {
  try {
    await request('/api/session', { method: 'DELETE' });
  } catch {
    /* the token is dropped anyway */
  }
}

// ---------------------------------------------------------------------------------
// Editing (officers) and the change history (viewers and above)

/** One feature with the ETag an edit must send back: { feature, etag }, or null when it is gone. */
export async function fetchItemForEdit(collection, id) {
  try {
    const r = await requestFull(`/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`, {
      headers: { Accept: 'application/geo+json' },
      cache: 'no-store',
    });
    return { feature: r.body, etag: r.headers.get('ETag') };
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

/** The one-step changes, by layer: which endpoint under /api/{path}/{id}/{step}. */
const STEPS = {
  canal_status: (id) => `/api/canals/${encodeURIComponent(id)}/status`,
  clearance: (id) => `/api/parcels/${encodeURIComponent(id)}/clearance`,
  contribution: (id) => `/api/households/${encodeURIComponent(id)}/contributions`,
  water: (id) => `/api/households/${encodeURIComponent(id)}/water`,
  consent: (id) => `/api/parcels/${encodeURIComponent(id)}/consent`,
};

/**
 * Stores a file (the photo or PDF of a signed paper) on the server: POST /api/attachments
 * with its bytes and media type. The server names it by its SHA-256, so sending the same
 * file again stores nothing new. Resolves to { sha256, size, content_type }.
 */
export async function uploadAttachment(blob) {
  return request('/api/attachments', {
    method: 'POST',
    headers: { 'Content-Type': blob.type || 'application/octet-stream', Accept: 'application/json' },
    body: blob,
  });
}

/** What the donations report says of one parcel ({ complete, missing, … }), or null when it gives no land. */
export async function donationOf(parcelId) {
  const r = await request(`/api/reports/donations?parcel=${encodeURIComponent(parcelId)}`, {
    headers: { Accept: 'application/json' },
    cache: 'no-store',
  });
  return (r.parcels || [])[0] ?? null;
}

/**
 * A one-step change (`step` is canal_status, clearance, contribution or water) sent with
 * `If-Match: etag`, so that a change someone else made since the feature was read is
 * refused (ApiError with status 412), and with `Idempotency-Key: key`, so that the same
 * change sent again (its answer was lost) is answered, not made twice. Resolves to
 * { feature, etag } as the server now has it.
 */
export async function editStep(step, id, body, etag, key) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/geo+json' };
  if (etag) headers['If-Match'] = etag;
  if (key) headers['Idempotency-Key'] = key;
  const r = await requestFull(STEPS[step](id), { method: 'POST', headers, body: JSON.stringify(body) });
  return { feature: r.body, etag: r.headers.get('ETag') };
}

/** A feature's change history, newest first: [{ at, user, op, changes: [{property, from, to}] }]. */
export async function featureHistory(collection, id, { limit = 200 } = {}) {
  const r = await request(`/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}/history?limit=${limit}`, {
    headers: { Accept: 'application/json' },
    cache: 'no-store',
  });
  return {
    matched: r.numberMatched ?? (r.entries || []).length,
    entries: (r.entries || []).map((e) => ({
      seq: e.seq, at: e.at, user: e.user, op: e.op, changes: e.changes || [], geometry_changed: !!e.geometry_changed,
    })),
  };
}

/** Month-by-month progress from the change history: { water_rate_at_start, months:[…] } (oldest first). */
export async function monthlyProgress() {
  const r = await request('/api/reports/monthly-progress', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  return {
    water_rate_at_start: typeof r.water_rate_at_start === 'number' ? r.water_rate_at_start : null,
    months: (r.months || []).map((m) => ({
      month: m.month,
      edits: Number(m.edits) || 0,
      canal_completed_m: Number(m.canal_completed_m) || 0,
      canal_started_m: Number(m.canal_started_m) || 0,
      parcels_to_status: m.parcels_to_status || {},
      contributions_added: m.contributions_added || {},
      water_registered_dwellings: Number(m.water_registered_dwellings) || 0,
      dwellings: Number(m.dwellings) || 0,
      water_rate: Number(m.water_rate) || 0,
    })),
  };
}

// ---------------------------------------------------------------------------------
// Downloads (/api/export/…, /api/dossier/…): files, not JSON. They go through fetch, not
// a plain link, so that a signed-in officer's Bearer token is sent and the file carries
// the columns the officer may see.

/** The formats and CRSs the export endpoints take (`format=`, `crs=`). */
export const EXPORT_FORMATS = ['geojson', 'csv', 'kml', 'shp', 'gpkg', 'dxf'];
export const EXPORT_CRSS = ['EPSG:4326', 'EPSG:9208', 'EPSG:3405', 'VN2000-TM3-104.75-towgs84'];
/** The CRS the server uses when none is asked for; the page asks for VN-2000 TM-3 for CAD and GIS files. */
export function defaultCrs(format) {
  return format === 'dxf' || format === 'shp' ? 'EPSG:9208' : 'EPSG:4326';
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `GET /api/export/{collection}`: a layer, or the part of it in `bbox` / matching `filters`. */
export function layerExportRequest(collection, { format, crs, bbox, filters = {} }) {
  return { url: `/api/export/${encodeURIComponent(collection)}${query({ format, crs, bbox, ...filters })}` };
}

function routeBody(geometry, width) {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ route: geometry, corridor_width_m: width }),
  };
}

/** The land taken by a stored canal (`{kind:'canal', id}`) or a drawn route (`{kind:'route', geometry}`). */
export function impactExportRequest(source, width, { format, crs }) {
  if (source.kind === 'canal') {
    return { url: `/api/export/canals/${encodeURIComponent(source.id)}/impact${query({ format, crs, corridor_width_m: width })}` };
  }
  return { url: `/api/export/route-impact${query({ format, crs })}`, init: routeBody(source.geometry, width) };
}

/** The dossier zip (hồ sơ thiết kế) of a stored canal or a drawn route. */
export function dossierRequest(source, width) {
  if (source.kind === 'canal') {
    return { url: `/api/dossier/canals/${encodeURIComponent(source.id)}${query({ corridor_width_m: width })}` };
  }
  return { url: '/api/dossier', init: routeBody(source.geometry, width) };
}

/** The file name in a Content-Disposition header (RFC 6266 `filename*` first), or null. */
export function dispositionName(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to filename= */
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(header);
  const name = plain ? (plain[1] ?? plain[2]).trim() : '';
  // Only a base name: never a path the browser would have to clean up.
  return name ? name.replace(/^.*[\\/]/, '') : null;
}

/**
 * Fetches a file the server makes: { blob, fileName, crs }. A refusal (4xx/5xx) is an
 * ApiError with the server's `{"error": …}` message.
 */
export async function fetchFile({ url, init = {} }, { signal } = {}) {
  const headers = { ...(init.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(url, { ...init, headers, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(`${e.message} (${url})`, 0);
  }
  if (res.status === 401 && headers.Authorization) {
    token = null;
    if (onExpired) onExpired();
    return fetchFile({ url, init }, { signal });
  }
  if (!res.ok) {
    const text = await res.text();
    let msg = text || res.statusText;
    try {
      const body = JSON.parse(text);
      msg = body.error || body.message || body.description || msg;
    } catch {
      /* not JSON: the text itself */
    }
    throw new ApiError(String(msg), res.status);
  }
  const blob = await res.blob();
  const fileName = dispositionName(res.headers.get('Content-Disposition')) || url.split('?')[0].split('/').pop() || 'download';
  return { blob, fileName, crs: res.headers.get('Content-Crs') };
}

// ---------------------------------------------------------------------------------
// The drainage check (/api/analyses/hydraulics, /api/canals/{id}/…) and route options

/**
 * The whole network's check: { rain_station, rain_constants_unverified,
 * unverified_constants, unverified_note, sections:[…], catchments:[…], problems:[…] }.
 */
export async function networkHydraulics({ signal } = {}) {
  return request('/api/analyses/hydraulics', { signal, headers: { Accept: 'application/json' }, cache: 'no-store' });
}

/** The address of a canal's longitudinal profile (image/svg+xml), for an <img>. */
export function profileUrl(canalId) {
  return `/api/canals/${encodeURIComponent(canalId)}/profile.svg`;
}

function compareInit(body) {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  };
}

/**
 * Route options side by side: `body` is { routes: [{id, route}|{id, canal_id}], section,
 * slope, corridor_width_m }; resolves to { rows, routes:[{id, geometry}], … }.
 */
export async function compareRoutes(body, { signal } = {}) {
  return request('/api/analyses/compare-routes', { ...compareInit(body), signal });
}

/** The same comparison as a file (`format` csv or xlsx), for fetchFile(). */
export function compareRequest(body, format) {
  return { url: `/api/analyses/compare-routes${query({ format })}`, init: compareInit(body) };
}

// ---------------------------------------------------------------------------------
// The campaign (/api/people, /api/tasks): who is responsible for what

/** { people: [{ id, name, role, organisation, village_id, phone, version }] } (signed in). */
export async function campaignPeople() {
  return request('/api/people', { headers: { Accept: 'application/json' }, cache: 'no-store' });
}

/** { at, tasks: [task with progress, flag, days_left, bbox] } at `at` (YYYY-MM-DD), of `person` when given (signed in). */
export async function campaignTasks({ at, person } = {}) {
  return request(`/api/tasks${query({ at, person })}`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
}

/** { at, total, by_village, by_kind }: counts of tasks by flag, no names (public). */
export async function taskSummary({ at } = {}) {
  return request(`/api/tasks/summary${query({ at })}`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
}
