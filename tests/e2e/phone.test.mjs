// The map page on a phone (390 × 844, touch): the map first, the title and the language
// switch whole, panels that open over the map and close, controls a finger can hit; and
// an officer's contribution and water registration recorded without a connection, kept
// on the phone across a reload, and stored exactly once when the connection returns —
// also when an answer is lost on the way back (the Idempotency-Key).
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/phone.test.mjs
// (cargo test --test browser runs this through tests/browser.rs.) Screenshots go to
// target/screenshots/phone-*.png.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  OFFICER, ROOT, basic, getJson, launchBrowser, openPage, pagePoint, setView, signIn, startServer, waitIdle,
} from './helpers.mjs';

const PHONE = { width: 390, height: 844 };
const SHOTS = join(ROOT, 'target', 'screenshots');

let server;
let browser;
let page;
let household;

const item = (id) => getJson(server.url, `/collections/households/items/${encodeURIComponent(id)}`, { headers: basic(OFFICER) });
const history = (id) => getJson(server.url, `/collections/households/items/${encodeURIComponent(id)}/history?limit=1000`, { headers: basic(OFFICER) });

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `phone-${name}.png`) });
}

/** The element's box, and whether the element itself is what a finger at its centre and near two corners (inside rounded ones) touches. */
async function reach(selector) {
  return page.locator(selector).first().evaluate((el) => {
    const r = el.getBoundingClientRect();
    const d = Math.min(8, r.width / 4, r.height / 4);
    const hits = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + d, r.top + d], [r.right - d, r.bottom - d]]
      .map(([x, y]) => {
        const at = document.elementFromPoint(x, y);
        return !!at && (at === el || el.contains(at));
      });
    return {
      left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height, hits,
      clipped: el.scrollWidth > el.clientWidth + 1,
    };
  });
}

function assertWhole(box, what) {
  assert.ok(box.left >= 0 && box.top >= 0 && box.right <= PHONE.width && box.bottom <= PHONE.height, `${what} lies inside the screen: ${JSON.stringify(box)}`);
  assert.deepEqual(box.hits, [true, true, true], `${what} is not covered by anything: ${JSON.stringify(box)}`);
  assert.equal(box.clipped, false, `${what} is not cut off`);
}

