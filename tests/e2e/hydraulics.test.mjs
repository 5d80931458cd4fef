// The drainage check and route options on the map, in headless Chromium under the
// service's Content-Security-Policy, against a real drainplan server on a copy of the
// sample data (plus one proposed canal an officer adds with no bed levels and no outlet,
// which the check must report rather than guess).
//
// What the page shows is compared with what the endpoints answer, read here by the test
// itself (GET /api/analyses/hydraulics, POST /api/analyses/compare-routes with the body
// the page sent); the endpoints' numbers are checked against hand calculations in
// tests/hydraulics.rs. The page must colour the undersized ditch, write the planned
// canal's sentence and the unverified-constants flag, and draw and tabulate two options.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/hydraulics.test.mjs

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  OFFICER, along, basic, getJson, launchBrowser, metres, openPage, pagePoint, setView, startServer, underCsp, waitIdle,
} from './helpers.mjs';

const viNum = (n, d = 0) => new Intl.NumberFormat('vi-VN', { maximumFractionDigits: d }).format(n);
/** The verdicts' colours as the page is to draw them (web/hydraulics.js), as Chromium reports them. */
const RED = 'rgb(215, 25, 28)';
const GREEN = 'rgb(26, 152, 80)';
const GREY = 'rgb(138, 148, 155)';

let server;
let browser;
let page;
let net; // the endpoint's answer for the whole network
let planned; // the sample's planned canal (GeoJSON feature)
const LOOSE = 'cn-e2e-loose';

