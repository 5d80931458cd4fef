// Shared set-up of the browser tests: a drainplan server on a free port over a copy of
// the sample data, and headless Debian Chromium driven by playwright-core (installed by
// `npm ci --prefix web`).

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'web', 'package.json'));

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const BIN = resolve(ROOT, process.env.DRAINPLAN_BIN || 'target/debug/drainplan');
export const DATA = resolve(ROOT, process.env.DRAINPLAN_DATA || 'data');

/** A viewer account the tests create in their copy of the data. */
export const VIEWER = { name: 'e2e-viewer', password: 'e2e-viewer-password-1' };
/** An officer account (edits), created where a test asks for it. */
export const OFFICER = { name: 'e2e-officer', password: 'e2e-officer-password-1', role: 'officer' };

/** `drainplan user add NAME --role ROLE --data DIR`, the password on standard input. */
function addUser(data, { name, role, password }) {
  return spawnSync(BIN, ['user', 'add', name, '--role', role, '--data', data], {
    input: `${password}\n`,
    encoding: 'utf8',
  });
}

function loadPlaywright() {
  try {
    return require('playwright-core');
  } catch (e) {
    throw new Error(`playwright-core is not installed: run \`npm ci --prefix web\` (${e.message})`);
  }
}

/**
 * Starts `drainplan serve` on 127.0.0.1:0 over a temporary copy of the sample data, or of
 * the layer files in `from` (so the tests never write into the repository), and resolves
 * once it prints its address.
 * `users` ([{name, role, password}]) are added too; they must be added, or it throws.
 * `restart()` kills the server at once (SIGKILL, as a crash would) and starts it again over
 * the same data directory on the same address (so that a page open on it carries on).
 */
