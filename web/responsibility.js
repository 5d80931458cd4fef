// "Who is responsible here": the "Trách nhiệm / Responsibility" tab. For a signed-in
// viewer or officer, every campaign task's features (canals as lines, parcels as outlines,
// households as dots) drawn in the colour of the task's flag at a date (GET /api/tasks?at=),
// a click on one listing the tasks on it, and a panel listing one person's tasks
// (GET /api/people, GET /api/tasks?person=), late first, each zooming the map to its
// features. The public sees the counts of GET /api/tasks/summary by village: no names.
//
// A feature several tasks share is drawn in the worst of their flags (late, at risk,
// on time, done, cancelled), so a late task is never hidden under a finished one.

/* global L */
import * as api from './api.js';
import {
  $, esc, paintAttrs, setHtml,
} from './dom.js';
import {
  fmtDate, fmtNum, fmtPct, t, tStatus,
} from './i18n.js';
import * as legend from './legend.js';
import { pill } from './look.js';
import {
  fitPadding, getMap, layerOf, villageName,
} from './layers.js';
import {
  busy, getUser, hasAuth, on,
} from './state.js';

/** The colour of each flag on the map, in the legend, the pills and the summary. */
export const FLAG_COLOR = {
  late: '#c0392b',
  at_risk: '#e67e22',
  on_time: '#2e86c1',
  done: '#27ae60',
  cancelled: '#8a949b',
};
/** The flags, worst first: the order of the lists and of a shared feature's colour. */
export const FLAGS = ['late', 'at_risk', 'on_time', 'done', 'cancelled'];
const rank = (f) => (FLAGS.indexOf(f) < 0 ? FLAGS.length : FLAGS.indexOf(f));

/** What the tab knows: the date, and the answers read for it (null until read). */
const st = {
  at: todayInVietnam(),
  tasks: null, // GET /api/tasks?at= (signed in)
  people: null, // GET /api/people (signed in)
  summary: null, // GET /api/tasks/summary?at= (public)
  person: '', // the person chosen in the panel
  personTasks: null, // GET /api/tasks?at=&person=
  error: null,
};
/** The geometry of the parcels and households the tasks name, by id (read once). */
const shapes = { parcels: new Map(), households: new Map() };
let viewOn = false;
let overlay = null;
/** The list of the tasks on a clicked feature, while it is open. */
let popup = null;
let generation = 0;

/** Today in Vietnam (UTC+7), YYYY-MM-DD: the API's default date. */
function todayInVietnam() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

const signedIn = () => !!getUser() || !hasAuth();

/** What the tab shows now (for the tests and the console). */
export function current() {
  return {
    at: st.at, tasks: st.tasks, person: st.person, personTasks: st.personTasks, summary: st.summary,
  };
}

export function init(map) {
  // Above the hydraulic verdicts (435), under route impact (440).
  map.createPane('responsibility').style.zIndex = '437';
  overlay = L.featureGroup([], { pane: 'responsibility' });
  legend.addRow(legendRow);
  on('tab', ({ name }) => setView(name === 'responsibility'));
  on('lang', () => {
    if (viewOn) {
      render();
      drawOverlay();
    }
  });
  on('user', () => {
    st.tasks = null;
    st.people = null;
    st.summary = null;
    st.person = '';
    st.personTasks = null;
    getMap().closePopup();
    if (viewOn) reload();
  });
  on('edited', () => {
    if (viewOn) reload();
  });
}

async function setView(onNow) {
  if (onNow === viewOn) return;
  viewOn = onNow;
  const map = getMap();
  // The layers under the tasks step back (style.css), so that the flags' colours read.
  map.getContainer().classList.toggle('responsibility-view', viewOn);
  if (!viewOn) {
    if (popup) map.closePopup(popup);
    popup = null;
    map.removeLayer(overlay);
    legend.render();
    return;
  }
  overlay.addTo(map);
  render();
  await reload();
}

/** Reads what the role may see at the date, then draws the tab and the map again. */
async function reload() {
  const gen = ++generation;
  const me = signedIn();
  busy(1);
  document.body.dataset.responsibility = 'loading';
  try {
    st.error = null;
    if (me) {
      const [tasks, people] = await Promise.all([
        api.campaignTasks({ at: st.at }),
        st.people ? Promise.resolve(st.people) : api.campaignPeople(),
      ]);
      if (gen !== generation) return;
      st.tasks = tasks;
      st.people = people;
      st.summary = null;
      await loadShapes(tasks.tasks);
      st.personTasks = st.person ? await api.campaignTasks({ at: st.at, person: st.person }) : null;
    } else {
      const summary = await api.taskSummary({ at: st.at });
      if (gen !== generation) return;
      st.summary = summary;
      st.tasks = null;
      st.people = null;
      st.personTasks = null;
    }
  } catch (e) {
    if (gen !== generation) return;
    st.error = e;
  } finally {
    busy(-1);
  }
  if (gen !== generation || !viewOn) return;
  render();
  drawOverlay();
  document.body.dataset.responsibility = st.error ? 'error' : 'ready';
}