before(async () => {
  server = await startServer({ users: [OFFICER] });
  // A proposed canal with neither levels nor an outlet: the check cannot assess it.
  const canals = await getJson(server.url, '/collections/canals/items?limit=100');
  planned = canals.features.filter((f) => f.properties.status === 'planned')
    .sort((a, b) => (b.properties.length_m ?? 0) - (a.properties.length_m ?? 0))[0];
  const [x0, y0] = planned.geometry.coordinates[0];
  const res = await fetch(new URL('/collections/canals/items', server.url), {
    method: 'POST',
    headers: { ...basic(OFFICER), 'Content-Type': 'application/geo+json' },
    body: JSON.stringify({
      type: 'Feature',
      id: LOOSE,
      geometry: { type: 'LineString', coordinates: [[x0, y0 - 0.0006], [x0 + 0.0012, y0 - 0.0006]] },
      properties: { name: 'Mương thử không có cao độ', status: 'proposed', width_m: 1, depth_m: 1, lining: 'brick' },
    }),
  });
  assert.ok(res.ok, `adding the loose canal: ${res.status} ${await res.text()}`);
  net = await getJson(server.url, '/api/analyses/hydraulics');
  browser = await launchBrowser();
  page = await openPage(browser, server.url, { prepare: (p) => underCsp(p, server) });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function assertClean(what) {
  const v = await page.evaluate(() => window.__csp);
  assert.deepEqual(v, [], `CSP violations ${what}:\n${JSON.stringify(v, null, 1)}`);
  assert.deepEqual(page.problems, [], `the page reported problems ${what}:\n${page.problems.join('\n')}`);
}

const stroke = (sel) => page.locator(sel).first().evaluate((el) => getComputedStyle(el).stroke);

async function openHydraulics() {
  await page.locator('#tab-btn-hydraulics').click();
  await page.waitForSelector('body[data-hydraulics=ready]');
  await waitIdle(page);
}

describe('the drainage check on the map', () => {
  test('the endpoint’s answer has what the page is tested on', () => {
    assert.equal(net.rain_constants_unverified, true, 'the bundled Vinh constants are unverified');
    const ditch = net.sections.filter((s) => s.verdict === 'undersized');
    assert.ok(ditch.length >= 1, 'the sample has an undersized ditch');
    // Undersized means the design flow is more than the capacity.
    for (const s of ditch) assert.ok(s.design_flow_m3s > s.capacity_m3s, `${s.canal_id}: Q > capacity`);
    assert.ok(net.sections.some((s) => s.canal_id === planned.id), 'the planned canal is checked');
    assert.ok(net.problems.some((p) => p.kind === 'canal' && p.id === LOOSE), 'the loose canal is reported');
  });

  test('the Hydraulics tab: the planned canal’s sentence and verdict, the unverified flag, the table', async () => {
    await openHydraulics();
    const s = net.sections.find((x) => x.canal_id === planned.id);
    const sentence = await page.locator(`#hyd-card [data-sentence="${planned.id}"]`).textContent();
    assert.equal(sentence, `tải được ${viNum(s.capacity_m3s * 1000)} l/s so với lưu lượng thiết kế chảy đến ${viNum(s.design_flow_m3s * 1000)} l/s từ ${viNum(s.catchment_area_ha, 1)} ha`);
    assert.match(await page.locator(`#hyd-card .hyd-planned[data-canal="${planned.id}"] .pill`).textContent(), s.verdict === 'adequate' ? /Đủ khả năng tiêu/ : /Thiếu/);
    const flag = page.locator('#hyd-card [data-unverified=rain]');
    assert.ok(await flag.isVisible(), 'the unverified flag is shown');
    assert.match(await flag.textContent(), /Vinh.*chưa được đối chiếu với văn bản TCVN 7957/);
    // One row per checked section, with the endpoint's flows.
    assert.equal(await page.locator('#hyd-table tbody tr').count(), net.sections.length);
    for (const x of net.sections) {
      const row = page.locator(`#hyd-table tr[data-canal="${x.canal_id}"]`);
      assert.equal(Number(await row.locator('td[data-q]').getAttribute('data-q')), x.design_flow_m3s);
      assert.equal(await row.locator('td[data-cap]').textContent(), viNum(x.capacity_m3s * 1000));
      assert.equal(await row.getAttribute('data-verdict'), x.verdict);
    }
    // The canal the check left out, with the reasons it gave.
    const lines = await page.locator(`#hyd-problems li[data-problem="canal:${LOOSE}"]`).allTextContents();
    const reasons = net.problems.filter((p) => p.id === LOOSE).map((p) => p.problem);
    assert.equal(lines.length, reasons.length);
    for (const r of reasons) assert.ok(lines.some((l) => l.includes(r)), `the reason “${r}” is shown`);
    await assertClean('in the Hydraulics tab');
  });

  test('the canals are drawn by verdict: the undersized ditch red and tagged, the rest green, the loose one grey', async () => {
    const counts = await page.evaluate(() => window.drainplan.counts());
    assert.equal(await page.locator('.leaflet-hydraulics-pane path.hyd-line').count(), counts.canals);
    for (const s of net.sections) {
      const sel = `.leaflet-hydraulics-pane path.hyd-canal-${s.canal_id}`;
      assert.equal(await stroke(sel), s.verdict === 'undersized' ? RED : s.verdict === 'adequate' ? GREEN : await stroke(sel));
      assert.equal(await page.locator(sel).evaluate((el, v) => el.classList.contains(`verdict-${v}`), s.verdict), true);
    }
    assert.equal(await stroke(`.leaflet-hydraulics-pane path.hyd-canal-${LOOSE}`), GREY);
    const ditches = net.sections.filter((s) => s.verdict === 'undersized');
    const n = net.sections.filter((x) => x.verdict === 'undersized').length;
    await page.waitForFunction((k) => document.querySelectorAll('.leaflet-tooltip.hyd-tag').length === k, n, { timeout: 3000 });
    const tags = await page.locator('.leaflet-tooltip.hyd-tag').allTextContents();
    assert.deepEqual(tags.sort(), ditches.map((s) => `×${viNum(s.ratio, 1)}`).sort());
    const legend = await page.locator('#legend-box [data-legend=hydraulics]').textContent();
    assert.match(legend, /Đủ khả năng tiêu/);
    assert.match(legend, /Thiếu khả năng tiêu/);
    assert.match(legend, /Không đánh giá được/);
    await assertClean('while the canals are drawn by verdict');
  });

  test('the undersized ditch’s details: section, flows, velocity, ratio, the sizes that pass, the profile', async () => {
    const s = net.sections.find((x) => x.verdict === 'undersized');
    await page.locator(`#hyd-table tr[data-canal="${s.canal_id}"]`).click();
    const part = page.locator(`.leaflet-popup .pop[data-feature="canals:${s.canal_id}"] [data-hyd][data-ready]`);
    await part.waitFor();
    await waitIdle(page);
    assert.equal(await part.locator('[data-verdict]').getAttribute('data-verdict'), 'undersized');
    assert.equal(Number(await part.locator('[data-q]').getAttribute('data-q')), s.design_flow_m3s);
    assert.equal(Number(await part.locator('[data-cap]').getAttribute('data-cap')), s.capacity_m3s);
    assert.equal(Number(await part.locator('[data-ratio]').getAttribute('data-ratio')), s.ratio);
    const text = await part.textContent();
    assert.ok(text.includes('Mương hình thang hở'), 'the section’s shape');
    assert.ok(text.includes(`${viNum(s.velocity_m_s, 2)} m/s`), 'the velocity');
    const resize = await part.locator('[data-resize]').textContent();
    assert.ok(resize.includes(`rộng đáy ≥ ${viNum(s.resize.min_bottom_width_m, 2)} m`), resize);
    assert.ok(resize.includes(`sâu ≥ ${viNum(s.resize.min_depth_m, 2)} m`), resize);
    assert.ok(await part.locator('[data-unverified=rain]').isVisible(), 'the flag in the popup');
    // The profile, an <img> of profile.svg (the policy allows images from the page's origin).
    const img = part.locator('img.hyd-profile');
    assert.equal(await img.getAttribute('src'), `/api/canals/${s.canal_id}/profile.svg`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.complete, `.leaflet-popup img.hyd-profile`);
    assert.ok(await img.evaluate((el) => el.naturalWidth) > 100, 'the profile is drawn');
    await assertClean('while the ditch’s details open');
  });

  test('the planned canal’s details carry its sentence and the flag', async () => {
    await page.locator(`#hyd-card button[data-show="${planned.id}"]`).click();
    const part = page.locator(`.leaflet-popup .pop[data-feature="canals:${planned.id}"] [data-hyd][data-ready]`);
    await part.waitFor();
    const s = net.sections.find((x) => x.canal_id === planned.id);
    assert.equal(await part.locator('[data-sentence]').textContent(),
      `tải được ${viNum(s.capacity_m3s * 1000)} l/s so với lưu lượng thiết kế chảy đến ${viNum(s.design_flow_m3s * 1000)} l/s từ ${viNum(s.catchment_area_ha, 1)} ha`);
    assert.ok(await part.locator('[data-unverified=rain]').isVisible());
    // In English the sentence reads as the server's own summary (which writes no thousands separator).
    await page.locator('.lang-switch button[data-lang=en]').click();
    await part.waitFor();
    const en = (await page.locator('.leaflet-popup [data-hyd] [data-sentence]').textContent()).replace(/,/g, '');
    assert.equal(en, s.summary);
    await page.locator('.lang-switch button[data-lang=vi]').click();
    await page.evaluate(() => { window.drainplan.map.closePopup(); });
    await assertClean('while the planned canal’s details open');
  });

  test('the catchments layer: switched on, in the legend, a popup with area, runoff coefficient and canal', async () => {
    await page.locator('#tab-btn-reports').click();
    for (const l of ['parcels', 'households', 'flood_zones']) await page.locator(`input[data-layer=${l}]`).uncheck();
    await page.locator('input[data-layer=catchments]').check();
    await waitIdle(page);
    const fc = await getJson(server.url, '/collections/catchments/items?limit=1000');
    assert.equal(await page.locator('.leaflet-catchments-pane path').count(), fc.numberMatched);
    assert.match(await page.locator('#legend-box').textContent(), /Lưu vực/);
    const c = net.catchments[0];
    const f = fc.features.find((x) => x.id === c.id);
    const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
    const lon = ring.slice(0, -1).reduce((a, p) => a + p[0], 0) / (ring.length - 1);
    const lat = ring.slice(0, -1).reduce((a, p) => a + p[1], 0) / (ring.length - 1);
    await setView(page, lon, lat, 17);
    // A point inside the catchment but off its canal: a quarter of the way from the middle to a corner.
    const pt = await pagePoint(page, lon + (ring[0][0] - lon) * 0.5, lat + (ring[0][1] - lat) * 0.5);
    await page.mouse.click(pt.x, pt.y);
    const part = page.locator(`.leaflet-popup .pop[data-feature="catchments:${c.id}"] [data-hyd][data-ready]`);
    await part.waitFor();
    assert.equal(Number(await part.locator('[data-area]').getAttribute('data-area')), c.area_ha);
    assert.equal(await part.locator('[data-area]').textContent(), viNum(c.area_ha, 2));
    assert.equal(await part.locator('[data-psi]').textContent(), viNum(c.runoff_coefficient, 2));
    const canal = (await getJson(server.url, `/collections/canals/items/${c.drains_to}`)).properties.name;
    assert.ok((await page.locator('.leaflet-popup .pop').textContent()).includes(canal), 'the canal it drains to');
    await page.evaluate(() => { window.drainplan.map.closePopup(); });
    for (const l of ['parcels', 'households', 'flood_zones']) await page.locator(`input[data-layer=${l}]`).check();
    await page.locator('input[data-layer=catchments]').uncheck();
    await waitIdle(page);
    await assertClean('with the catchments on');
  });
});

describe('route options compared on the map', () => {
  test('a drawn route and the planned canal: both drawn apart, two rows equal to the endpoint’s answer, CSV', async () => {
    await openHydraulics();
    // Route A: three clicks 60 m north of the planned canal, parallel to it.
    const off = 60 / 111320;
    const pts = [0.1, 0.5, 0.9].map((f) => {
      const [x, y] = along(planned.geometry.coordinates, f);
      return [x, y + off];
    });
    const mid = along(planned.geometry.coordinates, 0.5);
    await setView(page, mid[0], mid[1], 17);
    await page.locator('#cmp-draw-btn').click();
    for (const [x, y] of pts) {
      const p = await pagePoint(page, x, y);
      await page.mouse.click(p.x, p.y);
      await page.waitForTimeout(350);
    }
    await page.locator('#cmp-finish-btn').click();
    await page.locator('#cmp-canal').selectOption(planned.id);
    assert.equal(await page.locator('#cmp-options li[data-option]').count(), 2);

    const [req] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/analyses/compare-routes') && r.method() === 'POST'),
      page.locator('#cmp-go').click(),
    ]);
    await page.waitForSelector('body[data-compare=ready]');
    await waitIdle(page);
    const body = JSON.parse(req.postData());
    // What the page sent: the drawn route where it was clicked, then the canal.
    assert.equal(body.routes.length, 2);
    assert.equal(body.routes[0].id, 'A');
    assert.equal(body.routes[0].route.type, 'LineString');
    // (A pixel is 1.1 m at zoom 17 here; the mouse lands on whole pixels.)
    body.routes[0].route.coordinates.forEach((c, i) => assert.ok(metres(c, pts[i]) < 1.5, `point ${i} is ${metres(c, pts[i])} m off`));
    assert.deepEqual(body.routes[1], { id: 'B', canal_id: planned.id });
    assert.deepEqual(body.section, {
      shape: 'rectangular', lining: 'concrete', drainage_class: 'village_main', width_m: 1.5, depth_m: 1.5,
    });
    assert.equal(body.slope, 0.001);

    // The endpoint's answer to the same body, read here.
    const res = await fetch(new URL('/api/analyses/compare-routes', server.url), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    const answer = await res.json();

    // Two polylines in the options' SVG layer, in two colours.
    const lines = page.locator('.leaflet-compare-pane path.cmp-route');
    assert.equal(await lines.count(), 2);
    const colours = await lines.evaluateAll((els) => els.map((el) => getComputedStyle(el).stroke));
    assert.notEqual(colours[0], colours[1]);
    // Labels of the lines drawn before the answer fade out for 200 ms (Leaflet) before they go.
    await page.waitForFunction(() => document.querySelectorAll('.leaflet-tooltip.cmp-label').length === 2, null, { timeout: 3000 });
    assert.deepEqual((await page.locator('.leaflet-tooltip.cmp-label').allTextContents()).sort(), ['A', 'B']);
    // Each line lies where the answer puts its route: its first vertex on screen is the route's first point.
    for (const r of answer.routes) {
      const [x, y] = r.geometry.coordinates[0];
      const want = await page.evaluate(([lo, la]) => window.drainplan.map.latLngToLayerPoint([la, lo]), [x, y]);
      const d = await page.locator(`.leaflet-compare-pane path.cmp-route-${r.id}`).getAttribute('d');
      const [, mx, my] = /^M\s*(-?[\d.]+)\s+(-?[\d.]+)/.exec(d);
      assert.ok(Math.hypot(Number(mx) - want.x, Number(my) - want.y) < 2, `route ${r.id} starts where the answer says`);
    }

    // Two rows, each cell's value the endpoint's.
    assert.equal(await page.locator('#cmp-table tbody tr').count(), 2);
    for (const row of answer.rows) {
      const tr = page.locator(`#cmp-table tr[data-route="${row.route_id}"]`);
      const cells = await tr.locator('td[data-col]').evaluateAll((els) => els.map((el) => [el.dataset.col, el.dataset.value, el.textContent]));
      assert.equal(cells.length, 15);
      for (const [col, value, text] of cells) {
        const want = col.split('.').reduce((v, k) => v[k], row);
        if (typeof want === 'number') assert.equal(Number(value), want, `${row.route_id} ${col}`);
        else assert.equal(value, String(want), `${row.route_id} ${col}`);
        if (col === 'land_taken_m2') assert.equal(text, viNum(want, want < 100 ? 1 : 0));
        if (col === 'design_flow_m3s') assert.equal(text, viNum(want * 1000));
      }
    }
    assert.ok(await page.locator('#cmp-card [data-unverified=rain]').isVisible(), 'the flag on the comparison');
    assert.ok(await page.locator('#cmp-card [data-samples]').isVisible(), 'the sample prices are said');

    // The CSV download: the server's file, a header and the two rows.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#cmp-card button[data-cmp-format=csv]').click()]);
    assert.equal(download.suggestedFilename(), 'route_options.csv');
    const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    assert.equal(csv.length, 3);
    assert.ok(csv[1].startsWith('A,') && csv[2].startsWith('B,'), csv.join('\n'));
    await assertClean('while two routes are compared');
  });
});
