// The staff page in a real browser against the real server (demo data, Tuesday 09:00).
//
//   - reception's desktop screen shows a kiosk scan (a walk-in checking in) without reload,
//     on the map's accessible table and in the people list;
//   - a caregiver's 360 px phone starts the evacuation roll call, loses the network, marks a
//     person safe (kept on the page, not on the server), gets the network back, and the mark
//     is sent; reception's screen shows it live;
//   - axe-core finds no serious or critical violation on either screen.
// Screenshots go to target/browser-artifacts/.
//
// Run: node --test tests/browser/staff.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AXE, axeCheck, launchBrowser, PASSWORD, ROOT, session, startServer, watchPage } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');
const PAIRING_CODE = '20262026';


/** A browser window logged in with `cookie` (name=value), watched for errors. */
async function screen(browser, base, cookie, viewport, where = '/staff/') {
  const context = await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', reducedMotion: 'reduce' });
  const cookies = cookie.split('; ').map((c) => {
    const at = c.indexOf('=');
    return { name: c.slice(0, at), value: c.slice(at + 1), url: base };
  });
  await context.addCookies(cookies);
  const problems = [];
  const watch = { allowNetErrors: false };
  const page = await context.newPage();
  watchPage(page, problems, () => watch.allowNetErrors);
  // EventSource reports a dropped stream as a console error of its own.
  page.on('console', () => {});
  await page.goto(`${base}${where}`);
  if (where === '/staff/') await page.locator('#connection.ok').waitFor({ state: 'visible', timeout: 20_000 });
  else await page.locator('#plan-editor h3').waitFor({ timeout: 20_000 });
  return { context, page, problems, watch };
}

