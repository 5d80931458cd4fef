// The page's lists of statuses are the server's: it reads each property's values from
// `/collections/{id}/queryables` (`properties.<name>.enum`) instead of keeping a copy of
// the Rust enums. Here the answer is changed on its way to the page (page.route): a
// value the page has never heard of shows in the editing select and in the legend,
// named as sent, and the known ones keep the server's order and their translations.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/
// (cargo test --test browser runs this through tests/browser.rs.)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  OFFICER, along, getJson, launchBrowser, openPage, pagePoint, setView, signIn, startServer, waitIdle,
} from './helpers.mjs';

let server;
let browser;
let page;
let planned;
let canalStatuses; // the server's own list
let waterStatuses;
const asked = { canals: 0, households: 0 };

/** Adds `value` to the enum of `property` in the queryables of `collection` the page receives. */
async function addValue(p, collection, property, value) {
  await p.route(`**/collections/${collection}/queryables`, async (route) => {
    asked[collection] += 1;
    const response = await route.fetch();
    const body = await response.json();
    body.properties[property].enum = [...body.properties[property].enum, value];
    await route.fulfill({ response, json: body });
  });
}

before(async () => {
  server = await startServer({ users: [OFFICER] });
  browser = await launchBrowser();
  planned = (await getJson(server.url, '/collections/canals/items?status=planned&limit=100')).features
    .sort((a, b) => (b.properties.length_m ?? 0) - (a.properties.length_m ?? 0))[0];
  canalStatuses = (await getJson(server.url, '/collections/canals/queryables')).properties.status.enum;
  waterStatuses = (await getJson(server.url, '/collections/households/queryables')).properties.water_status.enum;
  assert.ok(canalStatuses.includes('planned') && canalStatuses.includes('under_construction'), 'the server lists canal statuses');
  page = await openPage(browser, server.url, {
    prepare: async (p) => {
      await addValue(p, 'canals', 'status', 'abandoned');
      await addValue(p, 'households', 'water_status', 'disconnected');
    },
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('statuses from the queryables', () => {
  test('the legend lists the values the queryables give, in their order', async () => {
    assert.ok(asked.canals >= 1 && asked.households >= 1, 'the page asked for the queryables');
    const canals = await page.locator('#legend-box .legend-row').filter({ hasText: 'Mương' }).locator('.legend-item').allTextContents();
    assert.equal(canals.length, canalStatuses.length + 1);
    assert.equal(canals.at(-1), 'abandoned', 'an unknown value is shown as sent');
    assert.equal(canals[canalStatuses.indexOf('planned')], 'Quy hoạch');
    const water = await page.locator('#legend-box .legend-row').filter({ hasText: 'Nước máy' }).locator('.legend-item').allTextContents();
    assert.equal(water.length, waterStatuses.length + 1);
    assert.equal(water.at(-1), 'disconnected');
  });

  test('an officer’s canal status select offers the statuses the queryables give', async () => {
    await signIn(page, OFFICER);
    const [lon, lat] = along(planned.geometry.coordinates, 0.5);
    await page.locator('input[data-layer=households]').uncheck();
    await setView(page, lon, lat, 18);
    const pt = await pagePoint(page, lon, lat);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`.leaflet-popup .pop[data-etag] form.edit-form[data-step=canal_status] button[type=submit]:not([disabled])`);
    const select = page.locator('.leaflet-popup form[data-step=canal_status] select[name=status]');
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
    assert.deepEqual(options.map(([v]) => v), [...canalStatuses, 'abandoned']);
    assert.deepEqual(options.at(-1), ['abandoned', 'abandoned']);
    assert.deepEqual(options.find(([v]) => v === 'planned'), ['planned', 'Quy hoạch (đã phê duyệt) (hiện tại)']);
    // The step that usually follows is still offered first.
    assert.equal(await select.inputValue(), 'under_construction');
    // Translations stay keyed by the values.
    await page.locator('.lang-switch button[data-lang=en]').click();
    const en = await page.locator('.leaflet-popup form[data-step=canal_status] select[name=status] option').allTextContents();
    assert.ok(en.includes('Under construction') && en.includes('abandoned'), en.join(', '));
    await page.locator('.lang-switch button[data-lang=vi]').click();
    await page.evaluate(() => { window.drainplan.map.closePopup(); });
    await page.locator('input[data-layer=households]').check();
    await waitIdle(page);
    assert.deepEqual(page.problems, [], page.problems.join('\n'));
  });
});
