// Downloads: the "Tải xuống / Download" panel on the map (a layer, the part of it in
// view, or the route-impact result, in a format and a CRS), the download buttons of the
// impact card (registerExport), and the one way every download of the page is made:
// fetch with the page's Authorization header (a plain link would not send the Bearer
// token, and a signed-in officer would get the public's columns), then save the blob
// under the server's Content-Disposition name.

/* global L */
import * as api from './api.js';
import { esc } from './dom.js';
import { t, fmtNum } from './i18n.js';

const LAYERS = ['canals', 'parcels', 'households', 'flood_zones', 'catchments', 'villages'];
const FORMAT_NAME = { geojson: 'GeoJSON', csv: 'CSV', kml: 'KML', shp: 'Shapefile', gpkg: 'GeoPackage', dxf: 'DXF' };
/** i18n key suffix of each CRS the server writes. */
const CRS_KEY = { 'EPSG:4326': 'wgs84', 'EPSG:9208': 'tm3', 'EPSG:3405': 'utm', 'VN2000-TM3-104.75-towgs84': 'towgs84' };

/** "1,2 MB", "830 kB". */
function fmtSize(bytes) {
  if (bytes >= 1e6) return `${fmtNum(bytes / 1e6, 1)} MB`;
  return `${fmtNum(Math.max(1, Math.round(bytes / 1e3)))} kB`;
}

/** Hands a blob to the browser as a download named `name`. */
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the file by the time the click handler returns; keep the URL a
  // while for slow ones.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** A status line that says ok or error (dom.js's setStatus knows only error). */
function setStatus(el, text, kind = '') {
  if (!el) return;
  el.hidden = !text;
  el.textContent = text || '';
  el.classList.toggle('error', kind === 'error');
  el.classList.toggle('ok', kind === 'ok');
}

/**
 * Fetches `request` ({url, init}) and saves the file, showing progress on `button` and
 * the outcome (the server's message on a refusal) in `status`. body[data-export] is
 * busy, done or error, for the tests.
 */
export async function download(request, { button, status } = {}) {
  const label = button?.querySelector('.label');
  const idle = label?.textContent;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.classList.add('busy');
    if (label) label.textContent = t('export.busy');
  }
  setStatus(status, '');
  document.body.dataset.export = 'busy';
  try {
    const { blob, fileName } = await api.fetchFile(request);
    saveBlob(blob, fileName);
    setStatus(status, t('export.done', { file: fileName, size: fmtSize(blob.size) }), 'ok');
    document.body.dataset.export = 'done';
    document.body.dataset.exportFile = fileName;
    return fileName;
  } catch (e) {
    setStatus(status, t('export.error', { msg: e.message }), 'error');
    document.body.dataset.export = 'error';
    return null;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.classList.remove('busy');
      if (label) label.textContent = idle;
    }
  }
}

const ICON = '<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><path d="M8 1.5v8.2M4.6 6.6 8 10l3.4-3.4M2.5 11.5v2h11v-2" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" stroke-linejoin="round"/></svg>';

/** A download button's inner HTML: the icon and a label that the busy state replaces. */
function buttonHtml(labelKey) {
  return `${ICON}<span class="label" data-i18n="${esc(labelKey)}">${esc(t(labelKey))}</span>`;
}

// ---------------------------------------------------------------------------------
// The impact card's download buttons. A descriptor is
// { id, label_key, title_key?, primary?, when: (ctx) => bool, request: (ctx) => {url, init}, detail?: (ctx) => text };
// the card passes ctx = { kind: 'impact', source, result, width } and shows one button
// per descriptor whose `when` holds.

const EXPORTS = [];

export function registerExport(def) {
  EXPORTS.push(def);
}

function exportActions(ctx) {
  return EXPORTS.filter((e) => !e.when || e.when(ctx));
}

/** The download panel once added (addDownloadPanel). */
let panel = null;

