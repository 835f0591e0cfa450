// The trainer's courses, programme and scheduling pages in a real browser against the real
// server (a tablet-sized window, then a desktop one).
//
// The Shiojiri trainer creates a course (first with a missing English name and a validity of
// 0 months: both errors appear under their fields), adds it to the site's onboarding
// programme, moves it up with the buttons (keyboard only), saves; then schedules a session
// from the sessions page: end before start and a room already booked are refused inline,
// then the session is made and listed. axe-core finds no serious or critical violation on
// any view, in Japanese and in English; no page error, no console error, no other host.
//
// Run: node --test tests/browser/trainer_courses.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AXE, axeCheck, launchBrowser, pageAs, ROOT, session, startServer } from './server.mjs';

const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');

test('a trainer creates a course, puts it in the programme, moves it up, schedules a session', { timeout: 180_000 }, async (t) => {
  await mkdir(ARTIFACTS, { recursive: true });
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer();
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const trainer = await session(base, 'trainer@shiojiri.kado.example');
  const before = await trainer.get('/api/v1/training/programme?site_id=1');
  const own = before.filter((s) => s.site_id === 1).map((s) => s.course_id);
  assert.ok(own.length >= 2, JSON.stringify(before));

  browser = await launchBrowser();
  const tr = await pageAs(browser, base, trainer, { width: 1024, height: 768 });
  const page = tr.page;
  await page.goto(`${base}/trainer/courses.html`);
  await page.locator('#course-list table').waitFor({ state: 'visible' });
  // The demo's shared course is listed as not expiring or with its months, not editable here.
  assert.match(await page.locator('#course-list').innerText(), /12 か月/);
  assert.match(await page.locator('#rule-text').innerText(), /書き換わりません/);
  await axeCheck(page, 'courses');

  // A first try with two mistakes: both are shown under their fields.
  await page.locator('#course-name_ja').fill('接客の基本');
  await page.locator('#course-minimum_minutes').fill('60');
  await page.locator('#course-validity_months').fill('0');
  await page.locator('#course-submit').click();
  await page.locator('#course-name_en[aria-invalid="true"]').waitFor();
  assert.equal(await page.locator('#course-validity_months').getAttribute('aria-invalid'), 'true');
  assert.notEqual((await page.locator('#course-validity_months-error').innerText()).trim(), '');
  assert.notEqual((await page.locator('#course-name_en-error').innerText()).trim(), '');
  // The first wrong field has the focus.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'course-name_en');
  await axeCheck(page, 'course form with errors');
  await page.locator('#course-name_en').fill('Customer service basics');
  await page.locator('#course-kind').selectOption('skill');
  await page.locator('#course-validity_months').fill('24');
  await page.locator('#course-submit').click();
  await page.locator('#course-status', { hasText: '作りました' }).waitFor();
  const courses = await trainer.get('/api/v1/training/courses');
  const made = courses.find((c) => c.name_en === 'Customer service basics');
  assert.ok(made, JSON.stringify(courses));
  assert.deepEqual([made.kind, made.minimum_minutes, made.validity_months, made.site_id], ['skill', 60, 24, 1]);
  assert.match(await page.locator('#course-list').innerText(), /24 か月/);

  // Edit it: the form fills with the course; the change is saved.
  await page.locator(`#edit-${made.id}`).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'form-heading');
  assert.equal(await page.locator('#course-name_en').inputValue(), 'Customer service basics');
  await page.locator('#course-sessions_required').fill('2');
  await page.locator('#course-submit').click();
  await page.locator('#course-status', { hasText: '保存しました' }).waitFor();
  assert.equal((await trainer.get('/api/v1/training/courses')).find((c) => c.id === made.id).sessions_required, 2);

  // The programme: add the course (last), move it up once with the keyboard, save.
  await page.locator('#programme-list li').first().waitFor();
  await page.locator('#programme-course').selectOption(String(made.id));
  await page.locator('#programme-add-button').click();
  await page.locator(`#programme-list li[data-course="${made.id}"]`).waitFor();
  assert.match(await page.locator('#programme-status').innerText(), /保存されていません/);
  await page.locator(`#up-${made.id}`).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), `up-${made.id}`);
  const order = await page.locator('#programme-list li').evaluateAll((lis) => lis.map((li) => Number(li.dataset.course)));
  const expected = [...own.slice(0, -1), made.id, own[own.length - 1]];
  assert.deepEqual(order, expected);
  await axeCheck(page, 'programme');
  await page.locator('#programme-save').click();
  await page.locator('#programme-status', { hasText: '保存しました' }).waitFor();
  const after = await trainer.get('/api/v1/training/programme?site_id=1');
  assert.deepEqual(after.filter((s) => s.site_id === 1).map((s) => s.course_id), expected);

  // English.
  await page.locator('#lang-toggle').click();
  await page.locator('#programme-save', { hasText: 'Save programme' }).waitFor();
  assert.match(await page.locator('#rule-text').innerText(), /never rewrites completions/);
  await axeCheck(page, 'courses (en)');
  await page.locator('#lang-toggle').click();
  await page.screenshot({ path: path.join(ARTIFACTS, 'trainer-courses.png'), fullPage: true });
  assert.deepEqual(tr.problems, []);

  // Scheduling, on a tablet: a room taken at that time and an end before the start are
  // refused under their fields; then the session is made.
  const spaces = await trainer.get('/api/v1/sites/1/spaces');
  const room = spaces.find((s) => s.name === 'R-06');
  await trainer.call('POST', '/api/v1/sites/1/training/sessions', {
    course_id: own[0], space_id: room.id, date: '2026-11-25', start: '14:00', end: '15:00', capacity: 4,
  });
  const tab = await pageAs(browser, base, trainer, { width: 800, height: 1280 });
  const p2 = tab.page;
  await p2.goto(`${base}/trainer/`);
  await p2.locator(`#schedule-course_id option[value="${made.id}"]`).waitFor({ state: 'attached' });
  await axeCheck(p2, 'sessions with the schedule form');
  await p2.locator('#schedule-course_id').selectOption(String(made.id));
  await p2.locator('#schedule-space_id').selectOption(String(room.id));
  await p2.locator('#schedule-date').fill('2026-11-25');
  await p2.locator('#schedule-start').fill('14:30');
  await p2.locator('#schedule-end').fill('14:00');
  await p2.locator('#schedule-capacity').fill('6');
  await p2.locator('#schedule-submit').click();
  await p2.locator('#schedule-end[aria-invalid="true"]').waitFor();
  assert.match(await p2.locator('#schedule-end-error').innerText(), /終了は開始より後/);
  await p2.locator('#schedule-end').fill('15:30');
  await p2.locator('#schedule-submit').click();
  await p2.locator('#schedule-space_id[aria-invalid="true"]').waitFor();
  assert.match(await p2.locator('#schedule-space_id-error').innerText(), /すでに予約/);
  assert.equal(await p2.locator('#schedule-end').getAttribute('aria-invalid'), null);
  await axeCheck(p2, 'schedule form with errors');
  await p2.locator('#schedule-start').fill('15:00');
  await p2.locator('#schedule-submit').click();
  await p2.locator('#schedule-status', { hasText: '作りました' }).waitFor();
  // The page shows that day, with the new session in it.
  assert.equal(await p2.locator('#day-date').inputValue(), '2026-11-25');
  await p2.locator('#sessions-list', { hasText: '接客の基本' }).waitFor();
  const listed = await trainer.get('/api/v1/sites/1/training/sessions?from=2026-11-25');
  const s = listed.find((x) => x.course_id === made.id);
  assert.deepEqual([s.room, s.start, s.end, s.capacity], ['R-06', '15:00', '15:30', 6]);
  await axeCheck(p2, 'sessions after scheduling');
  await p2.locator('#lang-toggle').click();
  await p2.locator('#schedule-submit', { hasText: 'Schedule session' }).waitFor();
  await axeCheck(p2, 'sessions (en)');
  const width = await p2.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 800, `the sessions page is ${width} px wide on an 800 px tablet`);
  await p2.screenshot({ path: path.join(ARTIFACTS, 'trainer-schedule.png'), fullPage: true });
  assert.deepEqual(tab.problems, []);
});
