// The map page under the Content-Security-Policy the service is to send on every response:
// no inline script, no inline event handler, no style attribute in HTML the page writes,
// no eval. The header is added here to the page's HTML and script responses (page.route),
// and every violation the browser reports (the `securitypolicyviolation` event, and the
// console's "Refused to …" lines) fails the test, while the map loads, popups open, the
// reports and an impact render, a file downloads, an officer's edit forms and history
// show, and the language changes.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/
// (cargo test --test browser runs this through tests/browser.rs.)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  OFFICER, along, getJson, launchBrowser, openPage, pagePoint, setView, signIn, startServer, waitIdle,
} from './helpers.mjs';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; "
  + "img-src 'self' data: https://tile.openstreetmap.org https://*.tile.openstreetmap.org; connect-src 'self'; "
  + "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

let server;
let browser;
let page;
let planned;

/** Records CSP violations in window.__csp and sends the policy with the page's HTML and scripts. */
async function underCsp(p) {
  await p.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push({
        directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, at: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
      });
    }, true);
  });
  const origin = new URL(server.url).origin;
  await p.route((u) => u.origin === origin && (u.pathname === '/' || u.pathname.endsWith('.html') || u.pathname.endsWith('.js')), async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } });
  });
}

async function assertNoViolations(what) {
  const v = await page.evaluate(() => window.__csp);
  assert.deepEqual(v, [], `CSP violations ${what}:\n${JSON.stringify(v, null, 1)}`);
  assert.deepEqual(page.problems, [], `the page reported problems ${what}:\n${page.problems.join('\n')}`);
}

/** The computed value of `prop` of the first element matching `sel`. */
const computed = (sel, prop) => page.locator(sel).first().evaluate((el, pr) => getComputedStyle(el)[pr], prop);
const TRANSPARENT = 'rgba(0, 0, 0, 0)';

before(async () => {
  server = await startServer({ users: [OFFICER] });
  browser = await launchBrowser();
  planned = (await getJson(server.url, '/collections/canals/items?status=planned&limit=100')).features
    .sort((a, b) => (b.properties.length_m ?? 0) - (a.properties.length_m ?? 0))[0];
  page = await openPage(browser, server.url, { prepare: underCsp });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the map page under the service’s Content-Security-Policy', () => {
  test('the policy is in force on the page (a style attribute written by a script is refused and reported)', async () => {
    const res = await page.evaluate(async () => (await fetch('/')).status);
    assert.equal(res, 200);
    // A probe in a second page, so that the page under test stays clean.
    const probe = await openPage(browser, server.url, { prepare: underCsp });
    await probe.evaluate(() => {
      const d = document.createElement('div');
      d.innerHTML = '<span style="color: red">probe</span>';
      document.body.append(d);
    });
    await probe.waitForFunction(() => window.__csp.length > 0);
    const v = await probe.evaluate(() => window.__csp);
    assert.equal(v[0].directive, 'style-src-attr');
    await probe.context().close();
  });

  test('the map, the legend and the reports load with no violation, and their colours and bars are drawn', async () => {
    const counts = await page.evaluate(() => window.drainplan.counts());
    assert.ok(counts.villages > 0 && counts.canals > 0 && counts.flood_zones > 0);
    assert.ok(await page.locator('#report-canals .bar-row').count() > 0);
    assert.ok(await page.locator('#report-water .bar-row').count() > 0);
    assert.ok(await page.locator('#legend-box .legend-item').count() > 0);
    // Colours and sizes the page sets from script reach the elements.
    assert.notEqual(await computed('#legend-box .legend-fill', 'backgroundColor'), TRANSPARENT);
    assert.notEqual(await computed('#legend-box .legend-line', 'borderTopColor'), await computed('#legend-box', 'color'));
    assert.notEqual(await computed('#report-canals .seg', 'backgroundColor'), TRANSPARENT);
    assert.ok(parseFloat(await computed('#report-canals .seg', 'width')) > 0, 'canal bars have a width');
    assert.ok(parseFloat(await computed('#report-water .fill-reg', 'width')) > 0, 'water bars have a width');
    assert.notEqual(await computed('#report-water .target', 'left'), '0px');
    await assertNoViolations('while the map loads');
  });

  test('a canal’s details popup opens with no violation', async () => {
    const [lon, lat] = along(planned.geometry.coordinates, 0.5);
    await page.locator('input[data-layer=households]').uncheck();
    await setView(page, lon, lat, 18);
    const pt = await pagePoint(page, lon, lat);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`.leaflet-popup .pop[data-feature="canals:${planned.id}"]`);
    assert.notEqual(await computed('.leaflet-popup .pill', 'backgroundColor'), TRANSPARENT);
    await assertNoViolations('while a popup opens');
  });

  test('the planned canal’s impact renders with no violation', async () => {
    await page.locator('.leaflet-popup button[data-analyse]').click();
    await page.waitForSelector('body[data-impact=ready]');
    await waitIdle(page);
    assert.ok(await page.locator('#impact-table tbody tr').count() > 0);
    assert.notEqual(await computed('#impact-table .sw', 'backgroundColor'), TRANSPARENT);
    await page.locator('#tab-btn-reports').click();
    await assertNoViolations('while the impact renders');
  });

  test('a download from the panel (fetch, then a blob saved under the server’s name) works with no violation', async () => {
    await page.locator('#export-toggle').click();
    await page.locator('#export-what').selectOption('canals');
    await page.locator('#export-format').selectOption('geojson');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-go').click()]);
    assert.equal(download.suggestedFilename(), 'canals_EPSG4326.geojson');
    await page.waitForSelector('body[data-export=done]');
    await page.locator('#export-close').click();
    await assertNoViolations('while a file downloads');
  });

  test('an officer’s edit form and the history render with no violation, in both languages', async () => {
    await signIn(page, OFFICER);
    const [lon, lat] = along(planned.geometry.coordinates, 0.5);
    await setView(page, lon, lat, 18);
    const pt = await pagePoint(page, lon, lat);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`.leaflet-popup .pop[data-etag] form.edit-form[data-step=canal_status] button[type=submit]:not([disabled])`);
    await page.locator('.leaflet-popup button[data-history-toggle]').click();
    await page.waitForSelector('.leaflet-popup [data-history] :is(#history-table, [data-history-empty])');
    await page.locator('.lang-switch button[data-lang=en]').click();
    assert.match(await page.locator('.leaflet-popup form.edit-form').first().textContent(), /status/i);
    await page.locator('.lang-switch button[data-lang=vi]').click();
    await page.locator('input[data-layer=households]').check();
    await waitIdle(page);
    await assertNoViolations('while an officer edits');
  });
});