export async function startServer({ withViewer = true, users = [], from = DATA } = {}) {
  if (!existsSync(BIN)) throw new Error(`no drainplan binary at ${BIN}: build it (cargo build) or set DRAINPLAN_BIN`);
  if (!existsSync(from) || !readdirSync(from).some((f) => f.endsWith('.geojson'))) {
    throw new Error(`no sample data (*.geojson) in ${from}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'drainplan-e2e-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  for (const f of readdirSync(from)) {
    if (f.endsWith('.geojson')) cpSync(join(from, f), join(data, f));
  }
  let viewer = null;
  if (withViewer) {
    const r = addUser(data, { ...VIEWER, role: 'viewer' });
    // A server without users (before roles existed) simply has no viewer to sign in as.
    if (r.status === 0) viewer = VIEWER;
  }
  for (const u of users) {
    const r = addUser(data, u);
    if (r.status !== 0) throw new Error(`drainplan user add ${u.name} --role ${u.role} failed: ${r.stderr}`);
  }
  const server = { url: null, viewer, child: null, data };
  await spawnServer(server);
  server.stop = async () => {
    await stopChild(server.child);
    rmSync(dir, { recursive: true, force: true });
  };
  server.restart = async () => {
    await stopChild(server.child, 'SIGKILL');
    await spawnServer(server, new URL(server.url).host);
    return server.url;
  };
  return server;
}

async function stopChild(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      r();
    }, 5000);
    child.on('exit', () => {
      clearTimeout(t);
      r();
    });
    child.kill(signal);
  });
}

/** Starts `drainplan serve` over `server.data`; sets server.url and server.child. */
async function spawnServer(server, addr = '127.0.0.1:0') {
  const { data } = server;
  const child = spawn(BIN, ['serve', '--addr', addr, '--data', data, '--web', join(ROOT, 'web')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`drainplan did not start in 60 s\n${out}\n${stderr}`)), 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/drainplan listening on (http:\/\/\S+?)\/?\s/);
      if (m) {
        clearTimeout(timer);
        ok(`${m[1]}/`);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`drainplan exited with ${code} before listening\n${out}\n${stderr}`));
    });
  });
  server.url = url;
  server.child = child;
}

/** Signs in through the page's form and waits until the page has fetched what the role may see. */
export async function signIn(page, { name, password }) {
  await page.locator('#signin-btn').click();
  await page.locator('#signin-name').fill(name);
  await page.locator('#signin-password').fill(password);
  await page.locator('#signin-form button[type=submit]').click();
  await page.waitForSelector('#who:not([hidden])');
  await page.waitForTimeout(200);
  await waitIdle(page);
}

/** HTTP Basic credentials for fetch() from the test. */
export function basic({ name, password }) {
  return { Authorization: `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}` };
}

/** Headless Debian Chromium, with the flags this machine needs (no background networking). */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium`);
  const { chromium } = loadPlaywright();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new page that records console errors, uncaught exceptions and failed requests
 * (other than ones the page aborted on purpose) in `page.problems`. `prepare(page)` runs
 * before the page is loaded (routes, init scripts).
 */
export async function openPage(browser, url, {
  viewport = { width: 1440, height: 900 }, lang, prepare, device = {},
} = {}) {
  // Officers work on Vietnam's clock: the date fields' today is the server's today.
  // `device` adds context options (a phone: { isMobile: true, hasTouch: true }).
  const context = await browser.newContext({
    viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', ...device,
  });
  const page = await context.newPage();
  page.problems = [];
  const ignore = process.env.E2E_IGNORE_CONSOLE ? new RegExp(process.env.E2E_IGNORE_CONSOLE) : null;
  page.on('console', (m) => {
    if (m.type() === 'error' && !(ignore && ignore.test(m.text()))) page.problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText || '';
    if (!why.includes('ERR_ABORTED')) page.problems.push(`request failed: ${r.url()} ${why}`);
  });
  if (prepare) await prepare(page);
  await page.goto(lang ? `${url}#lang=${lang}` : url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
  await waitIdle(page);
  return page;
}

/** Waits until the page has no request of its own in flight. */
export async function waitIdle(page) {
  await page.waitForFunction(() => document.body.dataset.busy === '0', null, { timeout: 30000 });
}

/** The container pixel (relative to the page) of a longitude/latitude on the map. */
export async function pagePoint(page, lon, lat) {
  return page.evaluate(([lo, la]) => {
    const map = window.drainplan.map;
    const p = map.latLngToContainerPoint([la, lo]);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [lon, lat]);
}

/** Moves the map and waits until the view's layers are loaded. */
export async function setView(page, lon, lat, zoom) {
  await page.evaluate(([lo, la, z]) => {
    window.drainplan.map.setView([la, lo], z, { animate: false });
  }, [lon, lat, zoom]);
  await page.waitForTimeout(250);
  await waitIdle(page);
}

export async function getJson(base, path, init) {
  const res = await fetch(new URL(path, base), init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A point a fraction `t` of the way along a LineString's coordinates (planar, fine at this scale). */
export function along(coords, t) {
  const seg = [];
  let total = 0;
  for (let i = 1; i < coords.length; i++) {
    const d = Math.hypot(coords[i][0] - coords[i - 1][0], coords[i][1] - coords[i - 1][1]);
    seg.push(d);
    total += d;
  }
  let target = t * total;
  for (let i = 1; i < coords.length; i++) {
    if (target <= seg[i - 1] || i === coords.length - 1) {
      const f = seg[i - 1] ? Math.min(1, target / seg[i - 1]) : 0;
      return [coords[i - 1][0] + f * (coords[i][0] - coords[i - 1][0]), coords[i - 1][1] + f * (coords[i][1] - coords[i - 1][1])];
    }
    target -= seg[i - 1];
  }
  return coords[coords.length - 1];
}

/** Metres between two lon/lat points (equirectangular; fine for metres). */
export function metres(a, b) {
  const R = 6371008.8;
  const rad = Math.PI / 180;
  const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
  const y = (b[1] - a[1]) * rad;
  return Math.hypot(x, y) * R;
}

/** The Content-Security-Policy the service is to send (tests/e2e/csp.test.mjs). */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; "
  + "img-src 'self' data: https://tile.openstreetmap.org https://*.tile.openstreetmap.org; connect-src 'self'; "
  + "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * For openPage's `prepare`: records CSP violations in window.__csp and sends the policy
 * with `server`'s HTML and scripts.
 */
export async function underCsp(p, server) {
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
