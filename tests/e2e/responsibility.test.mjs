// "Who is responsible here" on the map (web/responsibility.js), in headless Chromium under
// the service's Content-Security-Policy, against a real drainplan server on a copy of the
// sample data with its campaign register (data/campaign: people and tasks).
//
// What the page shows is compared with what the API answers, read here by the test
// itself as an officer (GET /api/tasks?at=, GET /api/people); the flags' rule and the
// progress numbers are tested against hand calculations in tests/campaign_tasks.rs. Here:
// every feature the tasks name is drawn in the colour of the worst flag among its tasks
// (so the sample's late tasks' features in the late colour), a click lists the tasks on a
// feature, the person panel lists exactly the tasks the API gives for that person (late
// first), a task whose flag the API says changes between two dates changes on the page,
// and the public sees counts and never a person's name.
//
// Run: npm ci --prefix web && cargo build && node --test tests/e2e/responsibility.test.mjs

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  DATA, OFFICER, ROOT, basic, getJson, launchBrowser, openPage, signIn, startServer, underCsp, waitIdle,
} from './helpers.mjs';

/** The flags' colours as the page is to draw them (web/responsibility.js FLAG_COLOR). */
const COLOR = {
  late: '#c0392b', at_risk: '#e67e22', on_time: '#2e86c1', done: '#27ae60', cancelled: '#8a949b',
};
/** Worst first: a feature several tasks share is drawn in the first of their flags here. */
const ORDER = ['late', 'at_risk', 'on_time', 'done', 'cancelled'];
/** A day in the sample's campaign (the 750 m canal's clearance, winter 2023–24)… */
const AT = '2023-12-20';
/** …and one before the first clearance deadline (15 Dec 2023). */
const EARLIER = '2023-11-20';
const SHOTS = join(ROOT, 'target', 'screenshots');

let server;
let browser;
let page;
let people; // GET /api/people as an officer
const answers = {}; // date → GET /api/tasks?at=date as an officer

const asOfficer = (path) => getJson(server.url, path, { headers: basic(OFFICER) });
const cls = (s) => String(s).replace(/[^\w-]/g, '_');

/** The colour the test expects for each feature the tasks name: the worst flag among them. */
function expectedColours(tasks) {
  const worst = new Map();
  for (const task of tasks) {
    for (const f of task.features) {
      const k = `${f.collection}-${cls(f.id)}`;
      const prev = worst.get(k);
      if (!prev || ORDER.indexOf(task.flag) < ORDER.indexOf(prev)) worst.set(k, task.flag);
    }
  }
  return worst;
}

/** The stroke of every feature the page draws for the tasks, by `collection-id`. */
async function drawnStrokes() {
  return page.evaluate(() => {
    const out = {};
    for (const el of document.querySelectorAll('.leaflet-responsibility-pane path.resp-f')) {
      const k = [...el.classList].find((c) => /^resp-(canals|parcels|households)-/.test(c));
      if (k) out[k.slice(5)] = el.getAttribute('stroke');
    }
    return out;
  });
}

async function setDate(at) {
  await page.locator('#resp-at').fill(at);
  await page.locator('#resp-at').dispatchEvent('change');
  await page.waitForFunction((d) => window.drainplan.responsibility.tasks?.at === d && document.body.dataset.responsibility === 'ready', at);
  await waitIdle(page);
}

async function assertClean(what) {
  const v = await page.evaluate(() => window.__csp);
  assert.deepEqual(v, [], `CSP violations ${what}:\n${JSON.stringify(v, null, 1)}`);
  assert.deepEqual(page.problems, [], `the page reported problems ${what}:\n${page.problems.join('\n')}`);
}

