// Editing from the map (issue "Editing that never loses data…"): an officer records a
// parcel's clearance step and a household's contribution from the details popup; a stale
// edit is refused with a message and the feature reloaded; the edit survives a server
// killed and started again; viewers read the history but see no edit controls; the
// reports show the month's progress.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/
// (cargo test --test browser runs this through tests/browser.rs.)

import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  OFFICER, ROOT, along, basic, getJson, launchBrowser, openPage, pagePoint, setView, signIn, startServer, waitIdle,
} from './helpers.mjs';

const DONATED_COLOR = '#54a24b';
const viNum = (n, d = 0) => new Intl.NumberFormat('vi-VN', { maximumFractionDigits: d }).format(n);

let server;
let browser;
let page; // the officer's page
let parcelA; // an `awaiting` parcel the officer moves to `donated` from the map
let parcelB; // an `agreed` parcel someone else changes while the officer's form is open
let household; // a household standing apart from the others, for a click on its dot

/** A point well inside a polygon ring (the inside grid point farthest from the ring's vertices' box edges). */
function insidePoint(geometry) {
  const ring = geometry.type === 'Polygon' ? geometry.coordinates[0] : geometry.coordinates[0][0];
  const inside = ([x, y]) => {
    let c = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
    }
    return c;
  };
  const segDist = (p, a, b) => {
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const l = dx * dx + dy * dy;
    const t = l ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l)) : 0;
    return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
  };
  const xs = ring.map((c) => c[0]);
  const ys = ring.map((c) => c[1]);
  let best = null;
  let bestD = -1;
  for (let i = 1; i < 20; i++) {
    for (let j = 1; j < 20; j++) {
      const p = [Math.min(...xs) + ((Math.max(...xs) - Math.min(...xs)) * i) / 20, Math.min(...ys) + ((Math.max(...ys) - Math.min(...ys)) * j) / 20];
      if (!inside(p)) continue;
      let d = Infinity;
      for (let k = 1; k < ring.length; k++) d = Math.min(d, segDist(p, ring[k - 1], ring[k]));
      if (d > bestD) {
        bestD = d;
        best = p;
      }
    }
  }
  assert.ok(best, 'an inside point');
  return best;
}

/** The page's idea of today (the date field's default). */
const pageToday = (p) => p.evaluate(() => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
});

function assertNoProblems(p, allowed = null) {
  const left = p.problems.filter((x) => !(allowed && allowed.test(x)));
  assert.deepEqual(left, [], `the page reported problems:\n${left.join('\n')}`);
}

async function setLayer(p, name, on) {
  const box = p.locator(`input[data-layer=${name}]`);
  if (on) await box.check();
  else await box.uncheck();
}

/** Clicks inside a parcel with the households and canals switched off, and waits for its popup. */
async function openParcel(p, parcel) {
  const [lon, lat] = insidePoint(parcel.geometry);
  await p.evaluate(() => { window.drainplan.map.closePopup(); });
  await setLayer(p, 'households', false);
  await setLayer(p, 'canals', false);
  await setView(p, lon, lat, 19);
  const pt = await pagePoint(p, lon, lat);
  await p.mouse.click(pt.x, pt.y);
  await p.waitForSelector(`.leaflet-popup .pop[data-feature="parcels:${parcel.id}"]`);
}

async function restoreLayers(p) {
  await p.evaluate(() => { window.drainplan.map.closePopup(); });
  await setLayer(p, 'households', true);
  await setLayer(p, 'canals', true);
  await p.waitForTimeout(200);
  await waitIdle(p);
}

/** The form of `step` in the open popup, once the feature's version is known (the Save button enabled). */
async function readyForm(p, step) {
  const form = p.locator(`.leaflet-popup form.edit-form[data-step=${step}]`);
  await form.waitFor();
  await p.waitForSelector(`.leaflet-popup .pop[data-etag] form.edit-form[data-step=${step}] button[type=submit]:not([disabled])`);
  return form;
}

const item = (collection, id) => getJson(server.url, `/collections/${collection}/items/${encodeURIComponent(id)}`, { headers: basic(OFFICER) });

