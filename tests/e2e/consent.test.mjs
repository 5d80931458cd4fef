// A village head (signed in as an officer) records a donation's consent on a phone
// (390 × 844, touch), with a photo of the signed paper, while there is no connection: the
// record and the photo are kept on the phone across a reload, and when the connection
// returns the photo is stored once under its SHA-256 and the consent once, naming it. The
// popup says what the record lacks before, and that it is complete after.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/consent.test.mjs
// (cargo test --test browser runs this through tests/browser.rs.) Screenshots go to
// target/screenshots/consent-*.png.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
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
let parcel;
let centre;

const item = (id) => getJson(server.url, `/collections/parcels/items/${encodeURIComponent(id)}`, { headers: basic(OFFICER) });
const history = (id) => getJson(server.url, `/collections/parcels/items/${encodeURIComponent(id)}/history?limit=1000`, { headers: basic(OFFICER) });
const attachments = () => {
  const dir = join(server.data, 'attachments');
  return existsSync(dir) ? readdirSync(dir) : [];
};

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `consent-${name}.png`) });
}

async function waitOutbox(n) {
  await page.waitForFunction((k) => document.body.dataset.outbox === String(k), n, { timeout: 30000 });
}

/** The photos the outbox keeps in IndexedDB, by key. */
async function keptPhotos() {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('drainplan-outbox', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('photos');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const all = db.transaction('photos').objectStore('photos').getAllKeys();
      all.onsuccess = () => { db.close(); resolve(all.result); };
      all.onerror = () => reject(all.error);
    };
  }));
}

/** Taps the parcel on the map and makes sure its details are the ones open. */
async function openParcel() {
  await page.evaluate(() => { window.drainplan.map.closePopup(); });
  await setView(page, centre[0], centre[1], 19);
  const pt = await pagePoint(page, centre[0], centre[1]);
  await page.touchscreen.tap(pt.x, pt.y);
  await page.waitForSelector('.leaflet-popup .pop');
  const sel = `.leaflet-popup .pop[data-feature="parcels:${parcel.id}"]`;
  if (!(await page.locator(sel).count())) {
    // Something drawn over the parcel came first: the popup links to the other features under the tap.
    const links = page.locator('.leaflet-popup .also a[data-other]');
    const n = await links.count();
    for (let i = 0; i < n && !(await page.locator(sel).count()); i++) {
      const text = await links.nth(i).textContent();
      if (text.includes(`${parcel.properties.map_sheet}/${parcel.properties.parcel_no}`)) await links.nth(i).tap();
    }
  }
  await page.waitForSelector(sel);
}

/** A real PNG of a "signed paper", drawn by the browser. */
async function paperPng() {
  const bytes = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 320;
    c.height = 200;
    const g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.fillStyle = '#000';
    g.font = '20px sans-serif';
    g.fillText('Biên bản hiến đất — đã ký', 10, 60);
    g.fillText(`${Date.now()}`, 10, 120);
    const blob = await new Promise((r) => { c.toBlob(r, 'image/png'); });
    return [...new Uint8Array(await blob.arrayBuffer())];
  });
  return Buffer.from(bytes);
}

