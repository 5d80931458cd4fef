// The map over a data set too large for GeoJSON in view: parcels drawn from the server's
// vector tiles at every zoom from 12 to 18, and a click on a parcel drawn from a tile
// opens its details as a click on a GeoJSON parcel does.
//
// The data set is generated for the test (`drainplan generate --communes 12`: about
// 48 000 parcels in a row of communes 30 km long): below zoom 15 parcels come from tiles
// only, and from zoom 15 a view holds up to 10 000 of them.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/tiles.test.mjs

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  BIN, ROOT, getJson, launchBrowser, openPage, pagePoint, setView, startServer, waitIdle,
} from './helpers.mjs';

const COMMUNES = 12;

let dir;
let server;
let browser;
let page;
let parcel; // a parcel near the middle of the data, as the API serves it

/** The centre of a polygon feature's exterior ring (its vertices' mean). */
function centreOf(f) {
  const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
  const pts = ring.slice(0, -1);
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}

/** Painted pixels (alpha > 0, every 5th pixel sampled) on the parcels pane's canvases. */
async function paintedParcelPixels() {
  return page.evaluate(() => {
    let painted = 0;
    const map = window.drainplan.map.getContainer().getBoundingClientRect();
    for (const c of document.querySelectorAll('.leaflet-parcels-pane canvas')) {
      const r = c.getBoundingClientRect();
      // Only canvases on screen.
      if (r.right < map.left || r.left > map.right || r.bottom < map.top || r.top > map.bottom) continue;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 20) if (d[i] > 0) painted++;
    }
    return painted;
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drainplan-tiles-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const gen = spawnSync(BIN, ['generate', '--communes', String(COMMUNES), '--out', data], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(gen.status, 0, `drainplan generate failed: ${gen.stderr}`);
  server = await startServer({ from: data });
  browser = await launchBrowser();
  const coll = await getJson(server.url, '/collections/parcels');
  const [w, s, e, n] = coll.extent.spatial.bbox[0];
  const mid = [(w + e) / 2, (s + n) / 2];
  // The parcel nearest the middle of the data.
  for (let d = 0.002; !parcel; d *= 2) {
    const fc = await getJson(server.url, `/collections/parcels/items?limit=50&bbox=${mid[0] - d},${mid[1] - d},${mid[0] + d},${mid[1] + d}`);
    // The largest of them, to be clicked where it is a few pixels wide.
    const size = (f) => {
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const xs = ring.map((p) => p[0]);
      const ys = ring.map((p) => p[1]);
      return (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
    };
    parcel = fc.features.sort((a, b) => size(b) - size(a))[0];
    assert.ok(d < 1, 'parcels near the middle of the data');
  }
  page = await openPage(browser, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a province-size map', () => {
  test('draws parcels at every zoom from 12 to 18', async () => {
    const all = await getJson(server.url, '/collections/parcels/items?limit=1');
    assert.ok(all.numberMatched > 40000, `a large data set (${all.numberMatched} parcels)`);
    const [lon, lat] = centreOf(parcel);
    const seen = {};
    for (let z = 12; z <= 18; z++) {
      await setView(page, lon, lat, z);
      const state = await page.evaluate(() => ({
        view: window.drainplan.viewState().parcels,
        tiles: window.drainplan.tiles().parcels,
        features: window.drainplan.counts().parcels,
      }));
      const pixels = await paintedParcelPixels();
      seen[z] = { ...state, pixels };
      // Drawn either way: from tiles where the view holds too many (or below zoom 15),
      // as features where it does not.
      if (state.view === 'tiles') {
        assert.ok(state.tiles.shown && state.tiles.drawn > 0, `zoom ${z}: tiles drawn ${JSON.stringify(state)}`);
      } else {
        assert.equal(state.view, 'ok');
        assert.ok(state.features > 0, `zoom ${z}: parcels fetched as features`);
      }
      assert.ok(pixels > 1000, `zoom ${z}: parcels painted on the map (${pixels} sampled pixels)`);
    }
    // Below zoom 15 parcels are never fetched as features.
    for (const z of [12, 13, 14]) assert.equal(seen[z].view, 'tiles', `zoom ${z}: ${JSON.stringify(seen[z])}`);
    assert.deepEqual(page.problems, []);
  });

  test('a click on a parcel drawn from a tile opens its details', async () => {
    // Canals off, so that the click finds the parcel first.
    await page.locator('#layers-box input[data-layer=canals]').uncheck();
    const [lon, lat] = centreOf(parcel);
    await setView(page, lon, lat, 14);
    assert.equal(await page.evaluate(() => window.drainplan.viewState().parcels), 'tiles');
    const pt = await pagePoint(page, lon, lat);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector('.leaflet-popup-content', { timeout: 10000 });
    await waitIdle(page);
    const text = await page.locator('.leaflet-popup-content').textContent();
    const p = parcel.properties;
    const title = `Tờ bản đồ ${p.map_sheet} · Số thửa ${p.parcel_no}`;
    assert.ok(text.includes(title), `the popup names the parcel (${title}): ${text}`);
    await page.locator('#layers-box input[data-layer=canals]').check();
    assert.deepEqual(page.problems, []);
  });
});