registerExport({
  id: 'dossier',
  label_key: 'export.dossier',
  title_key: 'export.dossier_title',
  primary: true,
  when: (ctx) => ctx.kind === 'impact',
  request: (ctx) => api.dossierRequest(ctx.source, ctx.width),
});
registerExport({
  id: 'strips',
  label_key: 'export.strips',
  title_key: 'export.strips_title',
  // The server has no strips to write for a route that takes no land.
  when: (ctx) => ctx.kind === 'impact' && ctx.result.parcels.length > 0,
  // In the format and CRS chosen in the download panel (shown under the button).
  request: (ctx) => api.impactExportRequest(ctx.source, ctx.width, panel.choice()),
  detail: () => panel.formatLabel(),
});

/** The buttons for `ctx`, as HTML (empty when none applies), for wireActions() once in the page. */
export function actionsHtml(ctx) {
  return exportActions(ctx).map((x) => `<div class="export-action">
      <button type="button" class="btn${x.primary ? ' primary' : ''}" data-export="${esc(x.id)}"${x.title_key ? ` title="${esc(t(x.title_key))}"` : ''}>${buttonHtml(x.label_key)}</button>
      ${x.detail ? `<span class="detail"><span data-export-detail="${esc(x.id)}">${esc(x.detail(ctx))}</span> · <button type="button" class="link-btn" data-export-change>${esc(t('export.change'))}</button></span>` : ''}
    </div>`).join('');
}

/** Makes the buttons under `el` download, telling the outcome in `status`. */
export function wireActions(el, ctx, status) {
  const actions = exportActions(ctx);
  for (const b of el.querySelectorAll('button[data-export]')) {
    const action = actions.find((x) => x.id === b.dataset.export);
    b.addEventListener('click', () => download(action.request(ctx), { button: b, status }));
  }
  for (const b of el.querySelectorAll('[data-export-change]')) b.addEventListener('click', () => panel?.open('impact'));
}

/** Tells the panel that the impact shown changed (its "route impact" choice follows). */
export function updatePanel() {
  panel?.update();
}

/**
 * The download panel, a Leaflet control (top left, folded into one button until opened).
 * `impact()` is the route-impact result shown now ({source, width} or null).
 * Returns { update(), choice(), open(what) }.
 */
