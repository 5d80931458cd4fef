// The map page's service worker: it keeps the page's own files (the HTML, its modules and
// style, Leaflet) so that the page opens again without a connection — and with it the
// outbox of edits kept on the device (outbox.js), which it then sends when the
// connection returns.
//
// Network first: with a connection every file comes fresh from the server (and the copy
// is renewed); without one, the kept copy. It never keeps or answers an API request
// (features, reports, sessions, edits): those go to the server as if it were not here,
// and the data a signed-in officer reads are never stored by it.

const CACHE = 'drainplan-page-v2';
const PAGE = [
  '/static/style.css',
  '/static/app.js',
  '/static/api.js',
  '/static/auth.js',
  '/static/compare.js',
  '/static/consent.js',
  '/static/dom.js',
  '/static/drawing.js',
  '/static/edit.js',
  '/static/exports.js',
  '/static/history.js',
  '/static/hydraulics.js',
  '/static/i18n.js',
  '/static/impact.js',
  '/static/layers.js',
  '/static/legend.js',
  '/static/look.js',
  '/static/outbox.js',
  '/static/popup.js',
  '/static/reports.js',
  '/static/responsibility.js',
  '/static/sheets.js',
  '/static/state.js',
  '/static/tiles.js',
  '/static/node_modules/leaflet/dist/leaflet.css',
  '/static/node_modules/leaflet/dist/leaflet.js',
  '/static/node_modules/pbf/index.js',
];

/** The page's own files: the page itself (opened as a page: / is also the API's landing document) and what lies under /static/. */
function isPageFile(request, url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname === '/') return request.mode === 'navigate';
  return url.pathname.startsWith('/static/');
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(PAGE);
    // The page, as a browser asks for it (/ answers JSON to other clients).
    const page = await fetch(new Request('/', { headers: { Accept: 'text/html' } }));
    if (page.ok) await cache.put('/', page);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!isPageFile(request, url)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(url.pathname, response.clone());
      return response;
    } catch (e) {
      // The page and its files do not vary with the request's headers (Vary: Accept on /).
      const kept = await cache.match(url.pathname, { ignoreSearch: true, ignoreVary: true });
      if (kept) return kept;
      throw e;
    }
  })());
});
