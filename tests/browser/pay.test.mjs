// My pay page in a real browser against the real server (issue 19).
//
// The job (every second here) sends worker01 the terms notice of their demo assignment; on
// the phone page "Pay" they read and acknowledge it, see a wrong bank code refused next to its
// field, and save their account with the holder in full-width kana, shown back in half-width
// kana. axe-core finds no serious or critical violation; no page error, no console error, no
// other host.
//
// Run: node --test tests/browser/pay.test.mjs  (after cargo build)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AXE, axeCheck, launchBrowser, pageAs, session, startServer, watchPage } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));


test('a worker acknowledges their terms and enters their bank account', { timeout: 120_000 }, async (t) => {
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer({ KADO_JOB_INTERVAL: '1' });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const w1 = await session(base, 'worker01@kado.example');
  let terms = [];
  for (let i = 0; i < 50 && terms.length === 0; i += 1) {
    terms = await w1.get('/api/v1/me/terms');
    if (terms.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(terms.length > 0, 'the job sent the demo assignment its terms');

  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const problems = [];
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') problems.push(`request to another host: ${req.url()}`);
  });
  const [name, value] = w1.cookie.split(';')[0].split('=');
  await context.addCookies([{ name, value, url: base }]);
  const page = await context.newPage();
  watchPage(page, problems);

  await page.goto(`${base}/app/#/pay`);
  const card = page.locator(`[data-terms="${terms[0].id}"]`);
  await card.waitFor();
  assert.match(await card.innerText(), /時給/);
  await axeCheck(page, 'my pay');
  await card.getByRole('button', { name: '確認しました' }).click();
  await card.locator('.hint').waitFor();
  const after = await w1.get('/api/v1/me/terms');
  assert.ok(after.find((x) => x.id === terms[0].id).acknowledged_at);

  // A wrong bank code: said next to the field.
  await page.locator('#bank-code').fill('12');
  await page.locator('#branch-code').fill('123');
  await page.locator('#account-number').fill('1234567');
  await page.locator('#account-holder').fill('ヤマダ タロウ');
  await page.getByRole('button', { name: '口座を保存する' }).click();
  await page.locator('#bank-code-error:not([hidden])').waitFor();
  assert.equal(await page.locator('#bank-code').getAttribute('aria-invalid'), 'true');
  await axeCheck(page, 'my pay with an error');
  await page.locator('#bank-code').fill('0001');
  await page.getByRole('button', { name: '口座を保存する' }).click();
  await page.locator('#pay-status.ok').waitFor();
  assert.equal(await page.locator('#account-holder').inputValue(), 'ﾔﾏﾀﾞ ﾀﾛｳ');
  const me = await w1.get('/api/v1/auth/me');
  const account = await w1.get(`/api/v1/people/${me.id}/bank-account`);
  assert.equal(account.bank_code, '0001');

  assert.deepEqual(problems, []);
});

// The director's pay page: worker01's November is approved; on 1 December the director
// opens "支払", sees the month's row and total, is told next to the field that a day in the
// future cannot be a payment day, marks the month paid today, and sees the run; the page
// switches to English; no Zengin link for a director who is not an accountant. axe-core
// finds no serious or critical violation.
test('a director marks a month paid on the pay page', { timeout: 180_000 }, async (t) => {
  if (!existsSync(AXE)) throw new Error(`axe-core is missing at ${AXE}: run \`npm ci --prefix tests/browser\`.`);
  const server = await startServer({ KADO_TEST_CLOCK: 'true' });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close();
    await server.stop();
  });
  const { base } = server;
  const advance = async (seconds) => {
    const r = await fetch(`${base}/test/clock/advance?seconds=${seconds}`, { method: 'POST' });
    assert.equal(r.status, 200, 'the test clock hook is served');
  };
  let w1 = await session(base, 'worker01@kado.example');
  let director = await session(base, 'director@shiojiri.kado.example');
  const me = await w1.get('/api/v1/auth/me');
  const site = 1;
  let assignment = (await director.get(`/api/v1/sites/${site}/assignments`)).find((a) => a.person_id === me.id);
  if (!assignment) {
    const clients = await director.get(`/api/v1/sites/${site}/clients`);
    const project = clients.flatMap((c) => c.projects || [])[0];
    assignment = await director.call('POST', `/api/v1/sites/${site}/assignments`,
      { person_id: me.id, project_id: project.id, starts_on: '2026-11-01', yen_per_hour: 1000 });
  }
  await w1.call('POST', `/api/v1/me/time-entries?site_id=${site}`,
    { kind: 'remote', date: '2026-11-10', start: '09:00', end: '11:00', project_id: assignment.project_id, note: 'work' });
  await advance(7 * 86400); // Tuesday 1 December
  w1 = await session(base, 'worker01@kado.example');
  director = await session(base, 'director@shiojiri.kado.example');
  const sheet = await w1.call('POST', `/api/v1/me/months/2026-11/submit?site_id=${site}`);
  await director.call('POST', `/api/v1/timesheets/${sheet.timesheet_id}/approve`, { comment: '' });

  browser = await launchBrowser();
  const { page, problems } = await pageAs(browser, base, director, { width: 1280, height: 900 });
  await page.goto(`${base}/director/`);
  await page.getByRole('link', { name: '支払' }).click();
  await page.waitForURL(/\/director\/pay\.html/);
  await page.locator('#payments table').waitFor();
  assert.equal(await page.locator('#month-input').inputValue(), '2026-11');
  assert.match(await page.locator('#payments').innerText(), /2,000 円/);
  assert.match(await page.locator('#summary').innerText(), /未払 2,000 円/);
  assert.equal(await page.locator('#exports a[href*="zengin"]').count(), 0, 'no transfer file for a director');
  assert.ok(await page.locator('#exports a[href$="export.xlsx"]').count() === 1);
  await axeCheck(page, 'the pay page');

  await page.locator('#paid-on').fill('2026-12-05');
  await page.getByRole('button', { name: '未払の承認済み分を支払済みにする' }).click();
  await page.locator('#paid-on-error:not([hidden])').waitFor();
  assert.equal(await page.locator('#paid-on').getAttribute('aria-invalid'), 'true');
  await axeCheck(page, 'the pay page with an error');
  await page.locator('#paid-on').fill('2026-12-01');
  await page.getByRole('button', { name: '未払の承認済み分を支払済みにする' }).click();
  await page.locator('#status.ok').waitFor();
  await page.locator('#runs table').waitFor();
  assert.match(await page.locator('#runs').innerText(), /2026-12-01/);
  const list = await director.get(`/api/v1/sites/${site}/payments/2026-11`);
  assert.equal(list.runs.length, 1);
  assert.equal(list.unpaid_total, 0);

  await page.locator('#lang-toggle').click();
  await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
  assert.match(await page.locator('#summary').innerText(), /unpaid 0 yen/);
  await axeCheck(page, 'the pay page in English');
  assert.deepEqual(problems, []);
});
