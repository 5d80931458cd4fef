// Downloads from the map page, against a real drainplan server on the sample data: the
// "Tải xuống" panel (a layer, the current view, a format and a CRS) and the impact tab's
// dossier and taken-strips buttons. Each file is saved by Chromium and read back with an
// independent reader (unzip, GDAL's ogrinfo).
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ROOT, along, getJson, launchBrowser, openPage, pagePoint, setView, startServer, waitIdle,
} from './helpers.mjs';

let server;
let browser;
let page;
let planned; // the sample's longest planned canal
let dir; // where the downloads are saved

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'drainplan-e2e-downloads-'));
  const canals = await getJson(server.url, '/collections/canals/items?status=planned&limit=100');
  planned = canals.features.sort((a, b) => (b.properties.length_m ?? 0) - (a.properties.length_m ?? 0))[0];
  page = await openPage(browser, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function assertNoProblems(p = page) {
  assert.deepEqual(p.problems, [], `the page reported problems:\n${p.problems.join('\n')}`);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} is missing (${r.error.message}): apt-get install ${cmd === 'ogrinfo' ? 'gdal-bin' : cmd}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** `ogrinfo -so -al`: { count, text } of a file's single layer. */
function ogrinfo(file) {
  const text = run('ogrinfo', ['-so', '-al', file]);
  const m = /Feature Count: (\d+)/.exec(text);
  assert.ok(m, `ogrinfo reports a feature count:\n${text}`);
  return { count: Number(m[1]), text };
}

/** Runs `action` (which starts a download) and resolves with { file, name, url } once it is saved. */
async function downloadFrom(p, action) {
  const [dl] = await Promise.all([p.waitForEvent('download', { timeout: 60000 }), action()]);
  const name = dl.suggestedFilename();
  const file = join(dir, name);
  await dl.saveAs(file);
  assert.equal(await dl.failure(), null, 'the download completed');
  return { file, name };
}

async function openPanel(p = page) {
  if (await p.locator('#export-form').isHidden()) await p.locator('#export-toggle').click();
  await p.waitForSelector('#export-form:not([hidden])');
}

/** Sets the panel's choice; `extent` is 'all' or 'view'. */
async function choose(p, { what, extent, format, crs }) {
  await openPanel(p);
  if (what) await p.locator('#export-what').selectOption(what);
  if (extent) await p.locator(`#export-extent input[value=${extent}]`).check();
  if (format) await p.locator('#export-format').selectOption(format);
  if (crs) await p.locator('#export-crs').selectOption(crs);
}

describe('downloads from the map page', () => {
  test('the Tải xuống panel offers the layers, the formats and the four CRSs, in Vietnamese; DXF and Shapefile default to VN-2000 TM-3', async () => {
    assert.equal((await page.locator('#export-toggle').textContent()).trim(), 'Tải xuống');
    await openPanel();
    const layers = await page.locator('#export-what option').evaluateAll((os) => os.map((o) => [o.value, o.textContent, o.disabled]));
    assert.deepEqual(layers.map((x) => x[0]), ['canals', 'parcels', 'households', 'flood_zones', 'catchments', 'villages', 'impact']);
    assert.ok(layers.find((x) => x[0] === 'parcels')[1] === 'Thửa đất');
    assert.equal(layers.find((x) => x[0] === 'impact')[2], true, 'no route-impact result to download yet');
    assert.deepEqual(await page.locator('#export-format option').evaluateAll((os) => os.map((o) => o.value)), ['geojson', 'csv', 'kml', 'shp', 'gpkg', 'dxf']);
    const crss = await page.locator('#export-crs option').evaluateAll((os) => os.map((o) => [o.value, o.textContent, o.title]));
    assert.deepEqual(crss.map((x) => x[0]), ['EPSG:4326', 'EPSG:9208', 'EPSG:3405', 'VN2000-TM3-104.75-towgs84']);
    assert.match(crss[1][1], /VN-2000 TM-3 104°45′ Nghệ An/);
    assert.match(crss[3][2], /0,7 m/, 'the +towgs84 choice explains itself in a tooltip');
    assert.match(await page.locator('#export-box .info').getAttribute('title'), /\+towgs84/);

    assert.equal(await page.locator('#export-crs').inputValue(), 'EPSG:4326');
    await page.locator('#export-format').selectOption('dxf');
    assert.equal(await page.locator('#export-crs').inputValue(), 'EPSG:9208');
    await page.locator('#export-format').selectOption('geojson');
    assert.equal(await page.locator('#export-crs').inputValue(), 'EPSG:4326');
    await page.locator('#export-format').selectOption('shp');
    assert.equal(await page.locator('#export-crs').inputValue(), 'EPSG:9208');
    assert.ok(await page.locator('#export-crs-note').isHidden());
    await page.locator('#export-crs').selectOption('VN2000-TM3-104.75-towgs84');
    assert.ok(await page.locator('#export-crs-note').isVisible(), 'the +towgs84 choice shows its explanation');
    await page.locator('#export-crs').selectOption('EPSG:9208');
    // A click in the panel is not a click on the map.
    assert.equal(await page.locator('.leaflet-popup').count(), 0);
    assertNoProblems();
  });

  test('parcels as GeoPackage in EPSG:9208: the file ogrinfo opens has the API’s parcel count and says VN-2000', async () => {
    await choose(page, { what: 'parcels', extent: 'all', format: 'gpkg', crs: 'EPSG:9208' });
    const req = page.waitForRequest((r) => r.url().includes('/api/export/parcels'));
    const { file, name } = await downloadFrom(page, () => page.locator('#export-go').click());
    const url = new URL((await req).url());
    assert.equal(url.searchParams.get('format'), 'gpkg');
    assert.equal(url.searchParams.get('crs'), 'EPSG:9208');
    assert.equal(url.searchParams.get('bbox'), null, 'the whole layer');
    assert.equal(name, 'parcels_EPSG9208.gpkg', 'saved under the server’s file name');
    const all = await getJson(server.url, '/collections/parcels/items?limit=1');
    const info = ogrinfo(file);
    assert.equal(info.count, all.numberMatched);
    assert.match(info.text, /VN-2000/);
    assert.match(info.text, /9208/);
    await page.waitForSelector('body[data-export=done]');
    assert.match(await page.locator('#export-status').textContent(), /^Đã tải parcels_EPSG9208\.gpkg \(.+\)\.$/);
    assertNoProblems();
  });

  test('the current view gives fewer parcels than the whole layer: those in the map’s bbox', async () => {
    const [lon, lat] = along(planned.geometry.coordinates, 0.5);
    await setView(page, lon, lat, 17);
    await choose(page, { what: 'parcels', extent: 'view', format: 'geojson' });
    assert.equal(await page.locator('#export-crs').inputValue(), 'EPSG:9208', 'a CRS the user picked stays picked');
    await page.locator('#export-crs').selectOption('EPSG:4326');
    const req = page.waitForRequest((r) => r.url().includes('/api/export/parcels'));
    const { file, name } = await downloadFrom(page, () => page.locator('#export-go').click());
    assert.equal(name, 'parcels_EPSG4326.geojson');
    const bbox = new URL((await req).url()).searchParams.get('bbox');
    const view = await page.evaluate(() => window.drainplan.map.getBounds().toBBoxString());
    bbox.split(',').map(Number).forEach((v, i) => assert.ok(Math.abs(v - Number(view.split(',')[i])) < 1e-5, `bbox ${bbox} is the view ${view}`));
    const fc = JSON.parse(readFileSync(file, 'utf8'));
    const all = await getJson(server.url, '/collections/parcels/items?limit=1');
    const inView = await getJson(server.url, `/collections/parcels/items?limit=1&bbox=${bbox}`);
    assert.ok(fc.features.length > 0, 'the view has parcels');
    assert.ok(fc.features.length < all.numberMatched, `${fc.features.length} parcels in view, of ${all.numberMatched}`);
    assert.equal(fc.features.length, inView.numberMatched);
    assertNoProblems();
  });

  test('a choice the server refuses (KML in EPSG:9208) shows the server’s message', async () => {
    await choose(page, { what: 'canals', extent: 'all', format: 'kml', crs: 'EPSG:9208' });
    const res = page.waitForResponse((r) => r.url().includes('/api/export/canals'));
    await page.locator('#export-go').click();
    const answer = await res;
    assert.equal(answer.status(), 400);
    const { error } = await answer.json();
    await page.waitForSelector('body[data-export=error]');
    const status = page.locator('#export-status');
    assert.ok(await status.isVisible());
    assert.match(await status.getAttribute('class'), /error/);
    assert.equal(await status.textContent(), `Không tải được: ${error}`);
    assert.match(error, /WGS84/);
    assert.equal(await page.locator('#export-go').isDisabled(), false, 'the button is usable again');
    // The browser's own "Failed to load resource … 400" line is the only console line allowed.
    assert.deepEqual(page.problems.filter((x) => !/status of 4\d\d/.test(x)), []);
    page.problems = [];
    // Changing the choice clears the message.
    await page.locator('#export-crs').selectOption('EPSG:4326');
    assert.ok(await status.isHidden());
  });

  test('the dossier of the planned canal downloads from the impact tab as a zip with the DXF, the shapefiles and the alignment table', async () => {
    await page.locator('#tab-btn-impact').click();
    await page.locator('#canal-select').selectOption(String(planned.id));
    await page.waitForFunction(() => document.body.dataset.impact === 'ready' && document.body.dataset.busy === '0');
    const button = page.locator('#impact-exports button[data-export=dossier]');
    assert.equal((await button.textContent()).trim(), 'Hồ sơ thiết kế (zip)');

    // Hold the server's answer to see the busy state.
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/api/dossier/**', async (route) => {
      await held;
      await route.continue();
    });
    const [dl] = await Promise.all([
      page.waitForEvent('download', { timeout: 60000 }),
      (async () => {
        await button.click();
        await page.waitForSelector('#impact-exports button[data-export=dossier][aria-busy=true]');
        assert.equal(await button.isDisabled(), true);
        assert.equal((await button.textContent()).trim(), 'Đang tạo tệp…');
        release();
      })(),
    ]);
    await page.unroute('**/api/dossier/**');
    const name = dl.suggestedFilename();
    assert.match(name, /^dossier_.+_EPSG9208\.zip$/);
    const file = join(dir, name);
    await dl.saveAs(file);
    await page.waitForSelector('body[data-export=done]');
    assert.equal((await button.textContent()).trim(), 'Hồ sơ thiết kế (zip)');
    assert.equal(await button.isDisabled(), false);

    const listing = run('unzip', ['-Z1', file]).split('\n').filter(Boolean);
    assert.ok(listing.some((f) => f.endsWith('.dxf')), `a .dxf in ${listing}`);
    assert.ok(listing.some((f) => f.endsWith('.shp')), `a .shp in ${listing}`);
    assert.ok(listing.some((f) => f.endsWith('.prj')), `a .prj in ${listing}`);
    assert.ok(listing.some((f) => /^alignment_.*\.csv$/.test(f)), `the alignment table in ${listing}`);
    assert.ok(listing.includes('land_taken_by_parcel.csv') && listing.includes('README.txt'), `${listing}`);
    // The alignment runs from Km0+000.00 to the canal's length (the sample's planned 750 m canal).
    const alignment = run('unzip', ['-p', file, listing.find((f) => f.startsWith('alignment_'))])
      .replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','));
    assert.deepEqual(alignment[0].slice(0, 3), ['vertex', 'chainage', 'chainage_m']);
    assert.equal(alignment[1][1], 'Km0+000.00');
    const length = await page.evaluate(() => window.drainplan.impact.route_length_m);
    assert.ok(Math.abs(Number(alignment.at(-1)[2]) - length) < 0.05, `the last chainage ${alignment.at(-1)[1]} is the route's ${length} m`);
    if (Math.round(planned.properties.length_m) === 750) assert.equal(alignment.at(-1)[1], 'Km0+750.00');
    const prj = run('unzip', ['-p', file, listing.find((f) => f.endsWith('.prj'))]);
    assert.match(prj, /VN-2000/);
    const dxf = listing.find((f) => f.endsWith('.dxf'));
    assert.match(run('ogrinfo', ['-so', '-al', `/vsizip/${file}/${dxf}`]), /Feature Count: [1-9]/);
    assertNoProblems();
  });

  test('taken strips of the planned canal download in the panel’s format and CRS, one feature per affected parcel', async () => {
    // Pick DXF (VN-2000 TM-3 by default) in the panel; the button under the impact says so.
    await choose(page, { what: 'impact', format: 'dxf', crs: 'EPSG:9208' });
    assert.ok(await page.locator('#export-extent input[value=view]').isDisabled(), 'no extent for a route-impact result');
    assert.equal(await page.locator('[data-export-detail=strips]').textContent(), 'DXF · VN-2000 TM-3');
    const req = page.waitForRequest((r) => r.url().includes('/impact?'));
    const { file, name } = await downloadFrom(page, () => page.locator('#impact-exports button[data-export=strips]').click());
    const url = new URL((await req).url());
    assert.equal(url.pathname, `/api/export/canals/${encodeURIComponent(planned.id)}/impact`);
    assert.equal(url.searchParams.get('corridor_width_m'), '6');
    assert.equal(name, 'taken_strips_EPSG9208.dxf');
    const impact = await page.evaluate(() => window.drainplan.impact);
    const text = run('ogrinfo', ['-al', file]);
    // One closed polyline (or more, for a strip in pieces) per parcel: count the labels.
    const labels = new Set(impact.parcels.map((p) => `${p.map_sheet}/${p.parcel_no}`));
    for (const l of labels) assert.ok(text.includes(l), `label ${l} in the DXF`);

    // The panel's own button downloads the same result as GeoPackage.
    await page.locator('#export-format').selectOption('gpkg');
    const gp = await downloadFrom(page, () => page.locator('#export-go').click());
    assert.equal(gp.name, 'taken_strips_EPSG9208.gpkg');
    const info = ogrinfo(gp.file);
    assert.equal(info.count, impact.parcels.length);
    assert.match(info.text, /VN-2000/);
    assertNoProblems();
  });

  test('a drawn route’s dossier is posted with the route drawn and downloads as a zip', async () => {
    const coords = planned.geometry.coordinates;
    const targets = [0.1, 0.6].map((f) => along(coords, f));
    await page.evaluate((pts) => {
      window.drainplan.map.fitBounds(pts.map(([x, y]) => [y, x]), { padding: [120, 120], animate: false });
    }, targets);
    await page.waitForTimeout(250);
    await waitIdle(page);
    // Fold the panel so that it covers none of the points to click.
    await page.locator('#export-close').click();
    assert.ok(await page.locator('#export-toggle').isVisible());
    await page.locator('#draw-btn').click();
    const a = await pagePoint(page, ...targets[0]);
    const b = await pagePoint(page, ...targets[1]);
    await page.mouse.click(a.x, a.y);
    await page.mouse.dblclick(b.x, b.y);
    await page.waitForFunction(() => document.body.dataset.impact === 'ready' && document.body.dataset.busy === '0'
      && document.querySelector('#impact-card h2')?.textContent === 'Tuyến vẽ tay');
    const req = page.waitForRequest((r) => r.url().endsWith('/api/dossier') && r.method() === 'POST');
    const { file, name } = await downloadFrom(page, () => page.locator('#impact-exports button[data-export=dossier]').click());
    const body = JSON.parse((await req).postData());
    assert.equal(body.route.type, 'LineString');
    assert.equal(body.route.coordinates.length, 2);
    assert.equal(body.corridor_width_m, 6);
    assert.equal(name, 'dossier_route_EPSG9208.zip');
    const listing = run('unzip', ['-Z1', file]);
    assert.match(listing, /\.dxf\n/);
    assert.match(listing, /alignment_EPSG9208\.csv/);
    assertNoProblems();
  });

  test('a signed-in viewer’s download carries the token and the owner column; the public’s does not', async () => {
    assert.ok(server.viewer, 'the test server has a viewer account');
    const p2 = await openPage(browser, server.url);
    const csvOf = async () => {
      await choose(p2, { what: 'parcels', extent: 'all', format: 'csv', crs: 'EPSG:4326' });
      const req = p2.waitForRequest((r) => r.url().includes('/api/export/parcels'));
      const { file } = await downloadFrom(p2, () => p2.locator('#export-go').click());
      const header = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0];
      return { header, auth: (await req).headers().authorization };
    };
    const pub = await csvOf();
    assert.equal(pub.auth, undefined);
    assert.ok(!/owner_household/.test(pub.header), pub.header);

    await p2.locator('#signin-btn').click();
    await p2.locator('#signin-name').fill(server.viewer.name);
    await p2.locator('#signin-password').fill(server.viewer.password);
    await p2.locator('#signin-form button[type=submit]').click();
    await p2.waitForSelector('#who:not([hidden])');
    await waitIdle(p2);
    const signed = await csvOf();
    assert.match(signed.auth || '', /^Bearer \S+/);
    assert.match(signed.header, /owner_household/);
    assertNoProblems(p2);
    await p2.context().close();
  });

  test('the panel and the impact buttons speak English after the switch', async () => {
    await page.locator('.lang-switch button[data-lang=en]').click();
    assert.equal((await page.locator('#export-form h4').textContent()).trim(), 'Download');
    assert.equal((await page.locator('#export-go').textContent()).trim(), 'Download');
    assert.match(await page.locator('#export-crs option[value="EPSG:3405"]').textContent(), /UTM zone 48N/);
    assert.equal((await page.locator('#impact-exports button[data-export=dossier]').textContent()).trim(), 'Engineering dossier (zip)');
    assert.equal((await page.locator('#impact-exports button[data-export=strips]').textContent()).trim(), 'Export taken strips');
    await page.locator('.lang-switch button[data-lang=vi]').click();
    assert.equal((await page.locator('#export-go').textContent()).trim(), 'Tải xuống');
    assertNoProblems();
  });

  test('screenshot of the panel beside the planned canal’s impact and its download buttons', async () => {
    await page.locator('#canal-select').selectOption(String(planned.id));
    await page.waitForFunction(() => document.body.dataset.impact === 'ready' && document.body.dataset.busy === '0');
    await choose(page, { what: 'parcels', extent: 'view', format: 'dxf' });
    await page.waitForTimeout(300);
    const shots = join(ROOT, 'target', 'screenshots');
    mkdirSync(shots, { recursive: true });
    const file = join(shots, 'downloads.png');
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 10000);
  });
});