before(async () => {
  server = await startServer({ users: [OFFICER] });
  // The sample's campaign register (people and tasks) beside the layers, read on start.
  const campaign = join(DATA, 'campaign');
  assert.ok(existsSync(campaign), `the sample has a campaign register at ${campaign}`);
  if (!existsSync(join(server.data, 'campaign', 'tasks.json'))) {
    cpSync(campaign, join(server.data, 'campaign'), { recursive: true });
    await server.restart();
  }
  people = await asOfficer('/api/people');
  for (const at of [AT, EARLIER]) answers[at] = await asOfficer(`/api/tasks?at=${at}`);
  browser = await launchBrowser();
  page = await openPage(browser, server.url, { prepare: (p) => underCsp(p, server) });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('who is responsible here', () => {
  test('the API’s answer has what the page is tested on', () => {
    const tasks = answers[AT].tasks;
    assert.ok(people.people.length >= 5, 'the sample has people');
    // Late by the rule's first clause, checked here by hand: open, and the deadline before AT.
    const late = tasks.filter((x) => x.flag === 'late');
    assert.ok(late.some((x) => x.features.length), 'a late task with features on the map');
    for (const x of late) assert.ok(x.status === 'open' && x.deadline < AT, `${x.id} is open past its deadline ${x.deadline}`);
    for (const x of tasks.filter((y) => y.status === 'open' && y.deadline < AT)) assert.equal(x.flag, 'late', `${x.id} open past ${x.deadline}`);
    const changed = tasks.filter((x) => x.features.length && answers[EARLIER].tasks.find((y) => y.id === x.id)?.flag !== x.flag);
    assert.ok(changed.length, `a task with features whose flag differs between ${EARLIER} and ${AT}`);
  });

  test('signed in, every task’s features are drawn in the colour of its flag; the late ones in the late colour', async () => {
    await signIn(page, OFFICER);
    await page.locator('#tab-btn-responsibility').click();
    await page.waitForSelector('body[data-responsibility=ready]');
    await setDate(AT);
    const drawn = await drawnStrokes();
    const expected = expectedColours(answers[AT].tasks);
    assert.ok(expected.size > 20, 'the sample\'s tasks name many features');
    for (const [k, flag] of expected) assert.equal(drawn[k], COLOR[flag], `${k} is drawn as ${flag}`);
    assert.equal(Object.keys(drawn).length, expected.size, 'nothing else is drawn');
    // The late tasks' features, one by one.
    const late = answers[AT].tasks.filter((x) => x.flag === 'late' && x.features.length);
    for (const x of late) {
      for (const f of x.features) assert.equal(drawn[`${f.collection}-${cls(f.id)}`], COLOR.late, `${x.id}: ${f.collection} ${f.id} in the late colour`);
    }
    // The legend names the flags.
    assert.equal(await page.locator('#legend-box [data-legend=responsibility] .legend-item').count(), ORDER.length);
    await assertClean('drawing the tasks');
  });

  test('a click on a feature lists the tasks on it with their responsible person, deadline, progress and flag', async () => {
    const late = answers[AT].tasks.find((x) => x.flag === 'late' && x.features.some((f) => f.collection === 'parcels'));
    const f = late.features.find((g) => g.collection === 'parcels');
    const on = answers[AT].tasks.filter((x) => x.features.some((g) => g.collection === 'parcels' && g.id === f.id));
    await page.evaluate(([w, s, e, n]) => { window.drainplan.map.fitBounds([[s, w], [n, e]], { animate: false, maxZoom: 18 }); }, late.bbox);
    await waitIdle(page);
    await page.locator(`path.resp-parcels-${cls(f.id)}`).click({ force: true });
    const pop = page.locator(`.leaflet-popup .resp-popup[data-feature="parcels/${f.id}"]`);
    await pop.waitFor();
    const listed = await pop.locator('li[data-task]').evaluateAll((els) => els.map((el) => ({
      id: el.dataset.task,
      flag: el.dataset.flag,
      responsible: el.querySelector('[data-responsible]').textContent,
      done: el.querySelector('[data-done]')?.dataset.done,
      total: el.querySelector('[data-total]')?.dataset.total,
    })));
    assert.deepEqual(listed.map((x) => x.id).sort(), on.map((x) => x.id).sort(), 'every task on the parcel, and no other');
    assert.equal(listed[0].flag, 'late', 'late first');
    for (const x of listed) {
      const api = on.find((y) => y.id === x.id);
      assert.equal(x.flag, api.flag);
      assert.equal(x.responsible, people.people.find((p) => p.id === api.responsible).name);
      assert.equal(Number(x.done), api.progress.done);
      assert.equal(Number(x.total), api.progress.total);
    }
    await page.keyboard.press('Escape');
    await page.evaluate(() => { window.drainplan.map.closePopup(); });
  });

  test('the person panel lists exactly that person’s tasks as the API gives them, late first, and a task zooms the map', async () => {
    // The person with the most tasks at AT, among them a late one.
    const count = (id) => answers[AT].tasks.filter((x) => x.responsible === id || x.supporting.includes(id)).length;
    const person = people.people
      .filter((p) => answers[AT].tasks.some((x) => x.flag === 'late' && (x.responsible === p.id || x.supporting.includes(p.id))))
      .sort((a, b) => count(b.id) - count(a.id))[0];
    const theirs = await asOfficer(`/api/tasks?at=${AT}&person=${encodeURIComponent(person.id)}`);
    // The API's filter, checked against the whole list.
    assert.deepEqual(theirs.tasks.map((x) => x.id).sort(), answers[AT].tasks.filter((x) => x.responsible === person.id || x.supporting.includes(person.id)).map((x) => x.id).sort());
    await page.locator('#resp-person').selectOption(person.id);
    await page.waitForFunction((id) => window.drainplan.responsibility.personTasks && window.drainplan.responsibility.person === id && document.querySelector('#resp-person-tasks'), person.id);
    await waitIdle(page);
    const listed = await page.locator('#resp-person-tasks li[data-task]').evaluateAll((els) => els.map((el) => ({
      id: el.dataset.task, flag: el.dataset.flag, role: el.querySelector('[data-role]')?.dataset.role,
    })));
    assert.deepEqual(listed.map((x) => x.id).sort(), theirs.tasks.map((x) => x.id).sort(), `${person.id}'s tasks`);
    const ranks = listed.map((x) => ORDER.indexOf(x.flag));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), 'late first, then at risk, on time, done');
    for (const x of listed) {
      const api = theirs.tasks.find((y) => y.id === x.id);
      assert.equal(x.flag, api.flag);
      assert.equal(x.role, api.responsible === person.id ? 'responsible' : 'supporting');
    }
    // A task zooms the map to its features.
    const target = theirs.tasks.find((x) => x.flag === 'late' && x.bbox);
    await page.evaluate(() => { window.drainplan.map.setView([19.0, 105.5], 12, { animate: false }); });
    await page.locator(`#resp-person-tasks li[data-task="${target.id}"]`).click();
    const inView = await page.evaluate(([w, s, e, n]) => {
      const b = window.drainplan.map.getBounds();
      return b.contains([[s, w], [n, e]]) && window.drainplan.map.getZoom() >= 15;
    }, target.bbox);
    assert.ok(inView, `the map shows ${target.id}'s features`);
    await page.waitForTimeout(300);
    await waitIdle(page);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'responsibility.png') });
    await assertClean('listing a person\'s tasks');
  });

  test('changing the date changes the flags the API says change', async () => {
    const changed = answers[AT].tasks.filter((x) => x.features.length && answers[EARLIER].tasks.find((y) => y.id === x.id).flag !== x.flag);
    await setDate(EARLIER);
    const drawn = await drawnStrokes();
    for (const [k, flag] of expectedColours(answers[EARLIER].tasks)) assert.equal(drawn[k], COLOR[flag], `${k} at ${EARLIER}`);
    // At least one feature's colour differs between the two dates, as the API's flags say.
    const before = expectedColours(answers[AT].tasks);
    const after_ = expectedColours(answers[EARLIER].tasks);
    const moved = [...before.keys()].filter((k) => before.get(k) !== after_.get(k));
    assert.ok(moved.length, `some feature changes colour (tasks ${changed.map((x) => x.id).join(', ')})`);
    for (const k of moved) assert.equal(drawn[k], COLOR[after_.get(k)]);
    await setDate(AT);
    assert.equal((await drawnStrokes())[moved[0]], COLOR[before.get(moved[0])], 'and back');
    // In English the flags are named in English.
    await page.locator('.lang-switch button[data-lang=en]').click();
    const n = answers[AT].tasks.filter((x) => x.flag === 'late').length;
    assert.match(await page.locator('#resp-counts').textContent(), new RegExp(`Late\\s*${n}\\b`));
    await page.locator('.lang-switch button[data-lang=vi]').click();
    await assertClean('changing the date and the language');
  });
});