export function addDownloadPanel(map, { impact }) {
  const state = { crsTouched: false };
  const ctl = L.control({ position: 'topleft' });
  ctl.onAdd = () => {
    const d = L.DomUtil.create('div', 'map-box export-box');
    d.id = 'export-box';
    // Clicks in the panel are not map clicks (nor route points while drawing).
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    const opt = (value, key, extra = '') => `<option value="${esc(value)}" data-i18n="${key}"${extra}>${esc(t(key))}</option>`;
    d.innerHTML = `
      <button type="button" class="export-toggle" id="export-toggle" aria-expanded="false" aria-controls="export-form"
        data-i18n-title="export.open" title="${esc(t('export.open'))}">${buttonHtml('export.title')}</button>
      <form id="export-form" class="export-form" hidden>
        <div class="export-head"><h4 data-i18n="export.title">${esc(t('export.title'))}</h4>
          <button type="button" class="link-btn" id="export-close" data-i18n="export.close">${esc(t('export.close'))}</button></div>
        <label class="field"><span data-i18n="export.what">${esc(t('export.what'))}</span>
          <select id="export-what">
            ${LAYERS.map((n) => opt(n, `layer.${n}`)).join('')}
            ${opt('impact', 'export.impact', ' disabled')}
          </select></label>
        <div class="seg" role="radiogroup" id="export-extent" data-i18n-aria="export.extent">
          <label><input type="radio" name="export-extent" value="all" checked><span data-i18n="export.extent.all">${esc(t('export.extent.all'))}</span></label>
          <label><input type="radio" name="export-extent" value="view"><span data-i18n="export.extent.view">${esc(t('export.extent.view'))}</span></label>
        </div>
        <p class="muted small" id="export-impact-hint" data-i18n="export.impact_hint" hidden>${esc(t('export.impact_hint'))}</p>
        <label class="field"><span data-i18n="export.format">${esc(t('export.format'))}</span>
          <select id="export-format">${api.EXPORT_FORMATS.map((f) => opt(f, `export.fmt.${f}`)).join('')}</select></label>
        <label class="field"><span class="with-info"><span data-i18n="export.crs">${esc(t('export.crs'))}</span>
          <span class="info" tabindex="0" role="img" data-i18n-title="export.crs.towgs84_tip" data-i18n-aria="export.crs.towgs84_tip" title="${esc(t('export.crs.towgs84_tip'))}" aria-label="${esc(t('export.crs.towgs84_tip'))}">i</span></span>
          <select id="export-crs">${api.EXPORT_CRSS.map((c) => opt(c, `export.crs.${CRS_KEY[c]}`,
            c.includes('towgs84') ? ` data-i18n-title="export.crs.towgs84_tip" title="${esc(t('export.crs.towgs84_tip'))}"` : '')).join('')}</select></label>
        <p class="hint small" id="export-crs-note" data-i18n="export.crs.towgs84_tip" hidden>${esc(t('export.crs.towgs84_tip'))}</p>
        <p class="muted small" id="export-crs-default" data-i18n="export.crs_default">${esc(t('export.crs_default'))}</p>
        <button type="submit" class="btn primary export-go" id="export-go">${buttonHtml('export.go')}</button>
        <p id="export-status" class="status small" role="status" aria-live="polite" hidden></p>
      </form>`;
    return d;
  };
  ctl.addTo(map);

  const $ = (id) => document.getElementById(id);
  const form = $('export-form');
  const toggle = $('export-toggle');
  const what = $('export-what');
  const format = $('export-format');
  const crs = $('export-crs');

  function setOpen(open) {
    form.hidden = !open;
    toggle.hidden = open;
    toggle.setAttribute('aria-expanded', String(open));
    form.parentElement.classList.toggle('open', open);
    if (open) update();
  }

  function choice() {
    return { format: format.value, crs: crs.value };
  }

  /** Fits the form to the choice: the extent is for layers, the towgs84 note for that CRS. */
  function update() {
    const current = impact();
    const impactOpt = what.querySelector('option[value=impact]');
    impactOpt.disabled = !current;
    if (!current && what.value === 'impact') what.value = 'parcels';
    const isImpact = what.value === 'impact';
    for (const r of form.querySelectorAll('input[name=export-extent]')) r.disabled = isImpact;
    $('export-extent').classList.toggle('disabled', isImpact);
    $('export-impact-hint').hidden = !!current;
    $('export-crs-note').hidden = !crs.value.includes('towgs84');
    document.dispatchEvent(new CustomEvent('drainplan:export-choice', { detail: choice() }));
  }

  function request() {
    const c = choice();
    if (what.value === 'impact') {
      const current = impact();
      return current ? api.impactExportRequest(current.source, current.width, c) : null;
    }
    const extent = form.querySelector('input[name=export-extent]:checked')?.value;
    let bbox;
    if (extent === 'view') {
      const b = map.getBounds();
      bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6));
    }
    return api.layerExportRequest(what.value, { ...c, bbox });
  }

  toggle.addEventListener('click', () => setOpen(true));
  $('export-close').addEventListener('click', () => {
    setOpen(false);
    toggle.focus();
  });
  what.addEventListener('change', update);
  format.addEventListener('change', () => {
    // DXF and Shapefile go to CAD and GIS desks in VN-2000; the rest default to WGS84,
    // unless the user has picked a CRS (a refused pair is the server's to explain).
    if (!state.crsTouched) crs.value = api.defaultCrs(format.value);
    update();
  });
  crs.addEventListener('change', () => {
    state.crsTouched = true;
    update();
  });
  form.addEventListener('change', () => setStatus($('export-status'), ''));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const r = request();
    if (r) download(r, { button: $('export-go'), status: $('export-status') });
  });
  update();

  // A button's detail (the format and CRS it downloads in) follows the panel's choice.
  document.addEventListener('drainplan:export-choice', () => {
    for (const el of document.querySelectorAll('[data-export-detail]')) {
      const x = EXPORTS.find((e) => e.id === el.dataset.exportDetail);
      if (x?.detail) el.textContent = x.detail();
    }
  });

  panel = {
    update,
    choice,
    /** Opens the panel on `what` (a layer name or "impact"). */
    open(w) {
      setOpen(true);
      if (w) what.value = w;
      update();
      what.focus();
    },
    formatLabel(c = choice()) {
      return `${FORMAT_NAME[c.format] || c.format} · ${t(`export.crs_short.${CRS_KEY[c.crs]}`)}`;
    },
  };
  return panel;
}