/**
 * The parcels and households the tasks name, read once for the box around all of them (a
 * view of the map holds only the part in view, and none below zoom 15).
 */
async function loadShapes(tasks) {
  for (const name of ['parcels', 'households']) {
    const wanted = new Set();
    let box = null;
    for (const task of tasks) {
      for (const f of task.features) {
        if (f.collection !== name || shapes[name].has(f.id)) continue;
        wanted.add(f.id);
        if (task.bbox) {
          const [w, s, e, n] = task.bbox;
          box = box ? [Math.min(box[0], w), Math.min(box[1], s), Math.max(box[2], e), Math.max(box[3], n)] : [w, s, e, n];
        }
      }
    }
    if (!wanted.size || !box) continue;
    const pad = 0.0002;
    const bbox = [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad].map((x) => x.toFixed(6));
    const { features } = await api.fetchItems(name, { bbox });
    for (const f of features) {
      if (wanted.has(String(f.id))) shapes[name].set(String(f.id), f);
    }
  }
}

// ---------------------------------------------------------------------------------
// The map

function personName(id) {
  return st.people?.people.find((p) => p.id === id)?.name ?? id;
}

/** The tasks on each feature, `collection/id` → [task]. */
function tasksByFeature() {
  const by = new Map();
  for (const task of st.tasks?.tasks ?? []) {
    for (const f of task.features) {
      const k = `${f.collection}/${f.id}`;
      if (!by.has(k)) by.set(k, []);
      by.get(k).push(task);
    }
  }
  return by;
}

const cls = (s) => String(s).replace(/[^\w-]/g, '_');

function shapeOf(collection, id, style) {
  if (collection === 'canals') {
    const base = layerOf('canals', id);
    return base?.getLatLngs ? L.polyline(base.getLatLngs(), { ...style, weight: 8, opacity: 0.9, lineCap: 'round' }) : null;
  }
  const f = shapes[collection]?.get(String(id));
  if (!f?.geometry) return null;
  if (collection === 'households') {
    const [lon, lat] = f.geometry.coordinates;
    return L.circleMarker([lat, lon], { ...style, radius: 6, weight: 2.5, fillOpacity: 0.85 });
  }
  return L.geoJSON(f.geometry, { style: () => ({ ...style, weight: 3, fillOpacity: 0.18 }) }).getLayers()[0] ?? null;
}

function drawOverlay() {
  overlay.clearLayers();
  // A list written for another date or language is not left open.
  if (popup) getMap().closePopup(popup);
  popup = null;
  if (!st.tasks) {
    legend.render();
    return;
  }
  const svg = L.svg({ pane: 'responsibility', tolerance: 4 });
  for (const [key, tasks] of tasksByFeature()) {
    const [collection, ...rest] = key.split('/');
    const id = rest.join('/');
    const flag = tasks.map((x) => x.flag).sort((a, b) => rank(a) - rank(b))[0];
    const color = FLAG_COLOR[flag] ?? FLAG_COLOR.cancelled;
    const layer = shapeOf(collection, id, {
      pane: 'responsibility',
      renderer: svg,
      color,
      fillColor: color,
      bubblingMouseEvents: false,
      className: `resp-f resp-flag-${cls(flag)} resp-${collection}-${cls(id)}`,
    });
    if (!layer) continue;
    layer.on('click', (e) => openTasksAt(collection, id, e.latlng));
    layer.addTo(overlay);
  }
  legend.render();
}

/** Lists the tasks on feature `id` of `collection` in a popup at `latlng`. */
function openTasksAt(collection, id, latlng) {
  const tasks = (tasksByFeature().get(`${collection}/${id}`) ?? []).slice().sort(byUrgency);
  const name = collection === 'canals' ? (layerOf('canals', id)?.feature.properties.name || id) : id;
  const html = `<div class="resp-popup" data-feature="${esc(collection)}/${esc(id)}">
    <div class="kind">${esc(t(`resp.feature.${collection}`))}</div><h3>${esc(name)}</h3>
    <ul class="plain-list resp-tasks">${tasks.map((x) => taskHtml(x)).join('')}</ul></div>`;
  const el = document.createElement('div');
  setHtml(el, html);
  const map = getMap();
  const room = Math.max(200, map.getSize().x - 44);
  popup = L.popup({ maxWidth: Math.min(360, room), minWidth: Math.min(260, room), autoPanPadding: [20, 20] })
    .setLatLng(latlng).setContent(el).openOn(map);
}