describe('the public', () => {
  test('sees the counts by village and never a person’s name', async () => {
    const pub = await openPage(browser, server.url, { prepare: (p) => underCsp(p, server) });
    try {
      await pub.locator('#tab-btn-responsibility').click();
      await pub.waitForSelector('body[data-responsibility=ready] #resp-summary');
      const summary = await getJson(server.url, `/api/tasks/summary?at=${await pub.locator('#resp-at').inputValue()}`);
      const total = await pub.locator('#resp-summary tr[data-village=total] td[data-n=tasks]').textContent();
      assert.equal(Number(total.replace(/\D/g, '')), summary.total.tasks);
      for (const [id, c] of Object.entries(summary.by_village)) {
        assert.equal(Number((await pub.locator(`#resp-summary tr[data-village="${id}"] td[data-n=late]`).textContent()).replace(/\D/g, '')), c.late, `${id} late`);
      }
      // The public cannot read the tasks, and the page does not try to draw them.
      assert.equal(await pub.locator('path.resp-f').count(), 0);
      // Every other tab and sheet written too: no name anywhere in the document.
      for (const tab of ['reports', 'impact', 'hydraulics', 'responsibility']) await pub.locator(`#tab-btn-${tab}`).click();
      await waitIdle(pub);
      const html = await pub.evaluate(() => document.documentElement.outerHTML);
      const text = await pub.evaluate(() => document.body.innerText);
      for (const p of people.people) {
        assert.ok(!html.includes(p.name) && !text.includes(p.name), `${p.id}'s name appears for the public`);
        if (p.phone) assert.ok(!html.includes(p.phone), `${p.id}'s phone appears for the public`);
      }
      assert.deepEqual(pub.problems, []);
    } finally {
      await pub.context().close();
    }
  });
});

