// A secure room's door reader in a real browser against the real server.
//
// The director (through the API) gives room R-01 to a client project whose roster is enough,
// puts worker 1 on its roster with an NDA, and makes a new kiosk device R-01's door; worker 1
// checks in at the entrance kiosk. On Debian's chromium (playwright-core) the door page:
//   - names its room and is axe-clean (no serious or critical violation);
//   - lets worker 1 in (a keyboard-wedge scan of their QR code: green, "入室できます");
//   - refuses worker 2, on no project of the room, with the reason, in Japanese and then in
//     English (red: "not on the roster");
//   - records the leaving of worker 1.
// Every attempt is in the audit trail (read back through the director's JSON export). The
// director's page shows the review (axe clean) and certifies it; opened by an administrator, it
// offers a project only its site's courses.
//
// Run: node --test tests/browser/door.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AXE, axeCheck, launchBrowser, ROOT, session, startServer, watchPage } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');
const PAIRING_CODE = '20262026';
const GREEN = 'rgb(11, 107, 43)';
const RED = 'rgb(179, 22, 27)';


async function post(base, p, body, token) {
  const r = await fetch(`${base}${p}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `POST ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function wedgeScan(page, payload) {
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'scan-input',
    null, { timeout: 5000 });
  await page.keyboard.type(payload, { delay: 2 });
  await page.keyboard.press('Enter');
}

async function result(page, allowed) {
  const box = page.locator(`#door-result[data-allowed="${allowed}"]`);
  await box.waitFor({ state: 'visible', timeout: 10_000 });
  return {
    text: await box.innerText(),
    code: await box.getAttribute('data-code'),
    background: await box.evaluate((el) => getComputedStyle(el).backgroundColor),
  };
}

test('secure room door reader in a browser', { timeout: 180_000 }, async (t) => {
  await mkdir(ARTIFACTS, { recursive: true });
  const server = await startServer();
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const base = server.base;
  const director = await session(base, 'director@shiojiri.kado.example');
  const w1 = await session(base, 'worker01@kado.example');
  const w2 = await session(base, 'worker02@kado.example');
  const personOf = async (s) => Number((await s.qr()).payload.split('.')[1]);

  // The room, its project (roster is enough), worker 1 on the roster with an NDA.
  const spaces = await director.get('/api/v1/sites/1/spaces');
  const room = spaces.find((s) => s.name === 'R-01');
  const clients = await director.get('/api/v1/sites/1/clients');
  const projects = await director.get(`/api/v1/clients/${clients[0].id}/projects`);
  const project = projects[0].id;
  await director.call('PUT', `/api/v1/secure-rooms/${room.id}`, { project_ids: [project], roster_enough: true });
  // No required course here (the Chromium test is about the door; the API tests cover training).
  await director.call('PUT', `/api/v1/projects/${project}/requirements`, { course_ids: [] });
  const p1 = await personOf(w1);
  await director.call('POST', `/api/v1/projects/${project}/roster`, { person_id: p1, from: '2026-01-01' });
  await director.call('POST', `/api/v1/projects/${project}/ndas`,
    { person_id: p1, signed_on: '2026-01-01', expires_on: '2027-03-31', document_ref: 'NDA-2026-014' });

  // Both workers check in at the entrance kiosk.
  const entrance = (await post(base, '/api/v1/kiosk/pair', { code: PAIRING_CODE })).token;
  for (const w of [w1, w2]) {
    const r = await post(base, '/api/v1/kiosk/scan', { credential: (await w.qr()).payload }, entrance);
    assert.equal(r.outcome, 'checked_in', JSON.stringify(r));
  }

  // A new kiosk device becomes R-01's door.
  const reg = await director.call('POST', '/api/v1/sites/1/kiosks', { name: 'R-01 door' });
  const door = (await post(base, '/api/v1/kiosk/pair', { code: reg.pairing_code })).token;
  await director.call('PUT', `/api/v1/kiosks/${reg.id}/door`, { space_id: room.id });

  browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: { width: 1024, height: 768 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', reducedMotion: 'reduce',
  });
  await context.addInitScript((tk) => window.localStorage.setItem('kado.kiosk.token', tk), door);
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems);
  await page.goto(`${base}/door/`);
  await page.locator('#door-screen').waitFor({ state: 'visible' });
  assert.match(await page.locator('#room-name').innerText(), /R-01/);
  await axeCheck(page, 'door idle');

  await wedgeScan(page, (await w1.qr()).payload);
  const ok = await result(page, 'true');
  assert.match(ok.text, /入室できます/);
  assert.equal(ok.background, GREEN);
  await page.screenshot({ path: path.join(ARTIFACTS, 'door-01-allowed.png') });

  await wedgeScan(page, (await w2.qr()).payload);
  const no = await result(page, 'false');
  assert.equal(no.code, 'access.not_on_roster');
  assert.match(no.text, /名簿に載っていません/);
  assert.equal(no.background, RED);
  await axeCheck(page, 'door denied');
  await page.screenshot({ path: path.join(ARTIFACTS, 'door-02-denied.png') });

  await page.locator('#lang-toggle').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.locator('#scan-input').focus();
  await wedgeScan(page, (await w2.qr()).payload);
  await page.waitForFunction(() => /not on the roster/.test(document.getElementById('door-result').textContent));
  assert.match(await page.locator('#door-result').innerText(), /Entry refused/);

  // Leaving: the direction switch, then a scan.
  await page.locator('#dir-leave').click();
  assert.equal(await page.locator('#dir-leave').getAttribute('aria-pressed'), 'true');
  await wedgeScan(page, (await w1.qr()).payload);
  await page.waitForFunction(() => /Leaving recorded/.test(document.getElementById('door-result').textContent));
  await axeCheck(page, 'door left');

  // Four attempts at the door, each in the room's trail.
  const trail = await director.get(`/api/v1/secure-rooms/${room.id}/audit?from=2026-11-24&to=2026-11-24&format=json`);
  const attempts = trail.filter((r) => r.action.startsWith('door.') && r.action !== 'door.pair');
  assert.deepEqual(attempts.map((r) => `${r.action} ${r.decision}`),
    ['door.enter allow', 'door.enter deny', 'door.enter deny', 'door.leave allow']);

  // The director's page: the review names worker 1 in R-01, certifying is recorded; axe clean.
  // The director's access page, as the session `s` opens it.
  const accessPage = async (s) => {
    const [name, value] = s.cookie.split('; ')[0].split('=');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
    await context.addCookies([{ name, value, url: base }]);
    const p = await context.newPage();
    watchPage(p, problems);
    await p.goto(`${base}/director/access.html`);
    return p;
  };
  const dpage = await accessPage(director);
  await dpage.locator('#content').waitFor({ state: 'visible' });
  await dpage.waitForFunction(() => document.getElementById('review').textContent.includes('R-01'));
  assert.match(await dpage.locator('#review').innerText(), /2027-03-31/);
  await axeCheck(dpage, 'director access page');
  await dpage.locator('#certify').click();
  await dpage.waitForFunction(() => /最終承認/.test(document.getElementById('certified').textContent));
  await dpage.screenshot({ path: path.join(ARTIFACTS, 'door-03-director.png'), fullPage: true });
  assert.match(await dpage.locator('#export-csv').getAttribute('href'), /format=csv/);

  // An administrator reads every site's courses, but a project may require only those its
  // site offers (the server refuses another site's): Shiojiri's course is offered, Omachi's
  // is not.
  const admin = await session(base, 'admin@kado.example');
  const course = (site, name) => admin.call('POST', '/api/v1/training/courses',
    { name_ja: name, name_en: name, kind: 'skill', site_id: site });
  const ours = await course(1, '塩尻の講座');
  const theirs = await course(2, '大町の講座');
  const apage = await accessPage(admin);
  await apage.locator(`#course-${ours.id}`).waitFor({ state: 'attached' });
  assert.equal(await apage.locator(`#course-${theirs.id}`).count(), 0);
  assert.deepEqual(problems, []);
});