test('staff live view and roll call in a browser', { timeout: 180_000 }, async (t) => {
  await mkdir(ARTIFACTS, { recursive: true });
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer();
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  browser = await launchBrowser();
  const { base } = server;
  const reception = await session(base, 'reception@shiojiri.kado.example');
  const caregiver = await session(base, 'caregiver@shiojiri.kado.example');
  const worker = await session(base, 'worker05@kado.example');
  const workerName = (await worker.get('/api/v1/auth/me')).name;
  const paired = await fetch(`${base}/api/v1/kiosk/pair`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: PAIRING_CODE }),
  });
  assert.equal(paired.status, 200);
  const kioskToken = (await paired.json()).token;

  const desk = await screen(browser, base, reception.cookie, { width: 1280, height: 900 });
  const people = desk.page.locator('#people');
  assert.equal(await people.getByText(workerName).count(), 0);

  // A kiosk scan: the screen shows it without a reload.
  const qr = await worker.qr();
  const scanned = await fetch(`${base}/api/v1/kiosk/scan`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${kioskToken}` },
    body: JSON.stringify({ credential: qr.payload }),
  });
  assert.equal(scanned.status, 200, await scanned.text());
  await people.getByText(workerName).waitFor({ timeout: 10_000 });
  const occupied = desk.page.locator('#seats td', { hasText: workerName });
  assert.ok(await occupied.count() >= 1, 'the seat list names the worker');
  await desk.page.locator('#map svg .seat-occupied').first().waitFor({ state: 'attached' });
  assert.equal(await desk.page.locator('#brand').innerText(), 'KADO 塩尻市テレワークセンター', 'the header names the site');
  await axeCheck(desk.page, 'staff desktop');
  await desk.page.screenshot({ path: path.join(ARTIFACTS, 'staff-desktop.png'), fullPage: true });

  // The roll call on a caregiver's phone.
  const phone = await screen(browser, base, caregiver.cookie, { width: 360, height: 740 });
  const { page } = phone;
  await page.locator('#start-rollcall').click();
  const line = page.locator('#rollcall-inside li', { hasText: workerName });
  await line.waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the roll call is ${width} px wide on a 360 px phone`);
  await axeCheck(page, 'staff phone roll call');
  const open = await reception.get('/api/v1/sites/1/live');
  const rollCallId = open.roll_call.id;

  phone.watch.allowNetErrors = true;
  await phone.context.setOffline(true);
  // (Chromium may keep the open event stream; every new request fails.)
  await line.getByRole('button').click();
  await line.getByText('確認済み（未送信）').waitFor();
  await page.locator('#rollcall .message.warn').waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'staff-phone-offline.png'), fullPage: true });
  let rc = await reception.get(`/api/v1/roll-calls/${rollCallId}`);
  assert.equal(rc.marked, 0, 'nothing reached the server while offline');

  await phone.context.setOffline(false);
  for (let i = 0; i < 100 && rc.marked === 0; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    rc = await reception.get(`/api/v1/roll-calls/${rollCallId}`);
  }
  assert.equal(rc.marked, 1, 'the mark was sent when the network came back');
  const entry = rc.entries.find((e) => e.name === workerName);
  assert.ok(entry.marked_at && entry.marked_by, JSON.stringify(entry));
  // Reception's screen shows the mark live.
  await desk.page.locator('#rollcall-inside li.safe', { hasText: workerName }).waitFor({ timeout: 10_000 });
  await page.locator('#connection.ok').waitFor({ timeout: 20_000 });
  phone.watch.allowNetErrors = false;
  await page.screenshot({ path: path.join(ARTIFACTS, 'staff-phone-back.png'), fullPage: true });

  // The session ends (401): a mark is kept on the device, not dropped, and sent once the same
  // person logs in again. Logging out then leaves nothing of the roll call on the device.
  const other = rc.entries.find((e) => !e.expected && !e.marked_at);
  assert.ok(other, `someone else is inside: ${JSON.stringify(rc.entries.map((e) => e.name))}`);
  await phone.context.clearCookies();
  const otherLine = page.locator('#rollcall-inside li', { hasText: other.name });
  await otherLine.getByRole('button').click();
  await page.locator('#rollcall-status', { hasText: 'もう一度ログイン' }).waitFor();
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('kado.staff.marks')));
  assert.equal(kept.marks.length, 1, `the mark is kept: ${JSON.stringify(kept)}`);
  assert.equal((await reception.get(`/api/v1/roll-calls/${rollCallId}`)).marked, 1);
  const relogged = await page.evaluate(async (password) => (await fetch('/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'caregiver@shiojiri.kado.example', password }),
  })).status, PASSWORD);
  assert.equal(relogged, 200);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  for (let i = 0; i < 100 && rc.marked < 2; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    rc = await reception.get(`/api/v1/roll-calls/${rollCallId}`);
  }
  assert.equal(rc.marked, 2, 'the kept mark was sent after logging in again');
  assert.equal(rc.entries.find((e) => e.id === other.id).marked_by, rc.entries.find((e) => e.name === workerName).marked_by);
  const owner = await page.evaluate(() => JSON.parse(localStorage.getItem('kado.staff.owner')));
  assert.equal(owner, (await caregiver.get('/api/v1/auth/me')).id, 'what the device keeps is marked as the caregiver\'s');
  await page.locator('#logout-button').click();
  await page.waitForURL(`${base}/`);
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('kado.staff.')));
  assert.deepEqual(left, [], 'logging out clears the roll call kept on the device');

  // A director places a space from the admin page (numbers; dragging moves the same values).
  const director = await session(base, 'director@shiojiri.kado.example');
  const admin = await screen(browser, base, director.cookie, { width: 1280, height: 900 }, '/admin/#site=1');
  const x = admin.page.getByLabel('D-05 の 横位置');
  await admin.page.locator('#plan-editor summary').click();
  await x.fill('700');
  await x.dispatchEvent('change');
  await admin.page.locator('#plan-editor').getByRole('button', { name: '配置を保存' }).click();
  await admin.page.locator('#plan-editor .message.ok').waitFor();
  const placed = (await director.get('/api/v1/sites/1/live')).spaces.find((s) => s.name === 'D-05');
  assert.equal(placed.x, Math.min(700, 1000 - placed.width));
  await axeCheck(admin.page, 'admin plan editor');
  assert.deepEqual(admin.problems, []);

  // The director's staff page adds the utilisation history: heat maps and the CSV link.
  const board = await screen(browser, base, director.cookie, { width: 1024, height: 900 });
  await board.page.locator('#history-out figure svg').first().waitFor();
  const csvHref = await board.page.locator('#history-section a[download]').getAttribute('href');
  const csv = await fetch(`${base}${csvHref}`, { headers: { Cookie: director.cookie } });
  assert.equal(csv.status, 200);
  assert.ok((await csv.text()).startsWith('day,hour,desk_seconds'));
  await axeCheck(board.page, 'staff history');
  await board.page.screenshot({ path: path.join(ARTIFACTS, 'staff-director.png'), fullPage: true });
  assert.deepEqual(board.problems, []);

  // One person with every live screen allowed open: the next one says why it cannot connect.
  const streams = new AbortController();
  const held = [];
  for (let i = 0; i < 10; i += 1) {
    const r = await fetch(`${base}/api/v1/sites/1/live/stream`, {
      headers: { Cookie: caregiver.cookie, Accept: 'text/event-stream' }, signal: streams.signal,
    });
    assert.equal(r.status, 200);
    held.push(r);
  }
  const full = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'ja-JP' });
  await full.addCookies(caregiver.cookie.split('; ').map((c) => {
    const at = c.indexOf('=');
    return { name: c.slice(0, at), value: c.slice(at + 1), url: base };
  }));
  const fullPage = await full.newPage();
  await fullPage.goto(`${base}/staff/`);
  await fullPage.locator('#connection', { hasText: '上限' }).waitFor({ timeout: 20_000 });
  assert.match(await fullPage.locator('#connection').innerText(), /使っていない画面やタブを閉じてください/);
  streams.abort();
  await full.close();

  assert.deepEqual(desk.problems, []);
  assert.deepEqual(phone.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|net::ERR_/.test(p)), []);
});