before(async () => {
  server = await startServer({ users: [OFFICER] });
  browser = await launchBrowser();
  const parcels = (await getJson(server.url, '/collections/parcels/items?limit=10000')).features
    // Parcels are served as MultiPolygon; a one-part parcel gives an unambiguous click.
    .filter((f) => f.geometry.type === 'Polygon' || (f.geometry.type === 'MultiPolygon' && f.geometry.coordinates.length === 1));
  parcelA = parcels.find((f) => f.properties.clearance_status === 'awaiting');
  parcelB = parcels.find((f) => f.properties.clearance_status === 'agreed');
  assert.ok(parcelA && parcelB, 'the sample has awaiting and agreed parcels');
  // Of the first households, the one farthest from its nearest neighbour: a click on its dot is unambiguous.
  const hh = (await getJson(server.url, '/collections/households/items?limit=10000', { headers: basic(OFFICER) })).features;
  const far = (h) => Math.min(...hh.filter((o) => o !== h).map((o) => Math.hypot(o.geometry.coordinates[0] - h.geometry.coordinates[0], o.geometry.coordinates[1] - h.geometry.coordinates[1])));
  household = hh.slice(0, 300).map((h) => [far(h), h]).sort((a, b) => b[0] - a[0])[0][1];
  assert.ok(far(household) > 0.00005, 'a household at least ~5 m from the next one');
  page = await openPage(browser, server.url);
  await signIn(page, OFFICER);
  assert.match(await page.locator('#who').textContent(), /e2e-officer · cán bộ/);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('editing from the map', () => {
  test('an officer records a parcel’s clearance step from its popup; the API, the history, the map and the monthly report show it', async () => {
    await openParcel(page, parcelA);
    const form = await readyForm(page, 'clearance');
    // The step that usually follows (awaiting → agreed) is offered first, dated today.
    assert.equal(await form.locator('select[name=status]').inputValue(), 'agreed');
    const today = await pageToday(page);
    assert.equal(await form.locator('input[name=date]').inputValue(), today);
    assert.match(await form.textContent(), /Ghi nhận bước GPMB/);
    await form.locator('select[name=status]').selectOption('donated');

    // A picture of the form, to look at.
    const dir = join(ROOT, 'target', 'screenshots');
    mkdirSync(dir, { recursive: true });
    await page.waitForTimeout(300);
    const box = await page.locator('.leaflet-popup').boundingBox();
    await page.screenshot({ path: join(dir, 'edit-form.png'), clip: { x: box.x - 20, y: box.y - 20, width: box.width + 40, height: box.height + 40 } });
    assert.ok(statSync(join(dir, 'edit-form.png')).size > 5000);

    const sent = page.waitForRequest((r) => r.url().endsWith(`/api/parcels/${parcelA.id}/clearance`) && r.method() === 'POST');
    const reportsBefore = Number(await page.locator('body').getAttribute('data-reports'));
    await form.locator('button[type=submit]').click();
    const req = await sent;
    assert.deepEqual(JSON.parse(req.postData()), { status: 'donated', date: today });
    assert.match(req.headers()['if-match'] || '', /^".+"$/, 'the edit carries the ETag it was read with');
    await page.waitForSelector('.leaflet-popup form[data-step=clearance] .form-msg.ok');
    assert.equal(await page.locator('.leaflet-popup form[data-step=clearance] .form-msg').textContent(), 'Đã lưu.');

    // The server has it.
    const now = await item('parcels', parcelA.id);
    assert.equal(now.properties.clearance_status, 'donated');
    assert.equal(now.properties.clearance_date, today);
    const history = await getJson(server.url, `/api/history?collection=parcels&id=${encodeURIComponent(parcelA.id)}`, { headers: basic(server.viewer) });
    assert.equal(history.entries.length, 1);
    assert.equal(history.entries[0].user, OFFICER.name);
    assert.deepEqual(history.entries[0].changes.find((c) => c.property === 'clearance_status'), { property: 'clearance_status', from: 'awaiting', to: 'donated' });

    // The popup and the map show it: the parcel is drawn in the donated colour.
    assert.match(await page.locator('.leaflet-popup .pop').textContent(), /Đã hiến đất/);
    const onMap = await page.evaluate((id) => window.drainplan.feature('parcels', id), parcelA.id);
    assert.equal(onMap.properties.clearance_status, 'donated');
    assert.equal(onMap.color, DONATED_COLOR);

    // The history in the popup: newest first, with the officer's name and the step.
    await page.locator('.leaflet-popup button[data-history-toggle]').click();
    await page.waitForSelector('.leaflet-popup #history-table tbody tr');
    const rows = page.locator('.leaflet-popup #history-table tbody tr');
    assert.equal(await rows.count(), 1);
    assert.equal((await rows.first().locator('td.user').textContent()).trim(), OFFICER.name);
    const change = await rows.first().locator('li[data-property=clearance_status]').textContent();
    assert.match(change, /Tình trạng GPMB: Chưa đồng thuận → Đã hiến đất/);
    await page.waitForTimeout(400);
    await waitIdle(page);
    await page.screenshot({ path: join(dir, 'edit-history.png') });

    // The reports were fetched again: this month has one parcel more at `donated`.
    await page.waitForFunction((n) => Number(document.body.dataset.reports) > n, reportsBefore);
    const month = today.slice(0, 7);
    const cell = page.locator(`#report-progress [data-month="${month}"] [data-parcels-status=donated]`);
    assert.equal(await cell.getAttribute('data-count'), '1');
    assert.match(await page.locator(`#report-progress [data-month="${month}"]`).textContent(), new RegExp(`Tháng ${Number(month.slice(5))}/${month.slice(0, 4)}`));
    const progress = await getJson(server.url, '/api/reports/monthly-progress');
    assert.equal(progress.months.at(-1).parcels_to_status.donated, 1);
    await restoreLayers(page);
    assertNoProblems(page);
  });

  test('a stale edit (someone changed the parcel after the form was opened) is refused with a message, and the parcel is reloaded', async () => {
    await openParcel(page, parcelB);
    const form = await readyForm(page, 'clearance');
    assert.equal(await form.locator('select[name=status]').inputValue(), 'donated');
    // Another officer records compensation through the API meanwhile.
    const res = await fetch(new URL(`/api/parcels/${parcelB.id}/clearance`, server.url), {
      method: 'POST',
      headers: { ...basic(OFFICER), 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'compensated', date: '2026-01-15' }),
    });
    assert.equal(res.status, 200);

    await form.locator('button[type=submit]').click();
    await page.waitForSelector('.leaflet-popup form[data-step=clearance] .form-msg.error');
    const msg = await page.locator('.leaflet-popup form[data-step=clearance] .form-msg').textContent();
    assert.match(msg, /Có người khác vừa thay đổi .* đã tải lại/);
    // Theirs stands, and the popup and the map show it.
    assert.equal((await item('parcels', parcelB.id)).properties.clearance_status, 'compensated');
    await page.waitForFunction((id) => window.drainplan.feature('parcels', id)?.properties.clearance_status === 'compensated', parcelB.id);
    assert.match(await page.locator('.leaflet-popup .pop table').first().textContent(), /Đã bồi thường/);

    // With the reloaded version the next step goes through.
    const again = await readyForm(page, 'clearance');
    assert.equal(await again.locator('select[name=status]').inputValue(), 'cleared');
    await again.locator('button[type=submit]').click();
    await page.waitForSelector('.leaflet-popup form[data-step=clearance] .form-msg.ok');
    assert.equal((await item('parcels', parcelB.id)).properties.clearance_status, 'cleared');
    await restoreLayers(page);
    // The refused request is the browser's only console line.
    assertNoProblems(page, /status of 412/);
    page.problems = [];
  });

  test('a contribution recorded from the map changes the household’s totals; a bad amount is refused with the server’s message', async () => {
    const before = (await item('households', household.id)).properties;
    const [lon, lat] = household.geometry.coordinates;
    await setView(page, lon, lat, 19);
    const pt = await pagePoint(page, lon, lat);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`.leaflet-popup .pop[data-feature="households:${household.id}"]`);
    const form = await readyForm(page, 'contribution');
    await readyForm(page, 'water');

    // Nothing typed: the page says so and sends nothing.
    await form.locator('button[type=submit]').click();
    assert.equal(await form.locator('.form-msg').textContent(), 'Hãy nhập một số lớn hơn 0.');

    // An amount the server refuses: its message shows in the form.
    await form.locator('select[name=kind]').selectOption('money');
    assert.equal(await form.locator('[data-unit]').textContent(), 'đ');
    await form.locator('input[name=amount]').fill('2000000000000');
    await form.locator('button[type=submit]').click();
    await page.waitForFunction(() => /amount/.test(document.querySelector('.leaflet-popup form[data-step=contribution] .form-msg.error')?.textContent || ''));
    assert.match(await form.locator('.form-msg').textContent(), /^Không lưu được: amount must be a positive number/);
    assert.equal((await item('households', household.id)).properties.money_pledged_vnd, before.money_pledged_vnd);
    assert.equal((await item('households', household.id)).properties.money_paid_vnd, before.money_paid_vnd);

    // 3.5 labour days done.
    await form.locator('select[name=kind]').selectOption('labour');
    await form.locator('input[name=amount]').fill('3.5');
    await form.locator('select[name=state]').selectOption('done');
    const sent = page.waitForRequest((r) => r.url().endsWith(`/api/households/${household.id}/contributions`) && r.method() === 'POST');
    await form.locator('button[type=submit]').click();
    // Dated today by default (the form's date field), in Vietnam's calendar like the server.
    assert.deepEqual(JSON.parse((await sent).postData()), { kind: 'labour', amount: 3.5, state: 'done', date: await pageToday(page) });
    await page.waitForSelector('.leaflet-popup form[data-step=contribution] .form-msg.ok');
    const now = (await item('households', household.id)).properties;
    assert.equal(now.labour_done_days, (before.labour_done_days || 0) + 3.5);
    assert.equal(now.labour_pledged_days, before.labour_pledged_days);
    // The popup shows the new totals (pledged / done).
    const row = await page.locator('.leaflet-popup .pop tr', { hasText: 'Ngày công' }).first().textContent();
    assert.ok(row.includes(`${viNum(before.labour_pledged_days || 0, 1)} / ${viNum(now.labour_done_days, 1)} ngày`), row);
    // The household's line in the contributions report has it too.
    const report = await getJson(server.url, '/api/reports/contributions?kind=labour', { headers: basic(server.viewer) });
    assert.ok(JSON.stringify(report).includes(household.id), 'the household is in the labour report');

    // The monthly progress counts the labour days added this month.
    const month = (await pageToday(page)).slice(0, 7);
    await page.waitForSelector(`#report-progress [data-month="${month}"] [data-contrib=labour_done_days][data-value="3.5"]`);
    assert.match(await page.locator(`#report-progress [data-month="${month}"] [data-contrib=labour_done_days]`).textContent(), /Công đã làm \+3,5 ngày/);
    const dir = join(ROOT, 'target', 'screenshots');
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(dir, 'edit-household.png') });
    await page.locator('#report-progress').screenshot({ path: join(dir, 'progress.png') });
    await page.evaluate(() => { window.drainplan.map.closePopup(); });
    assertNoProblems(page, /status of 422/);
    page.problems = [];
  });

  test('an officer sets a canal’s status from the map: restyled, and the canal-length and monthly reports follow', async () => {
    const planned = (await getJson(server.url, '/collections/canals/items?status=planned&limit=100')).features
      .sort((a, b) => (b.properties.length_m ?? 0) - (a.properties.length_m ?? 0))[0];
    const [lon, lat] = along(planned.geometry.coordinates, 0.5);
    await setLayer(page, 'households', false);
    await setView(page, lon, lat, 18);
    const pt = await pagePoint(page, lon, lat);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`.leaflet-popup .pop[data-feature="canals:${planned.id}"]`);
    const form = await readyForm(page, 'canal_status');
    assert.equal(await form.locator('select[name=status]').inputValue(), 'under_construction');
    await form.locator('input[name=date]').fill('2026-03-02');
    const reportsBefore = Number(await page.locator('body').getAttribute('data-reports'));
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('.leaflet-popup form[data-step=canal_status] .form-msg.ok');
    const now = await item('canals', planned.id);
    assert.equal(now.properties.status, 'under_construction');
    assert.equal(now.properties.status_date, '2026-03-02');
    assert.equal((await page.evaluate((id) => window.drainplan.feature('canals', id), planned.id)).color, '#f28e1c');
    assert.match(await page.locator('.leaflet-popup .pop table').first().textContent(), /Đang thi công/);
    await page.waitForFunction((n) => Number(document.body.dataset.reports) > n && document.body.dataset.busy === '0', reportsBefore);
    const canal = await getJson(server.url, '/api/reports/canal-length?by=status,village');
    const building = canal.rows.filter((r) => r.status === 'under_construction').reduce((a, r) => a + r.length_m, 0);
    assert.ok((await page.locator('#report-canals li[data-status=under_construction]').textContent()).includes(`${viNum(building)} m`));
    // The metres count in the month the officer dated the step (March), not the month it was saved.
    const started = Number(await page.locator('#report-progress [data-month="2026-03"] [data-canal-started]').getAttribute('data-canal-started'));
    assert.ok(Math.abs(started - (planned.properties.length_m ?? started)) < 1, `${started} m started`);
    await page.evaluate(() => { window.drainplan.map.closePopup(); });
    await setLayer(page, 'households', true);
    await waitIdle(page);
    assertNoProblems(page);
  });

  test('the edits survive the server being killed and started again; an edit sent to it after the restart asks to sign in again', async () => {
    // The officer has a form open when the server dies.
    await openParcel(page, parcelB);
    const form = await readyForm(page, 'clearance');
    // Let the popup's pan and the view's loads finish: the page has nothing in flight at the crash.
    await page.waitForTimeout(400);
    await waitIdle(page);
    await server.restart();
    // Sessions live in the server's memory: the restarted server no longer knows the token.
    await form.locator('select[name=status]').selectOption('agreed');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('.leaflet-popup .edit .form-msg.error');
    assert.match(await page.locator('.leaflet-popup .edit .form-msg').textContent(), /Phiên đăng nhập đã hết hạn/);
    assert.equal(await page.locator('.leaflet-popup form.edit-form').count(), 0, 'signed out: no forms');
    await page.waitForSelector('#signin-btn:not([hidden])');
    assert.equal((await item('parcels', parcelB.id)).properties.clearance_status, 'cleared', 'nothing was changed');
    assertNoProblems(page, /status of 401/);

    // Reloaded, as the public: the acknowledged edits are there.
    await page.reload();
    page.problems = [];
    await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
    await waitIdle(page);
    await openParcel(page, parcelA);
    assert.match(await page.locator('.leaflet-popup .pop').textContent(), /Đã hiến đất/);
    const onMap = await page.evaluate((id) => window.drainplan.feature('parcels', id), parcelA.id);
    assert.equal(onMap.properties.clearance_status, 'donated');
    assert.equal(onMap.color, DONATED_COLOR);
    assert.equal((await item('parcels', parcelA.id)).properties.clearance_status, 'donated');
    assert.equal((await item('households', household.id)).properties.labour_done_days > 0, true);
    const history = await getJson(server.url, '/api/history', { headers: basic(server.viewer) });
    assert.ok(history.entries.some((e) => e.id === parcelA.id && e.user === OFFICER.name), 'the history was kept');
    // The public sees neither edit controls nor the history.
    assert.equal(await page.locator('.leaflet-popup form.edit-form').count(), 0);
    assert.equal(await page.locator('.leaflet-popup button[data-history-toggle]').count(), 0);
    await restoreLayers(page);
    assertNoProblems(page);
  });

  test('a viewer reads the history but sees no edit controls', async () => {
    const p3 = await openPage(browser, server.url);
    await signIn(p3, server.viewer);
    await openParcel(p3, parcelA);
    assert.equal(await p3.locator('.leaflet-popup form.edit-form').count(), 0);
    assert.equal(await p3.locator('.leaflet-popup .edit').count(), 0);
    await p3.locator('.leaflet-popup button[data-history-toggle]').click();
    await p3.waitForSelector('.leaflet-popup #history-table tbody tr');
    assert.equal((await p3.locator('.leaflet-popup #history-table td.user').first().textContent()).trim(), OFFICER.name);
    // A household: no contribution or water form either.
    await restoreLayers(p3);
    const [lon, lat] = household.geometry.coordinates;
    await setView(p3, lon, lat, 19);
    const pt = await pagePoint(p3, lon, lat);
    await p3.mouse.click(pt.x, pt.y);
    await p3.waitForSelector(`.leaflet-popup .pop[data-feature="households:${household.id}"]`);
    assert.equal(await p3.locator('.leaflet-popup form.edit-form').count(), 0);
    assert.equal(await p3.locator('.leaflet-popup button[data-history-toggle]').count(), 1);
    assertNoProblems(p3);
    await p3.context().close();
  });

  test('the monthly progress and the edit forms speak English too', async () => {
    await signIn(page, OFFICER);
    await page.locator('.lang-switch button[data-lang=en]').click();
    const month = (await pageToday(page)).slice(0, 7);
    const text = await page.locator(`#report-progress [data-month="${month}"]`).textContent();
    assert.match(text, /Labour done \+3\.5 days/);
    assert.match(await page.locator('#report-progress').textContent(), /Piped-water rate before the first change: \d+\.\d%/);
    await openParcel(page, parcelA);
    const form = await readyForm(page, 'clearance');
    assert.match(await form.textContent(), /Record a clearance step/);
    assert.match(await form.locator('select[name=status]').textContent(), /Land donated \(now\)/);
    await page.locator('.lang-switch button[data-lang=vi]').click();
    assert.match(await form.textContent(), /Ghi nhận bước GPMB/);
    await restoreLayers(page);
    assertNoProblems(page);
  });
});