function legendRow() {
  if (!viewOn || !st.tasks) return '';
  const items = FLAGS.map((f) => `<div class="legend-item"><span class="legend-line solid"${paintAttrs({ line: FLAG_COLOR[f] })}></span><span>${esc(tStatus('flag', f))}</span></div>`).join('');
  return `<div class="legend-row" data-legend="responsibility"><span class="legend-title">${esc(t('legend.responsibility', { at: fmtDate(st.at) }))}</span>${items}</div>`;
}

// ---------------------------------------------------------------------------------
// The tab

function byUrgency(a, b) {
  return rank(a.flag) - rank(b.flag) || String(a.deadline).localeCompare(String(b.deadline)) || String(a.id).localeCompare(String(b.id));
}

function progressHtml(p) {
  if (!p) return `<div class="muted small">${esc(t('resp.no_measure'))}</div>`;
  const unit = t(`resp.unit.${p.unit}`);
  return `<div class="resp-progress" data-done="${p.done}" data-total="${p.total}" data-unit="${esc(p.unit)}">
    <span class="bar mini"><span class="fill-reg"${paintAttrs({ width: Math.min(100, Math.max(0, p.share * 100)), bg: '#2e86c1' })}></span></span>
    <span class="small">${esc(t('resp.progress', {
    done: fmtNum(p.done, 0), total: fmtNum(p.total, 0), unit, share: fmtPct(p.share, 0),
  }))}</span></div>`;
}

function daysText(n) {
  if (n < 0) return t('resp.days_over', { n: -n });
  return n === 0 ? t('resp.due_today') : t('resp.days_left', { n });
}

/** One task: title, flag, responsible person, deadline, progress. `role` marks the chosen person's part. */
function taskHtml(task, role = '') {
  return `<li class="resp-task" data-task="${esc(task.id)}" data-flag="${esc(task.flag)}" tabindex="0">
    <div class="resp-task-head">${pill(FLAG_COLOR[task.flag] ?? FLAG_COLOR.cancelled, tStatus('flag', task.flag))} <b>${esc(task.title)}</b></div>
    <div class="meta">${esc(t('resp.responsible'))}: <span data-responsible="${esc(task.responsible)}">${esc(personName(task.responsible))}</span>
      ${role ? ` · <span class="resp-role" data-role="${esc(role)}">${esc(t(`resp.role.${role}`))}</span>` : ''}</div>
    <div class="meta">${esc(t('resp.deadline', { date: fmtDate(task.deadline) }))}${task.status === 'open' ? ` · <span data-days-left="${task.days_left}">${esc(daysText(task.days_left))}</span>` : ''}</div>
    ${progressHtml(task.progress)}
    ${role && !task.bbox ? `<div class="muted small" data-off-map>${esc(t('resp.off_map'))}</div>` : ''}
  </li>`;
}

const ROLES = ['board_member', 'village_head', 'mass_organisation', 'officer'];

/** The people, grouped by role and organisation (a village head by village), for the select. */
function peopleOptions() {
  const groups = new Map();
  for (const p of st.people?.people ?? []) {
    const where = p.organisation || (p.village_id ? villageName(p.village_id) : '');
    const label = `${tStatus('person_role', p.role)}${where ? ` — ${where}` : ''}`;
    const key = `${ROLES.indexOf(p.role)}|${label}`;
    if (!groups.has(key)) groups.set(key, { label, people: [] });
    groups.get(key).people.push(p);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b, 'vi')).map(([, g]) => `<optgroup label="${esc(g.label)}">${g.people
    .map((p) => `<option value="${esc(p.id)}"${p.id === st.person ? ' selected' : ''}>${esc(p.name)}${p.village_id && p.role !== 'village_head' ? ` (${esc(villageName(p.village_id))})` : ''}</option>`).join('')}</optgroup>`).join('');
}

function countsRow(label, c, attr) {
  const cells = ['late', 'at_risk', 'on_time', 'done'].map((f) => `<td class="n" data-n="${f}">${fmtNum(c[f] ?? 0)}</td>`).join('');
  return `<tr ${attr}><td>${esc(label)}</td><td class="n" data-n="tasks">${fmtNum(c.tasks)}</td>${cells}</tr>`;
}

function summaryHtml(s) {
  const head = `<tr><th>${esc(t('village.pick'))}</th><th class="n">${esc(t('resp.col.tasks'))}</th>${['late', 'at_risk', 'on_time', 'done']
    .map((f) => `<th class="n">${pill(FLAG_COLOR[f], tStatus('flag', f))}</th>`).join('')}</tr>`;
  const rows = Object.entries(s.by_village ?? {}).map(([id, c]) => countsRow(id === 'none' ? t('resp.commune_wide') : villageName(id), c, `data-village="${esc(id)}"`));
  rows.push(countsRow(t('resp.total'), s.total, 'data-village="total" class="total"'));
  return `<div class="table-wrap"><table class="impact resp-summary" id="resp-summary"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>
    <p class="muted small">${esc(t('resp.public_note'))}</p>`;
}

