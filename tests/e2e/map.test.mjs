// The planners' map in headless Chromium, against a real drainplan server on the sample
// data: layers, details, reports, route drawing and impact, language and numbers.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/
// (DRAINPLAN_BIN picks another binary; cargo test runs this through tests/browser.rs.)

import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ROOT, along, getJson, launchBrowser, metres, openPage, pagePoint, setView, startServer, waitIdle,
} from './helpers.mjs';

let server;
let browser;
let page;
let planned; // the sample's planned canal, a GeoJSON feature
let centre; // [lon, lat] of the villages' middle

const viNum = (n, d = 0) => new Intl.NumberFormat('vi-VN', { maximumFractionDigits: d }).format(n);
const viPct = (r) => `${new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(r * 100)}\u00a0%`;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const canals = await getJson(server.url, '/collections/canals/items?status=planned&limit=100');
  assert.ok(canals.features.length > 0, 'the sample data have a planned canal');
  planned = canals.features.sort((a, b) => (b.properties.length_m ?? 0) - (a.properties.length_m ?? 0))[0];
  page = await openPage(browser, server.url);
  centre = await page.evaluate(() => {
    const c = window.drainplan.map.getCenter();
    return [c.lng, c.lat];
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function assertNoProblems(p = page) {
  assert.deepEqual(p.problems, [], `the page reported problems:\n${p.problems.join('\n')}`);
}

async function closePopup() {
  await page.evaluate(() => { window.drainplan.map.closePopup(); });
  // Opening a popup may have panned the map (animated): let it settle.
  await page.waitForTimeout(400);
  await waitIdle(page);
}

describe('the map page', () => {
  test('is served at / with Leaflet from web/node_modules and loads with no console errors', async () => {
    const res = await fetch(server.url, { headers: { Accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') || '', /text\/html/);
    const leaflet = await fetch(new URL('/static/node_modules/leaflet/dist/leaflet.js', server.url));
    assert.equal(leaflet.status, 200, 'Leaflet is served from web/node_modules');
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    assert.equal(await page.locator('h1').textContent(), 'Bản đồ quy hoạch tiêu thoát nước');
    assertNoProblems();
  });

  test('shows the whole small layers, as many features as the API has', async () => {
    const counts = await page.evaluate(() => window.drainplan.counts());
    for (const name of ['villages', 'canals', 'flood_zones']) {
      const fc = await getJson(server.url, `/collections/${name}/items?limit=1`);
      assert.ok(fc.numberMatched > 0, `${name} has features`);
      assert.equal(counts[name], fc.numberMatched, `${name}: every feature is drawn`);
    }
    // SVG layers: one path per village, canal and flood zone.
    assert.equal(await page.locator('.leaflet-villages-pane path').count(), counts.villages);
    assert.equal(await page.locator('.leaflet-canals-pane path').count(), counts.canals);
    assert.equal(await page.locator('.leaflet-flood_zones-pane path').count(), counts.flood_zones);
    // Village labels.
    const villages = await getJson(server.url, '/collections/villages/items?limit=100');
    const labels = await page.locator('.village-label').allTextContents();
    for (const v of villages.features) assert.ok(labels.includes(v.properties.name), `label for ${v.properties.name}`);
  });

  test('loads parcels and households for the view only, from a minimum zoom (parcels from tiles below it)', async () => {
    const [lon, lat] = along(planned.geometry.coordinates, 0.5);
    await setView(page, lon, lat, 17);
    const counts = await page.evaluate(() => window.drainplan.counts());
    assert.ok(counts.parcels > 0, 'parcels drawn at zoom 17');
    assert.ok(counts.households > 0, 'households drawn at zoom 17');
    const b = await page.evaluate(() => window.drainplan.map.getBounds().toBBoxString());
    const all = await getJson(server.url, '/collections/parcels/items?limit=1');
    const inView = await getJson(server.url, `/collections/parcels/items?limit=1&bbox=${b}`);
    assert.ok(counts.parcels >= inView.numberMatched, 'every parcel in view is drawn');
    assert.ok(counts.parcels < all.numberMatched, 'not every parcel of the commune is loaded at zoom 17');
    // Parcels and households are canvas layers.
    assert.equal(await page.locator('.leaflet-parcels-pane canvas').count(), 1);
    assert.equal(await page.locator('.leaflet-households-pane canvas').count(), 1);

    // Below the zoom where parcels are fetched as features, they are drawn from vector
    // tiles (tests/e2e/tiles.test.mjs checks what the tiles draw).
    await setView(page, centre[0], centre[1], 13);
    await page.waitForFunction(() => window.drainplan.tiles().parcels.drawn > 0, null, { timeout: 30000 });
    const far = await page.evaluate(() => ({ counts: window.drainplan.counts(), state: window.drainplan.viewState() }));
    assert.equal(far.counts.parcels, 0, 'no parcel fetched as a feature at zoom 13');
    assert.equal(far.state.parcels, 'tiles');
    assert.match(await page.locator('#layers-box').textContent(), /vẽ theo ô bản đồ/);
    assertNoProblems();
  });

  test('picking a village zooms the map to it', async () => {
    const villages = await getJson(server.url, '/collections/villages/items?limit=100');
    const v = villages.features.find((f) => f.properties.name === 'Thành Công') || villages.features[0];
    const moved = page.evaluate(() => new Promise((r) => { window.drainplan.map.once('moveend', () => r()); }));
    await page.locator('#village-select').selectOption(String(v.id));
    await moved;
    await waitIdle(page);
    const ring = v.geometry.type === 'Polygon' ? v.geometry.coordinates[0] : v.geometry.coordinates[0][0];
    const xs = ring.map((c) => c[0]);
    const ys = ring.map((c) => c[1]);
    const r = await page.evaluate(([w, s, e, n]) => {
      const m = window.drainplan.map;
      const b = m.getBounds();
      return { contains: b.contains([[s, w], [n, e]]), zoom: m.getZoom() };
    }, [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
    assert.ok(r.contains, 'the whole village is in view');
    assert.ok(r.zoom >= 16, `zoomed in to the village (zoom ${r.zoom})`);
    const counts = await page.evaluate(() => window.drainplan.counts());
    assert.ok(counts.parcels > 0 && counts.households > 0, 'the village’s parcels and households are drawn');
    const back = page.evaluate(() => new Promise((r) => { window.drainplan.map.once('moveend', () => r()); }));
    await page.locator('#village-select').selectOption('');
    await back;
    await waitIdle(page);
  });

  test('a layer switch hides and shows a layer', async () => {
    await setView(page, centre[0], centre[1], 16);
    await page.locator('input[data-layer=canals]').uncheck();
    assert.equal(await page.locator('.leaflet-canals-pane path').count(), 0);
    await page.locator('input[data-layer=canals]').check();
    assert.ok((await page.locator('.leaflet-canals-pane path').count()) > 0);
  });

  test('a click on a household, a canal or a parcel opens its details', async () => {
    const [lon, lat] = along(planned.geometry.coordinates, 0.5);
    await setView(page, lon, lat, 18);
    // A household: click on its dot.
    const hh = { b: await page.evaluate(() => window.drainplan.map.getBounds().pad(-0.2).toBBoxString()) };
    const hhFc = await getJson(server.url, `/collections/households/items?limit=1&bbox=${hh.b}`);
    assert.ok(hhFc.features.length, 'a household in view');
    const h = hhFc.features[0];
    let pt = await pagePoint(page, ...h.geometry.coordinates);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector('.leaflet-popup .pop[data-feature^="households:"]');
    const hhText = await page.locator('.leaflet-popup').textContent();
    assert.match(hhText, /Nước máy/);
    assert.match(hhText, /Đóng góp/);
    await closePopup();

    // The planned canal: click on its line, a little away from any household.
    pt = await pagePoint(page, lon, lat);
    await page.locator('input[data-layer=households]').uncheck();
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`.leaflet-popup .pop[data-feature="canals:${planned.id}"]`);
    const canalText = await page.locator('.leaflet-popup').textContent();
    assert.match(canalText, /Quy hoạch/);
    assert.ok(canalText.includes(planned.properties.name), 'canal name');
    if (typeof planned.properties.length_m === 'number') {
      assert.ok(canalText.includes(`${viNum(planned.properties.length_m)} m`), `canal length ${viNum(planned.properties.length_m)} m in ${canalText}`);
    }
    await closePopup();

    // A parcel: click inside one away from the canal, with households and canals hidden.
    await page.locator('input[data-layer=canals]').uncheck();
    const parcel = await page.evaluate(() => {
      const m = window.drainplan.map;
      const c = m.getCenter();
      // The parcel under a point 40 px above the centre.
      const p = m.containerPointToLatLng(m.latLngToContainerPoint(c).subtract([0, 40]));
      return [p.lng, p.lat];
    });
    pt = await pagePoint(page, ...parcel);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector('.leaflet-popup .pop[data-feature^="parcels:"]');
    const parcelText = await page.locator('.leaflet-popup').textContent();
    assert.match(parcelText, /Tờ bản đồ \d+ · Số thửa \d+/);
    assert.match(parcelText, /Tình trạng GPMB/);
    await closePopup();
    await page.locator('input[data-layer=canals]').check();
    await page.locator('input[data-layer=households]').check();
    await waitIdle(page);
    assertNoProblems();
  });

  test('the reports show canal length by status and village, and piped water per village against the target, in Vietnamese numbers', async () => {
    const canal = await getJson(server.url, '/api/reports/canal-length?by=status,village');
    const total = await page.locator('[data-total-length]').textContent();
    assert.equal(total, `${viNum(canal.total_length_m, canal.total_length_m < 100 ? 1 : 0)} m`);
    const villages = new Set(canal.rows.map((r) => r.village_id ?? ''));
    assert.equal(await page.locator('#report-canals .bar-row').count(), villages.size);
    const completed = canal.rows.filter((r) => r.status === 'completed').reduce((s, r) => s + r.length_m, 0);
    if (completed > 0) {
      const li = await page.locator('#report-canals li[data-status=completed]').textContent();
      assert.match(li, /Đã hoàn thành/);
      assert.ok(li.includes(`${viNum(completed)} m`), li);
    }

    const water = await getJson(server.url, '/api/reports/water-connection');
    assert.equal(await page.locator('#report-water .bar-row').count(), water.villages.length + 1);
    const commune = page.locator('#report-water [data-water=commune]');
    const text = await commune.textContent();
    assert.ok(text.includes(viPct(water.commune.rate)), `commune rate ${viPct(water.commune.rate)} in ${text}`);
    assert.ok(text.includes(viNum(water.commune.dwellings)), `dwellings ${viNum(water.commune.dwellings)} in ${text}`);
    if (water.commune.dwellings >= 1000) assert.ok(viNum(water.commune.dwellings).includes('.'), 'thousands are grouped with a dot');
    assert.match(text, /\d,\d\u00a0%/, 'a decimal comma and a spaced percent sign');
    // A target marker on each bar.
    assert.equal(await page.locator('#report-water .target').count(), water.villages.length + 1);
  });

  test('a route drawn by clicks along the planned canal gives the impact table with the API’s totals; a row finds its parcel', async () => {
    await page.locator('#tab-btn-impact').click();
    const coords = planned.geometry.coordinates;
    const targets = [0.08, 0.5, 0.92].map((f) => along(coords, f));
    // Fit the route in view so that every click lands on the map.
    await page.evaluate((pts) => {
      const m = window.drainplan.map;
      m.fitBounds(pts.map(([x, y]) => [y, x]), { padding: [80, 80], animate: false });
    }, targets);
    await page.waitForTimeout(250);
    await waitIdle(page);
    await page.locator('#draw-btn').click();
    assert.equal(await page.locator('body').getAttribute('data-drawing'), 'true');
    const request = page.waitForRequest((r) => r.url().endsWith('/api/analyses/route-impact') && r.method() === 'POST');
    for (const [i, [lon, lat]] of targets.entries()) {
      const pt = await pagePoint(page, lon, lat);
      if (i < targets.length - 1) await page.mouse.click(pt.x, pt.y);
      else await page.mouse.dblclick(pt.x, pt.y);
    }
    const sent = JSON.parse((await request).postData());
    await page.waitForSelector('body[data-impact=ready]');
    await waitIdle(page);

    // The route sent is the one clicked, to within a pixel or so.
    assert.equal(sent.route.type, 'LineString');
    assert.equal(sent.route.coordinates.length, targets.length);
    const zoom = await page.evaluate(() => window.drainplan.map.getZoom());
    const mPerPx = (156543.03 * Math.cos((targets[0][1] * Math.PI) / 180)) / 2 ** zoom;
    sent.route.coordinates.forEach((c, i) => assert.ok(metres(c, targets[i]) < 2 * mPerPx + 0.01, `vertex ${i} is where it was clicked`));
    assert.equal(sent.corridor_width_m, 6);

    // The same route through the API gives the same totals as the table shows.
    const api = await getJson(server.url, '/api/analyses/route-impact', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sent),
    });
    assert.ok(api.totals.parcels > 0, 'the planned canal crosses parcels');
    const foot = async (k) => Number(await page.locator(`#impact-table tfoot [data-total=${k}]`).getAttribute('data-value'));
    assert.equal(await foot('parcels'), api.totals.parcels);
    assert.equal(await foot('taken_area_m2'), api.totals.taken_area_m2);
    assert.equal(await foot('fence_to_rebuild_m'), api.totals.fence_to_rebuild_m);
    assert.equal(Number(await page.locator('#impact-table tfoot [data-total=parcels]').getAttribute('data-households')), api.totals.households_affected);
    assert.equal(await page.locator('#impact-table tbody tr').count(), api.parcels.length);
    const footText = await page.locator('#impact-table tfoot').textContent();
    assert.ok(footText.includes(viNum(api.totals.taken_area_m2, api.totals.taken_area_m2 < 100 ? 1 : 0)), `taken total in ${footText}`);
    assert.equal(await page.locator('#served-list li').count() || 0, api.served_households.length);
    // The corridor and the affected parcels are on the map.
    assert.ok((await page.locator('.leaflet-impact-pane path').count()) >= 1, 'corridor drawn');
    assert.equal(await page.locator('.leaflet-impactParcels-pane path').count(), api.parcels.length);

    // A row finds its parcel.
    const row = page.locator('#impact-table tbody tr').nth(1);
    const id = await row.getAttribute('data-parcel');
    await row.click();
    await page.waitForSelector(`.leaflet-popup .pop[data-feature="parcels:${id}"]`);
    assert.equal(await page.locator('body').getAttribute('data-selected-parcel'), id);
    assert.match(await row.getAttribute('class'), /selected/);
    const item = await getJson(server.url, `/collections/parcels/items/${encodeURIComponent(id)}`);
    const ring = item.geometry.type === 'Polygon' ? item.geometry.coordinates[0] : item.geometry.coordinates[0][0];
    const cx = ring.reduce((s, c) => s + c[0], 0) / ring.length;
    const cy = ring.reduce((s, c) => s + c[1], 0) / ring.length;
    const view = await page.evaluate(([x, y]) => {
      const m = window.drainplan.map;
      return { inside: m.getBounds().contains([y, x]), zoom: m.getZoom() };
    }, [cx, cy]);
    assert.ok(view.inside, 'the map shows the parcel');
    assert.ok(view.zoom >= 18, `the map zoomed in to the parcel (zoom ${view.zoom})`);
    await closePopup();
    assertNoProblems();
  });

  test('picking the stored planned canal shows its impact with the API’s totals, and the width changes it', async () => {
    await page.locator('#canal-select').selectOption(String(planned.id));
    await page.waitForFunction((id) => document.querySelector('#impact-card h2')?.textContent.length > 0
      && window.drainplan.impact && document.body.dataset.impact === 'ready' && document.body.dataset.busy === '0', planned.id);
    const api = await getJson(server.url, `/api/canals/${encodeURIComponent(planned.id)}/impact?corridor_width_m=6`);
    const foot = async (k) => Number(await page.locator(`#impact-table tfoot [data-total=${k}]`).getAttribute('data-value'));
    assert.equal(await foot('parcels'), api.totals.parcels);
    assert.equal(await foot('taken_area_m2'), api.totals.taken_area_m2);
    assert.equal(await foot('fence_to_rebuild_m'), api.totals.fence_to_rebuild_m);
    assert.match(await page.locator('#impact-card').textContent(), new RegExp(`${viNum(api.route_length_m).replace('.', '\\.')} m`));

    await page.locator('#width-input').fill('10');
    await page.waitForFunction(() => window.drainplan.impact?.corridor_width_m === 10 && document.body.dataset.busy === '0');
    const wide = await getJson(server.url, `/api/canals/${encodeURIComponent(planned.id)}/impact?corridor_width_m=10`);
    assert.equal(await foot('taken_area_m2'), wide.totals.taken_area_m2);
    assert.ok(wide.totals.taken_area_m2 > api.totals.taken_area_m2);
    await page.locator('#width-input').fill('6');
    await page.waitForFunction(() => window.drainplan.impact?.corridor_width_m === 6 && document.body.dataset.busy === '0');
    assertNoProblems();
  });

  test('a route outside the data shows the server’s message', async () => {
    const p2 = await openPage(browser, server.url);
    await p2.locator('#tab-btn-impact').click();
    await p2.evaluate(() => { window.drainplan.map.setView([19.0, 105.3], 16, { animate: false }); });
    await p2.locator('#draw-btn').click();
    const box = await p2.locator('#map').boundingBox();
    await p2.mouse.click(box.x + 200, box.y + 300);
    await p2.mouse.dblclick(box.x + 400, box.y + 320);
    await p2.waitForSelector('body[data-impact=error]');
    const msg = await p2.locator('#impact-status').textContent();
    assert.match(msg, /^Không tính được: .{10,}/);
    // A 4xx answer is a message for the user, not a page error; the browser's own
    // "Failed to load resource" line for it is the only console line allowed.
    assert.deepEqual(p2.problems.filter((x) => !/status of 4\d\d/.test(x)), []);
    await p2.context().close();
  });

  test('the language switch turns the interface to English and back, with English numbers', async () => {
    await page.locator('.lang-switch button[data-lang=en]').click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('h1').textContent(), 'Drainage planning map');
    assert.equal(await page.locator('#tab-btn-reports').textContent(), 'Reports');
    assert.match(await page.locator('#layers-box').textContent(), /Drainage canals/);
    const water = await getJson(server.url, '/api/reports/water-connection');
    const en = `${new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(water.commune.rate * 100)}%`;
    assert.ok((await page.locator('#report-water [data-water=commune]').textContent()).includes(en), en);
    assert.match(await page.locator('#impact-table thead').textContent(), /Owner/);
    assert.match(await page.locator('#impact-card').textContent(), /Route .* m long/);

    await page.locator('.lang-switch button[data-lang=vi]').click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    assert.equal(await page.locator('#tab-btn-reports').textContent(), 'Báo cáo');
    assert.match(await page.locator('#impact-table thead').textContent(), /Chủ sử dụng/);
    assertNoProblems();
  });

  test('the public sees no owner names; a signed-in viewer sees them', async () => {
    assert.ok(server.viewer, 'the test server has a viewer account (drainplan user add)');
    // Still showing the planned canal's impact, as the public.
    const firstOwner = page.locator('#impact-table tbody tr').first().locator('td').nth(1);
    const publicApi = await getJson(server.url, `/api/canals/${encodeURIComponent(planned.id)}/impact?corridor_width_m=6`);
    assert.ok(publicApi.parcels.every((p) => !p.owner_name), 'the API hides owners from the public');
    assert.ok(await page.locator('#impact-table .redacted').count() > 0, 'hidden owners are marked as hidden');

    await page.locator('#signin-btn').click();
    await page.locator('#signin-name').fill(server.viewer.name);
    await page.locator('#signin-password').fill('wrong password');
    await page.locator('#signin-form button[type=submit]').click();
    await page.waitForSelector('#signin-error:not([hidden])');
    assert.match(await page.locator('#signin-error').textContent(), /^Không đăng nhập được: ./);
    page.problems = page.problems.filter((x) => !/status of 401/.test(x));

    await page.locator('#signin-password').fill(server.viewer.password);
    await page.locator('#signin-form button[type=submit]').click();
    await page.waitForSelector('#who:not([hidden])');
    assert.match(await page.locator('#who').textContent(), new RegExp(server.viewer.name));
    await page.waitForFunction(() => document.body.dataset.busy === '0' && window.drainplan.impact?.parcels.some((p) => p.owner_name));
    const auth = { headers: { Authorization: `Basic ${Buffer.from(`${server.viewer.name}:${server.viewer.password}`).toString('base64')}` } };
    const full = await getJson(server.url, `/api/canals/${encodeURIComponent(planned.id)}/impact?corridor_width_m=6`, auth);
    const top = [...full.parcels].sort((a, b) => b.taken_area_m2 - a.taken_area_m2)[0];
    assert.equal(await page.locator('#impact-table tbody tr').first().getAttribute('data-parcel'), String(top.id));
    assert.equal((await firstOwner.textContent()).trim(), top.owner_name || top.owner_household || '—');
    assert.equal(await page.locator('#impact-table .redacted').count(), 0);

    // Signing out hides them again.
    await page.locator('#signout-btn').click();
    await page.waitForSelector('#signin-btn:not([hidden])');
    await page.waitForFunction(() => document.body.dataset.busy === '0' && window.drainplan.impact && !window.drainplan.impact.parcels.some((p) => p.owner_name));
    // Sign in again for the screenshot, which shows names as an officer sees them.
    await page.locator('#signin-btn').click();
    await page.locator('#signin-name').fill(server.viewer.name);
    await page.locator('#signin-password').fill(server.viewer.password);
    await page.locator('#signin-form button[type=submit]').click();
    await page.waitForFunction(() => document.body.dataset.busy === '0' && window.drainplan.impact?.parcels.some((p) => p.owner_name));
    assertNoProblems();
  });

  test('screenshot of the map with the planned canal’s impact', async () => {
    const dir = join(ROOT, 'target', 'screenshots');
    mkdirSync(dir, { recursive: true });
    await page.evaluate(() => { window.drainplan.map.closePopup(); });
    await page.evaluate(() => {
      const m = window.drainplan.map;
      const l = window.drainplan.impactBounds?.();
      if (l) m.fitBounds(l, { padding: [60, 60], animate: false });
    });
    await waitIdle(page);
    await page.waitForTimeout(300);
    const file = join(dir, 'map.png');
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 10000);
    if (process.env.UPDATE_README_SCREENSHOT) {
      const readme = join(ROOT, 'web', 'screenshot.png');
      await page.screenshot({ path: readme });
      assert.ok(statSync(readme).size < 400 * 1024, 'web/screenshot.png stays under 400 KB');
    }
  });
});
