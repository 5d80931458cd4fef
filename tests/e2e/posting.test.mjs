// The posting list's A4 page (GET /api/canals/{id}/posting?format=html) in headless
// Chromium: it loads under the Content-Security-Policy the service sends with it (its one
// stylesheet allowed by hash, nothing else), the stylesheet applies, and Chromium's own
// print to PDF (page.pdf, with the page's @page size) gives A4 pages, more than one for the
// sample data's planned canal, with every parcel row in the text.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/posting.test.mjs

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { basic, getJson, launchBrowser, startServer } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The page of `canal`'s list, opened as `who` (null: the public), with CSP violations recorded. */
async function openList(canal, who) {
  const context = await browser.newContext({ extraHTTPHeaders: who ? basic(who) : {} });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push({ directive: e.violatedDirective, sample: e.sample });
    }, true);
  });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  const response = await page.goto(new URL(`/api/canals/${canal}/posting?format=html`, server.url).href);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /style-src 'sha256-/);
  return { page, context, consoleErrors };
}

/** Pages of a PDF and the MediaBox of the first, read from its bytes. */
function pdfPages(pdf) {
  const text = pdf.toString('latin1');
  const pages = (text.match(/\/Type\s*\/Page\b(?!s)/g) || []).length;
  const box = text.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/);
  return { pages, width: box && Number(box[1]), height: box && Number(box[2]) };
}

test('the posting list prints on A4 pages under its own policy, every parcel in it', async () => {
  assert.ok(server.viewer, 'the viewer account was created');
  const planned = (await getJson(server.url, '/collections/canals/items?status=planned&limit=100')).features
    .sort((a, b) => (b.properties.length_m ?? 0) - (a.properties.length_m ?? 0))[0];
  const json = await (await fetch(new URL(`/api/canals/${planned.id}/posting`, server.url), { headers: basic(server.viewer) })).json();
  assert.ok(json.parcels.length > 30, `the planned canal takes land from many parcels (${json.parcels.length})`);

  const { page, context, consoleErrors } = await openList(planned.id, server.viewer);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  assert.deepEqual(consoleErrors, []);
  // The stylesheet applied: collapsed borders on the table cells, bold header.
  const border = await page.locator('table.parcels td').first().evaluate((el) => getComputedStyle(el).borderTopStyle);
  assert.equal(border, 'solid');
  assert.equal(await page.locator('table.parcels tbody tr').count(), json.parcels.length);
  assert.equal(await page.locator('html').getAttribute('lang'), 'vi');

  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  const { pages, width, height } = pdfPages(pdf);
  // A4 is 210 × 297 mm = 595.3 × 841.9 pt; Chromium rounds its page box to whole CSS
  // pixels (794 × 1123 px = 595.5 × 842.25 pt).
  assert.ok(Math.abs(width - 595.3) < 1.5 && Math.abs(height - 841.9) < 1.5, `A4 portrait, not ${width} × ${height}`);
  console.log(`posting list of ${planned.id}: ${json.parcels.length} parcels on ${pages} A4 pages (${width} × ${height} pt)`);
  assert.ok(pages >= 2, `${json.parcels.length} parcel rows and the household table need more than one page (${pages})`);
  await context.close();
});

test('the public page has the counts and no name', async () => {
  const planned = (await getJson(server.url, '/collections/canals/items?status=planned&limit=100')).features[0];
  const full = await (await fetch(new URL(`/api/canals/${planned.id}/posting`, server.url), { headers: basic(server.viewer) })).json();
  const { page, context } = await openList(planned.id, null);
  const text = await page.locator('body').innerText();
  assert.equal(await page.locator('table.parcels').count(), 0);
  for (const h of full.households) {
    if (h.head) assert.ok(!text.includes(h.head), `the public page names ${h.head}`);
  }
  assert.match(text, new RegExp(`Số thửa đất bị thu hồi\\s+${full.totals.parcels}`));
  const pdf = await page.pdf({ preferCSSPageSize: true });
  assert.ok(pdfPages(pdf).pages >= 1);
  await context.close();
});