function render() {
  const el = $('#resp-panel');
  if (!el) return;
  const dateField = `<label class="field inline"><span>${esc(t('resp.at'))}</span><input type="date" id="resp-at" value="${esc(st.at)}" required></label>`;
  const status = st.error
    ? `<p class="status error" id="resp-status">${esc(t('resp.error', { msg: st.error.message }))}</p>`
    : (!st.tasks && !st.summary ? `<p class="status" id="resp-status">${esc(t('resp.loading'))}</p>` : '');
  let body = '';
  if (st.summary) {
    body = `<div class="card"><h2>${esc(t('resp.summary.title'))}</h2>${dateField}${status}${summaryHtml(st.summary)}</div>`;
  } else {
    const tasks = st.tasks?.tasks ?? [];
    const counts = Object.fromEntries(FLAGS.map((f) => [f, tasks.filter((x) => x.flag === f).length]));
    const line = st.tasks ? `<p class="summary" id="resp-counts">${FLAGS.filter((f) => counts[f])
      .map((f) => `${pill(FLAG_COLOR[f], tStatus('flag', f))} <b data-count="${f}">${fmtNum(counts[f])}</b>`).join(' ')}</p>` : '';
    let person = '';
    if (st.people) {
      const mine = (st.personTasks?.tasks ?? []).slice().sort(byUrgency);
      const list = st.person
        ? (mine.length
          ? `<ul class="plain-list resp-tasks" id="resp-person-tasks">${mine.map((x) => taskHtml(x, x.responsible === st.person ? 'responsible' : 'supporting')).join('')}</ul>`
          : `<p class="muted" id="resp-person-tasks">${esc(t('resp.person.none'))}</p>`)
        : '';
      person = `<div class="card"><h2>${esc(t('resp.person.title'))}</h2>
        <label class="field"><span>${esc(t('resp.person.pick'))}</span>
        <select id="resp-person"><option value="">—</option>${peopleOptions()}</select></label>
        ${list}
        ${st.person ? `<p class="muted small">${esc(t('resp.person.hint'))}</p>` : ''}</div>`;
    }
    const all = st.tasks && tasks.some((x) => x.bbox) ? `<button type="button" class="link-btn" id="resp-fit">${esc(t('resp.show_all'))}</button>` : '';
    body = `<div class="card"><h2>${esc(t('resp.title'))}</h2><p class="muted">${esc(t('resp.intro'))}</p>${dateField}${status}${line}${all}</div>${person}`;
  }
  setHtml(el, body);
  $('#resp-at').addEventListener('change', (e) => {
    const v = e.target.value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return;
    st.at = v;
    reload();
  });
  $('#resp-fit')?.addEventListener('click', () => fitTasks(st.tasks?.tasks ?? []));
  $('#resp-person')?.addEventListener('change', async (e) => {
    st.person = e.target.value;
    await reload();
  });
  for (const li of el.querySelectorAll('#resp-person-tasks li[data-task]')) {
    const go = () => showTask(li.dataset.task);
    li.addEventListener('click', go);
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        go();
      }
    });
  }
}

/** Fits the map to the box around `tasks`' features, clear of a sheet open over the map (a phone). */
function fitTasks(tasks) {
  const boxes = tasks.map((x) => x.bbox).filter(Boolean);
  if (!boxes.length) return;
  const bounds = L.latLngBounds(boxes.flatMap(([w, s, e, n]) => [[s, w], [n, e]]));
  const pad = fitPadding(40);
  const panel = $('#panel').getBoundingClientRect();
  const map = getMap().getContainer().getBoundingClientRect();
  // On a phone the tab is a sheet over the map's lower part: keep the features above it.
  if (document.body.dataset.sheet === 'responsibility' && panel.top > map.top && panel.top < map.bottom) {
    pad.paddingBottomRight = [pad.paddingBottomRight[0], map.bottom - panel.top + 20];
    pad.paddingTopLeft = [pad.paddingTopLeft[0], 20];
  }
  getMap().fitBounds(bounds, { ...pad, maxZoom: 18, animate: false });
}

/** Zooms the map to a task's features (its bounding box from the API). */
export function showTask(id) {
  const task = (st.personTasks?.tasks ?? []).concat(st.tasks?.tasks ?? []).find((x) => x.id === id);
  if (!task?.bbox) return;
  fitTasks([task]);
  for (const li of document.querySelectorAll('#resp-person-tasks li[data-task]')) li.classList.toggle('picked', li.dataset.task === id);
}
