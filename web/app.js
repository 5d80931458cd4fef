// The planners' map: the commune's layers on a Leaflet map, the reports beside it, and
// route impact (a stored canal or a route drawn on the map).
//
// Everything the page knows comes from the same HTTP API as every other client
// (./api.js), the values of each status included (the layers' queryables). Each part of
// the page is a module that owns its part and its state; they tell each other about
// changes through the events of ./state.js. This file starts them in order, routes the
// map's clicks and switches the language.
//
//   layers.js   the map, the layers, the villages, the hit test
//   tiles.js    layers drawn from the server's vector tiles where GeoJSON would be too much
//   legend.js   the layer box and the legend
//   popup.js    a feature's details; edit.js (officers' forms) and history.js add to it
//   reports.js  canal length, piped water, monthly progress
//   impact.js   route impact and its card; drawing.js draws a route for it (and for compare.js)
//   hydraulics.js  the drainage check: the Hydraulics tab, canals by verdict, the details' part
//   compare.js  route options side by side (in the Hydraulics tab)
//   responsibility.js  who is responsible here: tasks on their features by flag, a person's tasks
//   exports.js  downloads; auth.js signing in; i18n.js strings; api.js the server
//   outbox.js   edits kept on the device until the server has them (weak connections)
//   sheets.js   the panels that open over the map on a phone, and the outbox's list
//   sw.js       the service worker that keeps the page's own files for a reload offline

import { showTab } from './dom.js';
import * as auth from './auth.js';
import * as compare from './compare.js';
import * as consent from './consent.js';
import * as drawing from './drawing.js';
import * as edit from './edit.js';
import { addDownloadPanel, registerExport } from './exports.js';
import * as history from './history.js';
import * as hydraulics from './hydraulics.js';
import {
  applyStatic, getLang, setLang, t,
} from './i18n.js';
import * as impact from './impact.js';
import * as layers from './layers.js';
import * as legend from './legend.js';
import * as outbox from './outbox.js';
import * as popup from './popup.js';
import * as reports from './reports.js';
import * as responsibility from './responsibility.js';
import * as sheets from './sheets.js';
import { emit, getUser, loadEnums } from './state.js';

function switchLang(lang) {
  setLang(lang);
  try {
    localStorage.setItem('drainplan.lang', lang);
  } catch {
    /* private mode */
  }
  for (const b of document.querySelectorAll('.lang-switch button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  applyStatic();
  document.title = `drainplan — ${t('app.title')}`;
  emit('lang');
}

function wireUi() {
  for (const b of document.querySelectorAll('.lang-switch button')) b.addEventListener('click', () => switchLang(b.dataset.lang));
  for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
  document.getElementById('village-select').addEventListener('change', (e) => layers.zoomToVillage(e.target.value));
}

async function start() {
  let lang = 'vi';
  try {
    // `#lang=en` in the address picks the language (the server's / takes no query string).
    lang = new URLSearchParams(location.hash.slice(1)).get('lang') || localStorage.getItem('drainplan.lang') || 'vi';
  } catch {
    /* default */
  }
  setLang(lang);
  const map = layers.initMap();
  legend.init(map);
  addDownloadPanel(map, {
    impact: () => {
      const shown = impact.current();
      return shown ? { source: shown.source, width: shown.result.corridor_width_m } : null;
    },
  });
  impact.init(map);
  drawing.init(map);
  popup.init(map);
  hydraulics.init(map);
  compare.init(map);
  responsibility.init(map);
  popup.addPart(hydraulics.part);
  popup.addPart(consent.part);
  popup.addPart(edit.part);
  popup.addPart(history.part);
  history.init();
  consent.init();
  reports.init();
  auth.init();
  sheets.init();
  outbox.init();
  map.on('click', (e) => {
    if (drawing.isDrawing()) drawing.addPoint(e.latlng);
    else popup.openAt(e.latlng);
  });
  wireUi();
  switchLang(getLang());

  // The statuses the legend and the forms list are the server's (queryables).
  const [, enums] = await Promise.allSettled([auth.restore(), loadEnums()]);
  if (enums.status === 'rejected') layers.showMapError(enums.reason);
  // Edits kept from before (a reload, a lost connection) go out now if they can.
  outbox.flush();
  legend.render();
  const loadingReports = reports.load();
  try {
    await Promise.all(['villages', 'flood_zones', 'catchments', 'canals'].map(layers.loadWhole));
  } catch (e) {
    layers.showMapError(e);
  }
  layers.labelVillages();
  layers.renderVillageSelect();
  impact.renderCanalSelect();
  compare.renderCanalSelect();
  layers.fitAll();
  layers.toggleVillageLabels();
  legend.render();
  await Promise.allSettled([loadingReports, layers.loadView('parcels'), layers.loadView('households')]);
  document.body.dataset.ready = 'true';
}

// For the browser tests and for debugging from the console.
window.drainplan = {
  get map() { return layers.getMap(); },
  counts: layers.counts,
  viewState: layers.viewStates,
  tiles: layers.tileStatus,
  featureLatLng(name, id) {
    const l = layers.layerOf(name, id);
    if (!l) return null;
    return l.getLatLng ? l.getLatLng() : l.getCenter();
  },
  get impact() { return impact.current()?.result ?? null; },
  /** The feature as the map has it, and the fill (or line) colour it is drawn with. */
  feature(name, id) {
    const l = layers.layerOf(name, id);
    return l ? { properties: l.feature.properties, color: l.options.fillColor ?? l.options.color } : null;
  },
  get user() { return getUser(); },
  impactBounds: impact.bounds,
  get hydraulics() { return hydraulics.current(); },
  get comparison() { return compare.current(); },
  get responsibility() { return responsibility.current(); },
  registerExport,
};

/** The service worker keeps the page's own files, so that the page (and its outbox) opens again without a connection. */
function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/static/sw.js', { scope: '/' }).catch((e) => {
    console.warn(`the page will not open offline: ${e.message}`);
  });
}

registerWorker();
start();