/** Every visible control under `scope` is at least 44 × 44 CSS pixels. */
async function assertTouchSized(scope) {
  const small = await page.evaluate((sel) => {
    const out = [];
    for (const el of document.querySelectorAll(`${sel} button, ${sel} select, ${sel} input:not([type=checkbox]), ${sel} a[href], ${sel} label.layer-toggle`)) {
      // The laid-out size, not the box on screen: a popup inside the map's pane is scaled
      // while a zoom animation runs, and a loaded machine can measure it mid-animation.
      const r = { width: el.offsetWidth, height: el.offsetHeight };
      if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
      if (r.width < 44 || r.height < 44) out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${r.width}×${r.height} "${el.textContent.trim().slice(0, 20)}"`);
    }
    return out;
  }, scope);
  assert.deepEqual(small, [], `controls under ${scope} smaller than 44 × 44 px`);
}

/** The height of the map left in view above the open sheet (or the whole map when none is open). */
async function mapInView() {
  return page.evaluate(() => {
    const map = document.getElementById('map').getBoundingClientRect();
    const open = [...document.querySelectorAll('#layers-box, #legend-box, #panel, #outbox-panel')]
      .map((el) => el.getBoundingClientRect()).filter((r) => r.height > 0);
    const top = Math.min(map.bottom, ...open.map((r) => r.top));
    return top - map.top;
  });
}

async function waitOutbox(n) {
  await page.waitForFunction((k) => document.body.dataset.outbox === String(k), n, { timeout: 30000 });
}

async function openHousehold() {
  const [lon, lat] = household.geometry.coordinates;
  await setView(page, lon, lat, 19);
  const pt = await pagePoint(page, lon, lat);
  await page.touchscreen.tap(pt.x, pt.y);
  await page.waitForSelector(`.leaflet-popup .pop[data-feature="households:${household.id}"]`);
}

async function readyForm(step) {
  await page.waitForSelector(`.leaflet-popup .pop[data-etag] form.edit-form[data-step=${step}] button[type=submit]:not([disabled])`);
  return page.locator(`.leaflet-popup form.edit-form[data-step=${step}]`);
}

before(async () => {
  server = await startServer({ users: [OFFICER] });
  browser = await launchBrowser();
  // A household not yet registered for piped water, far enough from the next one that a tap on its dot is unambiguous.
  const hh = (await getJson(server.url, '/collections/households/items?limit=10000', { headers: basic(OFFICER) })).features;
  const far = (h) => Math.min(...hh.filter((o) => o !== h).map((o) => Math.hypot(o.geometry.coordinates[0] - h.geometry.coordinates[0], o.geometry.coordinates[1] - h.geometry.coordinates[1])));
  household = hh.filter((h) => h.properties.water_status === 'not_registered').slice(0, 300)
    .map((h) => [far(h), h]).sort((a, b) => b[0] - a[0])[0][1];
  assert.ok(far(household) > 0.00005, 'a household at least ~5 m from the next one');
  page = await openPage(browser, server.url, { viewport: PHONE, device: { isMobile: true, hasTouch: true } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('on a phone (390 × 844, touch)', () => {
  test('the map comes first; the title and the language switch are whole; nothing is wider than the screen; controls are finger-sized', async () => {
    await shot('map');
    const map = await page.locator('#map').boundingBox();
    assert.equal(Math.round(map.width), PHONE.width, 'the map spans the screen');
    assert.ok(map.height >= 0.7 * PHONE.height, `the map is at least 70 % of the screen's height (${map.height} px)`);
    assertWhole(await reach('.brand h1'), 'the title');
    assertWhole(await reach('.lang-switch'), 'the language switch');
    assertWhole(await reach('.lang-switch button[data-lang=vi]'), 'VI');
    assertWhole(await reach('.lang-switch button[data-lang=en]'), 'EN');
    assertWhole(await reach('#village-select'), 'the village selector');
    assertWhole(await reach('#signin-btn'), 'the sign-in button');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'no sideways scrolling');
    // No panel covers the map until asked for.
    assert.equal(await mapInView(), map.height);
    await assertTouchSized('.topbar');
    await assertTouchSized('.phone-bar');
    await assertTouchSized('.leaflet-control-zoom');

    // In English the title is whole too.
    await page.locator('.lang-switch button[data-lang=en]').tap();
    assertWhole(await reach('.brand h1'), 'the English title');
    await page.locator('.lang-switch button[data-lang=vi]').tap();
  });

  test('every panel opens over the lower part of the map and closes again', async () => {
    const panels = { layers: '#layers-box', legend: '#legend-box', reports: '#tab-reports', impact: '#tab-impact', hydraulics: '#tab-hydraulics', outbox: '#outbox-panel' };
    for (const [name, sel] of Object.entries(panels)) {
      const btn = page.locator(`.phone-bar button[data-sheet=${name}]`);
      await btn.tap();
      await page.locator(sel).waitFor({ state: 'visible' });
      assert.equal(await btn.getAttribute('aria-expanded'), 'true');
      const box = await page.locator(sel).boundingBox();
      assert.ok(box.y + box.height <= PHONE.height && box.x >= 0 && box.x + box.width <= PHONE.width, `${name} lies inside the screen`);
      assert.ok(await mapInView() >= 0.3 * PHONE.height, `${name}: part of the map stays in view`);
      await shot(`panel-${name}`);
      if (name === 'layers') await assertTouchSized('#layers-box');
      // Closed with ×, or with its own button again.
      if (name === 'legend') await btn.tap();
      else {
        assertWhole(await reach('#sheet-close'), 'the close button');
        await page.locator('#sheet-close').tap();
      }
      await page.locator(sel).waitFor({ state: 'hidden' });
      assert.equal(await btn.getAttribute('aria-expanded'), 'false');
    }
    // The layer switches work from the sheet.
    await page.locator('.phone-bar button[data-sheet=layers]').tap();
    await page.locator('label.layer-toggle:has(input[data-layer=flood_zones])').tap();
    assert.equal(await page.locator('input[data-layer=flood_zones]').isChecked(), false);
    await page.locator('label.layer-toggle:has(input[data-layer=flood_zones])').tap();
    assert.equal(await page.locator('input[data-layer=flood_zones]').isChecked(), true);
    await page.locator('#sheet-close').tap();

    // Sign-in opens whole on the screen and closes.
    await page.locator('#signin-btn').tap();
    await page.locator('#signin-form').waitFor({ state: 'visible' });
    const form = await page.locator('#signin-form').boundingBox();
    assert.ok(form.x >= 0 && form.x + form.width <= PHONE.width && form.y + form.height <= PHONE.height, 'the sign-in form lies inside the screen');
    await assertTouchSized('#signin-form');
    await shot('signin');
    await page.locator('#signin-cancel').tap();
    await page.locator('#signin-form').waitFor({ state: 'hidden' });
  });

  test('a contribution whose answer is lost on the way back is sent again and stored once', async () => {
    await signIn(page, OFFICER);
    const before = (await item(household.id)).properties;
    await openHousehold();
    const form = await readyForm('contribution');
    await shot('popup');
    await assertTouchSized('.leaflet-popup');
    // The server stores the first request, but its answer never reaches the phone.
    let cut = 0;
    await page.route('**/api/households/*/contributions', async (route) => {
      if (cut++ === 0) {
        await route.fetch();
        await route.abort('internetdisconnected');
      } else {
        await route.continue();
      }
    });
    await form.locator('select[name=kind]').selectOption('labour');
    await form.locator('select[name=state]').selectOption('done');
    await form.locator('input[name=amount]').fill('2');
    await form.locator('button[type=submit]').tap();
    await page.waitForSelector('.leaflet-popup form[data-step=contribution] .form-msg.queued');
    await waitOutbox(1);
    // Stored once on the server already; the phone does not know it.
    assert.equal((await item(household.id)).properties.labour_done_days ?? 0, (before.labour_done_days ?? 0) + 2);
    await page.locator('.phone-bar button[data-sheet=outbox]').tap();
    await page.locator('#outbox-list [data-outbox-send]').tap();
    await waitOutbox(0);
    await page.waitForSelector('#outbox-list .outbox-item[data-state=sent]');
    await page.locator('#sheet-close').tap();
    await page.unroute('**/api/households/*/contributions');
    assert.equal(cut, 2, 'the contribution went out twice');
    assert.equal((await item(household.id)).properties.labour_done_days ?? 0, (before.labour_done_days ?? 0) + 2, 'and was stored once');
    const h = await history(household.id);
    assert.equal(h.entries.filter((e) => e.changes.some((c) => c.property === 'labour_done_days')).length, 1);
  });

  test('without a connection a contribution and a water registration are kept on the phone, across a reload, and stored exactly once when it returns', async () => {
    const before = (await item(household.id)).properties;
    const entriesBefore = (await history(household.id)).entries.length;
    await page.evaluate(() => { window.drainplan.map.closePopup(); });
    await openHousehold();
    const form = await readyForm('contribution');
    await page.context().setOffline(true);

    await form.locator('select[name=kind]').selectOption('labour');
    await form.locator('select[name=state]').selectOption('done');
    await form.locator('input[name=amount]').fill('1.5');
    await form.locator('button[type=submit]').tap();
    await page.waitForSelector('.leaflet-popup form[data-step=contribution] .form-msg.queued');
    await waitOutbox(1);
    const water = page.locator('.leaflet-popup form.edit-form[data-step=water]');
    await water.locator('select[name=status]').selectOption('registered');
    await water.locator('button[type=submit]').tap();
    await page.waitForSelector('.leaflet-popup form[data-step=water] .form-msg.queued');
    await waitOutbox(2);
    await shot('queued');
    // Nothing reached the server.
    assert.deepEqual((await item(household.id)).properties, before);
    assert.equal((await history(household.id)).entries.length, entriesBefore);

    // The page is reloaded, still without a connection: the page opens and the two edits are still there.
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
    await waitOutbox(2);
    assert.equal((await page.locator('.phone-bar [data-outbox-count]').textContent()).trim(), '2');
    await page.locator('.phone-bar button[data-sheet=outbox]').tap();
    // The sheet's list is drawn once the kept edits (and any photo, from IndexedDB) are read.
    await page.waitForFunction(() => document.querySelectorAll('#outbox-list .outbox-item').length >= 2, null, { timeout: 10000 });
    assert.equal(await page.locator('#outbox-list .outbox-item[data-state=waiting]').count(), 2);
    assert.match(await page.locator('#outbox-list .outbox-count').textContent(), /2 chờ gửi/);
    await shot('outbox-offline');
    assert.deepEqual((await item(household.id)).properties, before);

    // The connection returns: both go out, once.
    await page.context().setOffline(false);
    await waitOutbox(0);
    await page.waitForFunction(() => document.querySelectorAll('#outbox-list .outbox-item[data-state=sent]').length >= 3);
    await shot('outbox-sent');
    await waitIdle(page);
    const now = (await item(household.id)).properties;
    assert.equal(now.labour_done_days, (before.labour_done_days ?? 0) + 1.5);
    assert.equal(now.water_status, 'registered');
    const h = await history(household.id);
    const mine = h.entries.slice(0, h.entries.length - entriesBefore);
    assert.equal(mine.length, 2, 'two changes, each stored once');
    assert.ok(mine.every((e) => e.user === OFFICER.name));
    assert.equal(mine.filter((e) => e.changes.some((c) => c.property === 'labour_done_days' && c.to === (before.labour_done_days ?? 0) + 1.5)).length, 1);
    assert.equal(mine.filter((e) => e.changes.some((c) => c.property === 'water_status' && c.to === 'registered')).length, 1);

    // A while later, nothing more goes out.
    await page.waitForTimeout(1500);
    assert.equal((await history(household.id)).entries.length, entriesBefore + 2);
    await page.locator('#sheet-close').tap();
  });
});