before(async () => {
  server = await startServer({ users: [OFFICER] });
  browser = await launchBrowser();
  // A donated lot with nothing else drawn within about 10 m of its middle.
  const fc = await getJson(server.url, '/collections/parcels/items?limit=10000', { headers: basic(OFFICER) });
  const hh = (await getJson(server.url, '/collections/households/items?limit=10000', { headers: basic(OFFICER) })).features;
  const middle = (f) => {
    const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
    const pts = ring.slice(0, -1);
    return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
  };
  const clear = (c) => Math.min(...hh.map((h) => Math.hypot(h.geometry.coordinates[0] - c[0], h.geometry.coordinates[1] - c[1])));
  const candidates = fc.features.filter((f) => f.properties.clearance_status === 'donated')
    .map((f) => [clear(middle(f)), f]).sort((a, b) => b[0] - a[0]);
  assert.ok(candidates.length, 'the sample data have donated lots');
  [, parcel] = candidates[0];
  centre = middle(parcel);
  assert.ok(!Object.keys(parcel.properties).some((k) => k.startsWith('consent_')), 'no consent recorded yet');
  page = await openPage(browser, server.url, { viewport: PHONE, device: { isMobile: true, hasTouch: true } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a donation consent recorded on a phone', () => {
  test('the popup says what the record lacks', async () => {
    await signIn(page, OFFICER);
    await openParcel();
    await page.waitForSelector('.leaflet-popup .consent-verdict[data-consent-complete=false]');
    const text = await page.locator('.leaflet-popup .consent-verdict').textContent();
    // The server's list for this lot, in the page's words (Vietnamese by default).
    assert.match(text, /thiếu/);
    assert.match(text, /bản chụp/);
    assert.match(text, /người làm chứng/);
    await page.waitForSelector('.leaflet-popup .pop[data-etag] form.edit-form[data-step=consent] button[type=submit]:not([disabled])');
    const photo = page.locator('.leaflet-popup form[data-step=consent] input[type=file][name=photo]');
    assert.equal(await photo.getAttribute('accept'), 'image/*');
    assert.equal(await photo.getAttribute('capture'), 'environment');
    await shot('popup');
    // Every field of the form is finger-sized (laid out: a popup is scaled while the map zooms).
    const small = await page.evaluate(() => [...document.querySelectorAll('.leaflet-popup form[data-step=consent] :is(button, select, input:not([type=checkbox]), label.check)')]
      .map((el) => [el.getAttribute('name') || el.tagName, { width: el.offsetWidth, height: el.offsetHeight }])
      .filter(([, r]) => r.width && r.height && (r.width < 44 || r.height < 44))
      .map(([n, r]) => `${n} ${Math.round(r.width)}×${Math.round(r.height)}`));
    assert.deepEqual(small, [], 'consent form controls smaller than 44 × 44 px');
    await photo.scrollIntoViewIfNeeded();
    await shot('form');
  });

  test('recorded without a connection, kept across a reload, stored once with its photo when it returns', async () => {
    const png = await paperPng();
    // sha256 by node's crypto, not by the service.
    const sha = createHash('sha256').update(png).digest('hex');
    const entriesBefore = (await history(parcel.id)).entries.length;
    await page.context().setOffline(true);

    const form = page.locator('.leaflet-popup form.edit-form[data-step=consent]');
    await form.locator('input[name=told_may_refuse]').check();
    await form.locator('input[name=compensation_vnd]').fill('18500000');
    await form.locator('input[name=told_on]').fill('2026-10-02');
    await form.locator('input[name=told_by]').fill('Nguyễn Văn Hùng');
    await form.locator('input[name=witness]').fill('Lê Thị Mai');
    await form.locator('input[name=witness_role]').fill('Trưởng thôn');
    await form.locator('input[name=document_ref]').fill('GPMB-2026/014');
    await form.locator('input[name=consent_date]').fill('2026-10-09');
    await form.locator('select[name=fence_gate_state]').selectOption('to_rebuild');
    await form.locator('input[name=photo]').setInputFiles({ name: 'bien-ban.png', mimeType: 'image/png', buffer: png });
    await form.locator('button[type=submit]').tap();
    await page.waitForSelector('.leaflet-popup form[data-step=consent] .form-msg.queued');
    await waitOutbox(1);
    await shot('queued');
    assert.equal((await keptPhotos()).length, 1, 'the photo is kept in IndexedDB');
    // Nothing reached the server.
    assert.ok(!Object.keys((await item(parcel.id)).properties).some((k) => k.startsWith('consent_')));
    assert.deepEqual(attachments(), []);

    // Reloaded, still without a connection: the record and its photo are still there.
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
    await waitOutbox(1);
    assert.equal((await keptPhotos()).length, 1);
    assert.deepEqual(attachments(), []);
    // The "to send" sheet says what waits: the consent, with its photo.
    await page.locator('.phone-bar button[data-sheet=outbox]').tap();
    const waiting = page.locator('#outbox-list .outbox-item[data-state=waiting]');
    assert.equal(await waiting.count(), 1);
    assert.match(await waiting.textContent(), /Hồ sơ hiến đất 2026-10-09 \(kèm ảnh\)/);
    await shot('outbox-offline');
    await page.locator('#sheet-close').tap();

    // The connection returns: the photo, then the consent, each once.
    await page.context().setOffline(false);
    await waitOutbox(0);
    await waitIdle(page);
    const p = (await item(parcel.id)).properties;
    assert.equal(p.consent_scan_sha256, sha);
    assert.equal(p.consent_witness, 'Lê Thị Mai');
    assert.equal(p.consent_witness_role, 'Trưởng thôn');
    assert.equal(p.consent_told_by, 'Nguyễn Văn Hùng');
    assert.equal(p.consent_document_ref, 'GPMB-2026/014');
    assert.equal(p.consent_compensation_vnd, 18500000);
    assert.equal(p.consent_told_may_refuse, true);
    assert.equal(p.consent_told_on, '2026-10-02');
    assert.equal(p.consent_date, '2026-10-09');
    assert.equal(p.fence_gate_state, 'to_rebuild');
    assert.deepEqual(attachments(), [sha], 'one file, named by its hash');
    // The file read back over HTTP is the photo, byte for byte.
    const res = await fetch(new URL(`/api/attachments/${sha}`, server.url), { headers: basic(OFFICER) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(png), 'the stored scan is the photo taken');
    const h = await history(parcel.id);
    const mine = h.entries.slice(0, h.entries.length - entriesBefore);
    assert.equal(mine.length, 1, 'the consent was stored once');
    assert.equal(mine[0].user, OFFICER.name);
    assert.deepEqual(await keptPhotos(), [], 'the photo is forgotten on the phone once sent');

    // A while later, nothing more goes out.
    await page.waitForTimeout(1500);
    assert.equal((await history(parcel.id)).entries.length, entriesBefore + 1);
    assert.deepEqual(attachments(), [sha]);
  });

  test('the popup then shows the record and says it is complete', async () => {
    await openParcel();
    await page.waitForSelector('.leaflet-popup .consent-verdict[data-consent-complete=true]');
    const box = page.locator('.leaflet-popup .consent');
    assert.match(await box.textContent(), /Lê Thị Mai/);
    assert.match(await box.textContent(), /GPMB-2026\/014/);
    assert.equal(await box.locator('button[data-scan]').count(), 1);
    await shot('complete');
  });

  test('a viewer reads the record and its verdict without a form; the public sees neither', async () => {
    assert.ok(server.viewer, 'the test server has a viewer');
    const officerPage = page;
    try {
      for (const who of [server.viewer, null]) {
        page = await openPage(browser, server.url, { viewport: PHONE, device: { isMobile: true, hasTouch: true } });
        if (who) await signIn(page, who);
        await openParcel();
        if (who) {
          await page.waitForSelector('.leaflet-popup .consent-verdict[data-consent-complete=true]');
          assert.match(await page.locator('.leaflet-popup .consent').textContent(), /Lê Thị Mai/);
          assert.equal(await page.locator('.leaflet-popup form.edit-form').count(), 0, 'a viewer gets no form');
        } else {
          await page.waitForTimeout(500);
          assert.equal(await page.locator('.leaflet-popup .consent').count(), 0);
          assert.doesNotMatch(await page.locator('.leaflet-popup').textContent(), /Lê Thị Mai|GPMB-2026/);
        }
        await page.context().close();
      }
    } finally {
      page = officerPage;
    }
  });
});
