// The trainer's page and the worker's training page in a real browser against the real server.
//
// A session at 09:15 today (the server's clock starts at 09:00 on a Tuesday) with two workers
// enrolled: the trainer opens its roster; a kiosk scan of worker01 appears on the roster by
// itself (the page polls); the trainer marks worker02 excused with a reason, and the history
// shows who did it. Worker03 then books a place on their phone. axe-core finds no serious or
// critical violation on either page; no page error, no console error, no other host.
//
// Run: node --test tests/browser/trainer.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AXE, axeCheck, launchBrowser, pageAs, ROOT, session, startServer, watchPage } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');



test('trainer roster with a live kiosk arrival, marks, and the worker page', { timeout: 180_000 }, async (t) => {
  await mkdir(ARTIFACTS, { recursive: true });
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer();
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const director = await session(base, 'director@shiojiri.kado.example');
  const trainer = await session(base, 'trainer@shiojiri.kado.example');
  const w1 = await session(base, 'worker01@kado.example');
  const w2 = await session(base, 'worker02@kado.example');
  const w3 = await session(base, 'worker03@kado.example');
  const course = await director.call('POST', '/api/v1/training/courses', {
    name_ja: '情報セキュリティ', name_en: 'Information security', kind: 'onboarding',
    minimum_minutes: 30, validity_months: 12, site_id: 1,
  });
  await director.call('PUT', '/api/v1/training/programme', { site_id: 1, course_ids: [course.id] });
  const spaces = await director.get('/api/v1/sites/1/spaces');
  const room = spaces.find((s) => s.name === 'R-06');
  const s = await trainer.call('POST', '/api/v1/sites/1/training/sessions', {
    course_id: course.id, space_id: room.id, date: '2026-11-24', start: '09:15', end: '10:15', capacity: 8,
  });
  const later = await trainer.call('POST', '/api/v1/sites/1/training/sessions', {
    course_id: course.id, space_id: room.id, date: '2026-11-26', start: '14:00', end: '15:00', capacity: 8,
  });
  for (const w of [w1, w2]) await w.call('POST', `/api/v1/training/sessions/${s.id}/enrolments`, {});
  const extra = await trainer.call('POST', '/api/v1/sites/1/training/sessions', {
    course_id: course.id, date: '2026-11-24', start: '16:00', end: '17:00', capacity: 4,
  });
  await w2.call('POST', `/api/v1/training/sessions/${extra.id}/enrolments`, {});

  browser = await launchBrowser();
  const tr = await pageAs(browser, base, trainer, { width: 1024, height: 768 });
  await tr.page.goto(`${base}/trainer/`);
  await tr.page.locator(`#open-${s.id}`).click();
  await tr.page.locator('#roster-list table').waitFor({ state: 'visible' });
  const w1id = (await w1.get('/api/v1/auth/me')).id;
  const w2id = (await w2.get('/api/v1/auth/me')).id;
  assert.equal(await tr.page.locator(`#att-${w1id}`).getAttribute('data-attendance'), 'none');
  await axeCheck(tr.page, 'trainer roster');

  // The kiosk scans worker01: the roster shows the arrival without a reload.
  const paired = await fetch(`${base}/api/v1/kiosk/pair`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: '20262026' }),
  });
  const token = (await paired.json()).token;
  const qr = (await w1.qr()).payload;
  const scanned = await fetch(`${base}/api/v1/kiosk/scan`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ credential: qr }),
  });
  const result = await scanned.json();
  assert.equal(scanned.status, 200, JSON.stringify(result));
  assert.match(result.message, /研修「情報セキュリティ」を記録しました/);
  await tr.page.locator(`#att-${w1id}[data-attendance="present"]`).waitFor({ timeout: 15_000 });
  assert.match(await tr.page.locator('#roster-status').innerText(), /到着しました/);

  // The trainer marks worker02 excused, with a reason; the history names the trainer.
  await tr.page.locator(`#mark-${w2id}`).selectOption('excused');
  await tr.page.locator(`#reason-${w2id}`).fill('通院のため事前連絡あり');
  await tr.page.locator(`#save-${w2id}`).click();
  await tr.page.locator(`#att-${w2id}[data-attendance="excused"]`).waitFor({ timeout: 10_000 });
  await tr.page.locator(`#history-${w2id}`).click();
  await tr.page.locator('#history table').waitFor({ state: 'visible' });
  const history = await tr.page.locator('#history').innerText();
  assert.match(history, /古畑 講師/);
  assert.match(history, /通院のため事前連絡あり/);
  await axeCheck(tr.page, 'trainer history');
  await tr.page.screenshot({ path: path.join(ARTIFACTS, 'trainer-roster.png'), fullPage: true });
  // English.
  await tr.page.locator('#lang-toggle').click();
  await tr.page.locator('#roster-heading', { hasText: 'Roster' }).waitFor();
  await axeCheck(tr.page, 'trainer roster (en)');
  // The trainer cancels the afternoon session (after confirming): it shows as cancelled.
  tr.page.once('dialog', (d) => d.accept());
  await tr.page.locator(`#cancel-${extra.id}`).click();
  await tr.page.locator('#sessions-status', { hasText: 'is cancelled' }).waitFor({ timeout: 10_000 });
  assert.equal(await tr.page.locator(`#cancel-${extra.id}`).count(), 0);
  const mine = await w2.get('/api/v1/me/training');
  assert.ok(!mine.enrolments.some((e) => e.session_id === extra.id && e.status !== 'cancelled'), JSON.stringify(mine.enrolments));
  assert.deepEqual(tr.problems, []);

  // Worker03 on a phone: the programme's course is next; books the later session.
  const ph = await pageAs(browser, base, w3, { width: 360, height: 740 });
  await ph.page.goto(`${base}/app/#/training`);
  await ph.page.locator('#training-courses li[data-standing="next"]').waitFor();
  const card = ph.page.locator(`#training-session-list li[data-session="${later.id}"]`);
  await card.locator('button').click();
  await ph.page.locator('#training-status', { hasText: '申し込みました' }).waitFor();
  await card.locator('.badge', { hasText: '申込済' }).waitFor();
  await axeCheck(ph.page, 'worker training');
  const width = await ph.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the training page is ${width} px wide on a 360 px screen`);
  await ph.page.screenshot({ path: path.join(ARTIFACTS, 'worker-training.png'), fullPage: true });
  assert.deepEqual(ph.problems, []);
});