describe('on a phone (390 × 844)', () => {
  test('the tab opens as a sheet over the lower part of the map, which stays usable', async () => {
    const phone = await openPage(browser, server.url, { viewport: { width: 390, height: 844 }, device: { isMobile: true, hasTouch: true } });
    try {
      await signIn(phone, OFFICER);
      const btn = phone.locator('.phone-bar button[data-sheet=responsibility]');
      await btn.tap();
      await phone.waitForSelector('body[data-sheet=responsibility][data-responsibility=ready]');
      await waitIdle(phone);
      assert.equal(await btn.getAttribute('aria-expanded'), 'true');
      const sheet = await phone.locator('#panel').boundingBox();
      const map = await phone.locator('#map').boundingBox();
      assert.ok(sheet.y + sheet.height <= 844 && sheet.x >= 0 && sheet.x + sheet.width <= 390, 'the sheet lies inside the screen');
      assert.ok(sheet.y - map.y >= 0.3 * 844, `part of the map stays in view above the sheet (${sheet.y - map.y} px)`);
      assert.ok(await phone.locator('#resp-at').isVisible(), 'the date control is in the sheet');
      assert.ok(await phone.locator('path.resp-f').count() > 0, 'the tasks are drawn on the map');
      // "Show all on the map" fits the tasks' features into the part of the map above the sheet.
      await phone.locator('#resp-fit').tap();
      await waitIdle(phone);
      const above = await phone.evaluate((top) => [...document.querySelectorAll('path.resp-f')].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.top >= 0 && r.bottom <= top;
      }).length, sheet.y);
      const drawn = await phone.locator('path.resp-f').count();
      assert.ok(above >= 0.9 * drawn, `the features lie above the sheet (${above} of ${drawn})`);
      mkdirSync(SHOTS, { recursive: true });
      await phone.screenshot({ path: join(SHOTS, 'phone-responsibility.png') });
      // The map above the sheet still answers a tap: the zoom control is not covered.
      const z0 = await phone.evaluate(() => window.drainplan.map.getZoom());
      await phone.locator('.leaflet-control-zoom-in').tap();
      await phone.waitForFunction((z) => window.drainplan.map.getZoom() === z + 1, z0);
      await phone.locator('#sheet-close').tap();
      assert.equal(await phone.evaluate(() => document.body.dataset.sheet), '');
      assert.deepEqual(phone.problems, []);
    } finally {
      await phone.context().close();
    }
  });
});
