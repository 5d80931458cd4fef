// The monthly review pack's printable page in headless Chromium: downloaded from the map's
// reports tab, then opened from the service under its own Content-Security-Policy (its
// inline style sheet allowed by hash, nothing else), checked in the rendered page and
// printed to PDF on A4.
//
// Expected figures (the sample data, December 2023 against December 2022), by hand:
// 705 of 1 686 dwellings registered = 41.8149 % → "41,81 %"; at the end of 2022 313 of
// 1 686 = 18.5647 % → "18,56 %"; the rise 392 / 1 686 = 23.2503 points → "+23,25"
// (src/generate/spec.rs, WATER_REGISTERED_END_2022, says why not the published 23.26).
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/review.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  launchBrowser, openPage, startServer,
} from './helpers.mjs';

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

/** The pages of a PDF (its /Type /Page objects) and their media boxes, read from its bytes. */
function pdfPages(bytes) {
  const text = bytes.toString('latin1');
  const pages = text.match(/\/Type\s*\/Page(?![s\w])/g) || [];
  const boxes = [...text.matchAll(/\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/g)]
    .map((m) => [Number(m[3]) - Number(m[1]), Number(m[4]) - Number(m[2])]);
  return { count: pages.length, boxes };
}

describe('the monthly review pack', () => {
  test('the reports tab downloads the printable page and the workbook of the chosen month', async () => {
    const page = await openPage(browser, server.url);
    await page.locator('#review-month').fill('2023-12');
    for (const [format, file] of [['html', 'review_2023-12.html'], ['xlsx', 'review_2023-12.xlsx']]) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator(`#review-${format}`).click(),
      ]);
      assert.equal(download.suggestedFilename(), file);
      await page.waitForFunction(() => document.body.dataset.export === 'done');
    }
    assert.match(await page.locator('#review-status').textContent(), /review_2023-12\.xlsx/);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('the page renders in Vietnamese under its own policy and prints to A4', async () => {
    const context = await browser.newContext({ locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective), true);
    });
    const res = await page.goto(`${server.url}api/reports/review?month=2023-12&format=html`);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-security-policy'], /^default-src 'none'; style-src 'sha256-/);
    const body = await page.locator('body').innerText();
    for (const text of ['UBND PHƯỜNG QUỲNH MAI', '(địa bàn xã Quỳnh Liên cũ)', 'BÁO CÁO RÀ SOÁT THÁNG 12/2023', 'Quỳnh Mai, ngày']) {
      assert.ok(body.includes(text), `missing ${text}`);
    }
    // The commune's water row: this month, a year earlier and the rise (by hand above).
    const commune = await page.locator('table').nth(1).locator('tr.total').innerText();
    for (const text of ['705 / 1.686', '41,81 %', '313 / 1.686', '18,56 %', '+23,25']) {
      assert.ok(commune.includes(text), `missing ${text} in ${commune}`);
    }
    // The inline style sheet applied: the policy let it in by its hash.
    const th = await page.locator('th').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(th, 'rgb(238, 238, 238)');
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems, []);

    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const { count, boxes } = pdfPages(pdf);
    assert.ok(count >= 1 && count <= 2, `${count} pages`);
    // A4 is 210 × 297 mm = 595.3 × 841.9 pt.
    assert.ok(boxes.length >= count, `${boxes.length} media boxes`);
    for (const [w, h] of boxes) {
      assert.ok(Math.abs(w - 595.3) < 1.5 && Math.abs(h - 841.9) < 1.5, `page ${w} × ${h} pt`);
    }
    await context.close();
  });
});
